"""Caption writers: WebVTT, SRT and TTML (EBU-TT-D), chosen from one registry.

Writers take a text stream (`write(cues, stream, meta)`), so golden tests are plain strings
and only the outer layer opens paths. Every writer escapes: cue text is plain text (see
`models.Cue.lines`), and nothing in it can end a cue, start markup or break the file:

- WebVTT: `&`, `<`, `>` become `&amp;`, `&lt;`, `&gt;` (so no payload contains `-->`).
- SRT (no escapes exist): an invisible U+2060 after `<` and `{` and inside `-->` (`srt_text`).
- Both: line breaks inside a line and blank lines are collapsed (a blank line ends a cue).
- TTML: XML built with ElementTree, which escapes text and attributes.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import ClassVar, TextIO

from .. import timecode
from ..models import Cue
from . import sdh


@dataclass
class Meta:
    """What a writer needs beyond the cues."""

    language: str = "de"
    title: str = ""
    speaker_names: dict[str, str] = field(default_factory=dict)  # id -> display name
    colours: dict[str, str] = field(default_factory=dict)  # speaker id -> colour name
    notes: list[str] = field(default_factory=list)  # provenance lines (NOTE / metadata)


def vtt_escape(text: str) -> str:
    """WebVTT cue text from plain text: entities for & < > (so no payload holds `-->` or
    markup). The one WebVTT escape of casefilm: captions, chapters, HLS, review drafts."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_text(text: str) -> str:
    """A line of plain text as WebVTT/SRT cue text: cleaned to one line, then escaped."""
    return vtt_escape(sdh.clean(text))


WJ = "\u2060"  # WORD JOINER: invisible, no line break opportunity


def srt_text(text: str) -> str:
    """A line of plain text as SubRip cue text. SRT has no escapes and players read HTML-like
    tags (`<i>`) and ASS overrides (`{\\i1}`) in it, so an invisible U+2060 WORD JOINER goes
    after every `<` and `{` and inside `-->`: the text displays unchanged and stays inert;
    removing U+2060 gives back the exact text. `&` stays as is (SRT players show it)."""
    text = sdh.clean(text).replace(WJ, "")
    return text.replace("<", "<" + WJ).replace("{", "{" + WJ).replace("-->", "--" + WJ + ">")


def _annotation(name: str) -> str:
    """A voice name usable inside `<v …>`: no `>` (ends the tag), no line breaks, `&` escaped."""
    return escape_text(name)


def safe_lines(cue: Cue) -> list[str]:
    """The cue's lines, each one clean line; blank lines dropped."""
    out = [sdh.clean(ln) for ln in cue.lines]
    return [ln for ln in out if ln]


class Writer:
    """Base: subclasses set `name`, `extension`, `media_type` and implement `write`."""

    name: ClassVar[str]
    extension: ClassVar[str]
    media_type: ClassVar[str]

    def write(self, cues: list[Cue], stream: TextIO, meta: Meta) -> None:
        raise NotImplementedError

    def to_string(self, cues: list[Cue], meta: Meta | None = None) -> str:
        buf = io.StringIO()
        self.write(cues, buf, meta or Meta())
        return buf.getvalue()


class SRTWriter(Writer):
    """SubRip. Speakers are not marked up (SRT has no voices); the dash convention stays."""

    name, extension, media_type = "srt", ".srt", "application/x-subrip"
    timestamp = staticmethod(timecode.srt)

    def cue_text(self, cue: Cue, meta: Meta) -> list[str]:
        return [srt_text(ln) for ln in safe_lines(cue)]

    def write(self, cues: list[Cue], stream: TextIO, meta: Meta) -> None:
        n = 0
        for cue in cues:
            lines = self.cue_text(cue, meta)
            if not lines:
                continue
            n += 1
            stream.write(f"{n}\n{self.timestamp(cue.start)} --> {self.timestamp(cue.end)}\n")
            stream.write("\n".join(lines) + "\n\n")


class WebVTTWriter(SRTWriter):
    """WebVTT with a STYLE block of speaker colours and `<v.colour Name>` voice spans."""

    name, extension, media_type = "vtt", ".vtt", "text/vtt"
    timestamp = staticmethod(timecode.vtt)

    def header(self, meta: Meta) -> str:
        out = ["WEBVTT"]
        if meta.language:
            out[0] += f" - {meta.language}"  # header text is ignored by parsers; for humans
        out.append("")
        for note in meta.notes:
            out += ["NOTE " + escape_text(note).replace("--&gt;", "-- &gt;"), ""]
        out += ["STYLE", "::cue {", "  color: #ffffff;", "  background-color: rgba(0, 0, 0, 0.8);",
                "}"]
        for colour in sdh.COLOURS:
            out.append(f"::cue(.{colour}) {{ color: {sdh.CSS[colour]}; }}")
        out += [""]
        return "\n".join(out) + "\n"

    def cue_text(self, cue: Cue, meta: Meta) -> list[str]:
        """Escaped lines; consecutive lines of one speaker share one `<v.colour Name>` span."""
        raw = [sdh.clean(ln) for ln in cue.lines]
        speakers = cue.speakers or [cue.speaker] * len(raw)
        pairs = [(escape_text(ln), spk if cue.kind == "speech" else None)
                 for ln, spk in zip(raw, speakers + [None] * (len(raw) - len(speakers))) if ln]
        out: list[str] = []
        k = 0
        while k < len(pairs):
            spk = pairs[k][1]
            group = [pairs[k][0]]
            while k + 1 < len(pairs) and pairs[k + 1][1] == spk:
                k += 1
                group.append(pairs[k][0])
            if spk:
                name = _annotation(meta.speaker_names.get(spk, spk))
                group[0] = f"<v.{meta.colours.get(spk, 'white')} {name}>{group[0]}"
                group[-1] += "</v>"
            out += group
            k += 1
        return out

    def write(self, cues: list[Cue], stream: TextIO, meta: Meta) -> None:
        stream.write(self.header(meta))
        super().write(cues, stream, meta)


