"""The batch on a Dask cluster: where films are built, never what is up to date.

`casefilm run … --scheduler tcp://HOST:8786` (or $CASEFILM_SCHEDULER) sends the batch to a
running Dask scheduler; `--workers N` starts a `LocalCluster` of N worker processes (one
thread each) on this machine. The unit of work is a film's stage chain: one task per film
that calls `pipeline.runner.run_film` on a worker, so the runner, with its stage records,
digests and the film's lock, stays the one place that decides what is up to date and does
the work. Nothing else is sent: the workspace root (the same path on every machine: the
workspace is on storage every worker sees), the film id and the run's `RunSettings`, the
very object a local run uses (stage chain, `--force`, every Whisper option), pickled as it
is, so no option can be lost on the way.

Parts: a stage may name pieces of its work that can be done elsewhere first
(`Stage.parts`; the transcribe stage's sources when the programme is them joined). The
film's task then sends each piece to the cluster as a task of its own (`part_task`, from
inside the film's task through `worker_client`) and waits; the stage's own run finds them
done in the film's cache and writes the one record.

Resources: when some workers declare a `gpu` resource (`dask worker --resources gpu=1`),
a film's chain is cut where a stage's `resources` hint changes (transcribe needs `gpu`),
into tasks that depend on each other: the transcribe task runs only on a gpu worker, the
others prefer the workers without one (and may fall back to a gpu worker). Without gpu
workers each film is one task.

Faults: a worker that dies mid-film (even `kill -9`) loses its task; the scheduler runs it
again on another worker (up to `distributed.scheduler.allowed-failures` times). The
kernel freed the dead process's film lock, the new run takes it over and says so, sweeps
the temporaries the dead one left and, from the records, redoes only the unfinished stage.
A film that fails on a worker comes back as its error line and exit code
(`WorkerFailed`), and the batch ends as a local one does.

Progress: every line a worker's run reports is published on the scheduler's event topic
`casefilm` and printed by the CLI as it arrives, so the producer sees per-film progress;
the Dask dashboard address is printed when the scheduler has a dashboard (it needs bokeh).
"""

from __future__ import annotations

import contextlib
import uuid
from pathlib import Path
from dataclasses import dataclass, field
from typing import Callable, Iterator

from .errors import CasefilmError, SchedulerUnreachable, WorkerFailed
# the stage layer only through the runner (RunOptions, Stage are the runner's API)
from .runner import FilmOutcome, RunOptions, RunSettings, Stage, chain, run_film, run_part
from .workspace import Film, Workspace

TOPIC = "casefilm"  # the scheduler's event topic carrying the workers' progress lines
GPU = "gpu"
_WORKER_CACHE: dict = {}  # per worker process: the loaded Whisper model, once per worker


@dataclass(frozen=True)
class ClusterSpec:
    """Where a batch runs: `scheduler` (an address), or `workers` local processes."""

    scheduler: str | None = None
    workers: int | None = None

    def __post_init__(self) -> None:
        if self.scheduler and self.workers:
            raise ValueError("a scheduler address or a number of local workers, not both")


@dataclass
class FilmReport:
    """What a worker sends back for one film (plain data, as it crosses the network)."""

    film: str
    worked: list[str] = field(default_factory=list)
    error: str | None = None  # the error's one line
    exit_code: int = 0
    worker: str | None = None


def _worker_name() -> str:
    """The worker's name when it was given one (`dask worker --name`), else its address."""
    try:
        from distributed import get_worker

        w = get_worker()
        return str(w.name) if isinstance(w.name, str) else w.address
    except ValueError:
        return "this process"


def _publish(msg: str) -> None:
    """A progress line, from a worker to the client (printed there as it arrives)."""
    try:
        from distributed import get_worker

        get_worker().log_event(TOPIC, msg)
    except ValueError:  # not on a worker (called directly): print it
        print(msg, flush=True)


