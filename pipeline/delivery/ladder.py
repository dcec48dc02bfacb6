"""The rendition ladder: which rungs a programme gets, and each rung's encoder settings.

Figures from Apple's HLS authoring specification (16:9 H.264, average kbit/s), see
docs/delivery.md. A rung is named by the height of its 16:9 bounding box ("720p"); the
programme is scaled to fit that box keeping its aspect ratio, and a rung that would be
larger than the programme in either dimension is left out (never upscale).
"""

from __future__ import annotations

import math

from pydantic import ConfigDict

from ..audio import AUDIO_KBPS, AUDIO_RATE  # noqa: F401  (shared audio figures)
from ..models import Strict

# box height -> (box width, average kbit/s from Apple's ladder). The bitrate is the rung's
# VBV cap (-maxrate) in capped-CRF mode; -bufsize is twice that.
APPLE_LADDER: dict[int, tuple[int, int]] = {
    1080: (1920, 6000),
    720: (1280, 3000),
    540: (960, 2000),
    432: (768, 1100),
    360: (640, 365),
    234: (416, 145),
}
DEFAULT_RUNGS = (1080, 720, 540, 360)

GOP_SECONDS = 2  # IDR every 2 s, closed GOP, same times in every rung
SEGMENT_SECONDS = 6  # HLS target segment duration (3 GOPs)
CRF = 21
MAX_LEVEL = 41  # H.264 level cap for broad device reach

# H.264 levels (Table A-1): level_idc -> (max macroblocks/s, max frame size in MBs,
# max video bitrate kbit/s for Baseline/Main; High allows 1.25x).
H264_LEVELS: list[tuple[int, int, int, int]] = [
    (30, 40500, 1620, 10000),
    (31, 108000, 3600, 14000),
    (32, 216000, 5120, 20000),
    (40, 245760, 8192, 20000),
    (41, 245760, 8192, 50000),
    (42, 522240, 8704, 50000),
    (50, 589824, 22080, 135000),
    (51, 983040, 36864, 240000),
]
HIGH_BITRATE_FACTOR = 1.25


class Rung(Strict):
    """One rung of the ladder as chosen (before encoding); `EncodedRung` adds what the
    encode measured."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str  # "720p": the height of the 16:9 box it fits
    width: int  # output pixels, even
    height: int
    fps: float  # output frame rate
    maxrate_kbps: int  # VBV cap of the capped CRF encode
    bufsize_kbps: int
    level: int  # H.264 level_idc, e.g. 31 for 3.1

    @property
    def gop_frames(self) -> int:
        return max(1, round(self.fps * GOP_SECONDS))

    @property
    def level_str(self) -> str:
        return f"{self.level // 10}.{self.level % 10}"


def _even(x: float) -> int:
    return max(2, int(round(x / 2.0)) * 2)


def fit(box_w: int, box_h: int, src_w: int, src_h: int) -> tuple[int, int]:
    """Largest even size with the source's aspect ratio that fits in box_w x box_h."""
    aspect = src_w / src_h
    if aspect >= box_w / box_h:
        return box_w, _even(box_w / aspect)
    return _even(box_h * aspect), box_h


def h264_level(width: int, height: int, fps: float, maxrate_kbps: int) -> int:
    """Smallest H.264 level (>= 3.0) whose limits hold this High-profile stream."""
    mbs = math.ceil(width / 16) * math.ceil(height / 16)
    for level, mbps, max_fs, max_br in H264_LEVELS:
        if mbs <= max_fs and mbs * fps <= mbps and maxrate_kbps <= max_br * HIGH_BITRATE_FACTOR:
            return level
    raise ValueError(f"{width}x{height}@{fps} exceeds every H.264 level")


def output_fps(src_fps: float) -> float:
    """Frame rate of every rung. Above 30 fps, half the rate keeps 1080p within level 4.1
    (and the rungs identical in frame timing, so keyframes align)."""
    fps = src_fps if src_fps and src_fps > 0 else 25.0
    return round(fps / 2, 3) if fps > 30.5 else round(fps, 3)


