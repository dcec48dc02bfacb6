"""Chapter and learning-goal commands:

    casefilm chapters FILM… [--all] [--force]   run the chapters stage (a StageGroup)
    casefilm chapters suggest FILM              propose chapters → chapters/<film>/suggestions.yaml
    casefilm chapters accept FILM               copy reviewed suggestions into film.yaml
    casefilm chapters pdf FILM…                 print companion.html to companion.pdf (Chromium)
    casefilm goals                              goals with the films/chapters covering each
    casefilm coverage                           reports/coverage.html + reports/coverage.csv
"""

from __future__ import annotations

import click

from .. import timecode
from ..didactics.companion import print_pdf
from ..didactics.coverage import survey, write_reports
from ..didactics.suggest import Params
from ..didactics.workflow import accept_suggestions, suggest_chapters
from ..errors import StageOrderError
from .common import CliContext, StageGroup, pass_cli


@click.group("chapters", cls=StageGroup,
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
@pass_cli
def suggest(obj: CliContext, film: str, min_length: float, max_chapters: int) -> None:
    """Propose chapters and goals for FILM from its transcript (never changes film.yaml).

    Writes chapters/FILM/suggestions.yaml for review; then `casefilm chapters accept FILM`.
    """
    path, s = suggest_chapters(obj.film(film), Params(min_length_ms=int(min_length * 1000),
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
@pass_cli
def accept(obj: CliContext, film: str, replace: bool) -> None:
    """Copy the reviewed chapters/FILM/suggestions.yaml into film.yaml (with a backup)."""
    report = accept_suggestions(obj.film(film), replace=replace)
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
@pass_cli
def pdf(obj: CliContext, films: tuple[str, ...]) -> None:
    """Print each film's companion sheet to chapters/FILM/companion.pdf (headless Chromium)."""
    for fid in films:
        f = obj.film(fid)
        html = f.chapters_dir / "companion.html"
        if not html.exists():
            raise StageOrderError(fid, "chapters pdf", "the chapters stage (companion.html)")
        click.echo(f"wrote {print_pdf(html, html.with_suffix('.pdf'))}")


@click.command("goals")
@pass_cli
def goals(obj: CliContext) -> None:
    """List the learning goals (catalogue and films) with the films and chapters covering each."""
    s = survey(obj.ws)
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
@pass_cli
def coverage(obj: CliContext) -> None:
    """Write reports/coverage.html (matrix + heat map) and reports/coverage.csv: films ×
    learning goals, and name the goals no film covers."""
    s, paths = write_reports(obj.ws)
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


COMMANDS: list[click.Command] = [goals, coverage]  # `chapters`: a stage group (pipeline.cli)
