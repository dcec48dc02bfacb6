"""What every casefilm command shares: the root group, the context object, common options,
film selection, the batch runner, and `main`, the one place errors become messages.

Commands reach the shared object one way only: `@pass_cli` gives them the `CliContext`
(workspace, run options, film selection). Nothing here knows any command group; the
groups import this module, never each other and never `pipeline.cli` itself.
"""

from __future__ import annotations

import os
import sys
from typing import Callable

import click

from .. import __version__
from ..errors import BatchFailed, CasefilmError, InputError, InternalError
from ..runner import FilmOutcome, chain, run_film, stage_by_name
from ..stages.base import RunOptions, RunSettings
from ..workspace import Film, Workspace


def report(msg: str) -> None:
    """Progress and stage notes go to stderr, one line each; results go to stdout."""
    click.echo(msg, err=True)


NO_FILMS = "name one or more films, or use --all"


class CliContext:
    """The object every command gets (`@pass_cli`): the workspace named by `--workspace`
    (or $CASEFILM_WORKSPACE, else the current directory), resolved on first use so that
    commands without one (`profiles`, `--help`) never touch it."""

    def __init__(self, workspace: str | None):
        self._root = workspace
        self._ws: Workspace | None = None

    @property
    def ws(self) -> Workspace:
        if self._ws is None:
            self._ws = Workspace.resolve(self._root)
        return self._ws

    def film(self, film_id: str) -> Film:
        """One film by id; UnknownFilm (exit 2) names the films there are."""
        return self.ws.film(film_id)

    def films(self, ids: tuple[str, ...], all_: bool) -> list[Film]:
        """The films a command works on: the ids given (duplicates dropped, order kept) or
        `--all`. Every error is raised before any film is worked on: both or neither given
        (a usage error), an unknown id (UnknownFilm), `--all` in a workspace without films."""
        if all_ and ids:
            raise click.UsageError("give film ids or --all, not both")
        if not ids and not all_:
            raise click.UsageError(NO_FILMS)
        ws = self.ws
        chosen = ws.film_ids() if all_ else list(dict.fromkeys(ids))
        if all_ and not chosen:
            raise InputError(f"no films in {ws.projects} (expected projects/<film>/film.yaml)")
        return [ws.film(i) for i in chosen]

    def options(self, **given) -> RunOptions:
        """The run options of this invocation: `RunSettings` from the options the user
        gave (those left as None are left out, so the defaults stay RunSettings' own),
        with progress lines going to stderr."""
        settings = RunSettings(**{k: v for k, v in given.items() if v is not None})
        return RunOptions(settings, report=report)


pass_cli = click.make_pass_decorator(CliContext)


def editor_option(purpose: str) -> Callable:
    """--editor NAME (also $CASEFILM_EDITOR), for commands that record who did the work."""
    return click.option("--editor", envvar="CASEFILM_EDITOR", callback=_editor_default,
                        help=f"{purpose} (default: $CASEFILM_EDITOR, else your login name).")


def _editor_default(_ctx, _param, value: str | None) -> str | None:
    if value:
        return value
    try:
        return os.getlogin()
    except OSError:
        return os.environ.get("USER")


# --- common options: add new shared options here (e.g. --backend, --scheduler/--workers),
# --- as decorators, with their values turned into RunOptions by `CliContext.options` ------

def film_selection(command: Callable) -> Callable:
    """`FILMS…` and `--all`; pass both to `CliContext.films`."""
    command = click.option("--all", "all_", is_flag=True, help="All films of the workspace.")(command)
    return click.argument("films", nargs=-1)(command)


model_option = click.option(
    "--model", metavar="NAME|PATH",
    help="Whisper model name, checkpoint path, CTranslate2 model directory, or 'bundled' "
         "(default: film.yaml, $CASEFILM_WHISPER_MODEL, else the best cached of large-v3, "
         "large-v3-turbo, medium, small, else the bundled Whisper base).")
model_name_option = click.option(
    "--model-name", metavar="NAME",
    help="Name of a checkpoint given as a path (e.g. small), so word alignment uses the "
         "right heads.")
device_option = click.option("--device", metavar="DEV",
                             help="torch device (default: cuda if present, else cpu).")
backend_option = click.option(
    "--backend", type=click.Choice(["openai-whisper", "faster-whisper"]),
    help="Speech recogniser (default: film.yaml transcript.backend, else openai-whisper).")


def whisper_options(command: Callable) -> Callable:
    """--model, --model-name, --device, --backend (for commands that may transcribe)."""
    return model_option(model_name_option(device_option(backend_option(command))))


def cluster_options(command: Callable) -> Callable:
    """--scheduler ADDRESS ($CASEFILM_SCHEDULER) and --workers N: where a batch runs (see
    `pipeline.cluster`); turn them into a ClusterSpec with `cluster_spec`."""
    command = click.option(
        "--workers", type=click.IntRange(min=1), metavar="N",
        help="Start a local Dask cluster of N worker processes and run the films on it.")(command)
    return click.option(
        "--scheduler", envvar="CASEFILM_SCHEDULER", metavar="ADDRESS",
        help="Send the films to the Dask scheduler at ADDRESS, e.g. tcp://host:8786 "
             "(also $CASEFILM_SCHEDULER).")(command)


