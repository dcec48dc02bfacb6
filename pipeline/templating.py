"""The one Jinja2 environment for every page casefilm renders (player, QC report, review
page, companion sheet, coverage report), from `pipeline/templates/`.

All templates are HTML, so everything is autoescaped; a name a template uses that the
caller did not pass is an error (StrictUndefined), never an empty string on a page a
reviewer signs off; block tags leave no blank lines (trim_blocks, lstrip_blocks).
"""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"


@functools.lru_cache(maxsize=None)
def env() -> jinja2.Environment:
    """The shared environment (built once per process)."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True,
                              lstrip_blocks=True)


def render(name: str, **context) -> str:
    """Render the template `name` (a file in `pipeline/templates/`) with `context`."""
    return env().get_template(name).render(**context)
