"""The paper edit `projects/<film>/edit.yaml`: an ordered list of selects and title cards.

    fps: 25                          # optional: the edit's frame rate (else the first source's)
    selects:
      - source: interview-anna       # a source id of film.yaml
        start: "00:01:02.340"        # start of the first selected word (source time)
        end: "00:01:09.120"          # end of the last selected word (source time)
        text: "Wir haben den Dienstplan …"   # the quote as it read when selected (checked)
      - card: ["Teil 2", "Die Umsetzung"]    # a title card: its lines, the first the title
        duration: 3                  # seconds (default 3)

A select is a span of the source's words, stored as source time plus the quote: word
times survive corrections (the review realignment keeps the timing of words it does not
change), so a select stays valid when its words are corrected later; its words are the
source transcript's words whose midpoint lies in [start, end], and the quote is compared
with them on load (`pipeline.edit.resolve`). Times in the file are timecodes (or seconds),
integer ms inside.
"""

from __future__ import annotations

from typing import Any, Union

from pydantic import Field, ValidationError, field_validator, model_validator

from .. import timecode
from ..errors import ManifestError, validation_problem
from ..manifest import ID_PATTERN
from ..models import Ms, Strict

DEFAULT_CARD_MS = 3000


def _tc(v: Any) -> int:
    return timecode.parse(v)


class Select(Strict):
    source: str = Field(pattern=ID_PATTERN)
    start: Ms = Field(ge=0)
    end: Ms
    text: str | None = None  # the quote when selected; checked against the words on load

    @field_validator("start", "end", mode="before")
    @classmethod
    def _times(cls, v: Any) -> int:
        return _tc(v)

    @model_validator(mode="after")
    def _order(self) -> "Select":
        if self.end <= self.start:
            raise ValueError(f"end: ends ({timecode.vtt(self.end)}) at or before its start "
                             f"({timecode.vtt(self.start)})")
        return self


class TitleCard(Strict):
    card: list[str] = Field(min_length=1)
    duration: Ms = Field(default=DEFAULT_CARD_MS, gt=0)

    @field_validator("duration", mode="before")
    @classmethod
    def _dur(cls, v: Any) -> int:
        return _tc(v)

    @field_validator("card")
    @classmethod
    def _lines(cls, v: list[str]) -> list[str]:
        lines = [ln.strip() for ln in v]
        if not lines[0]:
            raise ValueError("the first line (the title) is empty")
        return lines


Entry = Union[Select, TitleCard]


class EditList(Strict):
    fps: float | None = Field(default=None, gt=0, le=120)
    selects: list[Entry] = Field(default_factory=list)

    def shots(self) -> list[tuple[int, Select]]:
        """(0-based position in `selects`, select) of every select (cards left out)."""
        return [(i, e) for i, e in enumerate(self.selects) if isinstance(e, Select)]

    def to_yaml_data(self) -> dict:
        """The mapping edit.yaml holds (timecodes as HH:MM:SS.mmm strings)."""
        out: dict[str, Any] = {}
        if self.fps is not None:
            out["fps"] = self.fps
        items = []
        for e in self.selects:
            if isinstance(e, Select):
                d = {"source": e.source, "start": timecode.vtt(e.start),
                     "end": timecode.vtt(e.end)}
                if e.text is not None:
                    d["text"] = e.text
            else:
                d = {"card": list(e.card), "duration": e.duration / 1000}
            items.append(d)
        out["selects"] = items
        return out


def parse_edit(path, data: Any) -> EditList:
    """Validate the data of edit.yaml at `path`; every problem is one ManifestError naming
    the entry (`selects.N`, 0-based like every field path casefilm prints) and its field."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ManifestError(path, "", f"expected a mapping with 'selects', got {type(data).__name__}")
    unknown = sorted(set(data) - {"fps", "selects"})
    if unknown:
        raise ManifestError(path, unknown[0], "unknown key")
    raw = data.get("selects") or []
    if not isinstance(raw, list):
        raise ManifestError(path, "selects", "expected a list of selects and cards")
    entries: list[Entry] = []
    for i, item in enumerate(raw):
        where = f"selects.{i}"
        if not isinstance(item, dict):
            raise ManifestError(path, where, "expected a mapping (a select: source/start/end, "
                                "or a card: card/duration)", item if not isinstance(item, list) else None)
        model = TitleCard if "card" in item else Select
        try:
            entries.append(model.model_validate(item))
        except ValidationError as e:
            field, reason, value = validation_problem(e, top="")
            raise ManifestError(path, f"{where}.{field}" if field else where, reason, value) from None
    try:
        return EditList(fps=data.get("fps"), selects=entries)
    except ValidationError as e:
        raise ManifestError.from_validation(path, e) from None
