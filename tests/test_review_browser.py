"""The review page in headless Debian Chromium (Playwright), against the real server
started in-process on a free loopback port (in a thread) and stopped after each test."""

from __future__ import annotations

import pytest
import yaml

from pipeline import transcripts
from pipeline.models import Word
from pipeline.review.server import ReviewServer
from pipeline.review.status import review_lines
from pipeline.words import join
from pipeline.workspace import Workspace
from tests.browser import axe_violations, chromium
from tests.test_review_common import MANIFEST, machine_transcript, make_clip, make_film

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("clip"))


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def film(workspace, clip):
    return make_film(workspace, clip=clip)


@pytest.fixture
def server(film):
    srv = ReviewServer(film, 0).start()
    yield srv
    srv.stop()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()


def fresh(film):
    return Workspace.resolve(film.ws.root).film(film.id)


def disk(film) -> dict:
    return {p.relative_to(film.transcript_dir).as_posix(): p.read_bytes()
            for p in sorted(film.transcript_dir.rglob("*.json"))}


def open_page(context, server, editor="Anna Beispiel", media=True):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    if editor:
        page.add_init_script(f"localStorage.setItem('casefilm.editor', {editor!r});")
    page.goto(server.url)
    page.wait_for_selector("#segments .w")
    if media:
        wait_js(page, "document.getElementById('video').readyState >= 1")
    return page


def wait_js(page, expr, arg=None, timeout_s=15.0):
    """Poll the JS expression/function `expr` until truthy. (Playwright's wait_for_function
    evaluates strings with eval, which the page's Content-Security-Policy rightly forbids.)"""
    import time

    end = time.monotonic() + timeout_s
    while True:
        if page.evaluate(expr, arg) if arg is not None else page.evaluate(expr):
            return
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {expr}")
        page.wait_for_timeout(50)


def word(page, text):
    return page.locator("#segments .w", has_text=text).first


def select_word(page, text):
    """Select the whole text of the word span `text` (as a double-click would)."""
    page.evaluate("""(t) => {
        const w = Array.from(document.querySelectorAll('#segments .w')).find(s => s.textContent === t);
        w.closest('.seg-text').focus();
        const r = document.createRange(); r.selectNodeContents(w);
        const s = getSelection(); s.removeAllRanges(); s.addRange(r);
    }""", text)


def wait_saved(page, revision):
    wait_js(page,
        "(n) => { const p = document.getElementById('savestate');"
        " return p.dataset.state === 'saved' && p.textContent.includes('Fassung ' + n); }", arg=revision)


def test_click_word_seeks_and_playback_highlights_it(context, server, film):
    page = open_page(context, server)
    t = transcripts.current(film)
    target = next(w for w in t.words if w.text == "Dienste")
    word(page, "Dienste").click()
    now = page.evaluate("document.getElementById('video').currentTime")
    assert abs(now - target.start / 1000) < 0.001
    page.wait_for_selector("#segments .w.current")
    assert page.locator("#segments .w.current").inner_text() == "Dienste"
    # during playback the spoken word is highlighted: seek into "Betriebsrat" and play
    other = next(w for w in t.words if w.text == "Betriebsrat")
    page.evaluate("(s) => { const v = document.getElementById('video'); v.currentTime = s; }",
                  (other.start + 50) / 1000)
    wait_js(page, "document.querySelector('#segments .w.current')?.textContent === 'Betriebsrat'")
    assert page.errors == []


def test_uncertain_words_marked_and_threshold_adjustable(context, server):
    page = open_page(context, server)
    assert sorted(page.locator(".w.uncertain").all_inner_texts()) == ["Kai.", "bin"]
    page.locator("#threshold").fill("0.3")
    assert page.locator(".w.uncertain").all_inner_texts() == ["Kai."]
    page.locator("#threshold").fill("1")
    assert page.locator(".w.uncertain").count() == len(machine_transcript().words)
    assert page.locator("#uncertain-count").inner_text().startswith(str(len(machine_transcript().words)))
    # the key jumps from one uncertain word to the next, selecting it
    page.locator("#threshold").fill("0.5")
    page.locator(".seg-text").first.click(position={"x": 1, "y": 5})
    page.keyboard.press("Alt+N")
    assert page.evaluate("getSelection().toString()") == "bin"
    page.keyboard.press("Alt+N")
    assert page.evaluate("getSelection().toString()") == "Kai."