TT = "http://www.w3.org/ns/ttml"
TTS = "http://www.w3.org/ns/ttml#styling"
TTP = "http://www.w3.org/ns/ttml#parameter"
TTM = "http://www.w3.org/ns/ttml#metadata"
EBUTTS = "urn:ebu:tt:style"
XML = "http://www.w3.org/XML/1998/namespace"


class TTMLWriter(Writer):
    """TTML following the EBU-TT-D profile: media time base, one bottom region, a style per
    speaker colour on a black background."""

    name, extension, media_type = "ttml", ".ttml", "application/ttml+xml"

    @staticmethod
    def timestamp(ms: int) -> str:
        return timecode.vtt(ms)  # EBU-TT-D media time: HH:MM:SS.mmm

    def write(self, cues: list[Cue], stream: TextIO, meta: Meta) -> None:
        for prefix, uri in (("tt", TT), ("tts", TTS), ("ttp", TTP), ("ttm", TTM),
                            ("ebutts", EBUTTS)):
            ET.register_namespace(prefix, uri)
        tt = ET.Element(f"{{{TT}}}tt", {
            f"{{{XML}}}lang": meta.language, f"{{{TTP}}}timeBase": "media",
            f"{{{TTP}}}cellResolution": "50 30"})
        head = ET.SubElement(tt, f"{{{TT}}}head")
        md = ET.SubElement(head, f"{{{TT}}}metadata")
        if meta.title:
            ET.SubElement(md, f"{{{TTM}}}title").text = sdh.clean(meta.title)
        for note in meta.notes:
            ET.SubElement(md, f"{{{TTM}}}desc").text = sdh.clean(note)
        styling = ET.SubElement(head, f"{{{TT}}}styling")
        ET.SubElement(styling, f"{{{TT}}}style", {
            f"{{{XML}}}id": "base", f"{{{TTS}}}fontFamily": "proportionalSansSerif",
            f"{{{TTS}}}fontSize": "100%", f"{{{TTS}}}lineHeight": "125%",
            f"{{{TTS}}}textAlign": "center", f"{{{EBUTTS}}}linePadding": "0.5c"})
        for colour in sdh.COLOURS:
            ET.SubElement(styling, f"{{{TT}}}style", {
                f"{{{XML}}}id": colour, f"{{{TTS}}}color": sdh.CSS[colour],
                f"{{{TTS}}}backgroundColor": "#000000cc"})
        layout = ET.SubElement(head, f"{{{TT}}}layout")
        ET.SubElement(layout, f"{{{TT}}}region", {
            f"{{{XML}}}id": "bottom", f"{{{TTS}}}origin": "10% 10%", f"{{{TTS}}}extent": "80% 80%",
            f"{{{TTS}}}displayAlign": "after"})
        body = ET.SubElement(tt, f"{{{TT}}}body", {"style": "base"})
        div = ET.SubElement(body, f"{{{TT}}}div", {"region": "bottom"})
        n = 0
        for cue in cues:
            raw = [sdh.clean(ln) for ln in cue.lines]
            speakers = cue.speakers or [cue.speaker] * len(raw)
            pairs = [(ln, s) for ln, s in zip(raw, speakers + [None] * len(raw)) if ln]
            if not pairs:
                continue
            n += 1
            p = ET.SubElement(div, f"{{{TT}}}p", {
                f"{{{XML}}}id": f"c{n}", "begin": self.timestamp(cue.start),
                "end": self.timestamp(cue.end)})
            for k, (ln, spk) in enumerate(pairs):
                if k:
                    ET.SubElement(p, f"{{{TT}}}br")
                attrs = {"style": meta.colours.get(spk, "white") if spk else "white"}
                ET.SubElement(p, f"{{{TT}}}span", attrs).text = ln
        ET.indent(tt, space="  ")
        stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        stream.write(ET.tostring(tt, encoding="unicode"))
        stream.write("\n")


WRITERS: dict[str, type[Writer]] = {w.name: w for w in (WebVTTWriter, SRTWriter, TTMLWriter)}


def writer(name: str) -> Writer:
    return WRITERS[name]()
