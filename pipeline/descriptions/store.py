"""`projects/<film>/descriptions.yaml`: the authored descriptions, read and validated.

The file is a YAML list, one mapping per description, in time order:

    - {at: "00:04", text: "Ein Büro. Anna sitzt am Bildschirm.", extended: false}
    - {at: "00:12.5", text: "Auf dem Bildschirm: ein Dienstplan.", extended: true}

`at` as in chapters (`SS`, `MM:SS`, `HH:MM:SS`, fractions with `.`), `text` non-empty,
`extended` optional (default false; the player pauses the film while it is spoken),
`narration` optional (a recorded narration, relative to the film folder; else
`descriptions/<n>.*` by number in time order).

Every problem is one `ManifestError` naming the file, the entry (1-based, as in the file)
and the field: not UTF-8, malformed YAML, not a list, an entry that is not a mapping, an
unknown key, a bad timecode, empty text, entries out of time order or two at the same
time, and (when the programme's duration is known) a description at or after its end.

Saves from the review page (`save_revision`) never lose anything: the state they replace
is kept as `descriptions/revisions/NNNN.yaml` first, and a save based on an older file
than the current one is refused (StaleRevision).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError, field_validator

from .. import timecode
from ..errors import ManifestError, StaleRevision, validation_problem
from ..fsutil import TMP_PREFIX, sha256_bytes, write_text
from ..manifest import read_yaml
from ..models import Strict, utcnow
from ..workspace import Film
from .model import Description, descriptions_path, revisions_dir

KEYS = ("at", "text", "extended", "narration")


class _Entry(Strict):
    at: int
    text: str
    extended: bool = False
    narration: str | None = None

    @field_validator("at", mode="before")
    @classmethod
    def _tc(cls, v: Any) -> int:
        if v is None:
            raise ValueError("missing timecode")
        return timecode.parse(v)

    @field_validator("text", mode="before")
    @classmethod
    def _text(cls, v: Any) -> str:
        if not isinstance(v, str):
            raise ValueError("expected text")
        v = " ".join(v.split())
        if not v:
            raise ValueError("empty text")
        return v


@dataclass(frozen=True)
class DescriptionFile:
    """The validated descriptions of a film and the digest of the file they came from."""

    path: Path
    descriptions: list[Description]
    digest: str  # sha256 of the file's bytes ("absent" when there is no file)

    @property
    def exists(self) -> bool:
        return self.digest != "absent"


def _field(i: int, name: str) -> str:
    return f"entry {i + 1}: {name}" if name else f"entry {i + 1}"


def parse(path: Path, data: Any, duration_ms: int | None = None) -> list[Description]:
    """Validate the YAML data of `path` (see module doc); `duration_ms`: the programme's."""
    if data is None:
        return []
    if not isinstance(data, list):
        raise ManifestError(path, "", "expected a list of descriptions "
                            f"(- {{at: MM:SS, text: …}}), got {type(data).__name__}")
    out: list[Description] = []
    for i, raw in enumerate(data):
        if not isinstance(raw, dict):
            raise ManifestError(path, _field(i, ""), "expected a mapping with at and text, "
                                f"got {type(raw).__name__}")
        try:
            e = _Entry.model_validate(raw)
        except ValidationError as err:
            field, reason, value = validation_problem(err)
            raise ManifestError(path, _field(i, field), reason, value) from None
        if out and e.at == out[-1].at_ms:
            raise ManifestError(path, _field(i, "at"), f"at the same time as entry {i} "
                                "(two descriptions cannot start together)", raw.get("at"))
        if out and e.at < out[-1].at_ms:
            raise ManifestError(path, _field(i, "at"), f"before entry {i} "
                                f"({timecode.manifest(out[-1].at_ms)}); descriptions must be "
                                "in time order", raw.get("at"))
        if duration_ms is not None and e.at >= duration_ms:
            raise ManifestError(path, _field(i, "at"), "outside the programme (it ends at "
                                f"{timecode.manifest(duration_ms)})", raw.get("at"))
        out.append(Description(at_ms=e.at, text=e.text, extended=e.extended,
                               narration=e.narration))
    return out


def load(film: Film, duration_ms: int | None = None) -> DescriptionFile:
    """The film's descriptions (an empty list when there is no descriptions.yaml)."""
    path = descriptions_path(film)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return DescriptionFile(path, [], "absent")
    except OSError as e:
        raise ManifestError(path, "", f"unreadable: {e.strerror}") from None
    data = read_yaml(path)  # UTF-8 and YAML syntax: one line naming the file
    return DescriptionFile(path, parse(path, data, duration_ms), sha256_bytes(raw))


def dump(descriptions: list[Description]) -> str:
    """descriptions.yaml text for `descriptions` (what a review-page save writes)."""
    rows = []
    for d in descriptions:
        row: dict[str, Any] = {"at": timecode.manifest(d.at_ms), "text": d.text}
        if d.extended:
            row["extended"] = True
        if d.narration:
            row["narration"] = d.narration
        rows.append(row)
    head = ("# Audio description of this film (casefilm): at (MM:SS), text, extended: true\n"
            "# pauses the film while it is spoken. Saved from the review page; earlier\n"
            "# states are kept in descriptions/revisions/.\n")
    return head + yaml.safe_dump(rows, allow_unicode=True, sort_keys=False, width=100)


def revision_numbers(film: Film) -> list[int]:
    d = revisions_dir(film)
    if not d.is_dir():
        return []
    return sorted(int(p.stem) for p in d.glob("[0-9][0-9][0-9][0-9].yaml"))


def save_revision(film: Film, descriptions: list[Description], *, base_digest: str,
                  editor: str | None = None) -> Path:
    """Replace descriptions.yaml with `descriptions` (already validated), keeping the
    state it replaces as descriptions/revisions/NNNN.yaml (linked under a fresh number,
    never over an existing file). Refused (StaleRevision) when the file changed since the
    editor loaded it (`base_digest`: its digest then, "absent" for no file)."""
    path = descriptions_path(film)
    current = load(film)
    revs = revision_numbers(film)
    latest = revs[-1] if revs else 0
    if current.digest != base_digest:
        raise StaleRevision(film.id, latest, latest + 1)
    if current.exists:
        n = latest + 1
        keep = revisions_dir(film) / f"{n:04d}.yaml"
        keep.parent.mkdir(parents=True, exist_ok=True)
        note = f"# revision {n}: descriptions.yaml as it was before a save by " \
               f"{editor or 'an editor'} at {utcnow()}\n"
        fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=".yaml", dir=keep.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(note.encode("utf-8") + path.read_bytes())
            os.chmod(tmp, 0o644)
            os.link(tmp, keep)  # fails if the number is taken: no revision is overwritten
        except FileExistsError:
            raise StaleRevision(film.id, latest, n) from None
        finally:
            os.unlink(tmp)
    return write_text(path, dump(descriptions))
