"""The SCORM package in headless Chromium under an LMS: the unpacked zip in an iframe of a
parent page that provides the SCORM 1.2 API from scorm-again (npm), every request outside
the package and the LMS page blocked. A learner plays, meets the pause at a chapter end,
skips, answers right, leaves and comes back (position and answers kept), answers wrong:
the LMS sees incomplete, then failed with score 50; another learner answers both right:
passed with score 100. axe-core on the SCO page; opened without an LMS it says that
nothing is recorded."""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
import zipfile

import pytest

from tests.browser import REPO, axe_violations, chromium
from tests.conftest import casefilm
from tests.test_lms import FILM, MARKUP_A, QUIZ, lms_film, scorm_zip, set_film
from tests.test_player import _QuietHandler

pytestmark = pytest.mark.browser

SCORM_AGAIN = REPO / "node_modules" / "scorm-again" / "dist" / "scorm12.min.js"

PARENT = """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>LMS</title>
<script src="scorm12.min.js"></script></head>
<body><main><h1>LMS</h1></main>
<script>
window.lmsLog = [];
window.startSession = function (saved, pkg) {
  var api = new Scorm12API({ autocommit: false, logLevel: 5 });
  if (saved) api.loadFromJSON(saved);
  ["LMSInitialize", "LMSCommit", "LMSFinish"].forEach(function (ev) {
    api.on(ev, function () { lmsLog.push([ev]); });
  });
  api.on("LMSSetValue.cmi.*", function (el, v) { lmsLog.push(["set", el, String(v)]); });
  window.API = api;
  var f = document.createElement("iframe");
  f.src = "../" + (pkg || "pkg") + "/index.html"; f.title = "Kurs"; f.id = "sco"; f.width = 1100; f.height = 900;
  document.querySelector("main").appendChild(f);
};
window.leave = function () {
  document.getElementById("sco").remove();
  var all = API.renderCMIToJSONObject(), cmi = all.cmi || all;
  cmi.core = cmi.core || {};
  cmi.core.entry = "resume";
  return JSON.parse(JSON.stringify(cmi));
};
</script></body></html>
"""


