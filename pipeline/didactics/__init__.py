"""Didactics: chapters linked to learning goals, suggestions, companion sheet, coverage.

For the export stage and the player:

    from pipeline.didactics import load_chapters
    cs = load_chapters(film)           # ChapterSet from chapters/<film>/chapters.json
"""

from __future__ import annotations

from ..errors import StageOrderError
from ..fsutil import read_json
from ..workspace import Film
from .model import ChapterEntry, ChapterSet, GoalRef, QuoteOut

__all__ = ["ChapterEntry", "ChapterSet", "GoalRef", "QuoteOut", "load_chapters"]


def load_chapters(film: Film) -> ChapterSet:
    """The film's resolved chapters as written by the chapters stage.

    Raises StageOrderError when the chapters stage has not run yet."""
    p = film.chapters_dir / "chapters.json"
    if not p.exists():
        raise StageOrderError(film.id, "export", "the chapters stage (chapters.json)")
    return read_json(p, ChapterSet, "chapters JSON")
