"""Long recordings: chunks cut at silences, each decoded alone, finished chunks kept.

A recording longer than 1.5 × `chunk_s` is cut near every multiple of `chunk_s` at the
quietest half second within a quarter chunk either side (frame energy, read block by
block), so no word is cut and memory holds one chunk. Each finished chunk's segments
(absolute times, onsets already refined) are written atomically to the resume directory
under a key of everything that decides them (audio digest, backend, model, compute type,
parameters); a run killed at any point, even with `kill -9`, resumes at the first missing
chunk. Since every chunk depends only on its own audio and those settings, a resumed run's
transcript is the uninterrupted run's, whenever decoding is deterministic (temperature 0).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..fsutil import sha256_json, write_json
from . import audio as audio_mod

SMOOTH_FRAMES = 50  # 0.5 s of 10 ms frames


def plan(wav: Path, chunk_s: int) -> list[tuple[int, int]]:
    """Sample ranges [start, stop) covering the whole WAV, cut at silences."""
    n, rate = audio_mod.frames(wav)
    if n <= chunk_s * rate * 1.5:
        return [(0, n)]
    db = audio_mod.frame_energy(wav)
    hop = 160
    smooth = np.convolve(db, np.ones(SMOOTH_FRAMES) / SMOOTH_FRAMES, mode="same")
    cuts = [0]
    per = chunk_s * rate // hop  # frames per chunk
    t = per
    while (len(db) - cuts[-1]) > per * 1.5:
        lo, hi = max(cuts[-1] + per // 2, t - per // 4), min(len(db) - per // 2, t + per // 4)
        if hi > lo:  # the quietest frame, nearest the target among equally quiet ones
            win = smooth[lo:hi]
            quiet = np.nonzero(win <= win.min() + 0.5)[0] + lo
            best = int(quiet[np.argmin(np.abs(quiet - t))])
        else:
            best = t
        cuts.append(best)
        t = best + per
    samples = [c * hop for c in cuts] + [n]
    return list(zip(samples[:-1], samples[1:]))


def key(audio_digest: str, settings: dict) -> str:
    return sha256_json({"audio": audio_digest, **settings})[:16]


class Store:
    """Finished chunks of one transcription under `root/<key>/NNNN.json`."""

    def __init__(self, root: Path, k: str):
        self.dir = Path(root) / k

    def path(self, i: int) -> Path:
        return self.dir / f"{i:04d}.json"

    def load(self, i: int, span: tuple[int, int]) -> list[dict] | None:
        p = self.path(i)
        if not p.is_file():
            return None
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # unreadable: decode the chunk again
        return data["segments"] if tuple(data.get("span", ())) == tuple(span) else None

    def save(self, i: int, span: tuple[int, int], segments: list[dict]) -> None:
        write_json(self.path(i), {"span": list(span), "segments": segments})

    def clear(self) -> None:
        if self.dir.is_dir():
            for p in self.dir.iterdir():
                p.unlink(missing_ok=True)
            self.dir.rmdir()
