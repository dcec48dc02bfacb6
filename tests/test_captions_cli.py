"""Captions with files, ffmpeg and the CLI: cut detection, the subtitles stage, QC, sign-off,
bad inputs, and what Chromium makes of the WebVTT and the QC report."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from pipeline import transcripts
from pipeline.captions import build, load_cues, profiles, shots, synthetic
from pipeline.runner import why_stale
from pipeline.signoff import provenance, workflow
from pipeline.captions.store import CaptionCue
from pipeline.fsutil import sha256_file
from pipeline.models import Programme, Provenance, Segment, Transcript
from pipeline.workspace import Workspace
from tests.browser import axe_violations, chromium
from tests.conftest import casefilm, speech_transcript, write_film

FF = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
SHOTS_MS = [2000, 4000]  # the fixture's cuts


@pytest.fixture(scope="module")
def programme_video(tmp_path_factory) -> Path:
    """6 s, 320x180 at 25 fps, three shots (testsrc2 | smptebars | navy) cut at 2.0 s and
    4.0 s, with a 440 Hz tone as audio."""
    out = tmp_path_factory.mktemp("media") / "programme.mp4"
    srcs = ["testsrc2=size=320x180:rate=25:duration=2", "smptebars=size=320x180:rate=25:duration=2",
            "color=c=navy:size=320x180:rate=25:duration=2"]
    argv = [*FF]
    for s in srcs:
        argv += ["-f", "lavfi", "-i", s]
    argv += ["-f", "lavfi", "-i", "sine=frequency=440:duration=6", "-filter_complex",
             "[0:v][1:v][2:v]concat=n=3:v=1:a=0[v]", "-map", "[v]", "-map", "3:a",
             "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
             "-shortest", str(out)]
    subprocess.run(argv, check=True, capture_output=True)
    return out


SPEECH = [  # (speaker, start ms, words at 180 ms per word + 40 ms pause)
    ("anna", 300, "Frau Beispiel, wie hat das Team reagiert?"),
    ("ben", 2150, "Am Anfang gab es Skepsis, aber dann wollte niemand zurück."),
    ("anna", 4300, "Und heute?"),
    ("ben", 4900, "Heute planen wir gemeinsam."),
]


def _transcript(film: str, speech=SPEECH, status="auto") -> Transcript:
    return speech_transcript(film, speech, duration_ms=6000, status=status)


MANIFEST = {"title": "Fall & Beispiel", "speakers": [{"id": "anna", "name": "Anna Beispiel"},
                                                      {"id": "ben", "name": "Ben Muster"}],
            "sources": [{"id": "a", "file": "raw/a.mp4"}]}


def _film(ws: Path, video: Path, manifest: dict | None = None, has_audio: bool = True,
          transcript: Transcript | None = None, film_id: str = "fall"):
    write_film(ws, film_id, manifest or MANIFEST)
    film = Workspace.resolve(ws).film(film_id)
    prog = Programme(film=film_id, media=str(video), media_sha256=sha256_file(video),
                     duration_ms=6000, width=320, height=180, fps=25.0, has_audio=has_audio,
                     asr_audio=None, sources=[], spans=[])
    film.cache_dir.mkdir(parents=True, exist_ok=True)
    (film.cache_dir / "programme.json").write_text(prog.model_dump_json(), encoding="utf-8")
    transcripts.write_machine(film, transcript or _transcript(film_id))
    return film


def _one_line_error(proc) -> str:
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, proc.stderr
    return lines[0]


# --- cut detection ------------------------------------------------------------------------


def test_cut_detection_finds_the_shots_and_caches_them(programme_video, tmp_path, monkeypatch):
    found = shots.cuts(tmp_path, programme_video, "digest-1", 6000)
    assert len(found) == len(SHOTS_MS)
    for got, want in zip(found, SHOTS_MS):
        assert abs(got - want) <= 40  # within one frame
    calls = []
    monkeypatch.setattr(shots, "detect", lambda *a, **k: calls.append(a) or [1234])
    assert shots.cuts(tmp_path, programme_video, "digest-1", 6000) == found
    assert calls == []  # same programme digest: read from cuts.json
    assert shots.cuts(tmp_path, programme_video, "digest-2", 6000) == [1234]
    assert len(calls) == 1  # another programme: detected again


# --- the stage, QC and sign-off through the CLI ------------------------------------------


def test_stage_qc_approval_and_voiding(workspace, programme_video):
    film = _film(workspace, programme_video)
    proc = casefilm(workspace, "subtitles", "fall")
    assert proc.returncode == 0, proc.stderr
    out = film.subtitles_dir
    for name in ("captions.vtt", "captions.srt", "captions.ttml", "cues.json"):
        assert (out / name).is_file()
    cs = load_cues(film)
    assert [c.index for c in cs.cues] == list(range(1, len(cs.cues) + 1))
    assert len(cs.cuts_ms) == 2 and cs.provenance.transcript_status == "auto"
    for c in cs.cues:
        assert not any(c.start < k < c.end for k in cs.cuts_ms), c
    assert {s.id: s.colour for s in cs.speakers} == {"anna": "white", "ben": "yellow"}
    assert provenance(film).status == "auto"
    assert "up to date" in casefilm(workspace, "subtitles", "fall").stderr

    proc = casefilm(workspace, "qc", "fall")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads((out / "qc.json").read_text(encoding="utf-8"))
    assert report["summary"]["cues"] == len(cs.cues) and report["summary"]["hard"] == 0
    assert (out / "qc.html").is_file() and not (out / "approval.json").exists()
    assert "not approved" in casefilm(workspace, "status", "fall").stdout

    proc = casefilm(workspace, "qc", "fall", "--approve", "--reviewer", "Eva Prüfer")
    assert proc.returncode == 0, proc.stderr
    approval = json.loads((out / "approval.json").read_text(encoding="utf-8"))
    assert approval["reviewer"] == "Eva Prüfer"
    assert set(approval["files"]) == {"captions.vtt", "captions.srt", "captions.ttml"}
    assert "approved by Eva Prüfer" in casefilm(workspace, "status", "fall").stdout
    prov = provenance(film)
    assert (prov.status, prov.by) == ("approved", "Eva Prüfer")
    # the sign-off changes the provenance in cues.json: the stage picks it up, and an
    # identical regeneration keeps the approval valid
    assert casefilm(workspace, "subtitles", "fall").returncode == 0
    assert load_cues(film).provenance.approval["reviewer"] == "Eva Prüfer"
    assert provenance(film).status == "approved"

    # an editor's correction changes the captions: the sign-off is void
    t = transcripts.current(film)
    seg = t.segments[3]
    words = [w.model_copy(update={"text": "zusammen."}) if w.text == "gemeinsam." else w
             for w in seg.words]
    t.segments[3] = seg.model_copy(update={"words": words, "text": "Heute planen wir zusammen."})
    t = t.model_copy(update={"provenance": Provenance(backend="review", status="reviewed",
                                                      editor="Redaktion")})
    transcripts.write_revision(film, t, base=0)
    # captions not yet regenerated: QC warns, and a sign-off is refused
    proc = casefilm(workspace, "qc", "fall")
    assert proc.returncode == 0 and "not up to date (stale: transcript changed)" in proc.stderr
    assert json.loads((out / "qc.json").read_text(encoding="utf-8"))["stale"]
    proc = casefilm(workspace, "qc", "fall", "--approve", "--reviewer", "Eva Prüfer")
    assert proc.returncode == 2 and "current transcript" in _one_line_error(proc)
    assert json.loads((out / "approval.json").read_text())["approved_at"] == \
        approval["approved_at"]  # the earlier sign-off is untouched
    assert casefilm(workspace, "subtitles", "fall").returncode == 0
    status = casefilm(workspace, "status", "fall").stdout
    assert "void" in status and "captions.vtt" in status
    prov = provenance(film)
    assert prov.status == "reviewed" and prov.approval_void
    assert load_cues(film).provenance.approval is None


def test_signoff_sections_and_status_contributors(workspace, programme_video, monkeypatch):
    """The sign-off's extension points: a part in `signoff.qc.SECTIONS` shows in qc.html and
    qc.json (findings, checklist item) and its hard finding refuses the sign-off; a function
    in `signoff.status.CONTRIBUTORS` adds its line to the film's status."""
    from pipeline.errors import QCFailed
    from pipeline.qc import ChecklistItem, Finding
    from pipeline.signoff import approval, qc as signoff_qc, status

    film = _film(workspace, programme_video)
    assert casefilm(workspace, "subtitles", "fall").returncode == 0
    hard = Finding(cue=0, start_ms=0, timecode="00:00:00.000", rule="sl_window",
                   severity="hard", measured="0 px", limit="≥ 1 px",
                   message="Kein Gebärdensprachfenster")
    item = ChecklistItem(id="EN 301 549 7.3", level="", title="Gebärdensprache", files="—",
                         confirm="—", state="fail")
    section = signoff_qc.QCSection(id="sign-language", title="Gebärdensprache",
                                   findings=[hard], checklist=[item])
    monkeypatch.setattr(signoff_qc, "SECTIONS", [lambda f, lang: section])
    with pytest.raises(QCFailed):
        workflow.qc(film, reviewer="Eva", stale=why_stale)
    assert approval.load(film) is None
    html = (film.subtitles_dir / "qc.html").read_text(encoding="utf-8")
    assert 'id="sign-language"' in html and "Kein Gebärdensprachfenster" in html
    report = json.loads((film.subtitles_dir / "qc.json").read_text(encoding="utf-8"))
    assert report["sections"][0]["findings"][0]["rule"] == "sl_window"
    assert "EN 301 549 7.3" in [c["id"] for c in report["checklist"]]

    monkeypatch.setattr(signoff_qc, "SECTIONS", [lambda f, lang: None])  # nothing to check
    assert workflow.qc(film, reviewer="Eva", stale=why_stale).approval.reviewer == "Eva"
    monkeypatch.setattr(status, "CONTRIBUTORS", [*status.CONTRIBUTORS,
                                                 lambda f, stale: [f"{'DGS':<11}no interpreter"]])
    lines = status.lines(film, why_stale)
    assert lines[0].startswith("captions   approved by Eva")
    assert lines[-1] == "DGS        no interpreter"


