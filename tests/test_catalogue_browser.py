"""The catalogue in headless Debian Chromium, from file:// and from a local web server:
every exported film listed, search across transcripts (German stemming, one film per
unique word, hits open the player at the word), filters, no request leaving the site,
markup in transcripts and titles shown as text, keyboard use, print, axe-core."""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from pathlib import Path

import pytest

from tests.browser import axe_violations, chromium
from tests.catalogue_support import (FILM_A, FILM_B, TITLE_B, UNIQUE_B_MS, WORD_MS,  # noqa: F401
                                     XSS_LINE, catalogue_films)
from tests.conftest import casefilm

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def exports(catalogue_films, tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("catalogue-site") / "ws"
    shutil.copytree(catalogue_films, ws, symlinks=True)
    casefilm(ws, "catalogue", check=True)
    return ws / "exports"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".m3u8": "application/vnd.apple.mpegurl", ".m4s": "video/iso.segment",
                      ".vtt": "text/vtt", ".mp4": "video/mp4", ".js": "text/javascript"}

    def log_message(self, *a):
        pass


@pytest.fixture(scope="module", params=["file", "http"])
def base(request, exports) -> str:
    """URL of exports/ (the site: the catalogue and the players beside it), ending in /."""
    if request.param == "file":
        yield exports.as_uri() + "/"
        return
    handler = functools.partial(_Quiet, directory=str(exports))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


class Site:
    """A browser context in which every request outside `base` is aborted and recorded."""

    def __init__(self, browser, base: str):
        self.base, self.blocked, self.errors = base, [], []
        self.context = browser.new_context()
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.base) or url.startswith("data:"):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def open(self, rel: str):
        self.page.goto(self.base + rel)
        return self.page

    def visible_films(self) -> list[str]:
        return self.page.eval_on_selector_all(
            ".film-card:not([hidden])", "els => els.map(e => e.dataset.film)")

    def search(self, text: str) -> None:
        self.page.fill("#q", text)
        self.page.press("#q", "Enter")

    def close(self):
        assert self.errors == []
        assert self.blocked == [], f"requests left the site: {self.blocked}"
        self.context.close()


@pytest.fixture
def site(browser, base):
    s = Site(browser, base)
    yield s
    s.close()


def test_every_exported_film_is_listed(site):
    page = site.open("catalogue/index.html")
    assert page.get_attribute("html", "lang") == "de"
    assert sorted(site.visible_films()) == sorted([FILM_A, FILM_B])
    assert page.inner_text("#result-count") == "2 Filme"
    assert page.is_visible("#search")  # the search form is there once the index loaded
    titles = page.eval_on_selector_all(".film-card h3", "els => els.map(e => e.textContent)")
    assert TITLE_B in titles  # the title as written, markup included, as text
    assert page.evaluate("window.__xss2") is None


def test_unique_word_finds_only_its_film_and_opens_the_player_at_the_word(site):
    page = site.open("catalogue/index.html")
    site.search("Auszubildende")
    page.wait_for_function("document.getElementById('result-count').textContent.includes('1 Film')")
    assert site.visible_films() == [FILM_B]
    hit = page.locator(f"#film-{FILM_B} .hits a.hit-transcript").first
    href = hit.get_attribute("href")
    assert href == f"../{FILM_B}/index.html#t={UNIQUE_B_MS / 1000:g}"
    assert hit.locator("mark").inner_text() == "Auszubildende"
    hit.click()
    page.wait_for_url(re.compile(rf"/{FILM_B}/index\.html#t="))
    page.wait_for_function("document.getElementById('video').readyState >= 1", timeout=20000)
    want = UNIQUE_B_MS / 1000
    page.wait_for_function(f"Math.abs(document.getElementById('video').currentTime - {want}) < 1",
                           timeout=20000)


def test_declined_form_finds_base_form(site):
    page = site.open("catalogue/index.html")
    site.search("Dienstpläne")  # the transcript says "Dienstplan"
    page.wait_for_function("document.getElementById('result-count').textContent.includes('Treffer')")
    assert site.visible_films() == [FILM_A]
    hit = page.locator(f"#film-{FILM_A} .hits a.hit-transcript").first
    assert hit.locator("mark").inner_text() == "Dienstplan"
    assert hit.get_attribute("href") == f"../{FILM_A}/index.html#t={WORD_MS / 1000:g}"
    assert axe_violations(page) == []  # with the hit lists shown


