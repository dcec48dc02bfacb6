"""Captions: profiles, segmentation, timing, SDH, writers, QC and sign-off.

Public entry points for other packages:

- `load_cues(film) -> CaptionSet | None` — the typed cues.json (cues with speakers, colours,
  word spans; provenance of the transcript they came from).
- `provenance(film) -> dict` — live caption provenance for the player page and status:
  {"status": "auto" | "reviewed" | "approved", "by", "at", "label", "approval_text",
   "transcript_revision", "profile", "approval_void"}.

`pipeline.manifest` imports `captions.profiles`, and importing it runs this file first: so
this file and what it imports at module level (`store`, `profiles`) must not import the
workspace or the manifest (tests/test_imports.py checks it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import i18n
from .store import CaptionSet
from .store import load as load_cues

if TYPE_CHECKING:  # pipeline.manifest imports .profiles, which runs this file: no workspace
    from ..workspace import Film


def provenance(film: Film, lang: str = "de") -> dict:
    """Who stands behind the film's captions now.

    "approved": a sign-off whose checksums match the current caption files; else
    "reviewed" when the transcript they were made from is a reviewed revision; else "auto"
    (machine transcript, or one still in review). `by`/`at`: reviewer and time of the
    sign-off, or editor and time of the reviewed revision.
    """
    from . import approval

    s = i18n.strings("qc", lang)
    cs = load_cues(film)
    a, why = approval.check(film)
    out: dict = {"status": "auto", "by": None, "at": None, "transcript_revision": None,
                 "profile": cs.profile.name if cs else None, "approval_void": None}
    if cs is not None:
        p = cs.provenance
        out["transcript_revision"] = p.transcript_revision
        if p.transcript_status == "reviewed":
            out.update(status="reviewed", by=p.editor)
    if a is not None and why is None and cs is not None:
        out.update(status="approved", by=a.reviewer, at=a.approved_at)
        out["approval_text"] = s["approval_valid"].format(reviewer=a.reviewer, at=a.approved_at)
    elif a is not None:
        out["approval_void"] = why
        out["approval_text"] = s["approval_void"].format(reviewer=a.reviewer)
    else:
        out["approval_text"] = s["approval_none"].format(film=film.id)
    out["label"] = s[f"prov_{out['status']}"]
    return out


__all__ = ["CaptionSet", "load_cues", "provenance"]
