"""The player page in headless Debian Chromium: playback, tracks, chapters, transcript,
keyboard-only use, #t= deep links, file:// fallback, and axe-core."""

from __future__ import annotations

import functools
import http.server
import json
import threading

import pytest

from tests.browser import axe_violations, chromium
from tests.test_export_support import CHAPTERS, CUES, FILM, export_ws  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(export_ws):  # noqa: F811
    root = export_ws / "exports" / FILM
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/index.html"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".m3u8": "application/vnd.apple.mpegurl", ".m4s": "video/iso.segment",
                      ".vtt": "text/vtt", ".mp4": "video/mp4"}

    def log_message(self, *a):  # keep test output clean
        pass


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _page(browser, url):
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_function("document.getElementById('video').readyState >= 1", timeout=20000)
    return page, errors


def _time(page) -> float:
    return page.evaluate("document.getElementById('video').currentTime")


def test_plays_with_hls_js_and_captions_track_holds_all_cues(browser, served):
    page, errors = _page(browser, served)
    assert page.evaluate("document.getElementById('video').dataset.engine") == "hls.js"
    page.evaluate("document.getElementById('video').muted = true")
    page.click("#btn-play")
    page.wait_for_function("document.getElementById('video').currentTime > 1.0", timeout=20000)
    assert page.get_attribute("#btn-play", "aria-label") == "Pause"
    n = page.wait_for_function(
        "(() => { const t = document.getElementById('captions-track').track;"
        " return t.cues && t.cues.length ? t.cues.length : false; })()", timeout=10000).json_value()
    assert n == len(CUES)
    # the chapters track is loaded too
    m = page.wait_for_function(
        "(() => { const t = document.getElementById('chapters-track').track;"
        " return t.cues && t.cues.length ? t.cues.length : false; })()", timeout=10000).json_value()
    assert m == len(CHAPTERS)
    assert errors == []


def test_chapter_and_transcript_clicks_seek(browser, served):
    page, _ = _page(browser, served)
    page.click(".chapter-button >> nth=1")
    page.wait_for_function(f"Math.abs(document.getElementById('video').currentTime - {CHAPTERS[1]['start'] / 1000}) < 0.3")
    # the chapter menu shows that chapter's learning goals
    assert "Die Rolle des Betriebsrats erklären" in page.inner_text(".chapter >> nth=1")
    page.click("#transcript .cue >> nth=1")
    page.wait_for_function(f"Math.abs(document.getElementById('video').currentTime - {CUES[1]['start'] / 1000}) < 0.3")
    # the transcript follows playback: the cue at the current time is marked
    page.wait_for_selector("#transcript .cue.active[data-i='1']")
    assert page.get_attribute("#transcript .cue >> nth=1", "aria-current") == "true"


def test_hash_link_seeks(browser, served):
    page, _ = _page(browser, served + "#t=7.5")
    page.wait_for_function("Math.abs(document.getElementById('video').currentTime - 7.5) < 0.3")
    page.evaluate("location.hash = '#t=3'")
    page.wait_for_function("Math.abs(document.getElementById('video').currentTime - 3) < 0.3")


