"""The chapters stage: outputs from one chapter model, validation, skipping."""

from __future__ import annotations

import html
import json

import pytest
import webvtt
import yaml

from pipeline.didactics import load_chapters
from pipeline.didactics.writers import ffmeta_escape
from pipeline.workspace import Workspace
from tests.conftest import casefilm
from tests.test_didactics_helpers import CATALOGUE, make_film, manifest, run_chapters


def test_outputs_from_one_model(workspace):
    make_film(workspace, export={"description_chapters": True})
    out, msgs = run_chapters(workspace)
    assert out.error is None, out.error
    d = workspace / "chapters" / "pflege"
    names = {p.name for p in d.iterdir()}
    assert {"chapters.vtt", "chapters.json", "chapters.jsonld", "ffmetadata.txt",
            "companion.html", "description.txt"} <= names
    assert not [n for n in names if n.startswith(".tmp-")]

    cs = load_chapters(Workspace.resolve(workspace).film("pflege"))
    assert [(c.start, c.end) for c in cs.chapters] == [(0, 40_000), (40_000, 90_000),
                                                       (90_000, 150_000)]
    assert [g.id for g in cs.chapters[1].goals] == ["LZ-PLANUNG-1", "LZ1"]
    assert cs.chapters[1].goals[0].text == CATALOGUE["goals"][1]["text"]
    assert cs.chapters[1].goals[0].level == "verstehen"
    assert cs.chapters[1].goals[1].defined_in == "film"
    assert cs.chapters[2].questions == ["Wer sollte wann beteiligt werden?"]

    cues = webvtt.read(str(d / "chapters.vtt"))
    assert [html.unescape(c.text) for c in cues] == [c.title for c in cs.chapters]
    assert [(c.start, c.end) for c in cues] == [("00:00:00.000", "00:00:40.000"),
                                                ("00:00:40.000", "00:01:30.000"),
                                                ("00:01:30.000", "00:02:30.000")]
    assert "Beteiligung &amp; Betriebsrat" in (d / "chapters.vtt").read_text()

    ff = (d / "ffmetadata.txt").read_text().splitlines()
    assert ff[0] == ";FFMETADATA1"
    assert ff.count("[CHAPTER]") == 3 and ff.count("TIMEBASE=1/1000") == 3
    assert "START=40000" in ff and "END=90000" in ff and "END=150000" in ff

    desc = (d / "description.txt").read_text().splitlines()
    assert desc[1:4] == ["0:00 Ausgangslage", "0:40 Dienstpläne mit KI",
                         "1:30 Beteiligung & Betriebsrat"]
    assert any("LZ-PLANUNG-1" in line for line in desc)


def test_ffmetadata_escaping():
    assert ffmeta_escape("a=b;c#d\\e\nf") == "a\\=b\\;c\\#d\\\\e\\\nf"
    assert ffmeta_escape("Dienstpläne – „KI“") == "Dienstpläne – „KI“"


def test_chapters_muxed_into_mp4(workspace, tmp_path):
    """ffmpeg reads ffmetadata.txt with -map_chapters; ffprobe lists the same titles/times."""
    from tests import media

    titles = ["Start = Anfang; #1", "Mitte \\ Teil", "Ende"]
    make_film(workspace, duration_ms=3000, chapters=[
        {"start": 0, "title": titles[0]}, {"start": 1, "title": titles[1]},
        {"start": 2, "title": titles[2]}])
    assert run_chapters(workspace)[0].error is None
    clip = media.video(tmp_path / "in.mp4", 3, size="160x90", fps=10)
    out = tmp_path / "out.mp4"
    meta = workspace / "chapters" / "pflege" / "ffmetadata.txt"
    media.sh([*media.FF, "-i", clip, "-i", meta, "-map", "0", "-map_chapters", "1",
              "-c", "copy", out])
    import subprocess
    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-show_chapters", "-of", "json", out],
        capture_output=True, text=True, check=True).stdout)
    got = [(c["tags"]["title"], round(float(c["start_time"]), 3), round(float(c["end_time"]), 3))
           for c in probe["chapters"]]
    assert got == [(titles[0], 0.0, 1.0), (titles[1], 1.0, 2.0), (titles[2], 2.0, 3.0)]


