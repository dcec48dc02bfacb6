"""The captions' standing now: auto, reviewed or approved (a sign-off can be voided by a
later edit, so this is computed, never stored as truth)."""

from __future__ import annotations

from .. import i18n
from ..captions import CaptionSet, CaptionStatus, LiveProvenance, load_cues
from ..workspace import Film
from . import approval


def provenance(film: Film, lang: str = "de", cues: CaptionSet | None = None) -> LiveProvenance:
    """Who stands behind the film's captions now.

    "approved": a sign-off whose checksums match the current caption (and AD) files; else
    "reviewed" when the transcript they were made from is a reviewed revision; else "auto"
    (machine transcript, or one still in review). `by`/`at`: reviewer and time of the
    sign-off, or editor of the reviewed revision. `cues`: the film's CaptionSet when the
    caller has already loaded it (else cues.json is read).
    """
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