def test_keyboard_only(browser, served):
    page, _ = _page(browser, served)
    order = []
    for _ in range(40):
        page.keyboard.press("Tab")
        info = page.evaluate("""(() => { const e = document.activeElement;
            const cs = getComputedStyle(e);
            return {id: e.id, cls: e.className, tag: e.tagName,
                    name: e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].textContent) || e.textContent.trim(),
                    outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2}; })()""")
        order.append(info)
        if info["tag"] == "BODY":
            break
    ids = [o["id"] for o in order]
    for needed in ("btn-play", "seek", "btn-mute", "volume", "btn-cc", "btn-cc-settings", "speed",
                   "btn-fullscreen", "transcript-follow"):
        assert needed in ids, f"{needed} not reachable by Tab (order: {ids})"
    assert ids.index("btn-play") < ids.index("seek") < ids.index("btn-cc")
    assert sum(1 for o in order if "chapter-button" in o["cls"]) == len(CHAPTERS)
    # the transcript is one tab stop (arrows move inside it)
    assert sum(1 for o in order if o["cls"].startswith("cue")) == 1
    for o in order:
        if o["tag"] in ("BUTTON", "INPUT", "SELECT", "A"):
            assert o["name"], f"no accessible name: {o}"
            assert o["outline"], f"no visible focus: {o}"

    video = "document.getElementById('video')"
    page.evaluate(f"{video}.muted = true")
    page.focus("#btn-play")
    page.keyboard.press("Enter")
    page.wait_for_function(f"!{video}.paused")
    page.keyboard.press("Space")
    page.wait_for_function(f"{video}.paused")
    # captions on/off with Space on the button, and the 'c' shortcut
    page.focus("#btn-cc")
    page.keyboard.press("Space")
    assert page.get_attribute("#btn-cc", "aria-pressed") == "false"
    page.keyboard.press("c")
    assert page.get_attribute("#btn-cc", "aria-pressed") == "true"
    # caption styling by keyboard; persisted across reloads
    page.focus("#btn-cc-settings")
    page.keyboard.press("Enter")
    assert page.get_attribute("#btn-cc-settings", "aria-expanded") == "true"
    assert page.evaluate("document.activeElement.id") == "cs-size"
    page.select_option("#cs-size", "1.8")
    page.select_option("#cs-color", "#ffff00")
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") == "btn-cc-settings"
    page.reload()
    page.wait_for_function(f"{video}.readyState >= 1")
    assert page.eval_on_selector("#cs-size", "e => e.value") == "1.8"
    assert page.eval_on_selector("#caption-display", "e => e.style.getPropertyValue('--cap-color')") == "#ffff00"
    # a chapter by keyboard
    page.focus(".chapter-button >> nth=1")
    page.keyboard.press("Enter")
    page.wait_for_function(f"Math.abs({video}.currentTime - {CHAPTERS[1]['start'] / 1000}) < 0.3")
    # transcript: arrows move, Space seeks
    page.focus("#transcript .cue >> nth=0")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.dataset.i") == "2"
    page.keyboard.press("Space")
    page.wait_for_function(f"Math.abs({video}.currentTime - {CUES[2]['start'] / 1000}) < 0.3")
    # arrow shortcuts in the player region, speed by keyboard
    page.focus("#btn-play")
    before = _time(page)
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(f"Math.abs({video}.currentTime - {max(0, before - 5)}) < 0.3")
    page.focus("#speed")
    page.select_option("#speed", "1.5")
    assert page.evaluate(f"{video}.playbackRate") == 1.5


def test_thumbnail_preview_over_the_timeline(browser, served):
    page, _ = _page(browser, served)
    box = page.locator("#seek").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.75, box["y"] + box["height"] / 2)
    page.wait_for_selector("#thumb-preview:not([hidden])")
    img = page.eval_on_selector("#thumb-preview .thumb-img", "e => e.style.backgroundImage")
    pos = page.eval_on_selector("#thumb-preview .thumb-img", "e => e.style.backgroundPosition")
    assert "thumbs/sprite-001.jpg" in img and pos.startswith("-160px")  # 7.5 s: second thumb
    page.mouse.move(0, 0)
    page.wait_for_selector("#thumb-preview", state="hidden")


def test_axe_reports_no_violations(browser, served):
    page, _ = _page(browser, served)
    assert axe_violations(page) == []
    # also with the caption settings open
    page.click("#btn-cc-settings")
    assert axe_violations(page) == []


def test_file_url_uses_mp4_and_still_has_captions(browser, export_ws):  # noqa: F811
    url = (export_ws / "exports" / FILM / "index.html").as_uri()
    page, errors = _page(browser, url)
    assert page.evaluate("document.getElementById('video').dataset.engine") == "mp4"
    n = page.wait_for_function(
        "(() => { const t = window.casefilmPlayer.captionsTrack();"
        " return t && t.cues && t.cues.length ? t.cues.length : false; })()", timeout=10000).json_value()
    assert n == len(CUES)
    assert errors == []


def test_page_data_and_jsonld(export_ws):  # noqa: F811
    html = (export_ws / "exports" / FILM / "index.html").read_text(encoding="utf-8")
    assert '<html lang="de">' in html
    assert 'srclang="de"' in html and 'kind="captions"' in html and 'kind="chapters"' in html
    assert "cdn" not in html.lower() and "https://cdn" not in html
    start = html.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
    doc = json.loads(html[start:html.index("</script>", start)])
    assert doc["@type"] == "VideoObject" and len(doc["hasPart"]) == len(CHAPTERS)
    assert doc["caption"]["encodingFormat"] == "text/vtt"
    assert "redaktionell geprüft" in html  # provenance: reviewed
