"""Typed data of the catalogue: what it knows of each exported film, its search documents,
and the record that makes a second build with nothing changed do nothing.

Times are integer milliseconds. Paths inside a `FilmEntry` are relative to the film's
export folder (`exports/<film>/`); the site turns them into links.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..manifest.case import Case
from ..models import Ms, Strict, utcnow

CaptionState = Literal["auto", "reviewed", "approved"]
DocKind = Literal["film", "transcript", "chapter", "goal", "case"]


class Goal(Strict):
    id: str
    text: str


class ChapterInfo(Strict):
    index: int  # 1-based
    start: Ms
    end: Ms
    title: str
    summary: str | None = None
    goals: list[str] = Field(default_factory=list)  # goal ids


class FilmEntry(Strict):
    """One exported film as the catalogue shows it (read from film.yaml, the export's
    manifest.json, chapters.json and the current transcript)."""

    id: str
    title: str
    language: str
    organisation: str | None = None
    industry: str | None = None
    duration_ms: Ms
    exported_at: str  # the export's created_at (schema.org uploadDate)
    poster: str | None  # e.g. "poster.jpg"
    video: str  # the largest progressive MP4 (schema.org contentUrl)
    captions: CaptionState | None  # None: the package has no captions
    audio_description: bool
    ad_draft: bool  # the description's voices include an unaccepted synthetic draft
    sign_language: bool = False  # a DGS interpreter (manifest.json `sign_language`)
    chapters: list[ChapterInfo] = Field(default_factory=list)
    goals: list[Goal] = Field(default_factory=list)
    case: Case = Field(default_factory=Case)
    transcript_revision: int | None = None  # None: no transcript; 0: the machine original
    transcript_reviewed: bool = False

    def features(self) -> list[str]:
        """Accessibility features of the package, as filter keys."""
        out = []
        if self.captions:
            out.append("captions")
        if self.captions in ("reviewed", "approved"):
            out.append("captions_reviewed")
        if self.audio_description:
            out.append("audio_description")
        if self.sign_language:
            out.append("sign_language")
        if self.chapters:
            out.append("chapters")
        return out


class SearchDoc(Strict):
    """One searchable text. `ref` is its position in the site's document list; `words`
    (transcript sentences) holds each word's [character offset in `text`, start ms], so a
    hit on any word opens the player at that word."""

    ref: str
    film: str
    kind: DocKind
    label: str  # what the hit list shows before the text: "Transkript", a chapter's title …
    text: str
    at: Ms | None = None  # the moment to open the player at (None: link the film page)
    words: list[tuple[int, Ms]] | None = None


class CatalogueRecord(Strict):
    """`.casefilm/catalogue.json`: what the last build consumed and wrote.

    `films`: film id -> {input: digest} (export, transcript, chapters, case, film);
    `shared`: the goal catalogue and the site's layout (templates, scripts, strings, lunr);
    `outputs`: path relative to exports/catalogue/ -> sha256."""

    films: dict[str, dict[str, str]]
    shared: dict[str, str]
    outputs: dict[str, str]
    finished_at: str = Field(default_factory=utcnow)