class _RangeHandler(_QuietHandler):
    """Static files with single byte ranges (RFC 9110 14.2), as an LMS's file delivery
    (Moodle's pluginfile.php, ILIAS's web access checker) serves a SCO's media: without
    them Chromium cannot seek in a progressive MP4, so a resume position would not hold."""

    def send_head(self):
        rng = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        path = self.translate_path(self.path)
        self._left = None
        if rng is None or not os.path.isfile(path):
            return super().send_head()
        size = os.path.getsize(path)
        start = int(rng.group(1))
        end = min(int(rng.group(2)) if rng.group(2) else size - 1, size - 1)
        if start >= size:
            self.send_error(416)
            return None
        fh = open(path, "rb")
        fh.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self._left = end - start + 1
        return fh

    def copyfile(self, source, outputfile):
        left = self._left
        if left is None:
            return super().copyfile(source, outputfile)
        while left > 0 and (block := source.read(min(left, 1 << 16))):
            outputfile.write(block)
            left -= len(block)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """http://127.0.0.1:PORT/pkg/ = the unpacked SCORM zip, /lms/ = the parent page."""
    if not SCORM_AGAIN.is_file():
        pytest.fail(f"{SCORM_AGAIN} missing: run `npm ci`")
    tmp = tmp_path_factory.mktemp("lmsweb")
    quiz = {**QUIZ, "mastery": 80}
    ws = lms_film(tmp / "ws", quiz=quiz)
    root = tmp / "site"
    with zipfile.ZipFile(scorm_zip(ws)) as zf:
        zf.extractall(root / "pkg")
    # the same film without questions: completed by watching half of it
    set_film(ws, quiz={"completion": 50, "questions": []})
    casefilm(ws, "lms", FILM, check=True)
    with zipfile.ZipFile(scorm_zip(ws)) as zf:
        zf.extractall(root / "pkg-noquiz")
    (root / "lms").mkdir()
    (root / "lms" / "parent.html").write_text(PARENT, encoding="utf-8")
    shutil.copy(SCORM_AGAIN, root / "lms" / "scorm12.min.js")
    handler = functools.partial(_RangeHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def lms_page(browser, base):
    """A page whose every request outside /pkg/ (the package) and /lms/ (the LMS page) is
    blocked and recorded; requests of the SCO frame must stay inside /pkg/."""
    page = browser.new_page()
    blocked, errors = [], []

    def route(r):
        url = r.request.url
        in_frame = r.request.frame.parent_frame is not None
        if url.startswith((f"{base}/pkg/", f"{base}/pkg-noquiz/")) or (url.startswith(f"{base}/lms/") and not in_frame):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/lms/parent.html")
    return page, blocked, errors


def start(page, saved=None, pkg="pkg"):
    page.evaluate("([s, p]) => startSession(s, p)", [saved, pkg])
    page.wait_for_function("document.getElementById('sco') && document.getElementById('sco')"
                           ".contentDocument && document.getElementById('sco').contentDocument"
                           ".getElementById('video') && document.getElementById('sco')"
                           ".contentDocument.getElementById('video').readyState >= 1",
                           timeout=20000)
    frame = next(f for f in page.frames if f.url.endswith(f"/{pkg}/index.html"))
    return frame


def cmi(page, el):
    return page.evaluate("(el) => API.LMSGetValue(el)", el)


def answer(frame, qid, label):
    frame.locator(f"#{qid} label", has_text=label).click()
    frame.locator(f"#{qid} .quiz-check").click()
    return frame.locator(f"#{qid}-feedback").inner_text()


def test_learner_pauses_answers_leaves_resumes_and_fails(browser, site):
    page, blocked, errors = lms_page(browser, site)
    sco = start(page)
    assert sco.locator("#lms-status").inner_text().startswith("Ihr Fortschritt")
    assert cmi(page, "cmi.core.lesson_status") == "incomplete"
    assert axe_violations(sco) == []
    # the legend is the question as text (markup from film.yaml stays text)
    assert sco.locator("#q1 legend").inner_text() == QUIZ["questions"][0]["text"]

    # play: the film pauses at chapter 1's end (6 s) and offers the question
    sco.evaluate("document.getElementById('video').muted = true")
    sco.click("#btn-play")
    sco.wait_for_function("!document.getElementById('quiz-prompt').hidden", timeout=30000)
    t = sco.evaluate("document.getElementById('video').currentTime")
    assert sco.evaluate("document.getElementById('video').paused")
    assert 5.9 <= t <= 6.8, t
    assert sco.evaluate("document.activeElement.id") == "quiz-prompt-heading"
    # skip it: the film goes on; pause later commits the position
    commits = page.evaluate("lmsLog.filter(e => e[0] === 'LMSCommit').length")
    sco.click("#quiz-prompt-skip")
    sco.wait_for_function("document.getElementById('video').currentTime > 7.2", timeout=20000)
    sco.click("#btn-play")  # pause
    page.wait_for_function(f"lmsLog.filter(e => e[0] === 'LMSCommit').length > {commits}")
    where = int(cmi(page, "cmi.core.lesson_location"))
    assert 7 <= where <= 9

    # answer question 1 right, with the keyboard-reachable check button in its group
    assert answer(sco, "q1", MARKUP_A) == "Richtig."
    assert cmi(page, "cmi.core.lesson_status") == "incomplete"  # one still open
    assert page.evaluate("lmsLog.some(e => e[1] === 'cmi.interactions.0.result' && e[2] === 'correct')")

    # leave: LMSFinish with session time and suspend; the LMS keeps the data
    saved = page.evaluate("leave()")
    assert ["LMSFinish"] in page.evaluate("lmsLog")
    sets = {e[1]: e[2] for e in page.evaluate("lmsLog") if e[0] == "set"}
    assert re.fullmatch(r"\d{2,4}:\d\d:\d\d\.\d\d", sets["cmi.core.session_time"])
    assert sets["cmi.core.exit"] == "suspend"
    assert len(saved["suspend_data"]) <= 4096 and '"a":{"1":' in saved["suspend_data"]

    # come back: position and answer kept
    sco = start(page, saved)
    sco.wait_for_function(f"Math.abs(document.getElementById('video').currentTime - {where}) < 0.5",
                          timeout=10000)
    assert sco.is_checked(f"#q1 input[value='{QUIZ_SHOWN_RIGHT(sco)}']")
    assert sco.locator("#q1-feedback").inner_text() == "Beantwortet: richtig."
    assert sco.is_disabled("#q1 .quiz-check")
    assert cmi(page, "cmi.core.lesson_status") == "incomplete"

    # question 2 wrong: all answered, 50 % < mastery 80 -> failed with score 50
    fb = answer(sco, "q2", "Niemand")
    assert fb == "Leider falsch. Richtig ist: Der Betriebsrat"
    assert cmi(page, "cmi.core.lesson_status") == "failed"
    assert cmi(page, "cmi.core.score.raw") == "50"
    assert "50 % richtig. Nicht bestanden" in sco.locator("#quiz-result").inner_text()
    page.evaluate("leave()")
    assert blocked == [] and errors == []


def QUIZ_SHOWN_RIGHT(frame) -> str:
    """The radio value (shown position) of question 1's right answer."""
    return frame.evaluate("String(JSON.parse(document.getElementById('casefilm-quiz')"
                          ".textContent).questions[0].correct)")


def test_learner_answering_all_right_passes_with_100(browser, site):
    page, blocked, errors = lms_page(browser, site)
    sco = start(page)
    assert answer(sco, "q1", MARKUP_A) == "Richtig."
    assert answer(sco, "q2", "Der Betriebsrat") == "Richtig."
    assert cmi(page, "cmi.core.lesson_status") == "passed"
    assert cmi(page, "cmi.core.score.raw") == "100"
    assert cmi(page, "cmi.objectives.1.id") == "LZ2"
    assert cmi(page, "cmi.objectives.1.status") == "passed"
    assert axe_violations(sco) == []
    page.evaluate("leave()")
    assert blocked == [] and errors == []


def test_without_lms_the_page_works_and_says_nothing_is_recorded(browser, site):
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{site}/pkg/index.html")
    assert page.locator("#lms-status").inner_text().startswith("Keine Lernplattform gefunden")
    page.click("#q2 .quiz-check")
    assert page.locator("#q2-feedback").inner_text() == "Bitte wählen Sie zuerst eine Antwort."
    assert answer(page, "q2", "Der Betriebsrat") == "Richtig."
    assert errors == []


def test_without_questions_watching_completes(browser, site):
    page, blocked, errors = lms_page(browser, site)
    sco = start(page, pkg="pkg-noquiz")
    assert sco.locator("fieldset.quiz-question").count() == 0
    assert "mindestens 50 %" in sco.locator(".quiz-intro").inner_text()
    assert cmi(page, "cmi.core.lesson_status") == "incomplete"
    sco.evaluate("document.getElementById('video').muted = true")
    sco.click("#btn-play")
    page.wait_for_function("API.LMSGetValue('cmi.core.lesson_status') === 'completed'",
                           timeout=30000)
    t = sco.evaluate("document.getElementById('video').currentTime")
    assert t >= 4.9, t  # half of the 10 s film watched, not before
    assert sco.locator("#watched").inner_text().startswith("Sie haben genug")
    page.evaluate("leave()")
    assert blocked == [] and errors == []
