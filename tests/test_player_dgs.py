"""The player's sign-language window in headless Debian Chromium: the button (aria-pressed,
G shortcut, choice remembered, DGS symbol), the interpreter video in step with the film
(play, seek, pause, speed; hls.js over http, the MP4 from file://), the window moved and
resized by keyboard and mouse and kept above the captions, and axe-core with it open.

The export is test_signlang's: a 10 s film and an interpreter (testsrc2, cropped to
640x720 -> 426x480) starting at 0:01."""

from __future__ import annotations

import functools
import http.server
import threading
import time

import pytest

from tests.browser import axe_violations, chromium
from tests.test_export_support import FILM
from tests.test_player import _QuietHandler
from tests.test_signlang import dgs_ws  # noqa: F401

pytestmark = pytest.mark.browser

VIDEO = "document.getElementById('video')"
DGS = "document.getElementById('dgs-video')"
DIFF = f"Math.abs({DGS}.currentTime - {VIDEO}.currentTime)"
SYNC_S = 0.1  # the bound: both times within 0.1 s


@pytest.fixture(scope="module")
def served(dgs_ws):  # noqa: F811
    root = dgs_ws / "exports" / FILM
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/index.html"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _page(browser, url):
    ctx = browser.new_context(viewport={"width": 1100, "height": 900})  # fresh localStorage
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_function(f"{VIDEO}.readyState >= 1", timeout=20000)
    page.evaluate(f"{VIDEO}.muted = true")
    return page, errors


def _open(page):
    page.click("#btn-dgs")
    page.wait_for_function(f"{DGS}.readyState >= 2", timeout=20000)


def _played_for(page, seconds: float) -> None:
    """Wait until the film has played `seconds` further (of media time)."""
    t = page.evaluate(f"{VIDEO}.currentTime")
    page.wait_for_function(f"{VIDEO}.currentTime >= {t + seconds}", timeout=30000)


def _diff(page) -> float:
    return page.evaluate(DIFF)


def test_button_shortcut_symbol_and_remembered_choice(browser, served):
    page, errors = _page(browser, served)
    btn = page.locator("#btn-dgs")
    assert btn.get_attribute("aria-pressed") == "false" and btn.get_attribute("aria-keyshortcuts") == "g"
    assert btn.inner_text().strip() == "Gebärdensprache"
    assert page.locator("#btn-dgs svg.dgs-symbol").count() == 1  # the DGS symbol marks the button
    assert page.locator("#dgs-window svg.dgs-symbol").count() == 1  # … and the window
    assert page.locator("#dgs-window").is_hidden()
    page.focus("#btn-dgs")
    page.keyboard.press("Space")
    assert btn.get_attribute("aria-pressed") == "true" and page.locator("#dgs-window").is_visible()
    page.wait_for_function("document.getElementById('status').textContent === 'Gebärdensprache eingeblendet'")
    page.focus("#btn-play")
    page.keyboard.press("g")
    assert btn.get_attribute("aria-pressed") == "false" and page.locator("#dgs-window").is_hidden()
    page.keyboard.press("G")
    assert btn.get_attribute("aria-pressed") == "true"
    page.reload()
    page.wait_for_function(f"{VIDEO}.readyState >= 1")
    assert btn.get_attribute("aria-pressed") == "true" and page.locator("#dgs-window").is_visible()
    page.click("#dgs-close")  # the window's own close button
    assert btn.get_attribute("aria-pressed") == "false"
    assert page.evaluate("document.activeElement.id") == "btn-dgs"
    assert "G: Gebärdensprache ein und aus" in page.inner_text(".keyboard")
    assert errors == []


def test_interpreter_plays_seeks_pauses_and_changes_speed_with_the_film(browser, served):
    page, errors = _page(browser, served)
    _open(page)
    assert page.evaluate(f"{DGS}.dataset.engine") == "hls.js"
    page.click("#btn-play")
    _played_for(page, 2.0)
    assert not page.evaluate(f"{DGS}.paused")
    assert _diff(page) < SYNC_S
    # a seek: the interpreter jumps with the film, and stays with it while playing
    page.evaluate(f"window.casefilmPlayer.seekTo(6.0)")
    page.wait_for_function(f"!{VIDEO}.seeking && {VIDEO}.currentTime >= 6.0", timeout=10000)
    _played_for(page, 2.0)
    assert _diff(page) < SYNC_S, _diff(page)
    # speed
    page.select_option("#speed", "1.5")
    _played_for(page, 1.0)
    assert abs(page.evaluate(f"{DGS}.playbackRate") - 1.5) <= 1.5 * 0.25 + 1e-6  # MAX_ADJUST
    assert _diff(page) < SYNC_S
    # pause: both stop, on the same frame
    page.click("#btn-play")
    page.wait_for_function(f"{VIDEO}.paused && {DGS}.paused", timeout=5000)
    time.sleep(0.6)
    assert _diff(page) < 0.05
    # a seek while paused
    page.keyboard.press("Home")
    page.wait_for_function(f"{VIDEO}.currentTime < 0.1 && {DIFF} < 0.05", timeout=5000)
    assert page.evaluate(f"{DGS}.paused")
    assert errors == []


