"""The player's audio description in headless Debian Chromium: hls.js lists the main and the
AD audio track and switches between them, the button (aria-pressed, D shortcut, choice
remembered), the MP4 fallback's switch to the AD variant, text descriptions in a polite
live region, extended descriptions pausing the film for the narration's length, keyboard
use and axe-core."""

from __future__ import annotations

import functools
import http.server
import threading
import time

import pytest

from tests.ad_fixture import DESCRIPTIONS, ad_ws  # noqa: F401
from tests.browser import axe_violations, chromium
from tests.test_export_support import FILM, export_ws  # noqa: F401
from tests.test_player import _QuietHandler

pytestmark = pytest.mark.browser

VIDEO = "document.getElementById('video')"
EXTENDED_AT, EXTENDED_TEXT = DESCRIPTIONS[0][0], DESCRIPTIONS[0][1]
PLAIN_AT, PLAIN_TEXT = DESCRIPTIONS[1][0], DESCRIPTIONS[1][1]


class _Recording(_QuietHandler):
    requested: list[str] = []

    def do_GET(self):
        type(self).requested.append(self.path)
        super().do_GET()


@pytest.fixture(scope="module")
def served(ad_ws):  # noqa: F811
    root = ad_ws / "exports" / FILM
    handler = functools.partial(_Recording, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/index.html"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _page(browser, url):
    ctx = browser.new_context()  # fresh localStorage per test
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_function(f"{VIDEO}.readyState >= 1", timeout=20000)
    page.evaluate(f"{VIDEO}.muted = true")
    return page, errors


def test_hls_js_lists_two_audio_tracks_and_switches(browser, served):
    page, errors = _page(browser, served)
    assert page.evaluate(f"{VIDEO}.dataset.engine") == "hls.js"
    tracks = page.wait_for_function(
        "(() => { const h = window.casefilmPlayer.hls(); return h && h.audioTracks.length >= 2 &&"
        " h.audioTracks.map(t => [t.name, t.lang, t.default, t.characteristics || null]); })()",
        timeout=20000).json_value()
    assert tracks == [["Deutsch", "de", True, None],
                      ["Audiodeskription", "de", False, "public.accessibility.describes-video"]]
    assert page.evaluate("window.casefilmPlayer.hls().audioTrack") == 0
    _Recording.requested.clear()
    page.click("#btn-ad")
    page.wait_for_function(f"{VIDEO}.dataset.audio === 'description'", timeout=20000)
    assert page.evaluate("window.casefilmPlayer.hls().audioTrack") == 1
    page.click("#btn-play")
    page.wait_for_function(f"{VIDEO}.currentTime > 1.0", timeout=20000)
    assert any(p.startswith("/hls/ad/") and p.endswith(".m4s") for p in _Recording.requested)
    # and back to the main mix
    page.keyboard.press("d")
    page.wait_for_function(f"{VIDEO}.dataset.audio === 'main'", timeout=20000)
    assert page.evaluate("window.casefilmPlayer.hls().audioTrack") == 0
    t = page.evaluate(f"{VIDEO}.currentTime")
    page.wait_for_function(f"{VIDEO}.currentTime > {t + 0.5}", timeout=20000)  # still playing
    assert errors == []


def test_button_pressed_state_shortcut_and_remembered_choice(browser, served):
    page, _ = _page(browser, served)
    assert page.get_attribute("#btn-ad", "aria-pressed") == "false"
    assert page.get_attribute("#btn-ad", "aria-keyshortcuts") == "d"
    page.focus("#btn-ad")
    page.keyboard.press("Space")
    assert page.get_attribute("#btn-ad", "aria-pressed") == "true"
    page.wait_for_function("document.getElementById('status').textContent === 'Audiodeskription eingeschaltet'")
    page.focus("#btn-play")
    page.keyboard.press("d")
    assert page.get_attribute("#btn-ad", "aria-pressed") == "false"
    page.keyboard.press("D")
    assert page.get_attribute("#btn-ad", "aria-pressed") == "true"
    page.reload()
    page.wait_for_function(f"{VIDEO}.readyState >= 1")
    assert page.get_attribute("#btn-ad", "aria-pressed") == "true"
    page.wait_for_function(f"{VIDEO}.dataset.audio === 'description'", timeout=20000)
    # keyboard-only: the button is a Tab stop, between the caption settings and the speed menu
    ids = []
    page.focus("#btn-cc-settings")
    for _ in range(3):
        page.keyboard.press("Tab")
        ids.append(page.evaluate("document.activeElement.id"))
    assert ids[0] == "btn-ad" and "speed" in ids
    assert "Entwurf mit synthetischer Stimme" in page.inner_text("#ad-provenance")
    assert "D: Audiodeskription ein und aus" in page.inner_text(".keyboard")


def test_text_descriptions_are_announced_in_a_polite_live_region(browser, served):
    page, _ = _page(browser, served)
    assert page.get_attribute("#ad-live", "aria-live") == "polite"
    page.evaluate(f"{VIDEO}.currentTime = {PLAIN_AT / 1000 - 0.6}")
    page.evaluate(f"{VIDEO}.play()")
    time.sleep(1.0)  # past the description with AD off: nothing announced
    assert page.inner_text("#ad-live") == ""
    page.evaluate(f"{VIDEO}.pause()")
    page.click("#btn-ad")
    page.evaluate(f"{VIDEO}.currentTime = {PLAIN_AT / 1000 - 0.6}")
    page.evaluate(f"{VIDEO}.play()")
    page.wait_for_function(f"document.getElementById('ad-live').textContent === {PLAIN_TEXT!r}",
                           timeout=10000)
    assert page.evaluate(f"!{VIDEO}.paused")  # not extended: the film plays on


def test_extended_description_pauses_for_the_narration_then_resumes(browser, served):
    page, errors = _page(browser, served)
    page.click("#btn-ad")
    page.wait_for_function(f"{VIDEO}.dataset.audio === 'description'", timeout=20000)
    page.evaluate(f"{VIDEO}.currentTime = {EXTENDED_AT / 1000 - 0.8}")
    page.evaluate(f"{VIDEO}.play()")
    page.wait_for_function(f"{VIDEO}.dataset.adHold === '{EXTENDED_AT}'", timeout=10000)
    held = time.monotonic()
    assert page.evaluate(f"{VIDEO}.paused")
    at = page.evaluate(f"{VIDEO}.currentTime")
    assert EXTENDED_AT / 1000 - 0.05 <= at <= EXTENDED_AT / 1000 + 0.5
    page.wait_for_function(f"document.getElementById('ad-live').textContent === {EXTENDED_TEXT!r}")
    # the narration stem plays the description while the film waits
    page.wait_for_function("!document.getElementById('ad-narration').paused", timeout=5000)
    page.wait_for_function(f"!{VIDEO}.paused && {VIDEO}.dataset.adHold === undefined", timeout=15000)
    waited = time.monotonic() - held
    clip = page.evaluate("JSON.parse(document.getElementById('casefilm-data').textContent)"
                         ".ad.descriptions[0]")
    length = (clip["end"] - clip["start"]) / 1000
    assert waited >= 0.8 * length, (waited, length)
    assert page.evaluate("document.getElementById('ad-narration').paused")
    page.wait_for_function(f"{VIDEO}.currentTime > {at + 0.3}", timeout=10000)
    assert errors == []


def test_pressing_play_during_an_extended_pause_resumes_at_once(browser, served):
    page, _ = _page(browser, served)
    page.click("#btn-ad")
    page.evaluate(f"{VIDEO}.currentTime = {EXTENDED_AT / 1000 - 0.5}")
    page.evaluate(f"{VIDEO}.play()")
    page.wait_for_function(f"{VIDEO}.dataset.adHold !== undefined", timeout=10000)
    page.click("#btn-play")
    page.wait_for_function(f"!{VIDEO}.paused && {VIDEO}.dataset.adHold === undefined", timeout=2000)


def test_mp4_fallback_switches_to_the_ad_variant(browser, ad_ws):  # noqa: F811
    url = (ad_ws / "exports" / FILM / "index.html").as_uri()
    page, errors = _page(browser, url)
    assert page.evaluate(f"{VIDEO}.dataset.engine") == "mp4"
    assert page.evaluate(f"{VIDEO}.currentSrc").endswith(f"{FILM}-360p.mp4")
    page.evaluate(f"{VIDEO}.currentTime = 4")
    page.wait_for_function(f"Math.abs({VIDEO}.currentTime - 4) < 0.1")
    page.click("#btn-ad")
    page.wait_for_function(f"{VIDEO}.currentSrc.endsWith('{FILM}-360p-ad.mp4') && {VIDEO}.readyState >= 1",
                           timeout=10000)
    page.wait_for_function(f"Math.abs({VIDEO}.currentTime - 4) < 0.3", timeout=10000)  # same place
    page.click("#btn-ad")
    page.wait_for_function(f"{VIDEO}.currentSrc.endsWith('{FILM}-360p.mp4')", timeout=10000)
    # the choice survives a reload: the page starts on the AD variant
    page.click("#btn-ad")
    page.reload()
    page.wait_for_function(f"{VIDEO}.currentSrc.endsWith('{FILM}-360p-ad.mp4')", timeout=10000)
    assert errors == []


def test_axe_reports_no_violations_with_audio_description(browser, served):
    page, _ = _page(browser, served)
    assert axe_violations(page) == []
    page.click("#btn-ad")
    assert axe_violations(page) == []
