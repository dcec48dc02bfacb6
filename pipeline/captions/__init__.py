"""Captions: profiles, segmentation, timing, SDH, writers and caption QC rules.

Public entry points for other packages:

- `load_cues(film) -> CaptionSet | None` — the typed cues.json (cues with speakers, colours,
  word spans; provenance of the transcript they came from).
- `LiveProvenance` — who stands behind the caption files now (for the player page, the
  export manifest, the QC report and status); computed by `pipeline.signoff.provenance`,
  which knows the sign-off.
"""

from __future__ import annotations

from typing import Literal

from ..models import Strict
from .store import CaptionSet
from .store import load as load_cues

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


__all__ = ["CaptionSet", "CaptionStatus", "LiveProvenance", "load_cues"]
