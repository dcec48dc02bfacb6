"""The runner: order, skipping, resume, batch failure handling and status.

Stages know nothing of this module; the pipeline is the visible list in
`pipeline.stages.STAGES`. It is the one place that decides what is up to date, wherever
it runs: in the `casefilm` process, or on a cluster worker (`pipeline.cluster` sends
`run_film` calls there, nothing else). A film is worked on under its lock
(`pipeline.locks`), so two processes never build one film at once.
"""

from __future__ import annotations

import json
import os
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import locks, preflight, records
from .errors import CasefilmError, FilmLocked, InternalError, Pending, StageOrderError, UnknownStage
from .fsutil import sweep_temporaries
from .stages import STAGES
from .stages.base import Context, Plan, RunOptions, Stage
from .workspace import Film, Workspace

STAGE_NAMES = [s.name for s in STAGES]


def stage_by_name(name: str) -> Stage:
    for s in STAGES:
        if s.name == name:
            return s
    raise UnknownStage(name, STAGE_NAMES)


def _normal(params: dict[str, Any]) -> dict[str, Any]:
    """Params as they will read back from JSON (tuples become lists, paths strings)."""
    return json.loads(json.dumps(params, default=str, sort_keys=True))


def _rel(ws: Workspace, p: Path) -> str:
    try:
        return str(Path(p).resolve().relative_to(ws.root))
    except ValueError:
        return str(p)


def _outputs_intact(ctx: Context, rec: records.StageRecord) -> str | None:
    """None when every recorded output still exists unchanged, else the reason."""
    for rel, digest in rec.outputs.items():
        p = ctx.film.ws.root / rel
        if not p.exists():
            return f"output {rel} missing"
        if ctx.digest(p) != digest:
            return f"output {rel} modified"
    return None


@dataclass
class StageState:
    stage: str
    state: str  # done | stale | failed | pending
    why: str = ""
    error: CasefilmError | None = None  # when planning itself failed (bad input)


def stage_state(ctx: Context, stage: Stage, ignore: frozenset[str] = frozenset()
                ) -> tuple[StageState, Plan | None]:
    """The one decision whether a stage is done, stale (and why), failed or pending: its
    plan now against its last record, and its recorded outputs against the files.
    `ignore`: plan inputs whose change does not count (see `why_stale`)."""
    rec = records.load(ctx.film.records_dir, stage.name)
    try:
        plan = stage.plan(ctx)
    except Pending as p:
        if rec and rec.status == "failed":
            return StageState(stage.name, "failed", rec.error or ""), None
        return StageState(stage.name, "pending", f"needs {p.missing}"), None
    except CasefilmError as e:
        return StageState(stage.name, "failed", e.line(), e), None
    if rec is None:
        return StageState(stage.name, "pending", "not run yet"), plan
    if rec.status == "failed":
        return StageState(stage.name, "failed", rec.error or ""), plan
    if ignore:
        rec = rec.model_copy(update={"inputs": {k: v for k, v in rec.inputs.items()
                                                if k not in ignore}})
    inputs = {k: v for k, v in plan.inputs.items() if k not in ignore}
    why = records.differences(rec, inputs, _normal(plan.params))
    if not why:
        broken = _outputs_intact(ctx, rec)
        if broken:
            why = [broken]
    if why:
        return StageState(stage.name, "stale", "; ".join(why)), plan
    return StageState(stage.name, "done", rec.finished_at), plan


