"""Typed data of the LMS packages. Times in integer milliseconds."""

from __future__ import annotations

from typing import Literal

from ..models import Ms, Strict

Format = Literal["scorm12", "h5p"]


class QuizEntry(Strict):
    """One film.yaml quiz question as a package shows it."""

    n: int  # 1-based position in film.yaml `quiz.questions`
    id: str  # "q1", "q2", … (SCORM interaction id, H5P sub-content label)
    chapter: int  # 1-based chapter number it follows
    chapter_title: str
    at_ms: Ms  # the chapter's end: where the film pauses for it
    text: str
    answers: list[str]  # in the order shown (film.yaml's, shuffled deterministically)
    correct: int  # index into `answers` of the right one
    goals: list[str]  # learning-goal ids of its chapter


class GoalEntry(Strict):
    """A learning goal as an objective of the package (SCORM `cmi.objectives`, LOM)."""

    id: str
    text: str
    questions: list[int]  # `QuizEntry.n` of the questions in chapters with this goal


class BuildRecord(Strict):
    """`.casefilm/cache/<film>/lms/<format>.json`: what the last package was built from."""

    format: Format
    key: str  # sha256 of every input (see build.inputs)
    path: str  # relative to exports/<film>/
    sha256: str
    size: int