def test_edit_word_and_save_writes_realigned_revision(context, server, film):
    before = transcripts.current(film)
    page = open_page(context, server)
    select_word(page, "Kai.")
    page.keyboard.type("KI.")
    wait_js(page, "document.getElementById('savestate').dataset.state === 'unsaved'")
    page.keyboard.press("Control+S")
    wait_saved(page, 1)
    after = transcripts.current(fresh(film))
    assert after.revision == 1 and after.provenance.editor == "Anna Beispiel"
    old, new = before.segments[1].words, after.segments[1].words
    assert [w.text for w in new] == ["Wir", "planen", "Dienste", "mit", "KI."]
    assert new[:4] == old[:4]  # unchanged words: exactly the same times (and probability)
    assert new[3].end <= new[4].start <= new[4].end
    nxt = after.segments[2].words[0]
    assert new[4].end <= nxt.start
    assert after.segments[0] == before.segments[0] and after.segments[2] == before.segments[2]
    assert transcripts.read(transcripts.asr_path(film)) == before
    # the page now shows the saved word, which seeks to its realigned time
    word(page, "KI.").click()
    assert abs(page.evaluate("document.getElementById('video').currentTime") - new[4].start / 1000) < 0.001


def test_autosave(context, server, film):
    page = open_page(context, server)
    box = page.locator(".seg-text").nth(2)
    box.click()
    page.keyboard.press("End")
    page.keyboard.type(" Gut.")
    wait_saved(page, 1)  # no key pressed: autosave after a short idle time
    assert transcripts.current(fresh(film)).segments[2].text == "Der Betriebsrat war dabei. Gut."
    # the box keeps the caret while focused; leaving it shows the saved words as words
    page.keyboard.press("Tab")
    assert page.locator(".seg-text").nth(2).locator(".w").all_inner_texts() == \
        ["Der", "Betriebsrat", "war", "dabei.", "Gut."]


def test_stale_second_tab_is_refused_and_nothing_is_lost(context, server, film):
    a = open_page(context, server)
    b = open_page(context, server)
    select_word(a, "Kai.")
    a.keyboard.type("KI.")
    a.keyboard.press("Control+S")
    wait_saved(a, 1)
    snapshot = disk(fresh(film))
    select_word(b, "Stuttgart.")
    b.keyboard.type("Ulm.")
    b.keyboard.press("Control+S")
    wait_js(b, "document.getElementById('savestate').dataset.state === 'error'")
    alert = b.locator("#alert")
    assert alert.is_visible() and "anderen Fenster" in alert.inner_text()
    # the editor's text stays on the page …
    assert "Ulm." in b.locator(".seg-text").nth(0).inner_text()
    # … and nothing on disk was lost or overwritten
    assert disk(fresh(film)) == snapshot
    assert transcripts.current(fresh(film)).segments[1].words[4].text == "KI."
    # no autosave sneaks in afterwards
    b.keyboard.type(" mehr")
    b.wait_for_timeout(3000)
    assert disk(fresh(film)) == snapshot