def run_stage(ctx: Context, stage: Stage, *, force: bool = False) -> bool:
    """Run one stage if needed. Returns True if it did work."""
    state, plan = stage_state(ctx, stage)
    if plan is None:
        if state.error is not None:
            raise state.error
        raise StageOrderError(ctx.film.id, stage.name, state.why.removeprefix("needs "))
    if state.state == "done" and not force:
        ctx.report(f"{stage.name}: up to date")
        return False
    reason = "forced" if force else (
        f"last run failed: {state.why}" if state.state == "failed" else state.why)
    ctx.report(f"{stage.name}: running ({reason})")
    t0 = time.monotonic()
    try:
        result = stage.run(ctx, plan)
    except BaseException as e:
        msg = e.line() if isinstance(e, CasefilmError) else f"{type(e).__name__}: {e}"
        if not isinstance(e, KeyboardInterrupt):
            records.save(ctx.film.records_dir, records.StageRecord(
                film=ctx.film.id, stage=stage.name, status="failed", inputs=plan.inputs,
                params=_normal(plan.params), error=msg, seconds=time.monotonic() - t0))
        raise
    rec = records.StageRecord(
        film=ctx.film.id, stage=stage.name, status="done", inputs=plan.inputs,
        params=_normal(plan.params), versions=result.versions,
        outputs={_rel(ctx.film.ws, p): ctx.digest(p) for p in result.outputs},
        notes=result.notes, seconds=round(time.monotonic() - t0, 3),
    )
    records.save(ctx.film.records_dir, rec)
    ctx.film.ws.digests.save()
    for note in result.notes:
        ctx.report(f"{stage.name}: {note}")
    ctx.report(f"{stage.name}: done in {rec.seconds:.1f} s")
    return True


@dataclass
class FilmOutcome:
    film: str
    worked: list[str]
    error: CasefilmError | None = None

    @property
    def locked(self) -> bool:
        """True when the film was not worked on because another process holds its lock."""
        return isinstance(self.error, FilmLocked)


def run_film(film: Film, options: RunOptions, stages: list[Stage],
             force: set[str] = frozenset(), *, wait: bool = True) -> FilmOutcome:
    """Run `stages` for `film` under its lock. While another process holds the lock this
    waits for it (said once), or with `wait=False` returns at once with a `FilmLocked`
    error and nothing touched. Leftover temporaries of a killed run are swept only under
    the lock, so a running writer's are never."""
    ctx = Context(film, options)
    outcome = FilmOutcome(film.id, [])
    lock = locks.FilmLock(film.ws.state, film.id)
    try:
        lock.acquire(wait=wait, report=ctx.report)
    except FilmLocked as e:
        outcome.error = e
        return outcome
    try:
        for d in (film.subtitles_dir, film.chapters_dir, film.export_dir, film.cache_dir,
                  film.transcript_dir):
            sweep_temporaries(d)
        preflight.check(film, stages)  # what film.yaml shows, before any work
        for stage in stages:
            if run_stage(ctx, stage, force=stage.name in force):
                outcome.worked.append(stage.name)
    except CasefilmError as e:
        outcome.error = e
    except Exception as e:  # a bug must not stop the batch; CASEFILM_DEBUG shows it
        if os.environ.get("CASEFILM_DEBUG"):
            traceback.print_exc()
        outcome.error = InternalError(f"film {film.id!r}", e)
    finally:
        try:
            film.ws.digests.save()
        finally:
            lock.release()
    return outcome


def select_stages(until: str | None = None, only: str | None = None) -> list[Stage]:
    if only:
        return [stage_by_name(only)]
    if until:
        stage_by_name(until)
        return STAGES[: STAGE_NAMES.index(until) + 1]
    return list(STAGES)


def why_stale(film: Film, stage_name: str, ignore: frozenset[str] = frozenset()) -> str | None:
    """What pages that show whether an output is current ask (the QC report, the sign-off,
    status lines; `pipeline.signoff.qc.Staleness`): None when `stage_name` is done, else its
    state and why, from `stage_state` (the runner's own decision). `ignore`: inputs whose
    change does not make the output stale for that page (the caption QC ignores the
    subtitles stage's `approval` input: a sign-off does not make its captions stale)."""
    st, _ = stage_state(Context(film, RunOptions()), stage_by_name(stage_name), ignore)
    return None if st.state == "done" else f"{st.state}: {st.why}"


def film_status(film: Film, options: RunOptions) -> list[StageState]:
    ctx = Context(film, options)
    out: list[StageState] = []
    upstream_unsettled = None
    for stage in STAGES:
        st, _ = stage_state(ctx, stage)
        if st.state == "done" and upstream_unsettled:
            st = StageState(stage.name, "stale", f"upstream {upstream_unsettled} is not done")
        if st.state != "done" and upstream_unsettled is None:
            upstream_unsettled = stage.name
        out.append(st)
    return out
