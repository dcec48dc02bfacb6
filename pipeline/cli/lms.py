"""Learning-platform packages:

    casefilm lms FILM [--format scorm12|h5p]… [--force]
        exports/<film>/lms/<film>-scorm12.zip (SCORM 1.2) and/or <film>.h5p (H5P
        Interactive Video); rebuilt only when an input changed; listed in manifest.json
"""

from __future__ import annotations

import click

from .. import preflight
from ..lms.build import build
from .common import CliContext, pass_cli, report

FORMATS = ("scorm12", "h5p")


@click.command("lms")
@click.argument("film")
@click.option("--format", "formats", type=click.Choice(FORMATS), multiple=True,
              help="Package format (repeatable; default: scorm12).")
@click.option("--force", is_flag=True, help="Rebuild even when nothing changed.")
@pass_cli
def lms(obj: CliContext, film: str, formats: tuple[str, ...], force: bool) -> None:
    """Package FILM's export for Moodle and ILIAS: SCORM 1.2 (the player with the quiz of
    film.yaml `quiz:`, reporting status, score and resume data) or H5P Interactive Video
    (chapters as bookmarks, the quiz as single-choice interactions). Needs the export."""
    f = obj.film(film)
    preflight.check(f, stages=[])
    for fmt in formats or ("scorm12",):
        r = build(f, fmt, force=force, report=report)
        mb = r.size / 1e6
        if r.built:
            click.echo(f"[{film}] {fmt}: {r.path} ({r.files} files, {mb:.1f} MB)")
        else:
            click.echo(f"[{film}] {fmt}: up to date ({r.path}, {mb:.1f} MB)")


COMMANDS: list[click.Command] = [lms]
