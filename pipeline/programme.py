"""The programme: what ingest made of a film's sources (`.casefilm/cache/<film>/programme.json`).

Written by the ingest stage, read by every later stage and by library code (the review
page, chapter suggestions). Reading it lives here, not in the stage layer, so that library
code never imports a stage.
"""

from __future__ import annotations

from pathlib import Path

from .errors import Pending
from .models import Programme
from .workspace import Film


def programme_path(film: Film) -> Path:
    """Where ingest writes the film's `Programme` (JSON)."""
    return film.cache_dir / "programme.json"


def load_programme(film: Film) -> Programme:
    """The ingest result, its file paths absolute (relative ones are relative to the
    workspace). Raises `Pending` if ingest has not run; pydantic's ValidationError (a
    ValueError) if programme.json is not a programme."""
    p = programme_path(film)
    if not p.exists():
        raise Pending("ingest (no programme yet)")
    prog = Programme.model_validate_json(p.read_text(encoding="utf-8"))

    def absolute(path: str | None) -> str | None:
        return None if path is None or Path(path).is_absolute() else str(film.ws.root / path)

    return prog.model_copy(update={k: absolute(getattr(prog, k)) for k in
                                   ("media", "asr_audio", "proxy")
                                   if absolute(getattr(prog, k)) is not None})