def test_script_and_img_in_transcript_stay_inert(browser, workspace, clip):
    evil = [("anna", 200, "<script>window.__pwned=1</script> hallo"),
            ("ben", 3000, '<img src=x onerror="window.__pwned=2"> und &amp; <b>fett</b>')]
    manifest = dict(MANIFEST, title="<script>window.__pwned=3</script>Titel",
                    speakers=[{"id": "anna", "name": "<img src=x onerror=window.__pwned=4>"},
                              {"id": "ben", "name": "Ben"}],
                    glossary=["<svg onload=window.__pwned=5>"])
    film = make_film(workspace, clip=clip, transcript=machine_transcript(evil))
    (film.manifest_path).write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    film = fresh(film)
    srv = ReviewServer(film, 0).start()
    ctx = browser.new_context(bypass_csp=True)  # escaping alone must hold, CSP or not
    try:
        page = open_page(ctx, srv)
        page.wait_for_timeout(300)
        assert page.evaluate("window.__pwned") is None
        assert page.locator("#segments script, #segments img, #segments b, svg").count() == 0
        assert "<script>window.__pwned=1</script>" in page.locator(".seg-text").nth(0).inner_text()
        assert '<img src=x onerror="window.__pwned=2">' in page.locator(".seg-text").nth(1).inner_text()
        assert "<script>" in page.locator("h1").inner_text()
        assert page.errors == []
    finally:
        ctx.close()
        srv.stop()


def test_foreign_origin_and_path_traversal_refused_from_a_page(context, server):
    page = open_page(context, server)
    for path in ("/static/../film.yaml", "/static/..%2f..%2ffilm.yaml", "/media/../../etc/passwd"):
        r = page.request.get(server.url.rstrip("/") + path)
        assert r.status == 404
    r = page.request.post(server.url + "api/save", headers={"Origin": "http://evil.example"},
                          data={"base": 0, "editor": "x", "segments": []})
    assert r.status == 403
    r = page.request.get(server.url + "api/transcript", headers={"Host": "evil.example"})
    assert r.status == 403


def test_axe_reports_no_violations(browser, server):
    ctx = browser.new_context(bypass_csp=True)  # axe is injected as an inline script
    try:
        page = open_page(ctx, server)
        assert axe_violations(page) == []
        page.keyboard.press("Alt+N")  # with a selection and a live message
        page.locator("#find").fill("Kai")
        page.locator("#btn-find").click()
        assert axe_violations(page) == []
    finally:
        ctx.close()


def test_keyboard_alone(context, server, film):
    page = open_page(context, server, editor=None)
    seen = []
    for _ in range(60):  # tab through the whole page
        page.keyboard.press("Tab")
        seen.append(page.evaluate("(() => { const e = document.activeElement;"
                                  " return e.id || e.getAttribute('role') || e.tagName; })()"))
    for needed in ("editor", "threshold", "btn-next", "btn-reviewed", "find", "btn-replace-all",
                   "btn-save", "btn-split", "textbox", "spk-0"):
        assert needed in seen, f"{needed} not reachable by Tab: {seen}"
    # type the editor name, then jump to the transcript and edit by keyboard
    page.locator("#editor").focus()
    page.keyboard.type("Kim")
    page.keyboard.press("Alt+N")  # next uncertain word: "bin", selected and focused
    assert page.evaluate("getSelection().toString()") == "bin"
    page.keyboard.type("war")
    page.keyboard.press("Control+S")
    wait_saved(page, 1)
    t = transcripts.current(fresh(film))
    assert t.segments[0].text == "Guten Tag, ich war Anna aus Stuttgart." and t.provenance.editor == "Kim"
    # speaker by keyboard: Tab from the box backwards to its select
    page.locator(".seg-text").nth(1).focus()
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == "spk-1"
    page.keyboard.press("ArrowUp")  # Ben -> Anna
    page.keyboard.press("Control+S")
    wait_saved(page, 2)
    assert transcripts.current(fresh(film)).segments[1].speaker == "anna"
    assert page.evaluate("document.activeElement.id") == "spk-1"  # focus survives the redraw
    # play/pause and ±5 s by keyboard
    page.keyboard.press("Alt+K")
    wait_js(page, "!document.getElementById('video').paused")
    page.keyboard.press("Alt+K")
    wait_js(page, "document.getElementById('video').paused")
    page.evaluate("document.getElementById('video').currentTime = 1")
    page.keyboard.press("Alt+L")
    assert page.evaluate("document.getElementById('video').currentTime") == pytest.approx(6, abs=0.01)
    page.keyboard.press("Alt+J")
    assert page.evaluate("document.getElementById('video').currentTime") == pytest.approx(1, abs=0.01)


