"""The parts every subtitle format shares: `Meta`, `Track`, the `Format` base class, the
one registry, and the one text hygiene (`clean_line`).

Layers, as in pysubs2: a format reads a text stream and writes to a text stream
(`Format.read`, `Format.write`); `from_string`/`to_string` wrap those in a `StringIO`; only
the package functions `load`/`save` (see `pipeline.subtitle_io`) open paths.
"""

from __future__ import annotations

import io
import re
from typing import ClassVar, TextIO

from pydantic import Field

from ..errors import SubtitleParseError
from ..models import Cue, Strict


class Meta(Strict):
    """What a writer needs beyond the cues, and what a reader found beyond them.

    `speaker_names` and `colours` are keyed like the cues' speakers: a WebVTT voice is
    `<v.{colour} {name}>`; a TTML span takes the style of its speaker's colour. `notes` are
    provenance lines (WebVTT NOTE blocks, TTML `ttm:desc`); `header` holds WebVTT header
    metadata lines such as HLS's `X-TIMESTAMP-MAP=…`."""

    language: str = ""  # BCP-47; "" when unknown
    title: str = ""
    speaker_names: dict[str, str] = Field(default_factory=dict)  # speaker key -> display name
    colours: dict[str, str] = Field(default_factory=dict)  # speaker key -> colour class
    notes: list[str] = Field(default_factory=list)
    header: list[str] = Field(default_factory=list)


class Track(Strict):
    """What a reader returns: the cues in file order, and the file's `Meta`."""

    cues: list[Cue]
    meta: Meta = Field(default_factory=Meta)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_WS = re.compile(r"\s+")


def clean_line(text: str) -> str:
    """One line of plain text, safe in every format: line breaks and runs of whitespace
    become one space, control characters (C0 except whitespace, DEL, C1) are dropped, ends
    stripped. A blank line can therefore never end a cue early."""
    return _WS.sub(" ", _CONTROL.sub("", text)).strip()


class Format:
    """One subtitle format. Subclasses set the class attributes and implement
    `write(cues, stream, meta)` and `read(stream) -> Track`; variants of a format are
    subclasses that change class attributes (see `vtt.WebVTT`).

    `clean` is the text hygiene applied to every line before escaping (a variant may add
    to it, e.g. the captions' typographic ellipsis)."""

    name: ClassVar[str]  # registry key
    label: ClassVar[str]  # for messages: "WebVTT", "SRT", "TTML"
    extension: ClassVar[str]  # ".vtt"
    media_type: ClassVar[str]  # "text/vtt"
    clean = staticmethod(clean_line)

    def write(self, cues: list[Cue], stream: TextIO, meta: Meta) -> None:
        raise NotImplementedError

    def read(self, stream: TextIO) -> Track:
        raise NotImplementedError

    def to_string(self, cues: list[Cue], meta: Meta | None = None) -> str:
        buf = io.StringIO()
        self.write(list(cues), buf, meta or Meta())
        return buf.getvalue()

    def from_string(self, text: str) -> Track:
        return self.read(io.StringIO(text))

    def lines_of(self, cue: Cue) -> list[tuple[str, str | None]]:
        """(clean line, speaker) of each line of `cue` that is not blank after cleaning."""
        pairs = zip((self.clean(ln) for ln in cue.lines), cue.line_speakers())
        return [(ln, spk) for ln, spk in pairs if ln]

    def error(self, reason: str, line: int | None = None, value: object = None,
              file: str | None = None) -> SubtitleParseError:
        return SubtitleParseError(file, reason, line, value)


FORMATS: dict[str, type[Format]] = {}
_BY_EXTENSION: dict[str, type[Format]] = {}


def register(cls: type[Format]) -> type[Format]:
    """Class decorator: add a format (or a variant) to the one registry under `cls.name`.
    The first format registered for an extension is the one `for_path` picks (the plain
    format, not a variant)."""
    if cls.name in FORMATS and FORMATS[cls.name] is not cls:
        raise ValueError(f"subtitle format {cls.name!r} is registered twice")
    FORMATS[cls.name] = cls
    _BY_EXTENSION.setdefault(cls.extension, cls)
    return cls


def get(name: str) -> Format:
    """A format (an instance) by registry name: 'vtt', 'srt', 'ttml' or a variant."""
    try:
        return FORMATS[name]()
    except KeyError:
        raise ValueError(f"unknown subtitle format {name!r} "
                         f"(formats: {', '.join(sorted(FORMATS))})") from None


def for_extension(suffix: str) -> Format | None:
    """The plain format for a file suffix ('.vtt', '.SRT'), or None."""
    cls = _BY_EXTENSION.get(suffix.lower())
    return cls() if cls else None
