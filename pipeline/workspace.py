"""The workspace: where films, outputs, caches and stage records live.

    projects/<film>/film.yaml          manifest (human)
    projects/<film>/transcript/        asr.json (machine), revisions/NNNN.json (human)
    projects/learning-goals.yaml       workspace goal catalogue
    subtitles/<film>/  chapters/<film>/  exports/<film>/
    .casefilm/cache/<film>/            programme, ASR audio, encoded renditions (ignored)
    .casefilm/records/<film>/<stage>.json   stage records
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .errors import ManifestError, UnknownFilm
from .fsutil import DigestCache, write_text
from .manifest import FilmManifest, GoalCatalogue, load_catalogue, load_film
from .models import LearningGoal

GITIGNORE = """\
# casefilm: heavy media and caches stay out of version control; the text people review
# (projects/, subtitles/, chapters/, reports/) stays in
.casefilm/
exports/*
!exports/README.md
projects/*/raw/
chapters/*/companion.pdf
*.tmp-*
.tmp-*
"""


@dataclass
class Workspace:
    root: Path

    @classmethod
    def resolve(cls, root: str | os.PathLike | None = None) -> "Workspace":
        root = root or os.environ.get("CASEFILM_WORKSPACE") or os.getcwd()
        return cls(Path(root).expanduser().resolve())

    @property
    def projects(self) -> Path:
        return self.root / "projects"

    @property
    def state(self) -> Path:
        return self.root / ".casefilm"

    @cached_property
    def digests(self) -> DigestCache:
        return DigestCache(self.state / "digests.json")

    def film_ids(self) -> list[str]:
        if not self.projects.is_dir():
            return []
        return sorted(p.name for p in self.projects.iterdir() if (p / "film.yaml").is_file())

    def film(self, film_id: str) -> "Film":
        if film_id not in self.film_ids():
            raise UnknownFilm(film_id, self.film_ids())
        return Film(self, film_id)

    def catalogue_path(self) -> Path:
        return self.projects / "learning-goals.yaml"

    @cached_property
    def catalogue(self) -> GoalCatalogue:
        return load_catalogue(self.catalogue_path())

    def ensure_gitignore(self) -> None:
        path = self.root / ".gitignore"
        if not path.exists():
            write_text(path, GITIGNORE)


@dataclass
class Film:
    ws: Workspace
    id: str
    _manifest: FilmManifest | None = field(default=None, repr=False)

    @property
    def dir(self) -> Path:
        return self.ws.projects / self.id

    @property
    def manifest_path(self) -> Path:
        return self.dir / "film.yaml"

    @property
    def manifest(self) -> FilmManifest:
        if self._manifest is None:
            self._manifest = load_film(self.manifest_path)
        return self._manifest

    def reload(self) -> None:
        self._manifest = None

    def resolve_media(self, p: Path) -> Path:
        return p if p.is_absolute() else self.dir / p

    @property
    def transcript_dir(self) -> Path:
        return self.dir / "transcript"

    @property
    def subtitles_dir(self) -> Path:
        return self.ws.root / "subtitles" / self.id

    @property
    def chapters_dir(self) -> Path:
        return self.ws.root / "chapters" / self.id

    @property
    def export_dir(self) -> Path:
        return self.ws.root / "exports" / self.id

    @property
    def cache_dir(self) -> Path:
        return self.ws.state / "cache" / self.id

    @property
    def records_dir(self) -> Path:
        return self.ws.state / "records" / self.id

    def goals(self) -> dict[str, LearningGoal]:
        """Catalogue goals plus the film's own; ids must be unique across both."""
        out: dict[str, LearningGoal] = {g.id: g for g in self.ws.catalogue.goals}
        for i, g in enumerate(self.manifest.learning_goals):
            if g.id in out:
                raise ManifestError(
                    self.manifest_path, f"learning_goals.{i}.id",
                    "id already defined in projects/learning-goals.yaml or this film", g.id,
                )
            out[g.id] = g
        return out