def test_qc_exits_nonzero_on_a_hard_break_and_refuses_sign_off(workspace, programme_video):
    film = _film(workspace, programme_video)
    assert casefilm(workspace, "subtitles", "fall").returncode == 0
    cs = load_cues(film)
    long_line = "Diese Zeile ist viel zu lang für jedes Profil, das es gibt, wirklich."
    cues = list(cs.cues)
    cues[0] = CaptionCue(**{**cues[0].model_dump(), "lines": ["eins", "zwei", long_line]})
    build.write(film, cs.model_copy(update={"cues": cues}))
    proc = casefilm(workspace, "qc", "fall")
    assert proc.returncode == 6
    line = _one_line_error(proc)
    assert "hard-limit" in line and "max_lines" in line and "chars_per_line" in line
    report = json.loads((film.subtitles_dir / "qc.json").read_text(encoding="utf-8"))
    assert report["summary"]["hard"] >= 2
    proc = casefilm(workspace, "qc", "fall", "--approve", "--reviewer", "Eva")
    assert proc.returncode == 6 and not (film.subtitles_dir / "approval.json").exists()
    # a caption file that no longer matches cues.json is a structure break
    build.write(film, cs)
    vtt = film.subtitles_dir / "captions.vtt"
    vtt.write_text(vtt.read_text(encoding="utf-8").replace("Skepsis", "Skeptik"), encoding="utf-8")
    proc = casefilm(workspace, "qc", "fall")
    assert proc.returncode == 6 and "structure" in _one_line_error(proc)
    build.write(film, cs)
    assert casefilm(workspace, "qc", "fall").returncode == 0
    (film.subtitles_dir / "captions.ttml").write_text("<tt", encoding="utf-8")  # truncated
    proc = casefilm(workspace, "qc", "fall")
    assert proc.returncode == 6 and "structure" in _one_line_error(proc)