def film_task(root: str, film_id: str, settings: RunSettings,
              before: FilmReport | None = None, pinned: bool = False) -> FilmReport:
    """Runs on a worker: the runner's `run_film` for one film with `settings` as the CLI
    made them (waiting for the film's lock if another process holds it). `before` is the
    report of the film's previous task (its chain cut at a resource change); its failure
    ends the film. `pinned`: the cluster has gpu workers (parts go where their stage's
    resources say)."""
    if before is not None and before.error:
        return before
    options = RunOptions(settings, report=_publish, _cache=_WORKER_CACHE,
                         spread=_spreader(root, film_id, settings, pinned))
    names = [s.name for s in chain(settings)]
    _publish(f"[{film_id}] on worker {_worker_name()}: {', '.join(names)}")
    manifest = Path(root) / "projects" / film_id / "film.yaml"
    if not manifest.is_file():  # the workspace is not where the client has it
        return FilmReport(film_id, list(before.worked if before else []),
                          f"{manifest} not found on this worker: the workspace must be "
                          f"mounted at the same path on every machine", 2, _worker_name())
    film = Workspace.resolve(root).film(film_id)
    outcome = run_film(film, options)
    worked = [*(before.worked if before else []), *outcome.worked]
    if outcome.error is None:
        return FilmReport(film_id, worked, worker=_worker_name())
    return FilmReport(film_id, worked, outcome.error.line(), outcome.error.exit_code,
                      _worker_name())


def part_task(root: str, film_id: str, settings: RunSettings, stage: str, k: int) -> str:
    """Runs on a worker: part `k` of `stage` of one film (`runner.run_part`), e.g. one
    source's transcription; its result lands in the film's cache for the stage's run."""
    options = RunOptions(settings, report=_publish, _cache=_WORKER_CACHE)
    run_part(Workspace.resolve(root).film(film_id), options, stage, k)
    return _worker_name()


def _spreader(root: str, film_id: str, settings: RunSettings, pinned: bool):
    """`RunOptions.spread` on a worker: a stage's parts as tasks of their own, from inside
    the film's task (`worker_client` gives its thread back while it waits), so they run on
    every free worker at once. A part that fails is left to the stage's run, which does
    whatever is not done and fails there with the film's usual error line."""
    def spread(stage: Stage, pieces: list[str]) -> None:
        from distributed import wait, worker_client

        where = {"resources": dict(stage.resources)} if pinned and stage.resources else {}
        _publish(f"[{film_id}] {stage.name}: {len(pieces)} parts sent to the cluster "
                 f"({', '.join(pieces)})")
        batch = uuid.uuid4().hex[:8]
        try:
            with worker_client() as client:
                futs = [client.submit(part_task, root, film_id, settings, stage.name, k,
                                      key=f"casefilm-{film_id}-{stage.name}-{k}-{batch}",
                                      pure=False, **where)
                        for k in range(len(pieces))]
                wait(futs)
                for piece, fut in zip(pieces, futs):
                    if fut.status == "finished":
                        _publish(f"[{film_id}] {stage.name}: part {piece} done on worker "
                                 f"{fut.result()}")
                    else:
                        _publish(f"[{film_id}] {stage.name}: part {piece} failed on the "
                                 f"cluster ({fut.status}); the stage does it itself")
        except (OSError, TimeoutError, ValueError) as e:  # the scheduler went away, etc.
            _publish(f"[{film_id}] {stage.name}: could not send the parts ({type(e).__name__}: "
                     f"{e}); the stage does them itself")
    return spread


def chain_parts(stages: list[Stage], pinned: bool) -> list[tuple[list[Stage], dict]]:
    """A film's stages as tasks: one part when nothing is pinned, else cut wherever the
    stages' `resources` hints change (consecutive stages with equal hints stay one task)."""
    if not pinned:
        return [(list(stages), {})]
    parts: list[tuple[list[Stage], dict]] = []
    for s in stages:
        if parts and parts[-1][1] == s.resources:
            parts[-1][0].append(s)
        else:
            parts.append(([s], dict(s.resources)))
    return parts


def _dashboard(client) -> str | None:
    """The dashboard's address if the scheduler serves one (Dask's dashboard needs bokeh
    where the scheduler runs; without it the port answers 404): asked, not assumed."""
    import urllib.error
    import urllib.request

    try:
        if "dashboard" not in client.scheduler_info().get("services", {}):
            return None
        link = client.dashboard_link
        with urllib.request.urlopen(link, timeout=3) as resp:
            return link if resp.status == 200 else None
    except (KeyError, AttributeError, ValueError, OSError):
        return None


