"""Transcription with a tiny random Whisper loaded through the real loading code.

Its text is gibberish, so these tests check structure and invariants, never words."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from pipeline import asr, transcripts
from pipeline.errors import ModelUnavailable
from pipeline.models import Transcript
from pipeline.stages.base import RunOptions
from pipeline.runner import run_film, select_stages
from pipeline.workspace import Workspace
from tests import media
from tests.conftest import casefilm, write_film

FAST = {"temperature": 0.0, "hallucination_silence_threshold": None}


@pytest.fixture(scope="module")
def talking(tmp_path_factory) -> Path:
    """~4 s of German espeak-ng speech over testsrc2 (320x180)."""
    d = tmp_path_factory.mktemp("talk")
    return media.talking_clip(d / "talk.mp4", "Guten Tag. Wir planen Dienste mit KI.",
                              size="320x180")


def make_film(ws: Path, clip: Path, film: str = "f", **transcript) -> Path:
    raw = ws / "projects" / film / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    (raw / "talk.mp4").write_bytes(clip.read_bytes())
    write_film(ws, film, {"title": "T", "speakers": [{"id": "anna", "name": "Anna"}],
                          "glossary": ["Dienstplan", "Betriebsrat"],
                          "sources": [{"id": "a", "file": "raw/talk.mp4", "speaker": "anna"}],
                          "transcript": {**FAST, **transcript}})
    return ws / "projects" / film


def check_invariants(t: Transcript) -> None:
    last = 0
    for i, seg in enumerate(t.segments):
        assert seg.id == i
        assert 0 <= seg.start < seg.end <= t.duration_ms
        assert seg.start >= last, "segments overlap or go backwards"
        assert seg.words, "every segment has word timings"
        for w in seg.words:
            assert seg.start <= w.start <= w.end <= seg.end
            assert w.start >= last
            last = w.end
        assert "".join(w.text for w in seg.words).replace(" ", "") == seg.text.replace(" ", "")
        last = seg.end


def test_transcribe_with_tiny_model(workspace, talking, tiny_model):
    make_film(workspace, talking)
    p = casefilm(workspace, "run", "f", "--until", "transcribe", "--model", str(tiny_model),
                 check=True)
    assert "transcribe: done" in p.stderr
    t = transcripts.read(workspace / "projects/f/transcript/asr.json")
    assert t.segments, "the tiny model decodes something with temperature 0"
    check_invariants(t)
    assert t.provenance.backend == "openai-whisper" and t.provenance.status == "auto"
    assert t.provenance.model == str(tiny_model)
    assert t.provenance.parameters["initial_prompt"] == "Dienstplan, Betriebsrat."
    assert t.provenance.parameters["carry_initial_prompt"] is True
    assert t.provenance.parameters["language"] == "de"
    assert t.provenance.parameters["word_timestamps"] is True
    assert {s.speaker for s in t.segments} == {"anna"}
    # nothing changed: no work; the model is not part of the fingerprint
    p = casefilm(workspace, "run", "f", "--until", "transcribe", check=True)
    assert "transcribe: up to date" in p.stderr


def test_model_from_environment_and_wrong_name(workspace, talking, tiny_model):
    make_film(workspace, talking)
    p = casefilm(workspace, "transcribe", "f", env={"CASEFILM_WHISPER_MODEL": str(tiny_model)})
    assert p.returncode == 2 and "needs ingest" in p.stderr  # single stage: ingest first
    casefilm(workspace, "ingest", "f", check=True)
    # an explicit name whose alignment heads do not fit the checkpoint: one line, exit 4
    p = casefilm(workspace, "transcribe", "f", "--model-name", "small",
                 env={"CASEFILM_WHISPER_MODEL": str(tiny_model)})
    assert p.returncode == 4
    assert "does not have the shape of Whisper 'small'" in p.stderr
    p = casefilm(workspace, "transcribe", "f", env={"CASEFILM_WHISPER_MODEL": str(tiny_model)})
    assert p.returncode == 0, p.stderr


def test_model_path_missing_and_unknown_name(workspace, talking):
    make_film(workspace, talking)
    casefilm(workspace, "ingest", "f", check=True)
    p = casefilm(workspace, "transcribe", "f", "--model", "/nowhere/small.pt")
    assert p.returncode == 4 and "checkpoint /nowhere/small.pt not found" in p.stderr
    p = casefilm(workspace, "transcribe", "f", "--model", "gigantic")
    assert p.returncode == 4 and "not a Whisper model name" in p.stderr


def test_model_name_not_cached_and_no_network(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))

    def offline(*a, **k):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(ModelUnavailable) as e:
        asr.load_model(asr.ModelSpec("tiny", "tiny"), "cpu")
    line = e.value.line()
    assert "'tiny'" in line and "not cached" in line and "CASEFILM_WHISPER_MODEL" in line


def test_resolution_order(monkeypatch, tiny_model, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("CASEFILM_WHISPER_MODEL", "base")
    assert asr.resolve_model("medium", None, "small", None).ref == "medium"
    assert asr.resolve_model(None, None, "small", None).ref == "small"
    assert asr.resolve_model(None, None, None, None).ref == "base"
    monkeypatch.delenv("CASEFILM_WHISPER_MODEL")
    # nothing cached: the bundled base; else the best model in the cache (no network)
    assert asr.resolve_model(None, None, None, None) == asr.ModelSpec("bundled", "base")
    (tmp_path / "cache/whisper").mkdir(parents=True)
    for name in ("small", "medium"):
        (tmp_path / f"cache/whisper/{name}.pt").write_bytes(b"")
        assert asr.resolve_model(None, None, None, None) == asr.ModelSpec(name, name)
    assert asr.resolve_model(None, None, None, None, "faster-whisper").ref == "bundled"
    assert asr.resolve_model("bundled", None, None, None).describe() == "base (bundled)"
    spec = asr.resolve_model(str(tiny_model), "tiny", None, None)
    assert spec.is_path and spec.name == "tiny"
    # a file merely called like a model, with another shape, does not get that name's heads
    named = tiny_model.parent / "small.pt"
    named.write_bytes(tiny_model.read_bytes())
    assert asr.resolve_model(str(named), None, None, None).name is None


def test_model_loaded_once_per_run(tmp_path, talking, tiny_model, monkeypatch):
    ws_dir = tmp_path / "ws"
    for f in ("f1", "f2"):
        make_film(ws_dir, talking, film=f)
    calls = []
    real = asr.load_model
    monkeypatch.setattr(asr, "load_model", lambda spec, dev=None: calls.append(spec) or real(spec, dev))
    ws = Workspace.resolve(ws_dir)
    opts = RunOptions(model=str(tiny_model), report=lambda m: None)
    for f in ("f1", "f2"):
        out = run_film(ws.film(f), opts, select_stages(until="transcribe"))
        assert out.error is None and "transcribe" in out.worked
    assert len(calls) == 1


def test_segments_clamped_and_hallucinations_dropped():
    raw = [
        {"text": " Guten Tag.", "start": 0.0, "end": 1.2,
         "words": [{"word": " Guten", "start": 0.0, "end": 0.5, "probability": 0.9},
                   {"word": " Tag.", "start": 0.4, "end": 1.2, "probability": 0.8}]},
        {"text": " Untertitel im Auftrag des ZDF, 2021", "start": 1.5, "end": 3.0, "words": []},
        {"text": " Vielen Dank fürs Zuschauen!", "start": 3.0, "end": 4.0},
        {"text": " Ende", "start": 4.5, "end": 9.0,
         "words": [{"word": " Ende", "start": 4.5, "end": 9.0, "probability": 0.5}]},
        {"text": " danach", "start": 12.0, "end": 13.0},
    ]
    segs, dropped = asr.from_whisper_segments(raw, duration_ms=5000)
    assert [s.text for s in segs] == ["Guten Tag.", "Ende"]
    assert dropped == {"hallucinated": 2, "beyond_end": 1}
    assert segs[0].words[1].start == 500  # made monotonic: no word starts before the last ends
    assert segs[1].end == 5000 and segs[1].words[-1].end == 5000
    assert asr.is_hallucination("Untertitel der Amara.org-Community")
    assert not asr.is_hallucination("Der Untertitel dieses Films ist gut.")


def test_reviewed_transcript_is_never_replaced(workspace, talking, tiny_model):
    film_dir = make_film(workspace, talking)
    casefilm(workspace, "run", "f", "--until", "transcribe", "--model", str(tiny_model), check=True)
    ws = Workspace.resolve(workspace)
    film = ws.film("f")
    t = transcripts.current(film)
    edited = t.model_copy(update={"provenance": t.provenance.model_copy(
        update={"status": "reviewed", "editor": "Anna", "backend": "review"})})
    rev = transcripts.write_revision(film, edited, base=0)
    before = rev.read_bytes(), (film_dir / "transcript/asr.json").read_bytes()
    p = casefilm(workspace, "transcribe", "f", "--force", "--model", str(tiny_model), check=True)
    assert "kept the reviewed transcript (revision 1 by Anna)" in p.stderr
    assert (rev.read_bytes(), (film_dir / "transcript/asr.json").read_bytes()) == before
    assert transcripts.current_path(film) == rev


def test_import_srt_runs_to_a_finished_export_without_whisper(workspace, talking):
    film_dir = make_film(workspace, talking)
    (film_dir / "raw/vendor.srt").write_text(
        "1\n00:00:00,200 --> 00:00:01,500\nGuten Tag.\n\n"
        "2\n00:00:01,600 --> 00:00:03,000\n<i>Wir planen</i> Dienste &amp; mehr.\n", encoding="utf-8")
    m = json.loads(json.dumps(__import__("yaml").safe_load((film_dir / "film.yaml").read_text())))
    m["transcript"] = {"import": "raw/vendor.srt"}
    write_film(workspace, "f", m)
    p = casefilm(workspace, "run", "f",
                 env={"CASEFILM_WHISPER_MODEL": "/nonexistent/model.pt"}, check=True)
    assert "imported 2 segments from vendor.srt" in p.stderr
    assert (workspace / "exports/f/index.html").is_file()
    assert (workspace / "exports/f/manifest.json").is_file()
    assert "Dienste &amp; mehr" in (workspace / "subtitles/f/captions.vtt").read_text()
    t = transcripts.read(film_dir / "transcript/asr.json")
    check_invariants(t)
    assert t.provenance.backend == "import:srt"
    assert [s.text for s in t.segments] == ["Guten Tag.", "Wir planen Dienste & mehr."]
    assert t.segments[1].start == 1600 and t.segments[1].words[-1].end == 3000
