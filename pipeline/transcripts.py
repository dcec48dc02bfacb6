"""Transcript storage: the machine original and the human revisions of a film.

    projects/<film>/transcript/asr.json               revision 0: ASR or import (machine)
    projects/<film>/transcript/revisions/0001.json    revision 1, 2, …: human saves

The current transcript is the newest revision, else asr.json. Revisions are only ever
added, never rewritten; a machine run never touches `revisions/`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import ReviewedTranscriptError, StaleRevision
from .fsutil import TMP_PREFIX, read_json, write_text
from .models import Transcript
from .workspace import Film


def asr_path(film: Film) -> Path:
    return film.transcript_dir / "asr.json"


def revisions_dir(film: Film) -> Path:
    return film.transcript_dir / "revisions"


def revision_path(film: Film, n: int) -> Path:
    return revisions_dir(film) / f"{n:04d}.json"


def revision_numbers(film: Film) -> list[int]:
    d = revisions_dir(film)
    if not d.is_dir():
        return []
    return sorted(int(p.stem) for p in d.glob("[0-9][0-9][0-9][0-9].json"))


def read(path: Path) -> Transcript:
    return read_json(path, Transcript, "transcript JSON")


def current_path(film: Film) -> Path | None:
    revs = revision_numbers(film)
    if revs:
        return revision_path(film, revs[-1])
    p = asr_path(film)
    return p if p.exists() else None


def current(film: Film) -> Transcript | None:
    p = current_path(film)
    return read(p) if p else None


def has_human_work(film: Film) -> bool:
    return bool(revision_numbers(film))


def dump(t: Transcript) -> str:
    return t.model_dump_json(indent=1) + "\n"


def write_machine(film: Film, t: Transcript) -> Path:
    """Write the machine original. Refuses when human revisions exist."""
    if has_human_work(film):
        raise ReviewedTranscriptError(
            revisions_dir(film),
            "has human revisions; a machine transcript may not replace them "
            "(the newest revision stays current)")
    return write_text(asr_path(film), dump(t.model_copy(update={"revision": 0, "parent": None})))


def write_revision(film: Film, t: Transcript, *, base: int) -> Path:
    """Add revision `latest+1`, refusing with StaleRevision if `base` is not the latest.

    The file is written completely under a temporary name and then hard-linked to its
    final name; link(2) fails if the name exists, so two concurrent saves can never both
    take the same number and no revision is ever overwritten.
    """
    revs = revision_numbers(film)
    latest = revs[-1] if revs else 0
    if base != latest:
        raise StaleRevision(film.id, base, latest)
    n = latest + 1
    path = revision_path(film, n)
    data = dump(t.model_copy(update={"revision": n, "parent": base}))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.link(tmp, path)
    except FileExistsError:
        raise StaleRevision(film.id, base, n) from None
    finally:
        os.unlink(tmp)
    return path


def latest_revision(film: Film) -> int:
    """Number of the current transcript: the newest revision, 0 for the machine original."""
    revs = revision_numbers(film)
    return revs[-1] if revs else 0


def revision_file(film: Film, n: int) -> Path:
    """Path of revision `n` (0: asr.json); it may not exist."""
    return asr_path(film) if n == 0 else revision_path(film, n)


def read_revision(film: Film, n: int) -> Transcript | None:
    """Revision `n` (0: the machine original), None if there is no such revision."""
    if n < 0:
        return None
    p = revision_file(film, n)
    return read(p) if p.is_file() else None
