"""The one subtitle I/O layer of casefilm: WebVTT, SRT and TTML behind one registry.

Every producer and reader of subtitle text goes through here: captions (voices, STYLE,
NOTE provenance), chapters (cue identifiers), thumbnails (`sprite.jpg#xywh=…` payloads),
HLS WebVTT segments (`X-TIMESTAMP-MAP` header), the review page's draft captions, the
transcript SRT export and import, the caption QC's cross-check.

The currency is `pipeline.models.Cue` (integer ms, plain-text lines, per-line speakers,
optional WebVTT identifier and settings) plus a `Meta` (speaker names and colours, notes,
header lines). Layers, as in pysubs2:

    stream:  get("vtt").write(cues, stream, meta)     get("vtt").read(stream) -> Track
    string:  to_string(cues, "vtt", meta)             from_string(text, "vtt") -> Track
    path:    save(path, cues, meta=meta)              load(path) -> Track

Only `save` and `load` open paths (`save` atomically). Formats are classes in one module
each (`srt.SubRip`, `vtt.WebVTT(SubRip)`, `ttml.TTML`); a variant is a subclass that sets
class attributes (e.g. the captions' SDH WebVTT: language in the header, numbered cues,
a STYLE palette) and is added with `@register`. Readers raise
`pipeline.errors.SubtitleParseError` (line, reason, offending text).
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from ..errors import SubtitleParseError
from ..models import Cue
from .base import FORMATS, Format, Meta, Track, clean_line, for_extension, get, register
from .srt import WJ, SubRip, srt_escape, srt_unescape
from .ttml import TTML
from .vtt import WebVTT, vtt_escape


def write(cues: list[Cue], stream: TextIO, fmt: str, meta: Meta | None = None) -> None:
    get(fmt).write(list(cues), stream, meta or Meta())


def to_string(cues: list[Cue], fmt: str, meta: Meta | None = None) -> str:
    return get(fmt).to_string(cues, meta)


def save(path: Path, cues: list[Cue], fmt: str | None = None, meta: Meta | None = None) -> Path:
    """Write `cues` to `path` atomically, in `fmt` or the format of the path's suffix."""
    from ..fsutil import atomic_text

    f = get(fmt) if fmt else _by_suffix(path)
    with atomic_text(path) as fh:
        f.write(list(cues), fh, meta or Meta())
    return Path(path)


def read(stream: TextIO, fmt: str) -> Track:
    return get(fmt).read(stream)


def from_string(text: str, fmt: str) -> Track:
    return get(fmt).from_string(text)


def load(path: Path, fmt: str | None = None) -> Track:
    """Read a subtitle file (UTF-8, a BOM allowed) in `fmt` or the format of its suffix.
    Every SubtitleParseError names the file."""
    path = Path(path)
    f = get(fmt) if fmt else _by_suffix(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return f.read(fh)
    except UnicodeDecodeError as e:
        raise SubtitleParseError(path, f"not UTF-8 text ({e.reason} at byte {e.start})") from None
    except SubtitleParseError as e:
        e.file = path
        raise


def _by_suffix(path: Path) -> Format:
    f = for_extension(Path(path).suffix)
    if f is None:
        raise ValueError(f"{path}: no subtitle format for suffix {Path(path).suffix!r}")
    return f


__all__ = ["FORMATS", "Format", "Meta", "SubRip", "SubtitleParseError", "TTML", "Track",
           "WJ", "WebVTT", "clean_line", "for_extension", "from_string", "get", "load",
           "read", "register", "save", "srt_escape", "srt_unescape", "to_string",
           "vtt_escape", "write"]
