"""SubRip (.srt): writer and reader (webvtt-py parses the blocks).

SRT has no escapes, and players read HTML-like tags (`<i>`) and ASS overrides (`{\\i1}`)
in it. So the writer puts an invisible U+2060 WORD JOINER after every `<` and `{` and
inside `-->`: the text displays unchanged and stays inert. The reader removes every
U+2060, which gives back the exact text (a U+2060 of the text itself is not kept), and
drops the formatting tags SRT players interpret (`<b> <i> <u> <s> <font …>`, `{\\…}`).
`&` stays as it is (SRT players show it), except before what reads as an HTML character
reference (`&amp;`, `&#38;`): the reader decodes those, as players do, so the writer puts
a U+2060 after such an `&`.

Speakers are not marked up (SRT has no voices; the SDH dash convention stays in the text).
"""

from __future__ import annotations

import io
import html
import re
from typing import ClassVar, TextIO

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from .. import timecode
from ..models import Cue
from .base import Format, Meta, Track, register

WJ = "\u2060"  # WORD JOINER: invisible, no line break opportunity


def srt_escape(text: str) -> str:
    """A clean line of plain text as SubRip cue text (see the module docstring)."""
    text = text.replace(WJ, "")
    text = _ENTITY_START.sub("&" + WJ, text)  # "&amp;" said as such must not read back as "&"
    return text.replace("<", "<" + WJ).replace("{", "{" + WJ).replace("-->", "--" + WJ + ">")


_ENTITY_START = re.compile(r"&(?=#?[A-Za-z0-9])")  # where a reader would see a character reference
_LINES = re.compile(r"\r\n|\r|\n")  # the line terminators webvtt-py splits on
_SRT_TAG = re.compile(r"</?(?:b|i|u|s|font)(?:\s[^<>]*)?>|\{\\[^{}]*\}", re.I)


def srt_unescape(text: str) -> str:
    """Plain text of one line of SubRip cue text: formatting tags dropped, HTML character
    references decoded (SubRip has no escapes of its own, but files exported from web
    tools carry `&amp;` and players render them as HTML), U+2060 removed."""
    return html.unescape(_SRT_TAG.sub("", text)).replace(WJ, "")


class SubRip(Format):
    """SubRip: numbered cues, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, text lines, a blank line."""

    name, label, extension, media_type = "srt", "SRT", ".srt", "application/x-subrip"
    timestamp = staticmethod(timecode.srt)
    # a timing line as the reader accepts it (what webvtt-py reads): ',' or '.' before the
    # milliseconds; anything after the end time (some SRTs carry positions) is ignored
    timing: ClassVar[re.Pattern] = re.compile(
        r"^\s*(\d+:\d{1,2}:\d{1,2}[.,]\d{1,3})\s*-->\s*(\d+:\d{1,2}:\d{1,2}[.,]\d{1,3})"
        r"(?:\s+(.*?))?\s*$")

    # --- writing -------------------------------------------------------------------------

    def escape(self, line: str) -> str:
        return srt_escape(line)

    def header_blocks(self, meta: Meta) -> list[str]:
        return []

    def cue_block(self, n: int, cue: Cue, meta: Meta) -> str | None:
        """The block of the n-th written cue (1-based), or None when it has no text."""
        lines = [self.escape(ln) for ln, _ in self.lines_of(cue)]
        if not lines:
            return None
        return "\n".join([str(n), self.timing_line(cue), *lines])

    def timing_line(self, cue: Cue) -> str:
        return f"{self.timestamp(cue.start)} --> {self.timestamp(cue.end)}"

    def write(self, cues: list[Cue], stream: TextIO, meta: Meta) -> None:
        """Every block ends with a blank line, except that a file holding nothing but its
        first line (a WebVTT file without cues, notes or styles) ends right after it."""
        head = self.header_blocks(meta)
        body = []
        for cue in cues:
            block = self.cue_block(len(body) + 1, cue, meta)
            if block is not None:
                body.append(block)
        if len(head) == 1 and not body:
            stream.write(head[0] + "\n")
            return
        for block in head + body:
            stream.write(block + "\n\n")

    # --- reading -------------------------------------------------------------------------

    def read(self, stream: TextIO) -> Track:
        text = stream.read().lstrip("\ufeff")
        self.check_timings(text)
        if not text.strip():
            return Track(cues=[])
        try:
            doc = self.parse(text)
        except (MalformedFileError, MalformedCaptionError) as e:
            raise self.error(f"not a valid {self.label} file ({e})") from e
        return Track(cues=[self.cue_of(cap) for cap in doc.captions], meta=self.meta_of(doc))

    def parse(self, text: str) -> webvtt.WebVTT:
        return webvtt.WebVTT.from_buffer(io.StringIO(text), format="srt")

    def check_timings(self, text: str) -> None:
        """webvtt-py skips a cue with a broken timing line silently, so every line holding
        `-->` is checked first: it must be a well-formed timing line (`timing`) whose end
        lies after its start. Raises SubtitleParseError naming the line."""
        for n, line in enumerate(_LINES.split(text), start=1):
            if "-->" not in line:
                continue
            m = self.timing.match(line)
            try:
                if not m:
                    raise ValueError
                start, end = timecode.parse(m[1].replace(",", ".")), \
                    timecode.parse(m[2].replace(",", "."))
            except ValueError:
                raise self.error(f"malformed {self.label} timing line", n,
                                 line.strip()[:60]) from None
            if end <= start:
                raise self.error("cue ends at or before it starts", n, line.strip()[:60])

    def cue_of(self, cap: webvtt.Caption) -> Cue:
        return Cue(start=cap.start_time.in_milliseconds(), end=cap.end_time.in_milliseconds(),
                   lines=[srt_unescape(ln) for ln in cap.lines])

    def meta_of(self, doc: webvtt.WebVTT) -> Meta:
        return Meta()


register(SubRip)
