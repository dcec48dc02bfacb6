"""Fixtures for the paper edit and conform tests: sources whose words sit at known times.

`spoken_source` speaks each word with espeak-ng on its own, trims the silence espeak puts
around it, and places it at a chosen time in the source's audio track, so the true time of
every word is known to the millisecond (no ASR involved). `whisper_json` writes those words
as a Whisper JSON transcript (the import format of `sources[].transcript`).
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.media import FF, sh, speak

RATE = 48_000
GAP_MS = 320  # silence between words


@dataclass(frozen=True)
class TrueWord:
    text: str
    start: int  # ms, source time
    end: int


def _duration_ms(wav: Path) -> int:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                          "-of", "csv=p=0", wav], capture_output=True, text=True, check=True)
    return round(float(out.stdout.strip()) * 1000)


def spoken_source(out: Path, words: list[str], *, lead_ms: int = 400, tail_ms: int = 600,
                  source: str = "testsrc2", size: str = "320x180",
                  timecode: str | None = None) -> list[TrueWord]:
    """A 25 fps H.264/AAC clip at `out` in which `words` are spoken one after another, each
    separated by GAP_MS of silence (with a start `timecode` tag when given, as cameras
    write it); returns each word's true start/end (ms, file time)."""
    tmp = out.parent / f".{out.stem}-words"
    tmp.mkdir(exist_ok=True)
    placed: list[TrueWord] = []
    inputs: list[str] = []
    filters: list[str] = []
    t = lead_ms
    for k, w in enumerate(words):
        raw = speak(w, tmp / f"{k}.raw.wav")
        trimmed = tmp / f"{k}.wav"
        sh([*FF, "-i", raw, "-af",
            "silenceremove=start_periods=1:start_threshold=-45dB:start_silence=0,"
            "areverse,silenceremove=start_periods=1:start_threshold=-45dB:start_silence=0,"
            f"areverse,aresample={RATE}", "-ac", "1", trimmed])
        d = _duration_ms(trimmed)
        placed.append(TrueWord(w, t, t + d))
        inputs += ["-i", str(trimmed)]
        filters.append(f"[{k}:a]adelay={t}:all=1[d{k}]")
        t += d + GAP_MS
    total = t - GAP_MS + tail_ms
    mix = "".join(f"[d{k}]" for k in range(len(words)))
    filters.append(f"{mix}amix=inputs={len(words)}:normalize=0,apad,atrim=0:{total / 1000}[a]")
    wav = tmp / "track.wav"
    sh([*FF, *inputs, "-filter_complex", ";".join(filters), "-map", "[a]", "-ar", str(RATE), wav])
    sh([*FF, "-f", "lavfi", "-i", f"{source}=size={size}:rate=25:duration={total / 1000}",
        "-i", wav, "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast",
        "-pix_fmt", "yuv420p", "-g", "25", "-c:a", "aac", "-b:a", "96k", "-ar", str(RATE),
        *(["-timecode", timecode] if timecode else []), "-t", str(total / 1000), out])
    for p in tmp.iterdir():
        p.unlink()
    tmp.rmdir()
    return placed


def whisper_json(out: Path, words: list[TrueWord], per_segment: int = 4) -> Path:
    """The words as a Whisper JSON transcript, `per_segment` words a segment."""
    segs = []
    for k in range(0, len(words), per_segment):
        chunk = words[k:k + per_segment]
        segs.append({"id": len(segs), "start": chunk[0].start / 1000, "end": chunk[-1].end / 1000,
                     "text": " " + " ".join(w.text for w in chunk),
                     "words": [{"word": " " + w.text, "start": w.start / 1000, "end": w.end / 1000,
                                "probability": 0.99} for w in chunk]})
    out.write_text(json.dumps({"text": "", "segments": segs, "language": "de"}), encoding="utf-8")
    return out