def test_split_merge_sound_replace_status_restore(context, server, film):
    base = transcripts.current(film)
    page = open_page(context, server)
    # split segment 3 after "Betriebsrat" with Enter
    page.evaluate("""() => {
        const w = Array.from(document.querySelectorAll('#segments .w')).find(s => s.textContent === 'Betriebsrat');
        w.closest('.seg-text').focus();
        const r = document.createRange(); r.setStartAfter(w); r.collapse(true);
        getSelection().removeAllRanges(); getSelection().addRange(r);
    }""")
    page.keyboard.press("Enter")
    wait_saved(page, 1)
    t = transcripts.current(fresh(film))
    assert [s.text for s in t.segments[2:]] == ["Der Betriebsrat", "war dabei."]
    assert [w for s in t.segments for w in s.words] == base.words  # every time kept
    # the caret is at the start of the new segment: Backspace merges it back
    page.keyboard.press("Backspace")
    wait_saved(page, 2)
    t = transcripts.current(fresh(film))
    assert t.segments == base.segments
    # find and replace across the film (glossary offered in the fields' list)
    assert "KI" in page.locator("#glossary option").evaluate_all("os => os.map(o => o.value)")
    page.locator("#find").fill("Kai")
    page.locator("#replace").fill("KI")
    page.locator("#btn-replace-all").click()
    wait_saved(page, 3)
    assert transcripts.current(fresh(film)).segments[1].words[4].text == "KI."
    # mark segment 2 as a music event
    page.locator(".seg-text").nth(1).click()
    page.locator("#btn-sound").click()
    wait_saved(page, 4)
    t = transcripts.current(fresh(film))
    assert t.segments[1].kind == "sound" and t.segments[1].text == "Musik" and t.segments[1].words == []
    assert (t.segments[1].start, t.segments[1].end) == (base.segments[1].start, base.segments[1].end)
    # sign off
    page.locator("#btn-reviewed").click()
    wait_js(page, "document.getElementById('status-text').textContent.startsWith('Geprüft')")
    t = transcripts.current(fresh(film))
    assert t.revision == 5 and t.provenance.status == "reviewed" and t.provenance.editor == "Anna Beispiel"
    assert review_lines(fresh(film))[0].startswith("review     reviewed by Anna Beispiel (rev 5")
    # restore the machine original as a new revision
    page.get_by_role("button", name="Fassung 0 wiederherstellen").click()
    wait_js(page, "document.getElementById('savestate').textContent.includes('Fassung 0 wiederhergestellt')")
    t = transcripts.current(fresh(film))
    assert t.revision == 6 and t.segments == base.segments
    assert transcripts.revision_numbers(fresh(film)) == [1, 2, 3, 4, 5, 6]
    assert page.errors == []


def test_page_without_programme_video_still_edits(context, workspace):
    film = make_film(workspace)
    srv = ReviewServer(film, 0).start()
    try:
        page = open_page(context, srv, media=False)
        assert page.locator("#novideo").is_visible() and not page.locator("#video").is_visible()
        word(page, "Dienste").click()  # no video: clicking must not break anything
        select_word(page, "Kai.")
        page.keyboard.type("KI.")
        page.keyboard.press("Control+S")
        wait_saved(page, 1)
        assert page.errors == []
    finally:
        srv.stop()


