"""Pipeline commands: `run`, `status` and `demo` (the per-stage commands are made by
`common.stage_command` / `common.StageGroup` and listed in `pipeline.cli`)."""

from __future__ import annotations

import shlex

import click

from .. import asr, locks, preflight
from ..demo import build_demo, reports
from ..errors import CasefilmError
from ..review.status import review_lines
from ..runner import STAGE_NAMES, film_status, select_stages, why_stale
from ..signoff import status as signoff_status
from .common import (CliContext, cluster_options, cluster_spec, film_selection,
                     model_name_option, model_option, pass_cli, report, run_batch,
                     whisper_options)


@click.command()
@film_selection
@click.option("--until", type=click.Choice(STAGE_NAMES), help="Stop after this stage.")
@click.option("--force", "force", multiple=True, type=click.Choice(STAGE_NAMES),
              help="Redo this stage even if up to date (repeatable).")
@whisper_options
@cluster_options
@pass_cli
def run(obj: CliContext, films, all_, until, force, model, model_name, device, backend,
        scheduler, workers) -> None:
    """Run the pipeline for FILMS (or --all), doing only what is not up to date: here,
    on a local Dask cluster (--workers N) or on a Dask scheduler (--scheduler)."""
    spec = cluster_spec(scheduler, workers)
    run_batch(obj.films(films, all_), obj.options(model, model_name, device, backend),
              select_stages(until=until), set(force), cluster=spec)


@click.command()
@click.argument("films", nargs=-1)
@pass_cli
def status(obj: CliContext, films) -> None:
    """Per film and stage: done, stale (and why), failed (and why), pending."""
    ws = obj.ws
    ids = list(films) or ws.film_ids()
    if not ids:
        click.echo(f"no films in {ws.projects}")
        return
    options = obj.options()
    for fid in ids:
        film = obj.film(fid)
        click.echo(f"{fid}")
        if holder := locks.holder_now(ws.state, fid):
            click.echo(f"  {'lock':<11}{'held':<8}being built by {holder.describe()}")
        try:
            preflight.check(film)
        except CasefilmError as e:
            click.echo(f"  {'film.yaml':<11}{'invalid':<8}{e.line()}")
            try:
                film.manifest
            except CasefilmError:
                continue  # no stage can be planned without a manifest
        for st in film_status(film, options):
            click.echo(f"  {st.stage:<11}{st.state:<8}{st.why}")
        for line in review_lines(film) + signoff_status.lines(film, why_stale):
            click.echo(f"  {line}")


@click.command()
@click.argument("directory", default="casefilm-demo", type=click.Path(file_okay=False))
@model_option
@model_name_option
@pass_cli
def demo(obj: CliContext, directory, model, model_name) -> None:
    """Build a workspace with a synthetic German case film in DIRECTORY and run it all."""
    options = obj.options(model, model_name)
    spec = asr.resolve_model(model, model_name, None, None)
    # load the model first: without one the demo stops at once with one line
    options.cached(("whisper", spec, options.device), lambda: asr.load_model(spec))
    ws, film_id = build_demo(directory, report=report)
    run_batch([ws.film(film_id)], options, select_stages())
    rep = reports(ws, film_id)
    root = ws.root
    click.echo(f"\nDemo finished. Look at:\n"
               f"  player page   {root / 'exports' / film_id / 'index.html'}\n"
               f"  captions      {root / 'subtitles' / film_id}/\n"
               f"  caption QC    {rep.qc_html}  ({rep.qc_summary})\n"
               f"  chapters      {root / 'chapters' / film_id}/\n"
               f"  coverage      {rep.coverage_html}\n"
               f"  status        casefilm --workspace {shlex.quote(str(root))} status")


COMMANDS: list[click.Command] = [run, status, demo]
