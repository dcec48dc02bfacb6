"""Transcript storage: the machine original and the human revisions of a transcript.

    projects/<film>/transcript/asr.json               revision 0: ASR or import (machine)
    projects/<film>/transcript/revisions/0001.json    revision 1, 2, …: human saves

The current transcript is the newest revision, else asr.json. Revisions are only ever
added, never rewritten; a machine run never touches `revisions/`.

Every function takes a *store*: anything with an `id` and a `transcript_dir`. A `Film` is
the store of the programme transcript; `source_store(film, source_id)` is the store of one
source's transcript (`projects/<film>/transcript/sources/<source-id>/`, same layout, same
rules), used by the paper edit and conform (`pipeline.edit`).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .errors import ReviewedTranscriptError, StaleRevision
from .fsutil import TMP_PREFIX, read_json, write_text
from .models import Transcript
from .workspace import Film


class TranscriptStore(Protocol):
    """What the functions here need of a store (a `Film` is one)."""

    @property
    def id(self) -> str: ...

    @property
    def transcript_dir(self) -> Path: ...


@dataclass(frozen=True)
class SourceStore:
    """The transcript store of one source of a film: `id` is "<film>/<source-id>" (named in
    StaleRevision messages)."""

    film: Film
    source_id: str

    @property
    def id(self) -> str:
        return f"{self.film.id}/{self.source_id}"

    @property
    def transcript_dir(self) -> Path:
        return self.film.transcript_dir / "sources" / self.source_id


def source_store(film: Film, source_id: str) -> SourceStore:
    return SourceStore(film, source_id)


def asr_path(film: TranscriptStore) -> Path:
    return film.transcript_dir / "asr.json"


def revisions_dir(film: TranscriptStore) -> Path:
    return film.transcript_dir / "revisions"


def revision_path(film: TranscriptStore, n: int) -> Path:
    return revisions_dir(film) / f"{n:04d}.json"


def revision_numbers(film: TranscriptStore) -> list[int]:
    d = revisions_dir(film)
    if not d.is_dir():
        return []
    return sorted(int(p.stem) for p in d.glob("[0-9][0-9][0-9][0-9].json"))


def read(path: Path) -> Transcript:
    return read_json(path, Transcript, "transcript JSON")


def current_path(film: TranscriptStore) -> Path | None:
    revs = revision_numbers(film)
    if revs:
        return revision_path(film, revs[-1])
    p = asr_path(film)
    return p if p.exists() else None


def current(film: TranscriptStore) -> Transcript | None:
    p = current_path(film)
    return read(p) if p else None


def has_human_work(film: TranscriptStore) -> bool:
    """Whether revisions exist: work a machine run never replaces. Not every revision is
    a person's: a conform is made from the source transcripts (see `describe`)."""
    return bool(revision_numbers(film))


STATUS_WORDS = {"auto": "not reviewed", "in_review": "in review", "reviewed": "reviewed"}


def describe(t: Transcript) -> str:
    """Which transcript `t` is, in words that follow its provenance, for notes and status
    lines: "the conformed transcript (revision 1, not reviewed)", "the reviewed transcript
    (revision 3 by Anna)", "the machine transcript (openai-whisper)"."""
    p = t.provenance
    by = f" by {p.editor}" if p.editor else ""
    if t.revision == 0:
        return f"the machine transcript ({p.backend})"
    if p.backend == "conform":
        return f"the conformed transcript (revision {t.revision}{by}, {STATUS_WORDS[p.status]})"
    if p.status == "auto":
        return f"the transcript of revision {t.revision}{by} ({p.backend}, not reviewed)"
    return f"the {STATUS_WORDS[p.status]} transcript (revision {t.revision}{by})"


def dump(t: Transcript) -> str:
    return t.model_dump_json(indent=1) + "\n"


def write_machine(film: TranscriptStore, t: Transcript) -> Path:
    """Write the machine original. Refuses when human revisions exist."""
    if has_human_work(film):
        raise ReviewedTranscriptError(
            revisions_dir(film),
            "has human revisions; a machine transcript may not replace them "
            "(the newest revision stays current)")
    return write_text(asr_path(film), dump(t.model_copy(update={"revision": 0, "parent": None})))


def write_revision(film: TranscriptStore, t: Transcript, *, base: int) -> Path:
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


def latest_revision(film: TranscriptStore) -> int:
    """Number of the current transcript: the newest revision, 0 for the machine original."""
    revs = revision_numbers(film)
    return revs[-1] if revs else 0


def revision_file(film: TranscriptStore, n: int) -> Path:
    """Path of revision `n` (0: asr.json); it may not exist."""
    return asr_path(film) if n == 0 else revision_path(film, n)


def read_revision(film: TranscriptStore, n: int) -> Transcript | None:
    """Revision `n` (0: the machine original), None if there is no such revision."""
    if n < 0:
        return None
    p = revision_file(film, n)
    return read(p) if p.is_file() else None
