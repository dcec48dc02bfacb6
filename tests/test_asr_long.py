"""Long recordings: a 20-minute recording (speech repeated over silence) transcribed in
chunks cut at silences with casefilm's defaults (openai-whisper, the bundled Whisper base,
float32); a run killed with `kill -9` mid-way resumes from the last finished chunk with
the uninterrupted transcript, word for word and time for time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline import asr, transcripts
from pipeline.asr import chunks
from tests import realmodel as rm
from tests.conftest import REPO, casefilm, write_film


@pytest.fixture(scope="module")
def long_film(tmp_path_factory) -> rm.Film:
    return rm.long_recording(tmp_path_factory.mktemp("long") / "long.mp4", minutes=20,
                             every_s=120)


def make_ws(root: Path, film: rm.Film) -> Path:
    ws = root / "ws"
    (ws / "projects/f/raw").mkdir(parents=True)
    (ws / "projects/f/raw/long.mp4").write_bytes(film.clip.read_bytes())
    write_film(ws, "f", {"title": "T", "language": "en",
                         "sources": [{"id": "s", "file": "raw/long.mp4"}],
                         "transcript": {"chunk_s": 300}})  # everything else: defaults
    return ws


@pytest.mark.slow
def test_long_recording_chunks_and_resume_after_kill(tmp_path, long_film, bundled_cache,
                                                     monkeypatch):
    assert long_film.duration_ms >= 20 * 60 * 1000
    monkeypatch.setenv("XDG_CACHE_HOME", str(bundled_cache))  # the default model, offline
    ws = make_ws(tmp_path / "a", long_film)
    casefilm(ws, "ingest", "f", check=True)
    wav = ws / ".casefilm/cache/f/asr.wav"
    spans = chunks.plan(wav, 300)
    assert len(spans) == 4 and spans[0][0] == 0 and spans[-1][1] == asr.audio.frames(wav)[0]
    for (_, b), (c, _) in zip(spans, spans[1:]):  # contiguous, cut in silence
        assert b == c
        assert not [s for s in long_film.sentences if s.start - 100 < b / 16 < s.end + 100]
    p = casefilm(ws, "transcribe", "f", check=True)
    for i in range(1, 5):
        assert f"chunk {i}/4 (" in p.stderr
    whole = transcripts.read(ws / "projects/f/transcript/asr.json")
    assert whole.provenance.parameters["chunks"] == 4
    assert not (ws / ".casefilm/cache/f/asr-chunks").exists()  # cleared once written
    assert whole.provenance.model == "base (bundled)"
    said = " ".join(s.text for s in long_film.sentences)
    # isolated sentences: accuracy is checked in test_asr_real.py and test_asr_de.py
    assert rm.wer(said, " ".join(s.text for s in whole.segments)) <= 0.3
    for q in long_film.quiet(1000):
        assert not [w for w in whole.words if q.start + 100 < w.start < q.end - 100]

    # the same again, killed with SIGKILL once two chunks are finished, then resumed
    ws2 = make_ws(tmp_path / "b", long_film)
    casefilm(ws2, "ingest", "f", check=True)
    store = ws2 / ".casefilm/cache/f/asr-chunks"
    env = {**os.environ, "CASEFILM_WORKSPACE": str(ws2), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "transcribe", "f"], cwd=ws2,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list(store.glob("*/*.json"))) >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    kept = len(list(store.glob("*/*.json")))
    assert 2 <= kept < 4
    assert not (ws2 / "projects/f/transcript/asr.json").exists()
    p = casefilm(ws2, "transcribe", "f", check=True)
    assert p.stderr.count("kept from an earlier run") == kept
    resumed = transcripts.read(ws2 / "projects/f/transcript/asr.json")
    assert resumed.segments == whole.segments
    assert resumed.provenance.parameters == whole.provenance.parameters
