"""CLI commands of this package, registered by pipeline.cli.

    casefilm goals                         goals with the films/chapters covering each
    casefilm chapters FILM… [--all] [--force]   run the chapters stage (as before)
    casefilm chapters suggest FILM         propose chapters → chapters/<film>/suggestions.yaml
    casefilm chapters accept FILM          copy reviewed suggestions into film.yaml
    casefilm chapters pdf FILM…            print companion.html to companion.pdf (Chromium)
    casefilm coverage                      reports/coverage.html + reports/coverage.csv

The commands parse and call library functions; pipeline.cli imports this module while it
is itself being imported, so everything from pipeline.cli is imported inside functions.
"""

from __future__ import annotations

import click

from .. import timecode



class ChaptersGroup(click.Group):
    """`chapters` subcommands, falling back to running the chapters stage for FILM… so
    `casefilm chapters FILM… [--all] [--force]` keeps working."""

    def resolve_command(self, ctx: click.Context, args: list[str]):
        if args and args[0] in self.commands:
            return super().resolve_command(ctx, args)
        from ..cli import _stage_command  # noqa: PLC0415
        from ..runner import stage_by_name  # noqa: PLC0415

        cmd = _stage_command("chapters", stage_by_name("chapters").summary)
        return "chapters", cmd, args


@click.group("chapters", cls=ChaptersGroup,
             context_settings={"ignore_unknown_options": True},
             subcommand_metavar="FILM… [--all] [--force] | suggest FILM | accept FILM | pdf FILM…")
def chapters() -> None:
    """Chapters linked to learning goals.

    `casefilm chapters FILM… [--all] [--force]` runs the chapters stage (WebVTT chapters,
    chapters.json, schema.org JSON-LD, FFMETADATA, companion sheet, description block).
    The subcommands propose chapters from the transcript and accept them into film.yaml.
    """


@chapters.command("suggest")
@click.argument("film")
@click.option("--min-length", type=click.FloatRange(min=5), default=30, show_default=True,
              metavar="SECONDS", help="Shortest chapter to propose.")
@click.option("--max-chapters", type=click.IntRange(min=1), default=12, show_default=True)
@click.pass_context
def suggest_cmd(ctx: click.Context, film: str, min_length: float, max_chapters: int) -> None:
    """Propose chapters and goals for FILM from its transcript (never changes film.yaml).

    Writes chapters/FILM/suggestions.yaml for review; then `casefilm chapters accept FILM`.
    """
    from .suggest import Params  # noqa: PLC0415
    from .workflow import suggest_chapters  # noqa: PLC0415

    f = ctx.obj.ws.film(film)
    path, s = suggest_chapters(f, Params(min_length_ms=int(min_length * 1000),
                                         max_chapters=max_chapters))
    for ch in s.chapters:
        best = ch.candidates[0] if ch.candidates else None
        goal = (f"{best.id} ({best.score:.2f}: {', '.join(best.matched[:4])})" if best
                else "no goal matched")
        click.echo(f"  {ch.start:>8}  {ch.title}  →  {goal}")
    click.echo(f"{len(s.chapters)} chapters suggested in {path}\n"
               f"review them, then: casefilm chapters accept {film}")


@chapters.command("accept")
@click.argument("film")
@click.option("--replace", is_flag=True,
              help="Overwrite chapters film.yaml already has (a backup is kept).")
@click.pass_context
def accept_cmd(ctx: click.Context, film: str, replace: bool) -> None:
    """Copy the reviewed chapters/FILM/suggestions.yaml into film.yaml (with a backup)."""
    from .workflow import accept_suggestions  # noqa: PLC0415

    report = accept_suggestions(ctx.obj.ws.film(film), replace=replace)
    for w in report.warnings:
        click.echo(f"warning: {w}", err=True)
    if not report.changes:
        click.echo(f"{report.manifest}: chapters already as suggested; nothing changed")
        return
    click.echo(f"updated {report.manifest} (previous version: {report.backup.name})")
    for line in report.changes:
        click.echo(f"  {line}")
    click.echo(f"next: casefilm chapters {film}")


@chapters.command("pdf")
@click.argument("films", nargs=-1, required=True)
@click.pass_context
def pdf_cmd(ctx: click.Context, films: tuple[str, ...]) -> None:
    """Print each film's companion sheet to chapters/FILM/companion.pdf (headless Chromium)."""
    from ..errors import StageOrderError  # noqa: PLC0415
    from .companion import print_pdf  # noqa: PLC0415

    for fid in films:
        f = ctx.obj.ws.film(fid)
        html = f.chapters_dir / "companion.html"
        if not html.exists():
            raise StageOrderError(fid, "chapters pdf", "the chapters stage (companion.html)")
        click.echo(f"wrote {print_pdf(html, html.with_suffix('.pdf'))}")


@click.command("goals")
@click.pass_context
def goals_cmd(ctx: click.Context) -> None:
    """List the learning goals (catalogue and films) with the films and chapters covering each."""
    from .coverage import survey  # noqa: PLC0415

    s = survey(ctx.obj.ws)
    if not s.rows:
        click.echo("no learning goals (define them in projects/learning-goals.yaml or a "
                   "film.yaml's learning_goals)")
    for r in s.rows:
        g = r.goal
        extra = " · ".join(x for x in (g.level, g.dimension, ", ".join(g.audiences)) if x)
        origin = "catalogue" if r.defined_in == "catalogue" else f"film {r.defined_in}"
        click.echo(f"{g.id}  {g.text}" + (f"  [{extra}]" if extra else "") + f"  ({origin})")
        if not r.covered:
            click.echo("    covered by no chapter")
        for fid, refs in r.cells.items():
            for ch in refs:
                click.echo(f"    {fid}: {ch.index}. {ch.title} ({timecode.short(ch.start)})")
    for p in s.problems:
        click.echo(f"warning: {p}", err=True)


@click.command("coverage")
@click.pass_context
def coverage_cmd(ctx: click.Context) -> None:
    """Write reports/coverage.html (matrix + heat map) and reports/coverage.csv: films ×
    learning goals, and name the goals no film covers."""
    from .coverage import write_reports  # noqa: PLC0415

    s, paths = write_reports(ctx.obj.ws)
    n_cov = len(s.rows) - len(s.uncovered)
    click.echo(f"{len(s.films)} films, {len(s.rows)} goals, {n_cov} covered")
    if s.uncovered:
        click.echo("goals no film covers:")
        for r in s.uncovered:
            click.echo(f"  {r.goal.id}  {r.goal.text}")
    for p in s.problems:
        click.echo(f"warning: {p}", err=True)
    for p in paths:
        click.echo(f"wrote {p}")


COMMANDS: list = [chapters, goals_cmd, coverage_cmd]
