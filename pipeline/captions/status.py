"""Caption sign-off lines for `casefilm status` (owner: captions package)."""


def approval_lines(film) -> list[str]:
    return []
