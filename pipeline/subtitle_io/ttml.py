"""TTML (.ttml) following the EBU-TT-D profile: writer and reader, both with ElementTree
(which escapes text and attributes on writing).

Writing: media time base, one bottom region, a base style and one style per colour of the
format's `palette` (on a black background). Each cue is a `<p>` of one `<span>` per line
(`<br/>` between); a line's span takes the style of its speaker's colour, paired with the
lines exactly as WebVTT pairs voices (`Cue.line_speakers`), or `default_colour`. EBU-TT-D
has no speaker names, so the colour is all a TTML file says of a speaker.

Reading (for QC's cross-check of caption files): every `<p>` with `begin`/`end` (clock time
`HH:MM:SS.mmm` or offset time `12.5s`, `800ms`) is a cue; `<br/>` splits lines; a line's
speaker key is its span's style (colour) name, `Meta.colours[style] = style`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import ClassVar, TextIO

from .. import timecode
from ..models import Cue
from .base import Format, Meta, Track, register

TT = "http://www.w3.org/ns/ttml"
TTS = "http://www.w3.org/ns/ttml#styling"
TTP = "http://www.w3.org/ns/ttml#parameter"
TTM = "http://www.w3.org/ns/ttml#metadata"
EBUTTS = "urn:ebu:tt:style"
XML = "http://www.w3.org/XML/1998/namespace"
NAMESPACES = {"tt": TT, "tts": TTS, "ttp": TTP, "ttm": TTM, "ebutts": EBUTTS}

_OFFSET = re.compile(r"^\s*(\d+(?:\.\d+)?)(h|m|s|ms)\s*$")
_OFFSET_MS = {"h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}


def parse_time(value: str) -> int:
    """A TTML time expression in ms: clock time (`01:02:03.456`, `01:02:03`) or offset time
    (`12.5s`, `800ms`, `2m`). Frames and ticks need a frame/tick rate: not accepted."""
    m = _OFFSET.match(value)
    if m:
        return round(float(m[1]) * _OFFSET_MS[m[2]])
    if value.count(":") != 2:
        raise ValueError(f"not a TTML clock time: {value!r}")
    return timecode.parse(value)


class TTML(Format):
    name, label, extension, media_type = "ttml", "TTML", ".ttml", "application/ttml+xml"
    palette: ClassVar[dict[str, str]] = {}  # colour style id -> CSS colour
    default_colour: ClassVar[str | None] = None  # style of lines without a speaker colour

    @staticmethod
    def timestamp(ms: int) -> str:
        return timecode.vtt(ms)  # EBU-TT-D media time: HH:MM:SS.mmm

    def style_of(self, speaker: str | None, meta: Meta) -> str | None:
        colour = meta.colours.get(speaker) if speaker else None
        return colour if colour in self.palette else self.default_colour

    def write(self, cues: list[Cue], stream: TextIO, meta: Meta) -> None:
        for prefix, uri in NAMESPACES.items():
            ET.register_namespace(prefix, uri)
        tt = ET.Element(f"{{{TT}}}tt", {
            f"{{{XML}}}lang": meta.language, f"{{{TTP}}}timeBase": "media",
            f"{{{TTP}}}cellResolution": "50 30"})
        head = ET.SubElement(tt, f"{{{TT}}}head")
        md = ET.SubElement(head, f"{{{TT}}}metadata")
        if meta.title:
            ET.SubElement(md, f"{{{TTM}}}title").text = self.clean(meta.title)
        for note in meta.notes:
            ET.SubElement(md, f"{{{TTM}}}desc").text = self.clean(note)
        styling = ET.SubElement(head, f"{{{TT}}}styling")
        ET.SubElement(styling, f"{{{TT}}}style", {
            f"{{{XML}}}id": "base", f"{{{TTS}}}fontFamily": "proportionalSansSerif",
            f"{{{TTS}}}fontSize": "100%", f"{{{TTS}}}lineHeight": "125%",
            f"{{{TTS}}}textAlign": "center", f"{{{EBUTTS}}}linePadding": "0.5c"})
        for colour, css in self.palette.items():
            ET.SubElement(styling, f"{{{TT}}}style", {
                f"{{{XML}}}id": colour, f"{{{TTS}}}color": css,
                f"{{{TTS}}}backgroundColor": "#000000cc"})
        layout = ET.SubElement(head, f"{{{TT}}}layout")
        ET.SubElement(layout, f"{{{TT}}}region", {
            f"{{{XML}}}id": "bottom", f"{{{TTS}}}origin": "10% 10%", f"{{{TTS}}}extent": "80% 80%",
            f"{{{TTS}}}displayAlign": "after"})
        body = ET.SubElement(tt, f"{{{TT}}}body", {"style": "base"})
        div = ET.SubElement(body, f"{{{TT}}}div", {"region": "bottom"})
        n = 0
        for cue in cues:
            pairs = self.lines_of(cue)
            if not pairs:
                continue
            n += 1
            p = ET.SubElement(div, f"{{{TT}}}p", {
                f"{{{XML}}}id": f"c{n}", "begin": self.timestamp(cue.start),
                "end": self.timestamp(cue.end)})
            for k, (line, speaker) in enumerate(pairs):
                if k:
                    ET.SubElement(p, f"{{{TT}}}br")
                style = self.style_of(speaker, meta)
                ET.SubElement(p, f"{{{TT}}}span", {"style": style} if style else {}).text = line
        ET.indent(tt, space="  ")
        stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        stream.write(ET.tostring(tt, encoding="unicode"))
        stream.write("\n")

    def read(self, stream: TextIO) -> Track:
        text = stream.read().lstrip("\ufeff")
        try:
            # ElementTree refuses a str with an encoding declaration only when asked to
            # decode; parse the UTF-8 bytes so the declaration is honoured
            root = ET.fromstring(text.encode("utf-8"))
        except ET.ParseError as e:
            raise self.error(f"not well-formed XML ({e})", e.position[0]) from e
        if root.tag != f"{{{TT}}}tt":
            raise self.error(f"not a TTML document (root element {root.tag!r})")
        cues: list[Cue] = []
        for k, p in enumerate(root.iter(f"{{{TT}}}p"), start=1):
            try:
                start, end = parse_time(p.get("begin", "")), parse_time(p.get("end", ""))
            except ValueError as e:
                raise self.error(f"paragraph {k}: {e}") from e
            if end <= start:
                raise self.error(f"paragraph {k}: ends at or before it starts",
                                 value=f"{p.get('begin')} – {p.get('end')}")
            lines, speakers = self._lines(p)
            one = len(set(speakers)) <= 1
            cues.append(Cue(start=start, end=end, lines=lines,
                            speaker=speakers[0] if speakers else None,
                            speakers=[] if one else speakers,
                            identifier=p.get(f"{{{XML}}}id")))
        colours = {s: s for c in cues for s in c.line_speakers() if s}
        lang = root.get(f"{{{XML}}}lang", "")
        md = root.find(f"{{{TT}}}head/{{{TT}}}metadata")
        title = md.findtext(f"{{{TTM}}}title", "") if md is not None else ""
        notes = [d.text or "" for d in md.iter(f"{{{TTM}}}desc")] if md is not None else []
        return Track(cues=cues, meta=Meta(language=lang, title=title, colours=colours,
                                          notes=notes))

    @staticmethod
    def _lines(p: ET.Element) -> tuple[list[str], list[str | None]]:
        """Lines of a `<p>` (split at `<br/>`) and each line's style (of its first span)."""
        lines, styles = [""], [None]

        def text(t: str | None, style: str | None) -> None:
            if t:
                lines[-1] += t
                if t.strip():
                    styles[-1] = styles[-1] or style

        def walk(el: ET.Element, style: str | None) -> None:
            style = el.get("style", style)
            text(el.text, style)
            for child in el:
                if child.tag == f"{{{TT}}}br":
                    lines.append("")
                    styles.append(None)
                else:
                    walk(child, style)
                text(child.tail, style)

        walk(p, None)
        return [" ".join(ln.split()) for ln in lines], styles  # XML whitespace collapses


register(TTML)
