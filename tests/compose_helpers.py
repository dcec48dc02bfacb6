"""Helpers for the compose tests: lavfi sources, timelines, decoded frames."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np

from pipeline.compose.model import Shot, TimedWord
from tests import media


def flat_source(out: Path, colour: str, seconds: float, freq: int, size: str = "320x180") -> Path:
    """H.264/AAC clip of one flat `colour` for `seconds` s with a sine tone of `freq` Hz
    (48 kHz): every pixel of the picture has the same value, so anything drawn over it
    shows as a difference."""
    media.sh([*media.FF, "-f", "lavfi", "-i", f"color=c={colour}:size={size}:rate=25:duration={seconds}",
              "-f", "lavfi", "-i", f"sine=frequency={freq}:sample_rate=48000:duration={seconds}",
              "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25",
              "-c:a", "aac", "-b:a", "96k", "-t", str(seconds), out])
    return out


def words(start_ms: int, text: str, speaker: str | None, step: int = 380,
          length: int = 300) -> list[TimedWord]:
    """TimedWords of `text`, one every `step` ms from `start_ms`, each `length` ms long."""
    return [TimedWord(text=w, start_ms=start_ms + i * step, end_ms=start_ms + i * step + length,
                      speaker=speaker) for i, w in enumerate(text.split())]


def shot(n: int, path: Path, src_in: int, src_out: int, text: str, speaker: str | None) -> Shot:
    return Shot(select=n, source_id=path.stem, source_path=str(path), src_in_ms=src_in,
                src_out_ms=src_out, words=words(src_in + 100, text, speaker), speaker=speaker)


def probe(path: Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_streams",
                          "-show_format", str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def frame(path: Path, t: float, size: tuple[int, int]) -> np.ndarray:
    """The decoded picture at `t` s as an RGB array (height, width, 3), int16."""
    out = subprocess.run(["ffmpeg", "-v", "error", "-ss", f"{t:.3f}", "-i", str(path),
                          "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True, check=True).stdout
    w, h = size
    return np.frombuffer(out, np.uint8)[: w * h * 3].reshape(h, w, 3).astype(np.int16)


def region_diff(a: np.ndarray, b: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """Mean absolute difference of two frames inside box (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    return float(np.abs(a[y0:y1, x0:x1] - b[y0:y1, x0:x1]).mean())