def test_uncovered_goal_is_a_warning(workspace):
    goals = manifest()["learning_goals"] + [{"id": "LZ2", "text": "Kosten abschätzen"}]
    make_film(workspace, learning_goals=goals)
    out, msgs = run_chapters(workspace)
    assert out.error is None
    assert any("LZ2" in m and "no chapter" in m for m in msgs)
    cs = load_chapters(Workspace.resolve(workspace).film("pflege"))
    assert cs.uncovered == ["LZ2"]
    rec = json.loads((workspace / ".casefilm/records/pflege/chapters.json").read_text())
    assert any("LZ2" in n for n in rec["notes"])


def test_rerun_skips_and_title_change_reruns(workspace):
    d = make_film(workspace)
    assert run_chapters(workspace)[0].worked == ["chapters"]
    assert run_chapters(workspace)[0].worked == []
    m = yaml.safe_load((d / "film.yaml").read_text())
    m["chapters"][1]["title"] = "Schichtpläne mit KI"
    (d / "film.yaml").write_text(yaml.safe_dump(m, allow_unicode=True), encoding="utf-8")
    out, msgs = run_chapters(workspace)
    assert out.worked == ["chapters"]
    assert any("chapters" in m and "changed" in m for m in msgs), msgs
    vtt = (workspace / "chapters/pflege/chapters.vtt").read_text()
    assert "Schichtpläne mit KI" in vtt
    # an unrelated manifest change (glossary) does not re-run chapters
    m["glossary"] = ["Dienstplan"]
    (d / "film.yaml").write_text(yaml.safe_dump(m, allow_unicode=True), encoding="utf-8")
    assert run_chapters(workspace)[0].worked == []


def test_description_switched_off_removes_block(workspace):
    d = make_film(workspace, export={"description_chapters": True})
    run_chapters(workspace)
    assert (workspace / "chapters/pflege/description.txt").exists()
    m = yaml.safe_load((d / "film.yaml").read_text())
    m["export"]["description_chapters"] = False
    (d / "film.yaml").write_text(yaml.safe_dump(m, allow_unicode=True), encoding="utf-8")
    assert run_chapters(workspace)[0].worked == ["chapters"]
    assert not (workspace / "chapters/pflege/description.txt").exists()


def test_pending_without_programme(workspace):
    make_film(workspace)
    (workspace / ".casefilm/cache/pflege/programme.json").unlink()
    out, _ = run_chapters(workspace)
    assert out.error is not None and "ingest" in out.error.line()


def test_quote_text_from_transcript(workspace):
    from pipeline.models import Provenance, Segment, Transcript, Word

    chs = manifest()["chapters"]
    chs[1]["quote"] = {"start": "00:41", "end": "00:44"}
    d = make_film(workspace, chapters=chs)
    words = [Word(start=40_500 + i * 700, end=41_000 + i * 700, text=t)
             for i, t in enumerate("Früher dauerte der Plan zwei Tage.".split())]
    t = Transcript(film="pflege", duration_ms=150_000, provenance=Provenance(backend="test"),
                   segments=[Segment(id=0, start=40_500, end=45_000, speaker="anna",
                                     text=" ".join(w.text for w in words), words=words)])
    (d / "transcript").mkdir()
    (d / "transcript" / "asr.json").write_text(t.model_dump_json(), encoding="utf-8")
    assert run_chapters(workspace)[0].error is None
    cs = load_chapters(Workspace.resolve(workspace).film("pflege"))
    q = cs.chapters[1].quote
    # words whose midpoint lies in [41.0, 44.0) s: indices 1..4 (midpoints 41.45 … 43.55)
    assert q.text == "dauerte der Plan zwei" and q.speaker == "Anna Beispiel"
    html = (workspace / "chapters/pflege/companion.html").read_text()
    assert "dauerte der Plan zwei" in html and "Anna Beispiel" in html
    # a new transcript revision re-runs the stage (quote text may change)
    (d / "transcript" / "asr.json").write_text(
        t.model_copy(update={"segments": [t.segments[0].model_copy(update={
            "words": [w.model_copy(update={"text": w.text.upper()}) for w in words]})]}
        ).model_dump_json(), encoding="utf-8")
    assert run_chapters(workspace)[0].worked == ["chapters"]