def test_filters_alone_and_with_search(site):
    page = site.open("catalogue/index.html")
    page.check("label:has-text('Handwerk') >> xpath=preceding-sibling::input")
    page.wait_for_function("document.getElementById('result-count').textContent === '1 von 2 Filmen'")
    assert site.visible_films() == [FILM_B]
    site.search("Dienstplan")  # only in the other film: nothing is left
    page.wait_for_function("document.getElementById('result-count').textContent.startsWith('Kein Film')")
    assert site.visible_films() == []
    page.uncheck("label:has-text('Handwerk') >> xpath=preceding-sibling::input")
    page.wait_for_function("document.getElementById('result-count').textContent.includes('1 Film')")
    assert site.visible_films() == [FILM_A]
    page.check("label:has-text('Geprüfte Untertitel') >> xpath=preceding-sibling::input")
    assert site.visible_films() == [FILM_A]  # A's captions are reviewed, B's automatic
    page.click("#reset")
    page.wait_for_function("document.getElementById('result-count').textContent === '2 Filme'")
    # the live region is polite, so screen readers announce the count without interrupting
    assert page.get_attribute("#result-count", "aria-live") == "polite"


def test_transcript_markup_is_shown_never_run(site):
    page = site.open("catalogue/index.html")
    site.search("Text")  # the word of the line that carries markup
    page.wait_for_function("document.getElementById('result-count').textContent.includes('Treffer')")
    texts = page.eval_on_selector_all(f"#film-{FILM_B} .hits .hit-text",
                                      "els => els.map(e => e.textContent)")
    assert XSS_LINE in texts
    assert page.locator(".hits img").count() == 0
    page.wait_for_timeout(300)  # an onerror would have fired by now
    assert page.evaluate("window.__xss") is None


def test_film_page_and_comparison(site):
    page = site.open(f"catalogue/films/{FILM_B}.html")
    assert page.inner_text("h1") == TITLE_B and page.evaluate("window.__xss2") is None
    assert "Einarbeitung in drei statt sechs Wochen" in page.inner_text(".case-card")
    link = page.locator(".case-card a.at").first
    assert link.get_attribute("href") == f"../../{FILM_B}/index.html#t=1"
    assert axe_violations(page) == []
    page = site.open("catalogue/compare.html")
    heads = page.eval_on_selector_all("#compare thead th[data-film]", "els => els.map(e => e.dataset.film)")
    assert sorted(heads) == sorted([FILM_A, FILM_B])
    sectors = page.eval_on_selector_all("#compare tr[data-row='sector'] td", "els => els.map(e => e.textContent.trim())")
    assert sorted(sectors) == ["Gesundheit", "Handwerk"]
    assert page.locator("#compare tr[data-row='effects'] a.at").count() == 2
    assert axe_violations(page) == []
    page.emulate_media(media="print")
    assert page.eval_on_selector("header.site nav", "e => getComputedStyle(e).display") == "none"
    assert page.is_visible("#compare")


def test_index_is_axe_clean_keyboard_usable_and_printable(site):
    page = site.open("catalogue/index.html")
    assert axe_violations(page) == []
    seen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement.id || document.activeElement.className"))
        if seen[-1] == "q":
            break
    assert seen[0] == "skip" and "q" in seen
    page.keyboard.type("Auszubildende")
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('result-count').textContent.includes('1 Film')")
    page.keyboard.press("Tab")  # the submit button
    page.keyboard.press("Tab")  # the first filter
    assert page.evaluate("document.activeElement.type") == "checkbox"
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked") is True
    page.emulate_media(media="print")
    assert page.eval_on_selector(".finder", "e => getComputedStyle(e).display") == "none"


def test_a_request_outside_the_site_would_be_caught(browser, base):
    """The harness itself: a request to another origin is recorded and aborted."""
    s = Site(browser, base)
    page = s.open("catalogue/index.html")
    page.evaluate("fetch('https://cdn.example.org/lib.js').catch(() => 0)")
    page.wait_for_timeout(200)
    assert s.blocked == ["https://cdn.example.org/lib.js"]
    s.context.close()
