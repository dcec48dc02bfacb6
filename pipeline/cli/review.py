"""Review commands:

    casefilm review FILM [--port N] [--no-browser]
    casefilm transcript export FILM --format txt|docx|srt [-o FILE] [--revision N]
    casefilm transcript import FILM FILE [--editor NAME] [--base N]
"""

from __future__ import annotations

import webbrowser
from pathlib import Path

import click

from ..review import offline, server, service
from .common import CliContext, editor_option, pass_cli


@click.command("review")
@click.argument("film")
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="Port on 127.0.0.1 (default: 8765, else any free port; 0: any free port).")
@click.option("--no-browser", is_flag=True, help="Do not open a browser; just print the address.")
@pass_cli
def review(obj: CliContext, film: str, port: int | None, no_browser: bool) -> None:
    """Open the review page for FILM: correct the transcript against the picture.

    Serves on 127.0.0.1 only, until Ctrl+C. Every save is a new revision."""
    f = obj.film(film)
    f.manifest  # a broken film.yaml fails here, with its one-line error
    service.current(f)  # no transcript yet: say so before starting a server
    srv = server.ReviewServer(f, port)
    click.echo(f"review page for {f.id}: {srv.url}  (Ctrl+C to stop)", err=True)
    if not no_browser:
        webbrowser.open(srv.url)
    srv.run()


@click.group("transcript")
def transcript() -> None:
    """Export a transcript for a word processor, or import an edited one."""


@transcript.command("export")
@click.argument("film")
@click.option("--format", "fmt", type=click.Choice(["txt", "docx", "srt"]),
              help="Format (default: from the -o suffix, else txt).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Output file (default: <film>.rev<N>.<format> in the current directory).")
@click.option("--revision", type=click.IntRange(0), help="Export this revision (default: the current one).")
@pass_cli
def export_transcript(obj: CliContext, film: str, fmt: str, output: Path | None,
                      revision: int | None) -> None:
    """Write FILM's current transcript as TXT, DOCX or SRT for offline editing."""
    f = obj.film(film)
    if fmt is None:
        suffix = output.suffix.lower().lstrip(".") if output else ""
        fmt = suffix if suffix in offline.FORMATS else "txt"
    t = service.current(f) if revision is None else service.revision(f, revision)
    out = output or Path(f"{f.id}.rev{t.revision:04d}.{fmt}")
    offline.export(f, fmt, out, t.revision)
    click.echo(f"wrote {out} (revision {t.revision}, {len(t.segments)} segments)", err=True)


@transcript.command("import")
@click.argument("film")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@editor_option("Who edited the file")
@click.option("--base", type=click.IntRange(0),
              help="Revision the file was made from (TXT/DOCX name it themselves; default for SRT/VTT: the current one).")
@pass_cli
def import_transcript(obj: CliContext, film: str, file: Path, editor: str | None,
                      base: int | None) -> None:
    """Realign an edited TXT/DOCX/SRT/VTT onto FILM's timings and save it as a new revision."""
    f = obj.film(film)
    saved = offline.import_file(f, file, editor=editor, base=base)
    t = saved.transcript
    if saved.changed:
        click.echo(f"{f.id}: saved revision {t.revision} by {t.provenance.editor} "
                   f"({len(t.segments)} segments, status {t.provenance.status})", err=True)
    else:
        click.echo(f"{f.id}: no changes; revision {t.revision} stays current", err=True)


COMMANDS: list[click.Command] = [review, transcript]
