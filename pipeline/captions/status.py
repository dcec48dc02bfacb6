"""Caption sign-off lines for `casefilm status` (owner: captions package)."""

from __future__ import annotations


def approval_lines(film) -> list[str]:
    """One line: captions approved (by whom, when), sign-off void (why), or not approved."""
    from ..errors import CasefilmError
    from . import approval, store

    try:
        if store.load(film) is None:
            return []
    except CasefilmError as e:
        return [f"captions   unreadable: {e.line()}"]
    a, why = approval.check(film)
    if a is None:
        return [f"captions   not approved (casefilm qc {film.id} --approve --reviewer NAME)"]
    if why:
        return [f"captions   sign-off by {a.reviewer} is {why}"]
    return [f"captions   approved by {a.reviewer} at {a.approved_at} (profile {a.profile})"]
