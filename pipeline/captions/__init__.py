"""Captions: profiles, segmentation, timing, SDH, writers, QC and sign-off.

Public entry points for other packages:

- `load_cues(film) -> CaptionSet | None` — the typed cues.json (cues with speakers, colours,
  word spans; provenance of the transcript they came from).
- `provenance(film) -> LiveProvenance` — who stands behind the caption files now (for the
  player page, the export manifest, the QC report and status).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from .. import i18n
from ..models import Strict
from .store import CaptionSet
from .store import load as load_cues

if TYPE_CHECKING:
    from ..workspace import Film

CaptionStatus = Literal["auto", "reviewed", "approved"]


class LiveProvenance(Strict):
    """The captions' standing at this moment (a sign-off can be voided by a later edit, so
    this is computed, never stored as truth). Texts are in the film's language."""

    status: CaptionStatus
    by: str | None = None  # reviewer of a valid sign-off, else editor of a reviewed revision
    at: str | None = None  # ISO time of the valid sign-off
    transcript_revision: int | None = None  # 0: machine original, n: review revision n
    profile: str | None = None  # caption profile the files were made with
    approval_void: str | None = None  # why an existing sign-off no longer holds
    approval_text: str  # one sentence about the sign-off (valid, void or none)
    label: str  # the status as a reader sees it


def provenance(film: Film, lang: str = "de", cues: CaptionSet | None = None) -> LiveProvenance:
    """Who stands behind the film's captions now.

    "approved": a sign-off whose checksums match the current caption files; else
    "reviewed" when the transcript they were made from is a reviewed revision; else "auto"
    (machine transcript, or one still in review). `by`/`at`: reviewer and time of the
    sign-off, or editor of the reviewed revision. `cues`: the film's CaptionSet when the
    caller has already loaded it (else cues.json is read).
    """
    from . import approval

    s = i18n.strings("qc", lang)
    cs = cues if cues is not None else load_cues(film)
    a, why = approval.check(film)
    status: CaptionStatus = "auto"
    by = at = void = None
    if cs is not None and cs.provenance.transcript_status == "reviewed":
        status, by = "reviewed", cs.provenance.editor
    if a is not None and why is None and cs is not None:
        status, by, at = "approved", a.reviewer, a.approved_at
        text = s["approval_valid"].format(reviewer=a.reviewer, at=a.approved_at)
    elif a is not None:
        void = why
        text = s["approval_void"].format(reviewer=a.reviewer)
    else:
        text = s["approval_none"].format(film=film.id)
    return LiveProvenance(
        status=status, by=by, at=at,
        transcript_revision=cs.provenance.transcript_revision if cs is not None else None,
        profile=cs.profile.name if cs is not None else None, approval_void=void,
        approval_text=text, label=s[f"prov_{status}"])


__all__ = ["CaptionSet", "CaptionStatus", "LiveProvenance", "load_cues", "provenance"]