def cluster_spec(scheduler: str | None, workers: int | None):
    """The ClusterSpec of --scheduler/--workers, None for a run in this process."""
    if scheduler and workers:
        raise click.UsageError("give --scheduler or --workers, not both")
    if not scheduler and not workers:
        return None
    from ..cluster import ClusterSpec  # dask is imported only for a cluster run

    return ClusterSpec(scheduler=scheduler or None, workers=workers)


# --- batches ----------------------------------------------------------------------------

def run_local(films: list[Film], options: RunOptions) -> list[FilmOutcome]:
    """The films one after the other in this process. A film another process is building
    (its lock is held) is put off until the others are done, then waited for; the runner
    then finds it up to date instead of building it twice."""
    outcomes = {}
    later = []
    for f in films:
        o = run_film(f, options, wait=False)
        if o.locked:
            report(f"[{f.id}] {o.error.line()}: coming back to it after the other films")
            later.append(f)
        else:
            outcomes[f.id] = o
    for f in later:
        outcomes[f.id] = run_film(f, options, wait=True)
    return [outcomes[f.id] for f in films]


def run_batch(films: list[Film], options: RunOptions, cluster=None) -> None:
    """Run the stages of `options.settings` for each film, here or on a Dask cluster (the
    same settings, the same chain: `runner.run_film` in both), going on past a failed
    film; then one error line per failed film and a summary. Exit codes: a single failed film exits with its error's
    code; several films with any failed raise BatchFailed (exit 1). With `cluster` (a
    `pipeline.cluster.ClusterSpec`) the films are built on that Dask cluster, reported
    the same way; a scheduler that cannot be reached stops everything before any work."""
    chain(options.settings)  # an unknown stage name: before any film is touched
    if cluster is None:
        outcomes = run_local(films, options)
    else:
        from .. import cluster as dask_cluster

        with dask_cluster.connect(cluster, report) as client:
            outcomes = dask_cluster.run_films(client, films, options.settings, report)
    failed = [o for o in outcomes if o.error]
    for o in failed:
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


def stage_command(name: str) -> click.Command:
    """`casefilm NAME FILM… [--all] [--force]`: run only stage NAME (the transcribe stage
    also takes the Whisper options)."""

    @film_selection
    @click.option("--force", is_flag=True, help="Redo even if up to date.")
    @pass_cli
    def command(obj: CliContext, films, all_, force, **whisper) -> None:
        run_batch(obj.films(films, all_),
                  obj.options(**whisper, stages=(name,), force={name} if force else None))

    if name == "transcribe":
        command = whisper_options(command)
    command.__doc__ = f"Run only the '{name}' stage. {stage_by_name(name).summary}"
    return click.command(name)(command)


class StageGroup(click.Group):
    """A command group named after a stage: `casefilm NAME FILM… [--all] [--force]` runs
    the stage (the group's default when the first argument is no subcommand), and
    `casefilm NAME SUBCOMMAND …` runs a subcommand (e.g. `chapters suggest`)."""

    def __init__(self, name: str, **kw):
        kw.setdefault("context_settings", {})["ignore_unknown_options"] = True
        super().__init__(name, **kw)
        self.stage = stage_command(name)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args:  # `casefilm NAME` alone: as for every stage command, not a help page
            raise click.UsageError(NO_FILMS, ctx)
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx: click.Context, args: list[str]):
        if args and args[0] in self.commands:
            return super().resolve_command(ctx, args)
        return None, self.stage, args  # no name of its own: usage reads `casefilm NAME …`


# --- the root group and main --------------------------------------------------------------

@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--workspace", "-w", envvar="CASEFILM_WORKSPACE", metavar="DIR",
              type=click.Path(file_okay=False), help="Workspace root (default: current directory).")
@click.version_option(__version__, prog_name="casefilm")
@click.pass_context
def cli(ctx: click.Context, workspace: str | None) -> None:
    """casefilm: raw footage to accessible, web-ready case films.

    Stages, in order: ingest → transcribe → subtitles → chapters → describe → export.
    """
    ctx.obj = CliContext(workspace)


def add_commands(group: click.Group, commands: list[click.Command]) -> None:
    """Register `commands` on `group`; a name registered twice is a bug, not an override."""
    for command in commands:
        if command.name in group.commands:
            raise RuntimeError(f"casefilm command {command.name!r} defined twice")
        group.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; the one place where any error becomes one line on stderr and an exit
    code (CasefilmError: its `exit_code`; usage errors 2; Ctrl+C 130; a bug 70, with the
    traceback when CASEFILM_DEBUG is set)."""
    try:
        cli.main(args=argv, prog_name="casefilm", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.UsageError as e:  # one line, like every other error
        hint = f" (see: {' '.join(e.ctx.command_path.split())} --help)" if e.ctx else ""
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