def test_companion_links_into_player(workspace):
    make_film(workspace)
    run_chapters(workspace)
    html = (workspace / "chapters/pflege/companion.html").read_text()
    assert '<html lang="de">' in html
    assert 'href="../../exports/pflege/index.html#t=40"' in html
    assert 'href="../../exports/pflege/index.html#t=90"' in html
    assert "Wer sollte wann beteiligt werden?" in html
    assert "Beteiligung &amp; Betriebsrat" in html


# --- validation: every error is one line naming film.yaml (with the film), field, chapter --

BAD = {
    "start past end": (
        dict(chapters=[{"start": 0, "title": "A"}, {"start": "02:40", "title": "Zu spät"}]),
        "chapters.1.start", ["chapter 2", "Zu spät", "past the end"]),
    "same start": (
        dict(chapters=[{"start": 0, "title": "A"}, {"start": "00:20", "title": "B"},
                       {"start": "00:20", "title": "C"}]),
        "chapters.2.start", ["chapter 3", "'C'", "same time"]),
    "overlap / unsorted": (
        dict(chapters=[{"start": 0, "title": "A"}, {"start": "01:00", "title": "B"},
                       {"start": "00:30", "title": "C"}]),
        "chapters.2.start", ["chapter 3", "'C'", "overlaps", "chapter 2"]),
    "unknown goal": (
        dict(chapters=[{"start": 0, "title": "A"}, {"start": 60, "title": "B", "goals": ["LZ9"]}]),
        "chapters.1.goals", ["chapter 2", "'B'", "unknown learning goal", "LZ9"]),
    "goal twice": (
        dict(chapters=[{"start": 0, "title": "A", "goals": ["LZ1", "LZ1"]}]),
        "chapters.0.goals", ["chapter 1", "twice", "LZ1"]),
    "empty title": (
        dict(chapters=[{"start": 0, "title": "A"}, {"start": 60, "title": "   "}]),
        "chapters.1.title", ["title is empty"]),
    "multi-line title": (
        dict(chapters=[{"start": 0, "title": "A\nB"}]),
        "chapters.0.title", ["chapter 1", "one line"]),
    "bad timecode": (
        dict(chapters=[{"start": "1:75", "title": "A"}]),
        "chapters.0.start", ["not a timecode"]),
    "quote reversed": (
        dict(chapters=[{"start": 0, "title": "A", "quote": {"start": 20, "end": 10}}]),
        "chapters.0.quote.end", ["chapter 1", "key quote ends"]),
    "quote outside chapter": (
        dict(chapters=[{"start": 0, "title": "A"},
                       {"start": 60, "title": "B", "quote": {"start": 30, "end": 70}}]),
        "chapters.1.quote", ["chapter 2", "outside the chapter"]),
    "empty question": (
        dict(chapters=[{"start": 0, "title": "A", "questions": ["Warum?", " "]}]),
        "chapters.0.questions.1", ["chapter 1", "empty question"]),
    "description: fewer than 3": (
        dict(export={"description_chapters": True},
             chapters=[{"start": 0, "title": "A"}, {"start": 60, "title": "B"}]),
        "chapters", ["at least 3", "description_chapters"]),
    "description: first not at 0:00": (
        dict(export={"description_chapters": True},
             chapters=[{"start": 5, "title": "A"}, {"start": 60, "title": "B"},
                       {"start": 90, "title": "C"}]),
        "chapters.0.start", ["chapter 1", "0:00", "description_chapters"]),
    "description: shorter than 10 s": (
        dict(export={"description_chapters": True},
             chapters=[{"start": 0, "title": "A"}, {"start": 60, "title": "Kurz"},
                       {"start": 65, "title": "C"}]),
        "chapters.1.start", ["chapter 2", "'Kurz'", "5.0 s", "at least 10 s"]),
    "description: last chapter shorter than 10 s": (
        dict(export={"description_chapters": True},
             chapters=[{"start": 0, "title": "A"}, {"start": 60, "title": "B"},
                       {"start": 145, "title": "Abspann"}]),
        "chapters.2.start", ["chapter 3", "'Abspann'", "at least 10 s"]),
    "goal id defined twice": (
        dict(learning_goals=[{"id": "LZ-PLANUNG-1", "text": "Doppelt"}]),
        "learning_goals.0.id", ["already defined"]),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_validation_errors(workspace, case):
    over, field, words = BAD[case]
    make_film(workspace, **over)
    out, _ = run_chapters(workspace)
    assert out.error is not None, case
    line = out.error.line()
    assert "\n" not in line
    assert "projects/pflege/film.yaml" in line
    assert f": {field}: " in line, line
    for w in words:
        assert w in line, (w, line)
    assert not (workspace / "chapters" / "pflege" / "chapters.vtt").exists()


def test_validation_error_via_cli_is_one_line(workspace):
    make_film(workspace, chapters=[{"start": 0, "title": "A"},
                                   {"start": 60, "title": "B", "goals": ["LZ9"]}])
    # earlier good outputs stay untouched when a later edit is bad
    proc = casefilm(workspace, "chapters", "pflege")
    assert proc.returncode == 2
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1
    assert "film.yaml: chapters.1.goals:" in errors[0] and "LZ9" in errors[0]


def test_bad_edit_leaves_previous_outputs_untouched(workspace):
    d = make_film(workspace)
    assert run_chapters(workspace)[0].error is None
    vtt = workspace / "chapters/pflege/chapters.vtt"
    before = vtt.read_bytes()
    m = yaml.safe_load((d / "film.yaml").read_text())
    m["chapters"][2]["start"] = "00:10"
    (d / "film.yaml").write_text(yaml.safe_dump(m, allow_unicode=True), encoding="utf-8")
    out, _ = run_chapters(workspace)
    assert out.error is not None and "chapters.2.start" in out.error.line()
    assert vtt.read_bytes() == before


def test_chapters_command_keeps_stage_forms(workspace):
    """`casefilm chapters FILM…`, `--all`, `--force` run the stage; subcommands exist."""
    make_film(workspace)
    make_film(workspace, "zweiter")
    proc = casefilm(workspace, "chapters", "--all", check=True)
    assert "2 of 2 films ok" in proc.stderr
    proc = casefilm(workspace, "chapters", "pflege", check=True)
    assert "nothing to do" in proc.stderr
    proc = casefilm(workspace, "chapters", "pflege", "--force", check=True)
    assert "running (forced)" in proc.stderr
    proc = casefilm(workspace, "chapters", "--force", "zweiter", check=True)
    assert "running (forced)" in proc.stderr
    assert casefilm(workspace, "chapters", "nosuchfilm").returncode == 2
    help_text = casefilm(workspace, "chapters", "--help", check=True).stdout
    assert all(w in help_text for w in ("suggest", "accept", "pdf", "FILM…"))


def test_film_without_chapters_gets_empty_tracks(workspace):
    make_film(workspace, chapters=[])
    out, msgs = run_chapters(workspace)
    assert out.error is None
    assert any("no chapters" in m for m in msgs)
    d = workspace / "chapters/pflege"
    assert (d / "chapters.vtt").read_text() == "WEBVTT\n"
    assert "[CHAPTER]" not in (d / "ffmetadata.txt").read_text()
    assert "hasPart" not in json.loads((d / "chapters.jsonld").read_text())


def test_chapter_at(workspace):
    make_film(workspace)
    run_chapters(workspace)
    cs = load_chapters(Workspace.resolve(workspace).film("pflege"))
    assert cs.chapter_at(0).index == 1 and cs.chapter_at(39_999).index == 1
    assert cs.chapter_at(40_000).index == 2 and cs.chapter_at(149_999).index == 3
    assert cs.chapter_at(150_000) is None
