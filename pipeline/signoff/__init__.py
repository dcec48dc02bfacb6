"""Sign-off: what an accessibility reviewer checks and signs across captions and audio
description (and, later, other accessible tracks): the approval (`approval`), the combined
QC report (`qc`, written by `workflow.qc`), the captions' standing for the player and the
export (`provenance`) and the film's accessibility lines in `casefilm status` (`status`).

This layer sits above the feature packages (captions, descriptions, …) and below the stages
and the CLI: it may read every feature's typed outputs; no feature imports it. A feature
that adds something a reviewer must see hooks in with one line:

- `status.CONTRIBUTORS`: a function `(film, stale) -> list[str]` of `casefilm status` lines;
- `qc.SECTIONS`: a function `(film, lang) -> QCSection | None`, one part of the combined QC
  report (findings and checklist items; its hard findings block the sign-off).
"""

from __future__ import annotations

from .provenance import provenance

__all__ = ["provenance"]
