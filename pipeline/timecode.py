"""Timecode parsing and formatting. Inside casefilm every time is an int of milliseconds;
strings exist only here, in readers and in writers."""

from __future__ import annotations

import re

_TC = re.compile(
    r"^\s*(?:(?:(?P<h>\d+):)?(?P<m>\d{1,2}):)?(?P<s>\d{1,2}(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:[.,](?P<ms>\d{1,3}))?\s*$"
)


def parse(value: str | int | float) -> int:
    """Parse "SS", "MM:SS", "HH:MM:SS" with optional ".mmm"/",mmm" into milliseconds.

    Numbers are seconds: YAML 1.1 reads an unquoted ``01:30`` as the base-60 integer 90,
    which therefore means 90 s, as intended.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a timecode: {value!r}")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"negative time: {value!r}")
        return round(value * 1000)
    m = _TC.match(str(value))
    if not m:
        raise ValueError(f"not a timecode (expected HH:MM:SS.mmm, MM:SS or seconds): {value!r}")
    h = int(m["h"] or 0)
    mi = int(m["m"] or 0)
    s = float(m["s"])
    if (m["m"] is not None and s >= 60) or (m["h"] is not None and mi >= 60):
        raise ValueError(f"not a timecode (field out of range): {value!r}")
    ms = int(m["ms"].ljust(3, "0")) if m["ms"] else 0
    return round(((h * 60 + mi) * 60 + s) * 1000) + ms


def _split(ms: int) -> tuple[int, int, int, int]:
    ms = max(0, int(ms))
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, milli = divmod(rem, 1000)
    return h, m, s, milli


def vtt(ms: int) -> str:
    """WebVTT timestamp, always with hours: ``HH:MM:SS.mmm``."""
    h, m, s, milli = _split(ms)
    return f"{h:02d}:{m:02d}:{s:02d}.{milli:03d}"


def srt(ms: int) -> str:
    """SubRip timestamp: ``HH:MM:SS,mmm``."""
    return vtt(ms).replace(".", ",")


def short(ms: int) -> str:
    """Human/YouTube style: ``M:SS`` under an hour, else ``H:MM:SS`` (truncated to seconds)."""
    h, m, s, _ = _split(ms)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def manifest(ms: int) -> str:
    """For film.yaml: ``MM:SS`` or ``H:MM:SS``, with ``.mmm`` only when not whole seconds."""
    h, m, s, milli = _split(ms)
    out = f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"
    return out + (f".{milli:03d}" if milli else "")
