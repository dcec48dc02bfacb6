"""The paper edit and the NLE round trip.

    model.py        edit.yaml: ordered selects (source id + a span of its words) and title cards
    resolve.py      edit.yaml → compose.model.Timeline (source paths, word-boundary in/out,
                    the selected words in source time, speakers)
    sources.py      source transcripts: import or Whisper per source, one revision store each

`timeline(film)` is what the renderers (`pipeline.compose`) call.
"""

from __future__ import annotations

from .model import EditList, Select, TitleCard, parse_edit
from .resolve import edit_path, load_edit, resolve, timeline

__all__ = ["EditList", "Select", "TitleCard", "edit_path", "load_edit", "parse_edit",
           "resolve", "timeline"]
