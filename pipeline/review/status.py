"""Review state lines for `casefilm status` (owner: review package)."""


def review_lines(film) -> list[str]:
    return []
