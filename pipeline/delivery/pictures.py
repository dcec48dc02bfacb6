"""Poster frame choice, the picture branches of the encode graph, and the thumbnail
sprite's WebVTT.

Poster candidates are frames the one encode pass takes at a fixed interval, scales to the
poster box and writes as JPEGs; `signalstats` in the same branch prints each candidate's
luma figures to the encode's log (`metadata=mode=print`), so scoring needs no second decode
(and no path goes into the filter graph, so workspace paths with quotes or colons are
safe). A candidate qualifies when it is neither dark nor washed out (mean luma 35..215 of
255), has contrast (luma spread of at least 60 between the 10th and 90th percentile) and is
not mid-transition (its mean luma within 12 % of both neighbours). Among those, the one
with the most detail wins; detail is measured by the JPEG's size at fixed quality (a flat
or blurred frame compresses small). The first and last 5 % of the film (titles, fades) are
used only when nothing else qualifies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import ffmpeg as ffmpeg_python  # ffmpeg-python (graph building), not pipeline.ffmpeg
from ffmpeg.nodes import FilterableStream, OutputStream

from .. import ffmpeg, subtitle_io
from ..models import Cue

THUMB_WIDTH = 160  # px
SPRITE_COLUMNS = 5
SPRITE_ROWS = 5


def thumb_interval_s(duration_ms: int) -> int:
    """Seconds between scrub thumbnails: 5 s, coarser for long films (at most ~180 thumbs)."""
    return max(5, -(-duration_ms // 180_000))


def poster_interval_s(duration_ms: int) -> float:
    """Seconds between poster candidates: about 30 candidates, at least 1 s apart."""
    return max(1.0, round(duration_ms / 1000 / 30, 3))


def thumb_size(width: int, height: int) -> tuple[int, int]:
    h = max(2, int(round(THUMB_WIDTH * height / width / 2)) * 2)
    return THUMB_WIDTH, h


def sprite_branch(video: FilterableStream, duration_ms: int, width: int,
                  height: int) -> FilterableStream:
    """Sprite sheets: one thumbnail every thumb_interval_s, SPRITE_COLUMNS x SPRITE_ROWS
    per sheet (image2 output sprite-NNN.jpg)."""
    tw, th = thumb_size(width, height)
    return (video.filter("fps", fps=f"1/{thumb_interval_s(duration_ms)}")
            .filter("scale", w=tw, h=th, flags="lanczos")
            .filter("tile", layout=f"{SPRITE_COLUMNS}x{SPRITE_ROWS}"))


def scored(video: FilterableStream) -> FilterableStream:
    """Pass frames through unchanged, printing their signalstats (YAVG, YLOW, YHIGH …) to
    the log at level info; `parse_stats` reads them back."""
    return video.filter("signalstats").filter("metadata", mode="print")


def candidate_branch(video: FilterableStream, duration_ms: int, pw: int,
                     ph: int) -> FilterableStream:
    """Poster candidates: a frame every poster_interval_s at pw x ph, scored."""
    return scored(video.filter("fps", fps=f"1/{poster_interval_s(duration_ms)}")
                  .filter("scale", w=pw, h=ph, flags="lanczos"))


def still_graph(media: str | Path, at_ms: int, width: int, height: int, out: Path) -> OutputStream:
    """One JPEG (quality as the poster candidates') of `media` at `at_ms`, scaled to
    width x height."""
    frame = ffmpeg_python.input(str(media), ss=f"{at_ms / 1000:.3f}")["v:0"]
    return frame.filter("scale", w=width, h=height, flags="lanczos").output(
        str(out), format="image2", **{"frames:v": 1, "q:v": 2})


@dataclass
class Candidate:
    path: Path
    time_ms: int
    yavg: float = 0.0  # mean luma, 0..255
    ylow: float = 0.0  # 10th percentile
    yhigh: float = 0.0  # 90th percentile
    size: int = 0  # JPEG bytes


_FRAME = re.compile(r"\] frame:(\d+)\s+pts:")
_KV = re.compile(r"\] lavfi\.signalstats\.(YAVG|YLOW|YHIGH)=([\d.]+)")


def parse_stats(stderr: str) -> list[dict[str, float]]:
    """signalstats rows printed by `scored`, in frame order."""
    rows: list[dict] = []
    for line in stderr.splitlines():
        if _FRAME.search(line):
            rows.append({})
        elif (m := _KV.search(line)) and rows:
            rows[-1][m.group(1)] = float(m.group(2))
    return rows


def candidates(files: list[Path], stats: list[dict[str, float]], every_s: float) -> list[Candidate]:
    """Candidates from the numbered JPEGs (in order, one per `every_s` from 0) and their
    signalstats rows."""
    out = []
    for i, (p, row) in enumerate(zip(files, stats)):
        out.append(Candidate(p, round(i * every_s * 1000), yavg=row.get("YAVG", 0.0),
                             ylow=row.get("YLOW", 0.0), yhigh=row.get("YHIGH", 0.0),
                             size=p.stat().st_size))
    return out


def choose_poster(cands: list[Candidate], duration_ms: int) -> Candidate:
    """The representative frame among scored `cands` (see module docstring)."""
    if not cands:
        raise ValueError("no poster candidates")

    def ok(i: int, c: Candidate) -> bool:
        if not (35 <= c.yavg <= 215) or c.yhigh - c.ylow < 60:
            return False
        for j in (i - 1, i + 1):
            if 0 <= j < len(cands):
                n = cands[j]
                if abs(c.yavg - n.yavg) > 0.12 * max(n.yavg, 1):
                    return False
        return True

    margin = duration_ms * 0.05
    inner = [c for i, c in enumerate(cands) if ok(i, c) and margin <= c.time_ms <= duration_ms - margin]
    pool = inner or [c for i, c in enumerate(cands) if ok(i, c)] or \
        [c for c in cands if 20 <= c.yavg <= 235] or cands
    return max(pool, key=lambda c: c.size)


def thumbnail_cues(*, count: int, interval_s: int, duration_ms: int, tw: int, th: int,
                   sheet_name: str = "sprite-{:03d}.jpg") -> list[Cue]:
    """Cue i (interval_s seconds each, the last one ending with the film) points at
    thumbnail i of the sprites: `sprite-NNN.jpg#xywh=x,y,w,h` (pixels), SPRITE_COLUMNS x
    SPRITE_ROWS thumbs per sheet."""
    per = SPRITE_COLUMNS * SPRITE_ROWS
    cues = []
    for i in range(count):
        start = i * interval_s * 1000
        if start >= duration_ms:
            break
        end = min((i + 1) * interval_s * 1000, duration_ms)
        sheet, k = divmod(i, per)
        row, col = divmod(k, SPRITE_COLUMNS)
        cues.append(Cue(start=start, end=end, lines=[
            f"{sheet_name.format(sheet + 1)}#xywh={col * tw},{row * th},{tw},{th}"]))
    return cues


def write_thumbnails_vtt(out: TextIO, *, count: int, interval_s: int, duration_ms: int,
                         tw: int, th: int, sheet_name: str = "sprite-{:03d}.jpg") -> None:
    """The thumbnail track (WebVTT) of `thumbnail_cues`."""
    subtitle_io.write(thumbnail_cues(count=count, interval_s=interval_s, duration_ms=duration_ms,
                                     tw=tw, th=th, sheet_name=sheet_name), out, "vtt")