def check_heights(heights: tuple[int, ...] | list[int] | None = None,
                  max_height: int = 1080) -> list[int]:
    """The wanted box heights, largest first; what needs no probing of the programme.

    Raises ValueError for heights not in APPLE_LADDER and when every wanted height (given
    or default) is above `max_height`, so nothing would be left to encode."""
    wanted = sorted(set(heights or DEFAULT_RUNGS), reverse=True)
    unknown = [h for h in wanted if h not in APPLE_LADDER]
    if unknown:
        raise ValueError(f"unknown rung heights {unknown} (known: {sorted(APPLE_LADDER)})")
    if all(h > max_height for h in wanted):
        raise ValueError(f"every rung ({', '.join(f'{h}p' for h in wanted)}) is above "
                         f"export.max_height {max_height}")
    return wanted


def select_rungs(src_w: int, src_h: int, src_fps: float, *,
                 heights: tuple[int, ...] | list[int] | None = None,
                 max_height: int = 1080) -> list[Rung]:
    """The rungs for a programme of src_w x src_h, largest first.

    `heights` are box heights from APPLE_LADDER (default DEFAULT_RUNGS). A rung is kept
    only if its fitted size does not exceed the source (never upscale) and its box is at
    most `max_height`. A source smaller than every box gets one rung at its own size.
    """
    fps = output_fps(src_fps)
    wanted = check_heights(heights, max_height)
    rungs: list[Rung] = []
    for box_h in wanted:
        if box_h > max_height:
            continue
        box_w, kbps = APPLE_LADDER[box_h]
        w, h = fit(box_w, box_h, src_w, src_h)
        if w > src_w or h > src_h:
            continue  # would upscale
        # scale the bitrate with the pixel area relative to the 16:9 box
        rate = max(64, round(kbps * (w * h) / (box_w * box_h)))
        rungs.append(_rung(f"{box_h}p", w, h, fps, rate))
    if not rungs:
        w, h = _even(src_w), _even(src_h)
        if w > src_w:
            w -= 2
        if h > src_h:
            h -= 2
        box_h = min(APPLE_LADDER)
        box_w, kbps = APPLE_LADDER[box_h]
        rate = max(64, round(kbps * (w * h) / (box_w * box_h)))
        rungs.append(_rung(f"{h}p", w, h, fps, rate))
    return rungs


def _rung(name: str, w: int, h: int, fps: float, rate: int) -> Rung:
    level = h264_level(w, h, fps, rate)
    if level > MAX_LEVEL:
        raise ValueError(f"rung {name} {w}x{h}@{fps} needs H.264 level {level / 10} > 4.1")
    return Rung(name=name, width=w, height=h, fps=fps, maxrate_kbps=rate,
                bufsize_kbps=2 * rate, level=level)


def x264_options(rung: Rung, preset: str, crf: int = CRF) -> dict[str, str]:
    """Per-output encoder options for one rung (ffmpeg option name without the dash ->
    value): H.264 High, capped CRF, 2 s closed GOPs.

    Keyframes are forced by time (every GOP_SECONDS), scene cuts do not add any, so every
    rung has IDR frames at exactly the same times.
    """
    g = str(rung.gop_frames)
    return {
        "c:v": "libx264", "preset": preset, "profile:v": "high", "level:v": rung.level_str,
        "pix_fmt": "yuv420p", "crf": str(crf),
        "maxrate": f"{rung.maxrate_kbps}k", "bufsize": f"{rung.bufsize_kbps}k",
        "g": g, "keyint_min": g, "sc_threshold": "0",
        "force_key_frames": f"expr:gte(t,n_forced*{GOP_SECONDS})",
        "x264-params": "open-gop=0",
    }


def avc1_codec(avcc_profile: int, avcc_compat: int, avcc_level: int) -> str:
    """RFC 6381 codec string from the avcC box bytes, e.g. 'avc1.64001f'."""
    return f"avc1.{avcc_profile:02x}{avcc_compat:02x}{avcc_level:02x}"
