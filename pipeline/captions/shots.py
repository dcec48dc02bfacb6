"""Shot changes (cuts) of the programme, detected with ffmpeg and cached.

Detection runs `scale=160:-2,select='gt(scene,THRESHOLD)',showinfo` on the video as an
ffmpeg-python graph (`detect_graph`) through `pipeline.ffmpeg.run_graph` and reads the
`pts_time` of each selected frame from stderr.
The result (cut times in ms, ascending) is cached in `film.cache_dir/cuts.json`, keyed by the
programme's content digest and the threshold, so a re-run never decodes the video again.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import ffmpeg as ffmpeg_python  # ffmpeg-python (graph building), not pipeline.ffmpeg
from ffmpeg.nodes import OutputStream

from .. import ffmpeg
from ..fsutil import write_json

THRESHOLD = 0.3  # ffmpeg scene score (0..1); 0.3 finds hard cuts, ignores camera motion
_PTS = re.compile(r"\bpts_time:\s*([0-9.]+)")


def detect_graph(media: Path, threshold: float = THRESHOLD) -> OutputStream:
    """The first video stream downscaled, frames whose scene score exceeds `threshold`
    selected and reported by showinfo; nothing written (null muxer, video only)."""
    video = ffmpeg_python.input(str(media))["v:0"]
    return (video.filter("scale", w=160, h=-2)
            .filter("select", expr=f"gt(scene,{threshold})")
            .filter("showinfo")
            .output("-", format="null"))


def detect(media: Path, duration_ms: int | None = None, threshold: float = THRESHOLD) -> list[int]:
    """Cut times in ms (the first frame of each new shot), ascending."""
    stderr = ffmpeg.run_graph(detect_graph(media, threshold), duration_ms=duration_ms,
                              desc="shot changes", loglevel="info")
    cuts = sorted({round(float(m.group(1)) * 1000) for m in _PTS.finditer(stderr)})
    return [c for c in cuts if c > 0]


def cuts(cache_dir: Path, media: Path, media_sha256: str, duration_ms: int | None = None,
         threshold: float = THRESHOLD) -> list[int]:
    """Cached `detect`: recomputed only when the programme's digest or the threshold changes."""
    path = cache_dir / "cuts.json"
    key = {"media_sha256": media_sha256, "threshold": threshold}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("key") == key:
            return [int(c) for c in data["cuts_ms"]]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    found = detect(media, duration_ms, threshold)
    write_json(path, {"key": key, "cuts_ms": found})
    return found