def test_mp4_fallback_from_file(browser, dgs_ws):  # noqa: F811
    url = (dgs_ws / "exports" / FILM / "index.html").as_uri()
    page, errors = _page(browser, url)
    assert page.evaluate(f"{VIDEO}.dataset.engine") == "mp4"
    _open(page)
    assert page.evaluate(f"{DGS}.dataset.engine") == "mp4"
    assert page.evaluate(f"{DGS}.currentSrc").endswith(f"media/{FILM}-dgs.mp4")
    page.evaluate(f"{VIDEO}.currentTime = 3")
    page.click("#btn-play")
    _played_for(page, 2.0)
    assert not page.evaluate(f"{DGS}.paused") and _diff(page) < SYNC_S
    page.click("#btn-play")
    page.wait_for_function(f"{DGS}.paused && {DIFF} < 0.05", timeout=5000)
    assert errors == []


def _box(page, sel):
    return page.evaluate(f"""(() => {{ const r = document.querySelector('{sel}').getBoundingClientRect();
        return {{x: r.left, y: r.top, w: r.width, h: r.height, bottom: r.bottom}}; }})()""")


def test_window_moves_and_resizes_by_keyboard_and_mouse_above_the_captions(browser, served):
    page, errors = _page(browser, served)
    _open(page)
    stage = _box(page, "#stage")
    start = _box(page, "#dgs-window")
    assert start["x"] + start["w"] <= stage["x"] + stage["w"] + 1  # inside the stage
    t0 = page.evaluate(f"{VIDEO}.currentTime")
    page.focus("#dgs-handle")
    for _ in range(5):
        page.keyboard.press("ArrowLeft")
    moved = _box(page, "#dgs-window")
    assert moved["x"] < start["x"] - 0.05 * stage["w"] and abs(moved["y"] - start["y"]) < 1
    assert page.evaluate(f"{VIDEO}.currentTime") == t0  # the arrows moved the window, not the film
    page.wait_for_function("document.getElementById('status').textContent.startsWith('Fenster bei')")
    # (the 8:9 interpreter at 30 % of the stage is near its height limit: smaller first)
    page.keyboard.press("Shift+ArrowLeft")
    page.keyboard.press("Shift+ArrowLeft")
    narrower = _box(page, "#dgs-window")
    assert narrower["w"] < moved["w"] - 0.03 * stage["w"]
    page.keyboard.press("Shift+ArrowRight")
    assert _box(page, "#dgs-window")["w"] > narrower["w"] + 0.015 * stage["w"]
    # all the way down: it stops above the caption area (the lower 30 % of the picture)
    for _ in range(60):
        page.keyboard.press("ArrowDown")
    low = _box(page, "#dgs-window")
    assert low["bottom"] <= stage["y"] + 0.7 * stage["h"] + 1
    # with a caption on screen (0:00.5–0:02.6), the window stays clear of it
    page.evaluate(f"{VIDEO}.currentTime = 1.5")
    page.wait_for_function("document.getElementById('caption-display').textContent.length > 0")
    time.sleep(0.3)
    cap = _box(page, "#caption-display .cap-line")
    assert _box(page, "#dgs-window")["bottom"] <= cap["y"] + 1
    # the largest size still leaves the captions free
    for _ in range(40):
        page.keyboard.press("Shift+ArrowRight")
    assert _box(page, "#dgs-window")["bottom"] <= cap["y"] + 1
    page.keyboard.press("Home")  # back to the default place and size
    home = _box(page, "#dgs-window")
    assert abs(home["w"] - start["w"]) < 2 and abs(home["x"] - start["x"]) < 2
    for _ in range(4):  # smaller, so there is room to move down
        page.keyboard.press("Shift+ArrowLeft")
    home = _box(page, "#dgs-window")
    # mouse: drag the bar to move, the corner grip to resize
    bar = _box(page, ".dgs-bar")
    page.mouse.move(bar["x"] + bar["w"] / 2, bar["y"] + bar["h"] / 2)
    page.mouse.down()
    page.mouse.move(bar["x"] + bar["w"] / 2 - 150, bar["y"] + bar["h"] / 2 + 20, steps=5)
    page.mouse.up()
    dragged = _box(page, "#dgs-window")
    assert abs(dragged["x"] - (home["x"] - 150)) < 3 and abs(dragged["y"] - (home["y"] + 20)) < 3
    grip = _box(page, "#dgs-resize")
    page.mouse.move(grip["x"] + 5, grip["y"] + 5)
    page.mouse.down()
    page.mouse.move(grip["x"] + 65, grip["y"] + 5, steps=5)
    page.mouse.up()
    assert _box(page, "#dgs-window")["w"] > dragged["w"] + 50
    # place and size are remembered
    before = _box(page, "#dgs-window")
    page.reload()
    page.wait_for_function(f"{VIDEO}.readyState >= 1")
    after = _box(page, "#dgs-window")
    assert abs(after["x"] - before["x"]) < 2 and abs(after["w"] - before["w"]) < 2
    assert errors == []


def test_axe_reports_nothing_with_the_window_open(browser, served):
    page, _ = _page(browser, served)
    assert axe_violations(page) == []
    _open(page)
    assert axe_violations(page) == []
