"""Shared fixtures of the audio-description tests (no tests here).

`ad_film(ws)` writes a film whose upstream results are made by hand to their contracts:
a programme of 8 s (160x90 testsrc2; audio a steady 330 Hz tone, so ducking can be
measured everywhere) and a word-timed transcript:

    speech   0.20–2.40 s  (5 words)
    gap      2.40–4.50 s  (2.1 s)
    sound    4.50–4.80 s  ("Telefon", a sound event: occupied)
    gap      4.80–5.00 s  (too short to list)
    speech   5.00–7.60 s  (6 words)
    gap      7.60–8.00 s

and descriptions.yaml with one description in the first gap (fits) and one extended
description on the second stretch of speech.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from pipeline.models import Provenance, Segment, Transcript, Word
from tests.conftest import write_film
from tests.media import FF, sh
from tests.test_export_support import write_programme

FILM = "ad-film"
DURATION_MS = 8000
DESCRIPTIONS = """\
- at: "00:02.5"
  text: "Ein helles Büro."
- at: "00:05.5"
  text: "Auf dem Bildschirm steht ein Dienstplan."
  extended: true
"""


def words(start: int, end: int, n: int) -> list[Word]:
    step = (end - start) // n
    return [Word(start=start + i * step, end=start + (i + 1) * step - 40, text=f"Wort{i}")
            for i in range(n)]


def transcript() -> Transcript:
    segs = [
        Segment(id=0, start=200, end=2400, text="a", words=words(200, 2440, 5)),
        Segment(id=1, start=4500, end=4800, text="Telefon", kind="sound"),
        Segment(id=2, start=5000, end=7600, text="b", words=words(5000, 7640, 6)),
    ]
    return Transcript(film=FILM, duration_ms=DURATION_MS, segments=segs,
                      provenance=Provenance(backend="test"))


def make_programme(out: Path) -> Path:
    sh([*FF, "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:duration=8",
        "-f", "lavfi", "-i", "sine=frequency=330:sample_rate=48000:duration=8",
        "-filter_complex", "[1:a]volume=0.1,aformat=channel_layouts=stereo[a]",
        "-map", "0:v", "-map", "[a]", "-c:v", "libx264", "-preset", "ultrafast",
        "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-t", "8", out])
    return out


def ad_film(ws: Path, film: str = FILM, descriptions: str | None = DESCRIPTIONS,
            **settings) -> Path:
    man = {"title": "KI im Büro", "language": "de",
           "sources": [{"id": "main", "file": "raw/main.mp4"}]}
    if settings:
        man["descriptions"] = settings
    d = write_film(ws, film, man)
    (d / "raw").mkdir(exist_ok=True)
    clip = make_programme(d / "raw" / "main.mp4")
    write_programme(ws, film, clip, width=160, height=90)
    (d / "transcript").mkdir(exist_ok=True)
    (d / "transcript" / "asr.json").write_text(transcript().model_dump_json(), encoding="utf-8")
    if descriptions is not None:
        (d / "descriptions.yaml").write_text(descriptions, encoding="utf-8")
    return d


def decode(path: Path):
    """The first audio stream of `path` as float32 samples, shape (n, 2), 48 kHz."""
    import numpy as np

    raw = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:a:0",
                          "-ar", "48000", "-ac", "2", "-f", "f32le", "-acodec", "pcm_f32le", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype="<f4").reshape(-1, 2)
