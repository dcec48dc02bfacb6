"""German speech on real weights: casefilm's default model (the bundled multilingual
Whisper base), default backend and default settings, on an espeak-ng German film whose
sentence onsets are known (tests/realmodel.py GERMAN: two voices, pauses, 4 s of silence,
5 s of room tone, 6 s of music-like noise, 42 s).

One transcription of the film (`casefilm run`, a subprocess) serves the timing, silence,
provenance and status checks; a second one in this process shows that runs repeat exactly
and that the glossary reaches every decoding window. The hallucination checks
feed the real model silence, room tone and music-like noise, with and without the voice
activity filter. English with tiny.en is in test_asr_real.py; the random checkpoint
(test_transcribe.py) is kept where only structure is checked.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from pipeline import transcripts
from pipeline.runner import run_film, select_stages
from pipeline.stages.base import RunOptions
from pipeline.words import HALLUCINATIONS, is_hallucination
from pipeline.workspace import Workspace
from tests import realmodel as rm
from tests.conftest import casefilm, write_film


@pytest.fixture(scope="module")
def german(tmp_path_factory) -> rm.Film:
    return rm.speech_film(tmp_path_factory.mktemp("de") / "de.mp4", rm.GERMAN)


def make_ws(root: Path, film: rm.Film, fid: str = "f", **transcript) -> Path:
    ws = root / "ws"
    raw = ws / "projects" / fid / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    (raw / "film.mp4").write_bytes(film.clip.read_bytes())
    write_film(ws, fid, {"title": "Dienstplanung", "glossary": rm.GERMAN_GLOSSARY,
                         "speakers": [{"id": "a", "name": "Anna"}],
                         "sources": [{"id": "s", "file": "raw/film.mp4", "speaker": "a"}],
                         **({"transcript": transcript} if transcript else {}),
                         "subtitles": {"profile": "de-web"}})
    return ws


def offline(cache: Path) -> dict:
    """The environment of a run offline, the model cache holding only the bundled base."""
    return {"XDG_CACHE_HOME": str(cache), "HF_HUB_OFFLINE": "1"}


def run(ws: Path, cache: Path, *args: str):
    """`casefilm run` up to the captions with the default model, offline."""
    casefilm(ws, "run", "f", "--until", "subtitles", *args, check=True, env=offline(cache))
    t = transcripts.read(ws / "projects/f/transcript/asr.json")
    cues = json.loads((ws / "subtitles/f/cues.json").read_text(encoding="utf-8"))["cues"]
    return t, cues


@pytest.fixture(scope="module")
def first(tmp_path_factory, german, bundled_cache):
    ws = make_ws(tmp_path_factory.mktemp("de1"), german)
    return (ws, *run(ws, bundled_cache))


@pytest.mark.slow
def test_default_model_is_the_bundled_base_and_the_reports_say_so(first, bundled_cache):
    ws, t, _cues = first
    p = t.provenance
    assert (p.backend, p.model, p.compute_type) == ("openai-whisper", "base (bundled)", "float32")
    assert p.parameters["language"] == "de" and p.parameters["vad_filter"] is True
    status = casefilm(ws, "status", "f", env={"XDG_CACHE_HOME": str(bundled_cache)}, check=True)
    line = next(x for x in status.stdout.splitlines() if x.strip().startswith("model"))
    assert "base (bundled)" in line and "draft-quality" in line and "large-v3-turbo" in line
    casefilm(ws, "qc", "f", check=True)
    qc = json.loads((ws / "subtitles/f/qc.json").read_text(encoding="utf-8"))
    assert qc["asr_model"] == "base (bundled)"
    assert "Entwurfsqualität" in qc["asr_note"] and "large-v3-turbo" in qc["asr_note"]
    html = (ws / "subtitles/f/qc.html").read_text(encoding="utf-8")
    assert 'id="asr-model" data-draft="true"' in html and "Whisper base (bundled)" in html


@pytest.mark.slow
def test_german_captions_start_with_the_speech_and_nothing_in_the_quiet(first, german):
    _ws, t, cues = first
    said = " ".join(s.text for s in t.segments)
    # espeak-ng German is hard for base (42 % word error rate here, 47-56 % on a bare
    # faster-whisper run, docs/asr.md): a guard against gross failure, and plain words
    assert rm.wer(german.text, said) <= 0.55, said
    for word in ("Pflegedienst", "Dienstplan", "Papier"):
        assert word in said, said
    # every sentence's first word, and every cue that opens a sentence, starts with the
    # speech: within 100 ms (median) and 250 ms (max) of the onset
    errs = rm.first_word_errors(german, t.words)
    assert statistics.median(abs(e) for e in errs) <= 100, errs
    assert max(abs(e) for e in errs) <= 250, errs
    cue_errs = rm.sentence_cue_errors(german, t.words, cues)
    assert len(cue_errs) >= 4, (cue_errs, [c["lines"] for c in cues])
    assert statistics.median(abs(e) for e in cue_errs) <= 100, cue_errs
    assert max(abs(e) for e in cue_errs) <= 250, cue_errs
    for q in german.quiet(1000):  # lead-in, pauses, and silence + room tone + noise
        inside = [x for x in t.words if q.start + 100 < x.start < q.end - 100
                  or q.start + 100 < x.end < q.end - 100]
        assert not inside, f"words inside {q}: {inside}"
        assert not [c for c in cues if q.start + 100 <= c["start"] and c["end"] <= q.end - 100]
    assert not [c for c in cues if is_hallucination(" ".join(c["lines"]))]


@pytest.mark.slow
def test_second_run_identical_and_glossary_in_every_window(first, german, bundled_cache,
                                                          tmp_path, monkeypatch):
    """A second run (default settings, another workspace, this process) gives the same
    words at the same times; and with voice-activity decoding, where each group of speech
    is its own Whisper call, every window's prompt starts with the glossary."""
    import whisper

    _ws, t, _cues = first
    monkeypatch.setenv("XDG_CACHE_HOME", str(bundled_cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    prompts = []
    real = whisper.model.Whisper.decode
    monkeypatch.setattr(whisper.model.Whisper, "decode", lambda self, mel, options=None:
                        prompts.append(options.prompt) or real(self, mel, options))
    ws = make_ws(tmp_path, german)
    opts = RunOptions(report=lambda m: None)
    out = run_film(Workspace.resolve(ws).film("f"), opts, select_stages(until="transcribe"))
    assert out.error is None and "transcribe" in out.worked
    t2 = transcripts.read(ws / "projects/f/transcript/asr.json")
    assert t2.segments == t.segments
    assert t2.provenance.parameters == t.provenance.parameters
    assert t2.provenance.model == "base (bundled)"
    assert len(prompts) >= 2, "the film has two groups of speech, decoded apart"
    tok = whisper.tokenizer.get_tokenizer(True, language="de", task="transcribe")
    gloss = tok.encode(" " + ", ".join(rm.GERMAN_GLOSSARY) + ".")
    assert all(list(p[:len(gloss)]) == gloss for p in prompts), prompts


# --- hallucinations ---------------------------------------------------------------------


def test_known_german_hallucinations_are_one_list():
    for line in ("Untertitel im Auftrag des ZDF, 2017", "Untertitel der Amara.org-Community",
                 "Vielen Dank fürs Zuschauen!", "Untertitelung des ZDF für funk, 2017",
                 "Copyright WDR 2021", "Untertitel von Stephanie Geiges",
                 "Bis zum nächsten Mal.", "ZDF 2020", "Abonniert den Kanal!", "[Musik]",
                 "*Applaus*", "(Lachen)"):
        assert is_hallucination(line), line
    for line in ("Vielen Dank für Ihre Geduld bei der Einführung.", "Vielen Dank.",
                 "Der Betriebsrat hat zugestimmt.", "Das ZDF hat berichtet.",
                 "Die Musik war zu laut.", "Stille Post"):
        assert not is_hallucination(line), line
    assert len(HALLUCINATIONS) == len(set(HALLUCINATIONS))


@pytest.fixture(scope="module")
def quiet_film(tmp_path_factory) -> rm.Film:
    """30 s without speech: 8 s silence, 10 s room tone, 12 s music-like noise."""
    return rm.speech_film(tmp_path_factory.mktemp("quiet") / "quiet.mp4",
                          [("silence", 8.0), ("room", 10.0), ("noise", 12.0)])


@pytest.mark.slow
def test_silence_room_tone_and_music_give_no_captions(quiet_film, bundled_cache, tmp_path):
    """The real model fed silence, room tone and music-like noise: with casefilm's defaults
    nothing is decoded (voice activity finds no speech); with the filter off the window is
    decoded and whatever Whisper invents there is dropped. No segment, so no caption: the
    subtitles stage says there is no speech and writes no caption file. (Without the filter
    openai-whisper's temperature fallback over non-speech runs for many minutes on this
    machine, so that leg uses faster-whisper: the same weights, the same rules.)"""
    for vad, settings in ((True, {}), (False, {"backend": "faster-whisper"})):
        ws = make_ws(tmp_path / str(vad), quiet_film, vad_filter=vad, **settings)
        casefilm(ws, "run", "f", "--until", "transcribe", check=True, env=offline(bundled_cache))
        t = transcripts.read(ws / "projects/f/transcript/asr.json")
        assert t.segments == [], (vad, [s.text for s in t.segments])
        p = casefilm(ws, "subtitles", "f", env=offline(bundled_cache))
        assert p.returncode == 2 and "has no speech to caption" in p.stderr, p.stderr
        assert not list((ws / "subtitles").rglob("*.vtt"))
