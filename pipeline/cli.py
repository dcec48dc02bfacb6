"""The casefilm command line. It parses and validates, then calls the core.

This module is the one place where errors become messages and exit codes (`main`).
"""

from __future__ import annotations

import os
import shlex
import sys

import click

from . import __version__, preflight
from .errors import BatchFailed, CasefilmError, InputError, InternalError
from .runner import STAGE_NAMES, film_status, run_film, select_stages, stage_by_name
from .stages.base import RunOptions
from .workspace import Workspace


class Obj:
    def __init__(self, workspace: str | None):
        self._root = workspace
        self._ws: Workspace | None = None

    @property
    def ws(self) -> Workspace:
        if self._ws is None:
            self._ws = Workspace.resolve(self._root)
        return self._ws


pass_obj = click.make_pass_decorator(Obj)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--workspace", "-w", envvar="CASEFILM_WORKSPACE", metavar="DIR",
              type=click.Path(file_okay=False), help="Workspace root (default: current directory).")
@click.version_option(__version__, prog_name="casefilm")
@click.pass_context
def cli(ctx: click.Context, workspace: str | None) -> None:
    """casefilm: raw footage to accessible, web-ready case films.

    Stages, in order: ingest → transcribe → subtitles → chapters → export.
    """
    ctx.obj = Obj(workspace)


def _films(obj: Obj, films: tuple[str, ...], all_: bool) -> list:
    ws = obj.ws
    if all_ and films:
        raise click.UsageError("give film ids or --all, not both")
    if not films and not all_:
        raise click.UsageError("name one or more films, or use --all")
    ids = ws.film_ids() if all_ else list(dict.fromkeys(films))
    if all_ and not ids:
        raise InputError(f"no films in {ws.projects} (expected projects/<film>/film.yaml)")
    return [ws.film(i) for i in ids]  # UnknownFilm for an unknown id, before any work


def _report(msg: str) -> None:
    click.echo(msg, err=True)


def _options(model: str | None = None, model_name: str | None = None,
             device: str | None = None) -> RunOptions:
    return RunOptions(model=model, model_name=model_name, device=device, report=_report)


def _batch(films: list, options: RunOptions, stages: list, force: set[str]) -> None:
    outcomes = [run_film(f, options, stages, force) for f in films]
    failed = [o for o in outcomes if o.error]
    for o in outcomes:
        if o.error:
            click.echo(f"error: [{o.film}] {o.error.line()}", err=True)
    if len(outcomes) > 1 or failed:
        done = [o for o in outcomes if not o.error]
        idle = sum(1 for o in done if not o.worked)
        click.echo(f"{len(done)} of {len(outcomes)} films ok ({idle} already up to date), "
                   f"{len(failed)} failed", err=True)
    elif outcomes and not outcomes[0].worked:
        click.echo(f"[{outcomes[0].film}] nothing to do: everything is up to date", err=True)
    if failed:
        if len(outcomes) == 1:
            raise SystemExit(failed[0].error.exit_code)
        raise BatchFailed([o.film for o in failed], len(outcomes))


model_option = click.option("--model", metavar="NAME|PATH",
                            help="Whisper model name or checkpoint path "
                                 "(default: film.yaml, $CASEFILM_WHISPER_MODEL, else 'small').")
model_name_option = click.option("--model-name", metavar="NAME",
                                 help="Name of a checkpoint given as a path (e.g. small), "
                                      "so word alignment uses the right heads.")
device_option = click.option("--device", metavar="DEV", help="torch device (default: cuda if present, else cpu).")


@cli.command()
@click.argument("films", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="All films of the workspace.")
@click.option("--until", type=click.Choice(STAGE_NAMES), help="Stop after this stage.")
@click.option("--force", "force", multiple=True, type=click.Choice(STAGE_NAMES),
              help="Redo this stage even if up to date (repeatable).")
@model_option
@model_name_option
@device_option
@pass_obj
def run(obj: Obj, films, all_, until, force, model, model_name, device) -> None:
    """Run the pipeline for FILMS (or --all), doing only what is not up to date."""
    _batch(_films(obj, films, all_), _options(model, model_name, device),
           select_stages(until=until), set(force))