@pytest.mark.parametrize("subtitles,field", [
    ({"profile": "de-tv"}, "subtitles.profile"),
    ({"max_lines": 7}, "subtitles.max_lines"),
    ({"chars_per_line": "viele"}, "subtitles.chars_per_line"),
    ({"min_duration_ms": 9000}, "subtitles.max_duration_ms"),
    ({"colour": "rot"}, "subtitles.colour"),
])
def test_bad_subtitle_settings_give_one_line_naming_file_and_field(workspace, programme_video,
                                                                   subtitles, field):
    film = _film(workspace, programme_video, {**MANIFEST, "subtitles": subtitles})
    proc = casefilm(workspace, "subtitles", "fall")
    assert proc.returncode == 2
    line = _one_line_error(proc)
    assert "film.yaml" in line and field in line
    assert not film.subtitles_dir.exists()  # nothing written


def test_qc_bad_profile_option_and_missing_captions(workspace, programme_video):
    _film(workspace, programme_video)
    proc = casefilm(workspace, "qc", "fall")
    assert proc.returncode == 2 and "captions" in _one_line_error(proc)
    assert casefilm(workspace, "subtitles", "fall").returncode == 0
    proc = casefilm(workspace, "qc", "fall", "--profile", "nope")
    assert proc.returncode == 2 and "--profile" in _one_line_error(proc)
    # captions made for 42 chars/line checked against a 37 chars/line profile
    proc = casefilm(workspace, "qc", "fall", "--profile", "de-broadcast-kids")
    report = json.loads((workspace / "subtitles/fall/qc.json").read_text())
    assert report["profile"]["name"] == "de-broadcast-kids"
    assert report["summary"]["hard"] == report["summary"]["by_rule"].get("chars_per_line") > 0
    assert proc.returncode == 6
    proc = casefilm(workspace, "qc", "fall", "--approve")
    assert proc.returncode != 0 and "--reviewer" in proc.stderr