def test_compare_a_revision_with_the_current_text(browser, server, film):
    ctx = browser.new_context(bypass_csp=True)  # for axe
    try:
        page = open_page(ctx, server)
        select_word(page, "Kai.")
        page.keyboard.type("KI.")
        page.keyboard.press("Control+S")
        wait_saved(page, 1)
        page.get_by_role("button", name="Fassung 0 mit der aktuellen vergleichen").click()
        region = page.get_by_role("region", name="Änderungen von Fassung 0 zu Fassung 1")
        region.wait_for(state="visible")
        assert region.locator("del").inner_text().endswith("Kai.")
        assert region.locator("ins").inner_text().endswith("KI.")
        assert page.evaluate("document.activeElement.id") == "compare-heading"
        assert axe_violations(page) == []
    finally:
        ctx.close()


def test_save_needs_an_editor_name(context, server, film):
    page = open_page(context, server, editor=None)
    select_word(page, "Kai.")
    page.keyboard.type("KI.")
    page.keyboard.press("Control+S")
    wait_js(page, "!document.getElementById('alert').hidden")
    assert "Namen" in page.locator("#alert").inner_text()
    assert page.evaluate("document.activeElement.id") == "editor"
    assert transcripts.revision_numbers(fresh(film)) == []
    page.keyboard.type("Kim")
    page.keyboard.press("Control+S")
    wait_saved(page, 1)
    assert transcripts.current(fresh(film)).provenance.editor == "Kim"
    assert page.locator("#alert").is_hidden()


def test_mark_selected_stretch_as_sound(context, server, film):
    base = transcripts.current(film)
    page = open_page(context, server)
    page.evaluate("""() => {
        const ws = Array.from(document.querySelectorAll('#segments .w'));
        const a = ws.find(s => s.textContent === 'Dienste'), b = ws.find(s => s.textContent === 'mit');
        a.closest('.seg-text').focus();
        const r = document.createRange(); r.setStartBefore(a); r.setEndAfter(b);
        getSelection().removeAllRanges(); getSelection().addRange(r);
    }""")
    page.locator("#btn-sound").click()
    wait_saved(page, 1)
    t = transcripts.current(fresh(film))
    by = {w.text: w for w in base.words}
    assert [(s.kind, s.text) for s in t.segments] == [
        ("speech", base.segments[0].text), ("speech", "Wir planen"), ("sound", "Musik"),
        ("speech", "Kai."), ("speech", base.segments[2].text)]
    assert (t.segments[2].start, t.segments[2].end) == (by["Dienste"].start, by["mit"].end)
    assert t.segments[1].speaker == t.segments[3].speaker == "ben"
    assert t.segments[3].words == [by["Kai."]]


def test_word_pieces_show_joined_and_survive_an_edit(browser, workspace, clip):
    """Issue 17: Whisper's pieces ("KI" + "-Einführung", "5" + ".000") show as one written
    word on the page; an edit elsewhere in the segment keeps those pieces exactly."""
    t = machine_transcript()
    s = t.segments[1]
    pieces = [("Die", False), ("KI", False), ("-Einführung", True), ("kostet", False),
              ("5", False), (".000", True), ("Euro.", False)]
    words = [Word(start=3000 + 220 * k, end=3000 + 220 * k + 200, text=w, probability=0.95,
                  joined=j) for k, (w, j) in enumerate(pieces)]
    t.segments[1] = s.model_copy(update={"words": words, "start": words[0].start,
                                         "end": words[-1].end, "text": join(words)})
    film = make_film(workspace, clip=clip, transcript=t)
    srv = ReviewServer(film, 0).start()
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = open_page(ctx, srv)
        box = page.locator(".seg-text").nth(1)
        assert box.inner_text() == "Die KI-Einführung kostet 5.000 Euro."
        select_word(page, "kostet")
        page.keyboard.type("kostete")
        page.keyboard.press("Control+S")
        wait_saved(page, 1)
        after = transcripts.current(fresh(film)).segments[1]
        assert after.text == "Die KI-Einführung kostete 5.000 Euro."
        assert [w for w in after.words if w.text in ("KI", "-Einführung", "5", ".000")] == \
            [words[1], words[2], words[4], words[5]]
        assert page.errors == []
    finally:
        ctx.close()
        srv.stop()
