"""The resolved timeline a renderer works from: no YAML, no word ids, only media and times.

`pipeline.edit` turns edit.yaml (selects of source words, title cards) into a `Timeline`;
the rough-cut renderer and the clip renderer consume it. Times are integer ms; `src_in_ms`
/ `src_out_ms` are in the source file's own time, word times are in that source's time too.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field

from ..models import Ms, Strict


class TimedWord(Strict):
    text: str
    start_ms: Ms
    end_ms: Ms
    speaker: str | None = None  # speaker id from film.yaml


class Shot(Strict):
    """One select: a span of one source, cut at word boundaries."""

    kind: Literal["shot"] = "shot"
    select: int = Field(ge=1)  # 1-based position in edit.yaml, for messages and reports
    source_id: str
    source_path: str  # absolute path to the raw source file (read only)
    src_in_ms: Ms = Field(ge=0)
    src_out_ms: Ms
    words: list[TimedWord] = []  # the selected words, source time
    speaker: str | None = None  # first word's speaker, for the lower third


class Card(Strict):
    """A title card (or an end card) between selects."""

    kind: Literal["card"] = "card"
    lines: list[str] = Field(min_length=1)  # first line is the title
    duration_ms: Ms = Field(gt=0)


Item = Annotated[Union[Shot, Card], Field(discriminator="kind")]


class Timeline(Strict):
    film: str
    title: str
    organisation: str | None = None
    fps: float = 25.0
    items: list[Item]

    @property
    def duration_ms(self) -> Ms:
        return sum(i.duration_ms if isinstance(i, Card) else i.src_out_ms - i.src_in_ms
                   for i in self.items)
