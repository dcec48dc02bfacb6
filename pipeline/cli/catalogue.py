"""The catalogue across films:

    casefilm catalogue [--force]     exports/catalogue/: cards, search, filters, comparison
"""

from __future__ import annotations

import click

from ..catalogue import build
from ..errors import BatchFailed
from .common import CliContext, pass_cli


@click.command("catalogue")
@click.option("--force", is_flag=True, help="Build the site even if nothing changed.")
@pass_cli
def catalogue(obj: CliContext, force: bool) -> None:
    """Write exports/catalogue/: every exported film with search across all transcripts,
    filters and the cases side by side (a static site; works from file://).

    Only rebuilt when a film's export, transcript, chapters or case changed. Films whose
    film.yaml is invalid are left out and named; the exit code is then non-zero.
    """
    ws = obj.ws
    out = build(ws, force=force)
    for p in out.problems:
        click.echo(f"warning: {p}", err=True)
    if out.not_exported:
        click.echo(f"not exported yet (not in the catalogue): {', '.join(out.not_exported)}")
    if out.up_to_date:
        click.echo(f"catalogue up to date ({len(out.films)} films): nothing to do "
                   f"({out.root / 'index.html'})")
    else:
        for why in out.reasons:
            click.echo(f"  {why}")
        click.echo(f"wrote {len(out.written)} files for {len(out.films)} films"
                   + (f", removed {len(out.removed)}" if out.removed else "")
                   + f": {out.root / 'index.html'}")
    if out.problems:
        failed = [p.split(":", 1)[0] for p in out.problems]
        raise BatchFailed(failed, len(failed) + len(out.films) + len(out.not_exported))


COMMANDS: list[click.Command] = [catalogue]
