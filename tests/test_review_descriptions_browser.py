"""The review page's audio-description lane in headless Debian Chromium (Playwright): add a
description at the playhead by keyboard, mark it extended, save; descriptions.yaml holds it
at the playhead time, the replaced file is kept as a revision, the lane is named, German and
clean under axe-core. (The lane's API, validation and stale saves: tests/test_descriptions.py.)"""

from __future__ import annotations

import pytest

from pipeline.descriptions import model, store
from tests.browser import axe_violations
from tests.test_review_browser import browser, clip, context, film, fresh, open_page, server, wait_js  # noqa: F401

pytestmark = pytest.mark.browser

FIRST = '# by hand\n- {at: "00:01", text: "Ein Büro. Anna sitzt am Bildschirm."}\n'
TEXT = "Ben zeigt auf einen Dienstplan an der Wand."


def lane_ready(page):
    wait_js(page, "!!document.querySelector('#ad-list li[data-at]')")


def test_lane_add_at_playhead_by_keyboard_saves_a_revision(browser, context, server, film):  # noqa: F811
    path = model.descriptions_path(film)
    path.write_text(FIRST, encoding="utf-8")
    page = open_page(context, server)  # the real page, its Content-Security-Policy enforced
    page.set_default_timeout(5000)  # a failure fails fast
    lane_ready(page)
    # seek: a playhead between frames (0.2126 s), then +5 s by the player's key
    page.evaluate("document.getElementById('video').currentTime = 0.2126")
    page.keyboard.press("Alt+L")
    now = page.evaluate("document.getElementById('video').currentTime")
    at_ms = round(now * 1000)
    assert at_ms == 5213
    # the add button is reached with Tab alone
    for _ in range(120):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "ad-add":
            break
    else:
        raise AssertionError("the lane's add button is not reachable by Tab")
    page.keyboard.press("Enter")  # adds at the playhead and focuses the new text box
    new = page.locator(f'#ad-list li[data-at="{at_ms}"]')
    assert page.evaluate("document.activeElement === document.querySelector("
                         f"'#ad-list li[data-at=\"{at_ms}\"] textarea')")
    page.keyboard.type(TEXT)
    page.keyboard.press("Tab")  # to its "extended" checkbox
    assert page.evaluate("document.activeElement.type") == "checkbox"
    page.keyboard.press("Space")
    assert new.locator("input[type=checkbox]").is_checked()
    for _ in range(6):  # on to the save button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "ad-save":
            break
    assert page.evaluate("document.activeElement.id") == "ad-save"
    page.keyboard.press("Enter")
    wait_js(page, "document.getElementById('ad-status').textContent === 'Beschreibungen gespeichert.'")

    # on disk: the new description at the playhead (ms), extended; the old file kept
    descs = store.load(fresh(film)).descriptions
    assert [(d.at_ms, d.text, d.extended) for d in descs] == [
        (1000, "Ein Büro. Anna sitzt am Bildschirm.", False), (5213, TEXT, True)]
    assert "at: '00:05.213'" in path.read_text(encoding="utf-8")
    revs = sorted(p.name for p in model.revisions_dir(film).iterdir())
    assert revs == ["0001.yaml"]
    kept = (model.revisions_dir(film) / "0001.yaml").read_text(encoding="utf-8")
    assert kept.startswith("# revision 1:") and "Anna Beispiel" in kept.splitlines()[0]
    assert kept.endswith(FIRST)
    # the page shows what the server saved
    assert page.locator("#ad-list li[data-at]").evaluate_all("ls => ls.map(l => l.dataset.at)") \
        == ["1000", "5213"]
    assert page.errors == []

    # every control of the lane has an accessible name, and it is German
    assert page.evaluate("document.documentElement.lang") == "de"
    lane = page.locator("#ad-lane")
    assert lane.get_by_role("button", name="Beschreibung am Abspielkopf hinzufügen").count() == 1
    assert lane.get_by_role("button", name="Beschreibungen speichern").count() == 1
    assert lane.get_by_role("textbox", name="Text der Beschreibung 00:05.2").input_value() == TEXT
    assert lane.get_by_role("textbox", name="Text der Beschreibung 00:01.0").count() == 1
    ext = lane.get_by_role("checkbox", name="Erweitert (Film hält an)")
    assert [ext.nth(i).is_checked() for i in range(ext.count())] == [False, True]
    assert lane.get_by_role("button", name="Entfernen").count() == 2
    assert lane.get_by_role("button", name="00:05.2").count() == 1  # seeks to the entry
    not_german = page.evaluate("""() => Array.from(document.querySelectorAll(
        '#ad-lane button, #ad-lane textarea, #ad-lane input')).filter(e => {
          const l = e.closest('[lang]'); return !l || l.lang !== 'de'; }).length""")
    assert not_german == 0
    assert page.evaluate("document.getElementById('ad-list').lang") == "de"
    lane.get_by_role("button", name="00:01.0").press("Enter")
    assert page.evaluate("document.getElementById('video').currentTime") == pytest.approx(1.0, abs=0.001)

    # axe-core on the page with the lane filled (a context that lets axe's script in)
    ctx = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    try:
        page2 = open_page(ctx, server)
        lane_ready(page2)
        assert page2.locator("#ad-list li[data-at]").count() == 2
        assert axe_violations(page2) == []
    finally:
        ctx.close()
