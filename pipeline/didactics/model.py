"""The one resolved chapter model every chapter output is written from.

`ChapterSet` is what the chapters stage computes from film.yaml, the goal catalogue, the
programme duration and (for key quotes) the current transcript. It is stored as
`chapters/<film>/chapters.json`; `pipeline.didactics.load_chapters(film)` reads it back.
Times are integer milliseconds; `start` is inclusive, `end` exclusive (the next chapter's
start, or the programme's end).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..models import BloomLevel, Ms, Strict


class GoalRef(Strict):
    """A learning goal as linked from a chapter, with where it is defined."""

    id: str
    text: str
    level: BloomLevel | None = None
    dimension: str | None = None
    audiences: list[str] = Field(default_factory=list)
    defined_in: Literal["catalogue", "film"] = "catalogue"


class QuoteOut(Strict):
    start: Ms
    end: Ms
    text: str | None = None  # words of the transcript in [start, end); None without transcript
    speaker: str | None = None  # display name of the speaker, when known


class ChapterEntry(Strict):
    index: int  # 1-based position
    start: Ms
    end: Ms
    title: str
    goals: list[GoalRef] = Field(default_factory=list)
    summary: str | None = None
    quote: QuoteOut | None = None
    questions: list[str] = Field(default_factory=list)

    @property
    def duration(self) -> Ms:
        return self.end - self.start


class ChapterSet(Strict):
    """All chapters of one film, resolved against the programme and the goal catalogue."""

    format: Literal["casefilm-chapters/1"] = "casefilm-chapters/1"
    film: str
    title: str
    language: str = "de"
    organisation: str | None = None
    industry: str | None = None
    duration_ms: Ms
    catalogue_name: str
    description_chapters: bool = False
    chapters: list[ChapterEntry] = Field(default_factory=list)
    goals: list[GoalRef] = Field(default_factory=list)  # every goal the film declares or links
    uncovered: list[str] = Field(default_factory=list)  # film goal ids no chapter links

    def goal_ids(self) -> list[str]:
        return list(dict.fromkeys(g.id for c in self.chapters for g in c.goals))

    def chapter_at(self, ms: Ms) -> ChapterEntry | None:
        """The chapter playing at `ms` (e.g. for an xAPI statement's context: chapter
        index and goal ids), None before the first chapter or past the end."""
        return next((c for c in self.chapters if c.start <= ms < c.end), None)