def _stage_command(name: str, doc: str) -> click.Command:
    @click.argument("films", nargs=-1)
    @click.option("--all", "all_", is_flag=True, help="All films of the workspace.")
    @click.option("--force", is_flag=True, help="Redo even if up to date.")
    @pass_obj
    def command(obj: Obj, films, all_, force, **kw) -> None:
        _batch(_films(obj, films, all_), _options(**kw), select_stages(only=name),
               {name} if force else set())

    if name == "transcribe":
        command = device_option(model_name_option(model_option(command)))
    command.__doc__ = doc
    return click.command(name)(command)


for _stage in STAGE_NAMES:
    cli.add_command(_stage_command(_stage, f"Run only the '{_stage}' stage. "
                                           f"{stage_by_name(_stage).summary}"))


@cli.command()
@click.argument("films", nargs=-1)
@pass_obj
def status(obj: Obj, films) -> None:
    """Per film and stage: done, stale (and why), failed (and why), pending."""
    ws = obj.ws
    ids = list(films) or ws.film_ids()
    if not ids:
        click.echo(f"no films in {ws.projects}")
        return
    options = _options()
    for fid in ids:
        film = ws.film(fid)
        click.echo(f"{fid}")
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
        for line in _status_extras(film):
            click.echo(f"  {line}")


def _status_extras(film) -> list[str]:
    """Lines other packages add to `status` (review state, caption sign-off)."""
    from .review.status import review_lines  # noqa: PLC0415
    from .captions.status import approval_lines  # noqa: PLC0415

    return review_lines(film) + approval_lines(film)


@cli.command()
@click.argument("directory", default="casefilm-demo", type=click.Path(file_okay=False))
@model_option
@model_name_option
def demo(directory, model, model_name) -> None:
    """Build a workspace with a synthetic German case film in DIRECTORY and run it all."""
    from . import asr  # noqa: PLC0415
    from .demo import build_demo, reports  # noqa: PLC0415

    options = _options(model, model_name)
    spec = asr.resolve_model(model, model_name, None, None)
    # load the model first: without one the demo stops at once with one line
    options.cached(("whisper", spec, options.device), lambda: asr.load_model(spec))
    ws, film_id = build_demo(directory, report=_report)
    _batch([ws.film(film_id)], options, select_stages(), set())
    rep = reports(ws, film_id)
    root = ws.root
    click.echo(f"\nDemo finished. Look at:\n"
               f"  player page   {root / 'exports' / film_id / 'index.html'}\n"
               f"  captions      {root / 'subtitles' / film_id}/\n"
               f"  caption QC    {rep.qc_html}  ({rep.qc_summary})\n"
               f"  chapters      {root / 'chapters' / film_id}/\n"
               f"  coverage      {rep.coverage_html}\n"
               f"  status        casefilm --workspace {shlex.quote(str(root))} status")


def _register() -> None:
    from .captions.commands import COMMANDS as captions  # noqa: PLC0415
    from .delivery.commands import COMMANDS as delivery  # noqa: PLC0415
    from .didactics.commands import COMMANDS as didactics  # noqa: PLC0415
    from .review.commands import COMMANDS as review  # noqa: PLC0415

    for command in [*captions, *didactics, *delivery, *review]:
        cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="casefilm", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.UsageError as e:  # one line, like every other error
        hint = f" (see: {e.ctx.command_path} --help)" if e.ctx else ""
        click.echo(f"error: {e.format_message()}{hint}", err=True)
        sys.exit(e.exit_code)
    except click.ClickException as e:
        click.echo(f"error: {e.format_message()}", err=True)
        sys.exit(e.exit_code)
    except CasefilmError as e:
        click.echo(f"error: {e.line()}", err=True)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as e:  # noqa: BLE001 - the one place that turns any error into a line
        if os.environ.get("CASEFILM_DEBUG"):
            raise
        err = InternalError("casefilm", e)
        click.echo(f"error: {err.line()}", err=True)
        sys.exit(err.exit_code)
