"""The caption files' formats: variants of the subtitle I/O layer's WebVTT, SRT and TTML
for SDH captions, registered in its one registry (`pipeline.subtitle_io`).

What they add to the plain formats (class attributes, no code of their own):

- every line is cleaned as German SDH wants it (`sdh.clean`: also `...` → `…`);
- WebVTT names the language in its first line (`WEBVTT - de`, for humans), numbers the
  cues and carries a STYLE block of the SDH colours (`::cue(.yellow)`); voices are
  `<v.{colour} {name}>` from `Meta.speaker_names`/`colours`;
- TTML (EBU-TT-D) has one style per SDH colour; lines without a speaker colour are white.

`WRITERS` maps the keys of `store.CAPTION_FILES` ("vtt", "srt", "ttml") to these formats.
"""

from __future__ import annotations

from ..subtitle_io import TTML, Format, SubRip, WebVTT, register
from . import sdh

SDH_PALETTE = {c: sdh.CSS[c] for c in sdh.COLOURS}


@register
class SDHWebVTT(WebVTT):
    name = "vtt-sdh"
    clean = staticmethod(sdh.clean)
    language_in_header = True
    number_cues = True
    palette = SDH_PALETTE


@register
class SDHSubRip(SubRip):
    name = "srt-sdh"
    clean = staticmethod(sdh.clean)


@register
class SDHTTML(TTML):
    name = "ttml-sdh"
    clean = staticmethod(sdh.clean)
    palette = SDH_PALETTE
    default_colour = "white"


WRITERS: dict[str, type[Format]] = {"vtt": SDHWebVTT, "srt": SDHSubRip, "ttml": SDHTTML}
