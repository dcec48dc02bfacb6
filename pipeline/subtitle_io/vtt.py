"""WebVTT (.vtt): writer and reader (webvtt-py parses the blocks).

Writing: cue text is plain text, so `&`, `<`, `>` become `&amp;`, `&lt;`, `&gt;` (no
payload can then hold `-->` or markup); `clean` makes every line one line, so no blank
line ends a cue early. Consecutive lines of one speaker share one voice span
`<v.{colour} {name}>…</v>` (no class when the speaker has no colour). A cue's
`identifier` is written before its timing line (or, in a variant with `number_cues`, its
running number), its `settings` after the end time. NOTE text is not markup: it is only
cleaned, with `-->` (not allowed in a NOTE) broken up as `-- >`.

Reading: cue identifiers, settings, NOTE blocks and header metadata are kept; STYLE and
REGION blocks are skipped. Each line's text has its tags removed and its character
references resolved. A line's speaker is the voice span open at its text (a span runs to
`</v>` or the end of the cue), its key the voice's annotation (the name), with
`Meta.speaker_names[name] = name` and `Meta.colours[name]` = the span's first class, so
writing the track again gives the same voices.
"""

from __future__ import annotations

import html
import re
from typing import ClassVar

import webvtt

from .. import timecode
from ..models import Cue
from .base import Meta, register
from .srt import SubRip


def vtt_escape(text: str) -> str:
    """WebVTT cue text from plain text: entities for `&`, `<`, `>`."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_TAG = re.compile(r"<([^<>]*)>")
_CLASS = re.compile(r"[^\w-]")


def _voice_tag(name: str, colour: str | None) -> str:
    cls = f".{_CLASS.sub('', colour)}" if colour else ""
    return f"<v{cls} {name}>"


class WebVTT(SubRip):
    """Plain WebVTT: `WEBVTT`, header metadata, NOTE blocks, then the cues."""

    name, label, extension, media_type = "vtt", "WebVTT", ".vtt", "text/vtt"
    timestamp = staticmethod(timecode.vtt)
    timing: ClassVar[re.Pattern] = re.compile(
        r"^\s*((?:\d+:)?\d{1,2}:\d{1,2}\.\d{1,3})\s*-->\s*((?:\d+:)?\d{1,2}:\d{1,2}\.\d{1,3})"
        r"(?:\s+(.*?))?\s*$")
    language_in_header: ClassVar[bool] = False  # "WEBVTT - de" (text there is for humans)
    number_cues: ClassVar[bool] = False  # cues without an identifier get their number
    palette: ClassVar[dict[str, str]] = {}  # colour class -> CSS colour: a STYLE block
    background: ClassVar[str] = "rgba(0, 0, 0, 0.8)"  # of every cue, with a palette

    # --- writing -------------------------------------------------------------------------

    def escape(self, line: str) -> str:
        return vtt_escape(line)

    def header_blocks(self, meta: Meta) -> list[str]:
        first = "WEBVTT"
        if self.language_in_header and meta.language:
            first += f" - {self.clean(meta.language)}"
        for line in meta.header:
            if not line.strip() or "\n" in line or "-->" in line:
                raise ValueError(f"not a WebVTT header line: {line!r}")
        blocks = ["\n".join([first, *meta.header])]
        blocks += ["NOTE " + self.clean(note).replace("-->", "-- >") for note in meta.notes]
        if self.palette:
            style = ["STYLE", "::cue {", "  color: #ffffff;",
                     f"  background-color: {self.background};", "}"]
            style += [f"::cue(.{c}) {{ color: {css}; }}" for c, css in self.palette.items()]
            blocks.append("\n".join(style))
        return blocks

    def cue_block(self, n: int, cue: Cue, meta: Meta) -> str | None:
        pairs = self.lines_of(cue)
        if not pairs:
            return None
        head = []
        if cue.identifier and self.clean(cue.identifier):
            head.append(self.clean(cue.identifier).replace("-->", "-- >"))
        elif self.number_cues:
            head.append(str(n))
        return "\n".join([*head, self.timing_line(cue), *self.voiced(pairs, meta)])

    def timing_line(self, cue: Cue) -> str:
        line = super().timing_line(cue)
        settings = self.clean(cue.settings or "")
        return f"{line} {settings}" if settings and "-->" not in settings else line

    def voiced(self, pairs: list[tuple[str, str | None]], meta: Meta) -> list[str]:
        """Escaped lines; consecutive lines of one speaker share one voice span."""
        out: list[str] = []
        k = 0
        while k < len(pairs):
            spk = pairs[k][1]
            group = [self.escape(pairs[k][0])]
            while k + 1 < len(pairs) and pairs[k + 1][1] == spk:
                k += 1
                group.append(self.escape(pairs[k][0]))
            if spk:
                name = self.escape(self.clean(meta.speaker_names.get(spk, spk)))
                group[0] = _voice_tag(name, meta.colours.get(spk)) + group[0]
                group[-1] += "</v>"
            out += group
            k += 1
        return out

    # --- reading -------------------------------------------------------------------------

    def parse(self, text: str) -> webvtt.WebVTT:
        return webvtt.WebVTT.from_string(text)

    def cue_of(self, cap: webvtt.Caption) -> Cue:
        lines, speakers, _ = self.unvoiced(cap.lines)
        one = len(set(speakers)) <= 1
        return Cue(start=cap.start_time.in_milliseconds(), end=cap.end_time.in_milliseconds(),
                   lines=lines, speaker=speakers[0] if speakers else None,
                   speakers=[] if one else speakers, identifier=cap.identifier or None,
                   settings=str(cap.settings) or None)

    @staticmethod
    def unvoiced(raw: list[str]) -> tuple[list[str], list[str | None], dict[str, str]]:
        """(plain lines, speaker of each line, first class of each voice) of WebVTT cue
        text. A line's speaker is the voice open where its text begins."""
        lines: list[str] = []
        speakers: list[str | None] = []
        colours: dict[str, str] = {}
        voice: str | None = None
        for line in raw:
            speaker, found, pos = None, False, 0
            for m in _TAG.finditer(line):
                if not found and line[pos:m.start()].strip():
                    speaker, found = voice, True
                pos = m.end()
                tag = m[1].strip()
                if tag == "/v":
                    voice = None
                elif tag[:1] == "v" and tag[1:2] in (".", " ", "\t"):
                    head, _, annotation = tag.partition(" ")
                    voice = html.unescape(annotation.strip()) or None
                    classes = [c for c in head.split(".")[1:] if c]
                    if voice and classes:
                        colours.setdefault(voice, classes[0])
            if not found:  # the rest of the line, or a line of tags only
                speaker = voice
            lines.append(html.unescape(_TAG.sub("", line)))
            speakers.append(speaker)
        return lines, speakers, colours

    def meta_of(self, doc: webvtt.WebVTT) -> Meta:
        colours: dict[str, str] = {}
        for cap in doc.captions:
            for name, colour in self.unvoiced(cap.lines)[2].items():
                colours.setdefault(name, colour)
        names = {s: s for cap in doc.captions for s in self.unvoiced(cap.lines)[1] if s}
        m = re.fullmatch(r"-\s*([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)", doc.header_text.strip())
        notes = [*doc.header_comments, *(c for cap in doc.captions for c in cap.comments),
                 *doc.footer_comments]
        return Meta(language=m[1] if m else "", speaker_names=names, colours=colours,
                    notes=notes, header=list(doc.metadata))


register(WebVTT)