def test_no_speech(workspace, programme_video):
    film = _film(workspace, programme_video, has_audio=False)
    proc = casefilm(workspace, "subtitles", "fall")
    assert proc.returncode == 2 and "no speech" in _one_line_error(proc)
    assert not film.subtitles_dir.exists()
    music = Transcript(film="musik", duration_ms=6000, provenance=Provenance(backend="t"),
                       segments=[Segment(id=0, start=0, end=6000, text="Musik", kind="sound")])
    _film(workspace, programme_video, transcript=music, film_id="musik")
    proc = casefilm(workspace, "subtitles", "musik")
    assert proc.returncode == 2 and "no speech" in _one_line_error(proc)


def test_profiles_command_lists_figures(workspace):
    proc = casefilm(workspace, "profiles")
    assert proc.returncode == 0
    for name, p in profiles.PROFILES.items():
        line = next(ln for ln in proc.stdout.splitlines() if ln.startswith(name))
        assert line
    assert "chars/line 42" in proc.stdout and "≤ 180 words/min" in proc.stdout


# --- Chromium -------------------------------------------------------------------------------


@pytest.mark.browser
def test_chromium_parses_the_webvtt_into_the_expected_cues(workspace, programme_video):
    hostile = SPEECH[:2] + [("anna", 4300, "<script>x</script> --> &amp; Größe")]
    film = _film(workspace, programme_video, transcript=_transcript("fall", hostile))
    assert casefilm(workspace, "subtitles", "fall").returncode == 0
    cs = load_cues(film)
    page_path = film.subtitles_dir / "track-test.html"
    page_path.write_text('<!doctype html><html lang="de"><title>t</title><video muted>'
                         '<track id="t" kind="captions" srclang="de" src="captions.vtt" default>'
                         '</video>', encoding="utf-8")
    with chromium() as browser:
        page = browser.new_page()
        page.goto(page_path.as_uri())
        page.wait_for_function("document.getElementById('t').readyState === 2", timeout=15000)
        cues = page.evaluate("""() => Array.from(document.getElementById('t').track.cues).map(c => ({
            start: Math.round(c.startTime * 1000), end: Math.round(c.endTime * 1000),
            text: c.getCueAsHTML().textContent,
            scripts: c.getCueAsHTML().querySelectorAll('script').length}))""")
    assert len(cues) == len(cs.cues)
    for got, want in zip(cues, cs.cues):
        assert (got["start"], got["end"]) == (want.start, want.end)
        assert got["text"] == "\n".join(want.lines)
        assert got["scripts"] == 0
    shown = " ".join(c["text"].replace("\n", " ") for c in cues)
    assert "<script>x</script> --> &amp; Größe" in shown  # intact, as text


