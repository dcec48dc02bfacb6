"""Two-pass loudness normalisation (ffmpeg `loudnorm`) and EBU R128 measurement (`ebur128`).

Pass 1 measures the programme (loudnorm's JSON, plus `ebur128` for the record); pass 2
runs inside the one encode process with the measured values and `linear=true`. After the
encode, the produced AAC track is measured again with `ebur128`. Loudness values are LUFS,
true peaks dBTP, ranges LU.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from .. import ffmpeg
from ..errors import ToolError

LRA_TARGET = 11.0  # LU; loudnorm's default, set explicitly
# Pre-chain shared by measurement and application: loudness is measured on what is
# encoded (stereo), so a mono programme is not 3 LU off after the upmix.
PRE_CHAIN = "aformat=channel_layouts=stereo"


@dataclass
class Loudness:
    integrated_lufs: float | None
    true_peak_dbtp: float | None
    lra_lu: float | None

    def as_dict(self) -> dict:
        return asdict(self)


def _num(s: str) -> float | None:
    try:
        v = float(s)
    except (TypeError, ValueError):
        return None
    return None if v != v or v in (float("inf"), float("-inf")) else round(v, 2)


def parse_loudnorm(stderr: str) -> dict:
    """The last JSON block loudnorm printed (print_format=json)."""
    idx = stderr.rfind("[Parsed_loudnorm")
    if idx < 0:
        raise ValueError("no loudnorm report in ffmpeg output")
    start = stderr.index("{", idx)
    end = stderr.index("}", start)
    return json.loads(stderr[start:end + 1])


_EBU = {
    "integrated_lufs": re.compile(r"Integrated loudness:\s*I:\s*(-?[\d.]+|-?inf)\s*LUFS", re.S),
    "lra_lu": re.compile(r"Loudness range:\s*LRA:\s*(-?[\d.]+)\s*LU", re.S),
    "true_peak_dbtp": re.compile(r"True peak:\s*Peak:\s*(-?[\d.]+|-?inf)\s*dBFS", re.S),
}


def parse_ebur128(stderr: str) -> Loudness:
    """Figures of the last ebur128 summary in `stderr`."""
    idx = stderr.rfind("Summary:")
    if idx < 0:
        raise ValueError("no ebur128 summary in ffmpeg output")
    tail = stderr[idx:]
    vals = {k: (_num(m.group(1)) if (m := rx.search(tail)) else None) for k, rx in _EBU.items()}
    return Loudness(**vals)


def ebur128_filter() -> str:
    return "ebur128=peak=true:framelog=verbose"


def measure(media: Path, target_i: float, target_tp: float, duration_ms: int) -> tuple[dict, Loudness]:
    """Pass 1: loudnorm's measurement JSON and the ebur128 figures of the programme audio."""
    flt = (f"{PRE_CHAIN},{ebur128_filter()},"
           f"loudnorm=I={target_i}:TP={target_tp}:LRA={LRA_TARGET}:print_format=json")
    stderr = ffmpeg.run(["-i", media, "-map", "0:a:0", "-vn", "-af", flt, "-f", "null", "-"],
                        duration_ms=duration_ms, desc="loudness: measuring")
    try:
        return parse_loudnorm(stderr), parse_ebur128(stderr)
    except (ValueError, json.JSONDecodeError) as e:
        raise ToolError(["ffmpeg", "loudnorm"], 0, f"could not read the loudness report: {e}") from None


def is_silent(m: dict) -> bool:
    """True when pass 1 found no gated loudness at all (digital silence, or below -70 LUFS)."""
    v = _num(m.get("input_i"))
    return v is None or v <= -70.0


def passthrough_filter() -> str:
    """Audio chain without gain (for silent programmes): 48 kHz stereo."""
    return f"{PRE_CHAIN},aresample=48000"


def apply_filter(target_i: float, target_tp: float, m: dict) -> str:
    """Pass 2 filter chain: linear loudnorm with pass-1 values, back to 48 kHz stereo."""
    return (
        f"{PRE_CHAIN},loudnorm=I={target_i}:TP={target_tp}:LRA={LRA_TARGET}"
        f":measured_I={m['input_i']}:measured_TP={m['input_tp']}:measured_LRA={m['input_lra']}"
        f":measured_thresh={m['input_thresh']}:offset={m['target_offset']}"
        f":linear=true:print_format=json,aresample=48000"
    )


def measure_file(path: Path) -> Loudness:
    """ebur128 figures of the first audio stream of an encoded file (after normalisation)."""
    stderr = ffmpeg.run(["-i", path, "-map", "0:a:0", "-af", ebur128_filter(), "-f", "null", "-"])
    return parse_ebur128(stderr)
