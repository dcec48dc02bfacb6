"""The ASR audio: ingest's 16 kHz mono 16-bit WAV, read whole or by sample range."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from ..errors import MediaError

RATE = 16000


def _open(path: Path) -> wave.Wave_read:
    try:
        w = wave.open(str(path), "rb")
    except (wave.Error, EOFError, OSError) as e:
        raise MediaError(path, f"unreadable WAV: {e}") from None
    if w.getsampwidth() != 2 or w.getnchannels() != 1:
        w.close()
        raise MediaError(path, "expected 16-bit mono PCM WAV")
    return w


def read_wav(path: Path, start: int = 0, stop: int | None = None) -> np.ndarray:
    """16-bit PCM mono WAV → float32 array in [-1, 1] (what Whisper takes); optionally only
    samples [start, stop), so a long recording is never held whole."""
    w = _open(path)
    try:
        n = w.getnframes()
        stop = n if stop is None else min(stop, n)
        w.setpos(min(start, n))
        data = w.readframes(max(0, stop - start))
    except (wave.Error, EOFError) as e:
        raise MediaError(path, f"unreadable WAV: {e}") from None
    finally:
        w.close()
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0


def frames(path: Path) -> tuple[int, int]:
    """(sample count, sample rate) of a WAV."""
    w = _open(path)
    try:
        return w.getnframes(), w.getframerate()
    finally:
        w.close()


def frame_energy(path: Path, hop: int = 160, block: int = RATE * 60) -> np.ndarray:
    """RMS level in dBFS of every `hop`-sample frame (10 ms at 16 kHz), read block by block
    so memory stays flat on hours of audio."""
    n, _ = frames(path)
    out = []
    block -= block % hop
    for start in range(0, n, block):
        x = read_wav(path, start, start + block)
        m = len(x) // hop
        if m:
            f = x[: m * hop].reshape(m, hop)
            out.append(10 * np.log10(np.mean(f * f, axis=1) + 1e-10))
    return np.concatenate(out) if out else np.zeros(0)