@contextlib.contextmanager
def connect(spec: ClusterSpec, report: Callable[[str], None]) -> Iterator:
    """A Dask client for `spec`, closed (and a local cluster shut down) afterwards.
    An unreachable scheduler is `SchedulerUnreachable`, before anything is sent."""
    import dask
    from distributed import Client, LocalCluster

    if spec.scheduler:
        timeout = dask.config.get("distributed.comm.timeouts.connect")
        try:
            client = Client(spec.scheduler, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as e:
            detail = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise SchedulerUnreachable(spec.scheduler, detail) from None
        cluster = None
        where = f"Dask scheduler {spec.scheduler}"
    else:
        cluster = LocalCluster(n_workers=spec.workers, threads_per_worker=1, processes=True,
                               dashboard_address="127.0.0.1:0", host="127.0.0.1")
        client = Client(cluster, set_as_default=False)
        where = f"local Dask cluster of {spec.workers} worker processes"
    try:
        n = len(client.scheduler_info().get("workers", {}))
        report(f"cluster: {where}, {n} worker{'s' if n != 1 else ''} connected"
               + ("" if n else "; the films wait until a worker connects"))
        if link := _dashboard(client):
            report(f"cluster: dashboard {link}")
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _gpu_workers(client) -> tuple[list[str], list[str]]:
    """(addresses of workers declaring a gpu resource, the other workers)."""
    workers = client.scheduler_info().get("workers", {})
    gpu = sorted(a for a, w in workers.items() if (w.get("resources") or {}).get(GPU))
    return gpu, sorted(a for a in workers if a not in gpu)


def run_films(client, films: list[Film], settings: RunSettings,
              report: Callable[[str], None]) -> list[FilmOutcome]:
    """Build `films` with `settings` on the cluster behind `client`: one chain of tasks
    per film, all films at once (as many at a time as there are worker threads). Each
    task gets `settings` itself, its `stages` narrowed to its part of the chain. Progress
    lines from the workers go to `report` as they arrive; returns the outcomes in `films`
    order."""
    from distributed import as_completed

    gpu, plain = _gpu_workers(client)
    parts = chain_parts(chain(settings), pinned=bool(gpu))
    if gpu:
        report(f"cluster: transcription pinned to {len(gpu)} gpu worker(s): {', '.join(gpu)}")
    client.subscribe_topic(TOPIC, lambda event: report(str(event[1])))
    batch = uuid.uuid4().hex[:8]
    last = {}
    try:
        for film in films:
            fut = None
            for i, (part, resources) in enumerate(parts):
                where: dict = {"resources": resources} if resources else (
                    {"workers": plain, "allow_other_workers": True} if gpu and plain else {})
                part_settings = settings.model_copy(
                    update={"stages": tuple(s.name for s in part)})
                fut = client.submit(
                    film_task, str(film.ws.root), film.id, part_settings, fut, bool(gpu),
                    key=f"casefilm-{film.id}-{i}-{batch}", pure=False, **where)
            last[fut] = film.id
            report(f"[{film.id}] sent to the cluster")
        outcomes: dict[str, FilmOutcome] = {}
        for fut in as_completed(list(last), loop=client.loop):
            fid = last[fut]
            try:
                rep: FilmReport = fut.result()
            except Exception as e:  # noqa: BLE001 - e.g. KilledWorker: every try died
                line = str(e).splitlines()[0] if str(e) else ""
                outcomes[fid] = FilmOutcome(fid, [], WorkerFailed(
                    f"the cluster could not finish the film: {type(e).__name__}: {line}", 1))
                continue
            err = WorkerFailed(rep.error, rep.exit_code, rep.worker) if rep.error else None
            outcomes[fid] = FilmOutcome(fid, rep.worked, err)
            state = "failed" if err else ("done" if rep.worked else "up to date")
            report(f"[{fid}] {state} on worker {rep.worker}")
    except BaseException:
        client.cancel(list(last))
        raise
    finally:
        with contextlib.suppress(ValueError, CasefilmError):
            client.unsubscribe_topic(TOPIC)
    return [outcomes[f.id] for f in films]
