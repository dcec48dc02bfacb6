"""The export as the LMS packages see it: `exports/<film>/manifest.json`
(`delivery.model.ExportManifest`) and the files it lists, plus film.yaml's quiz and goals.

Nothing here imports delivery's code: the export is read as its typed output.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from .. import subtitle_io
from ..delivery.model import Artifact, ExportManifest
from ..errors import ManifestError, StageOrderError
from ..manifest.quiz import Quiz
from ..models import Cue
from ..workspace import Film
from .model import GoalEntry, QuizEntry

# the player page's data script (the page's contract with player.js)
PAGE_DATA = re.compile(r'(<script type="application/json" id="casefilm-data">)(.*?)(</script>)',
                       re.S)


@dataclass(frozen=True)
class ExportView:
    dir: Path
    manifest: ExportManifest

    def artifact(self, rel: str) -> Artifact | None:
        return next((a for a in self.manifest.artifacts if a.path == rel), None)

    def require(self, rel: str) -> Artifact:
        a = self.artifact(rel)
        if a is None or not (self.dir / rel).is_file():
            raise StageOrderError(self.manifest.film, "lms",
                                  f"export (exports/{self.manifest.film}/{rel} is not in the "
                                  f"export; run `casefilm export {self.manifest.film}`)")
        return a

    def by_role(self, role: str) -> list[Artifact]:
        return [a for a in self.manifest.artifacts if a.role == role]

    def page_data(self) -> dict:
        """The player page's own data (`casefilm-data` in index.html): which MP4 it plays
        (`mp4`), its audio description files (`ad`), thumbnails, strings; a JSON document
        the page script reads, so a dict."""
        page = self.dir / self.require("index.html").path
        m = PAGE_DATA.search(page.read_text(encoding="utf-8"))
        if m is None:
            raise ManifestError(page, "", "the player page has no casefilm-data script")
        return json.loads(m.group(2))

    def chapters(self) -> list[Cue]:
        """The delivered chapter track (chapters.vtt), in order; [] without chapters."""
        if self.artifact("chapters.vtt") is None:
            return []
        return subtitle_io.load(self.dir / "chapters.vtt").cues


def read(film: Film) -> ExportView:
    path = film.export_dir / "manifest.json"
    if not path.is_file():
        raise StageOrderError(film.id, "lms", f"export (no {path}; run `casefilm export {film.id}`)")
    try:
        mf = ExportManifest.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise ManifestError(path, "", f"not an export manifest: {str(e).splitlines()[0]}") from None
    return ExportView(dir=film.export_dir, manifest=mf)


def quiz_entries(film: Film, chapters: list[Cue]) -> list[QuizEntry]:
    """film.yaml's quiz resolved against the delivered chapters (their ends)."""
    m = film.manifest
    quiz: Quiz | None = m.quiz
    if quiz is None or not quiz.questions:
        return []
    if len(chapters) != len(m.chapters):
        raise StageOrderError(film.id, "lms", f"an export with film.yaml's {len(m.chapters)} "
                              f"chapters (its chapters.vtt has {len(chapters)}; run "
                              f"`casefilm run {film.id}`)")
    out = []
    for i, q in enumerate(quiz.questions):
        k = m.chapter_index(q.chapter)
        order = q.order()
        out.append(QuizEntry(n=i + 1, id=f"q{i + 1}", chapter=k + 1,
                             chapter_title=chapters[k].text, at_ms=chapters[k].end,
                             text=q.text, answers=[q.answers[j] for j in order],
                             correct=order.index(0), goals=list(m.chapters[k].goals)))
    return out


def goal_entries(film: Film, quiz: list[QuizEntry]) -> list[GoalEntry]:
    """The learning goals the film's chapters name (catalogue texts), in first-use order;
    the film's own goals when no chapter names one."""
    goals = film.goals()
    ids: list[str] = []
    for ch in film.manifest.chapters:
        ids += [g for g in ch.goals if g not in ids]
    if not ids:
        ids = [g.id for g in film.manifest.learning_goals]
    return [GoalEntry(id=g, text=goals[g].text, questions=[q.n for q in quiz if g in q.goals])
            for g in ids if g in goals]