@pytest.mark.browser
def test_qc_report_opens_in_chromium_and_agrees_with_its_json(workspace, programme_video):
    """A 3-minute fast interview: reading-speed findings exist, so the chart marks them."""
    film = _film(workspace, programme_video)
    syn = synthetic.interview(minutes=3, seed=5, film="fall")
    cs = build.build(film.manifest, "fall", syn.transcript, profiles.PROFILES["de-web"], fps=25,
                     duration_ms=syn.duration_ms, cuts=syn.cuts)
    build.write(film, cs)
    outcome = workflow.qc(film, stale=why_stale)
    data = json.loads(outcome.json.read_text(encoding="utf-8"))
    flagged_json = sorted({f["cue"] for f in data["findings"] if f["rule"] == "reading_speed"})
    assert flagged_json and data["summary"]["hard"] == 0
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(outcome.html.as_uri())
        assert page.locator("html").get_attribute("lang") == "de"
        chart = page.locator("svg#chart")
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box["width"] > 600 and box["height"] > 100
        assert page.locator("#limit-line").count() == 1
        assert float(chart.get_attribute("data-limit")) == data["chart"]["limit"] == 17
        points = page.evaluate("""() => Array.from(document.querySelectorAll('svg#chart .point'))
            .map(p => [Number(p.dataset.cue), Number(p.dataset.value), p.dataset.flagged === 'true'])""")
        assert len(points) == data["summary"]["cues"] == len(data["cues"])
        assert sorted(c for c, _, f in points if f) == flagged_json
        by_cue = {pt["cue"]: pt["value"] for pt in data["chart"]["points"]}
        assert all(abs(by_cue[c] - v) < 1e-6 for c, v, _ in points)
        # flagged points lie above the limit line, the others on or below it
        limit_y = float(page.locator("#limit-line").get_attribute("y1"))
        ys = page.evaluate("""() => Array.from(document.querySelectorAll('svg#chart .point'))
            .map(p => [p.dataset.flagged === 'true', p.getBBox().y + p.getBBox().height / 2])""")
        assert all((y < limit_y) if f else (y >= limit_y - 0.5) for f, y in ys)
        summary = {k: page.locator(f'#summary [data-key="{k}"]').inner_text()
                   for k in ("cues", "findings", "hard")}
        assert summary == {k: str(data["summary"][k]) for k in summary}
        rows = page.locator("#findings-table tr.finding").count()
        assert rows == len(data["findings"])
        # each cue links to the player at its moment
        href = page.locator("#cue-1 a").first.get_attribute("href")
        assert re.fullmatch(r"\.\./\.\./exports/fall/index\.html#t=\d+\.\d{3}", href)
        # six caption items, and for a film without audio description WCAG 1.2.3 and 1.2.5
        assert page.locator("#checklist tr[data-clause]").count() == 8
        assert page.locator('#checklist tr[data-clause="WCAG 2.2 1.2.5"]').get_attribute(
            "data-state") == "fail"
        assert page.locator("#audio-description #ad-none").count() == 1
        serious = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
        assert serious == []
