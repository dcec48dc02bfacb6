"""film.yaml `quiz:`: scored questions for the learning platforms (`casefilm lms`).

    quiz:
      mastery: 80          # percent of questions answered right to pass (0-100)
      completion: 90       # percent of the film watched that counts as completed (1-100)
      questions:
        - chapter: 2       # the chapter it follows: 1-based number or the chapter's id
          text: "Warum wurde der Betriebsrat beteiligt?"
          answers: ["Um Sorgen vor Überwachung zu klären", "Weil die Software es verlangt"]

The first answer is the correct one; packages show the answers in a deterministic shuffle
(`QuizQuestion.order`). The chapters' own `questions:` stay open discussion prompts for
the companion sheet. Every rule here runs when film.yaml loads, so preflight reports a bad
entry as one line naming the field before any stage works.
"""

from __future__ import annotations

import hashlib

from pydantic import Field, field_validator

from ..models import Strict


class QuizQuestion(Strict):
    chapter: int | str  # 1-based chapter number or chapter id; the question follows its end
    text: str
    answers: list[str]  # the first is the correct one

    @field_validator("text")
    @classmethod
    def _text(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("question text is empty")
        return v.strip()

    @field_validator("answers")
    @classmethod
    def _answers(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("no answers (give the correct one first, then at least one wrong one)")
        if len(v) == 1:
            raise ValueError("only one answer (give at least one wrong answer after the "
                             "correct one)")
        out = [a.strip() for a in v]
        for k, a in enumerate(out):
            if not a:
                raise ValueError(f"answer {k + 1} is empty")
        seen: dict[str, int] = {}
        for k, a in enumerate(out):
            key = " ".join(a.split()).casefold()
            if key in seen:
                raise ValueError(f"duplicate answer {a!r} (answers {seen[key] + 1} and {k + 1})")
            seen[key] = k
        return out

    def order(self) -> list[int]:
        """Indices into `answers` in the order learners see them: a shuffle fixed by the
        question's and answers' text (same film.yaml, same order, in every package)."""
        def key(k: int) -> str:
            return hashlib.sha256(f"{self.text}\0{self.answers[k]}".encode()).hexdigest()
        return sorted(range(len(self.answers)), key=key)


class Quiz(Strict):
    mastery: int = Field(default=80, ge=0, le=100)  # percent right to pass
    completion: int = Field(default=90, ge=1, le=100)  # percent watched = completed
    questions: list[QuizQuestion] = Field(default_factory=list)

    def check_chapters(self, chapter_ids: list[str | None]) -> None:
        """Raise ValueError "quiz.questions.N.chapter: …" for a chapter the film does not
        have (`chapter_ids`: film.yaml's chapters in order, None where one has no id)."""
        known = sorted(c for c in chapter_ids if c)
        for i, q in enumerate(self.questions):
            at = f"quiz.questions.{i}.chapter"
            if isinstance(q.chapter, int) and not 1 <= q.chapter <= len(chapter_ids):
                raise ValueError(f"{at}: no chapter {q.chapter} (the film has "
                                 f"{len(chapter_ids)})")
            if isinstance(q.chapter, str) and q.chapter not in known:
                raise ValueError(f"{at}: unknown chapter {q.chapter!r} (chapter ids: "
                                 f"{', '.join(known) or 'no chapter has an id'})")
