"""Review state lines for `casefilm status` (owner: review package)."""

from __future__ import annotations

from .. import transcripts
from ..errors import CasefilmError

_STATE = {"auto": "auto", "in_review": "in review", "reviewed": "reviewed"}


def review_lines(film) -> list[str]:
    """One line: the current transcript's review status, editor, revision and time, e.g.
    "review     reviewed by Anna (rev 3, 2026-11-20 23:41 UTC)"."""
    try:
        t = transcripts.current(film)
    except CasefilmError as e:
        return [f"{'review':<11}invalid: {e.line()}"]
    if t is None:
        return [f"{'review':<11}pending (no transcript yet)"]
    p = t.provenance
    when = p.created_at.replace("T", " ").replace("+00:00", " UTC")
    if t.revision == 0:
        return [f"{'review':<11}{_STATE[p.status]}: machine transcript ({p.backend}), not reviewed yet"]
    who = f" by {p.editor}" if p.editor else ""
    return [f"{'review':<11}{_STATE[p.status]}{who} (rev {t.revision}, {when})"]


def model_lines(film) -> list[str]:
    """The Whisper model that made the current transcript, e.g. "model      small", and
    for a draft-quality model (tiny, base: the bundled default) which one to use for
    delivery. Nothing before a transcript exists or for an imported one."""
    from ..asr.spec import draft_note

    try:
        t = transcripts.current(film)
    except CasefilmError:
        return []  # review_lines reports it
    if t is None or not t.provenance.model:
        return []
    note = draft_note(t.provenance.model)
    return [f"{'model':<11}{t.provenance.model}" + (f" ({note})" if note else "")]
