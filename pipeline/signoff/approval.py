"""Sign-off of a film's captions and audio description by an accessibility reviewer.

`subtitles/<film>/approval.json` records who approved, when, against which QC result, and
the sha256 of each caption file (VTT, SRT, TTML) and, when the film has an audio
description, of its files too (descriptions.yaml, descriptions.vtt, the AD mix and the
narration stem; `pipeline.descriptions.files.ad_checksums`). The approval is valid only while
every one of those files still has that checksum: any change to the captions or the audio
description voids it (a regenerated but identical file keeps it), and so does an audio
description that appears after the sign-off.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError

from ..captions.store import caption_paths
from ..descriptions.files import AD_FILE_NAMES, ad_checksums
from ..fsutil import sha256_file, write_json
from ..models import Strict, utcnow
from ..workspace import Film


class Approval(Strict):
    reviewer: str = Field(min_length=1)
    approved_at: str = Field(default_factory=utcnow)
    profile: str
    files: dict[str, str]  # file name -> sha256
    transcript_revision: int | None = None
    transcript_status: str | None = None
    qc: dict = Field(default_factory=dict)  # summary of the QC run it was based on


def path(film: Film) -> Path:
    return film.subtitles_dir / "approval.json"


def current_checksums(film: Film) -> dict[str, str]:
    out = {p.name: sha256_file(p) for p in caption_paths(film).values() if p.exists()}
    return {**out, **ad_checksums(film)}


def load(film: Film) -> Approval | None:
    p = path(film)
    try:
        return Approval.model_validate_json(p.read_text(encoding="utf-8"))
    except (OSError, ValidationError, ValueError):
        return None


def check(film: Film) -> tuple[Approval | None, str | None]:
    """(approval, None) when valid; (approval or None, reason) when missing or void."""
    a = load(film)
    if a is None:
        return None, "not approved"
    now = current_checksums(film)
    changed = sorted(n for n, d in a.files.items() if now.get(n) != d)
    changed += sorted(n for n in now if n in AD_FILE_NAMES and n not in a.files)
    if changed:
        return a, f"void: {', '.join(changed)} changed since the sign-off"
    return a, None


def valid(film: Film) -> Approval | None:
    a, why = check(film)
    return a if why is None else None


def record(film: Film, reviewer: str, profile: str, qc_summary: dict,
           transcript_revision: int | None, transcript_status: str | None) -> Approval:
    files = current_checksums(film)
    a = Approval(reviewer=reviewer.strip(), profile=profile, files=files, qc=qc_summary,
                 transcript_revision=transcript_revision, transcript_status=transcript_status)
    write_json(path(film), a.model_dump(mode="json"))
    return a
