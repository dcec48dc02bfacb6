"""Didactics: chapters linked to learning goals, suggestions, companion sheet, coverage.

For the export stage and the player:

    from pipeline.didactics import load_chapters, chapter_files
    cs = load_chapters(film)           # ChapterSet from chapters/<film>/chapters.json
    files = chapter_files(film)        # {"vtt": Path, "ffmetadata": Path, "jsonld": Path, ...}
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from ..errors import ManifestError, StageOrderError
from ..workspace import Film
from .model import ChapterEntry, ChapterSet, GoalRef, QuoteOut

__all__ = ["ChapterEntry", "ChapterSet", "GoalRef", "QuoteOut", "chapter_files",
           "load_chapters"]


def chapter_files(film: Film) -> dict[str, Path]:
    """Paths of the chapters stage's outputs that exist (keys: vtt, json, jsonld,
    ffmetadata, companion, description)."""
    d = film.chapters_dir
    names = {"vtt": "chapters.vtt", "json": "chapters.json", "jsonld": "chapters.jsonld",
             "ffmetadata": "ffmetadata.txt", "companion": "companion.html",
             "companion_pdf": "companion.pdf", "description": "description.txt"}
    return {k: d / v for k, v in names.items() if (d / v).exists()}


def load_chapters(film: Film) -> ChapterSet:
    """The film's resolved chapters as written by the chapters stage.

    Raises StageOrderError when the chapters stage has not run yet."""
    p = film.chapters_dir / "chapters.json"
    if not p.exists():
        raise StageOrderError(film.id, "export", "the chapters stage (chapters.json)")
    try:
        return ChapterSet.model_validate_json(p.read_text(encoding="utf-8"))
    except ValidationError as e:
        raise ManifestError.from_validation(p, e) from None
