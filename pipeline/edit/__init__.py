"""The paper edit and the NLE round trip.

    model.py        edit.yaml: ordered selects (source id + a span of its words) and title cards
    resolve.py      edit.yaml → compose.model.Timeline (source paths, word-boundary in/out,
                    the selected words in source time, speakers)
    sources.py      source transcripts: import or Whisper per source, one revision store each
    interchange.py  the edit as OTIO, CMX 3600 EDL, FCP 7 XML, FCPXML; reading an NLE's list
    conform.py      the fine cut's edit list → programme transcript, chapters (no Whisper)

`timeline(film)` is what the renderers (`pipeline.compose`) call.
"""

from __future__ import annotations

from .model import EditList, Select, TitleCard, parse_edit
from .resolve import edit_path, load_edit, timeline

# `pipeline.edit.resolve` stays the module (resolve.resolve gives the timeline with the
# source words and revisions behind it)
__all__ = ["EditList", "Select", "TitleCard", "edit_path", "load_edit", "parse_edit", "timeline"]
