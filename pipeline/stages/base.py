"""What a stage is: a pair of small functions the runner calls.

`plan(ctx) -> Plan` says, without doing work, what the stage would consume: input digests
and parameters (what the record compares), plus `Plan.data`, the typed inputs planning
loaded on the way (the Programme, the effective caption profile, the transcript path …).
It raises `pipeline.errors.Pending` when an input does not exist yet.
`check_settings(film)` and `check_files(film)` (optional) say what the stage checks before
any work (`pipeline.preflight` calls them). `run(ctx, plan) -> Result` does the work with
the plan it was planned with, so it never loads or computes those inputs a second time,
and returns the files it produced. The runner plans each stage right before it runs it,
compares the plan with the stage's last record to decide done / stale / pending, and
writes the new record.

A stage defines its own small frozen dataclass for `Plan.data` (e.g. `SubtitlesInputs`)
and annotates `plan` and `run` with `Plan[ThatType]`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Generic, TypeVar

from ..workspace import Film

T = TypeVar("T")


@dataclass
class RunOptions:
    """Options of one invocation, shared by all films of a batch."""

    model: str | None = None  # Whisper model name or path (--model)
    model_name: str | None = None  # name of a model given as path (--model-name)
    device: str | None = None
    backend: str | None = None  # openai-whisper | faster-whisper (--backend)
    report: Callable[[str], None] = print
    _cache: dict = field(default_factory=dict, repr=False)  # e.g. the loaded Whisper model

    def cached(self, key: Any, make: Callable[[], Any]) -> Any:
        """Build an expensive object (a Whisper model) once per run."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]


@dataclass
class Context:
    film: Film
    options: RunOptions

    def report(self, msg: str) -> None:
        self.options.report(f"[{self.film.id}] {msg}")

    def digest(self, path: Path) -> str:
        return self.film.ws.digests.digest(path)


@dataclass
class Plan(Generic[T]):
    """What a stage will consume: `inputs` and `params` go into its record (they decide
    done / stale); `data` is what planning loaded, handed to `run` as it is (never part of
    the record)."""

    inputs: dict[str, str]  # input name -> content digest
    params: dict[str, Any]  # everything else that determines the outputs (JSON-able)
    data: T = None  # type: ignore[assignment]  # the stage's typed inputs (see module doc)


@dataclass
class Result:
    outputs: list[Path]
    notes: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Stage(Generic[T]):
    name: str
    plan: Callable[[Context], Plan[T]]
    run: Callable[[Context, Plan[T]], Result]
    summary: str = ""
    # Dask worker resources the stage wants on a cluster (`pipeline.cluster`), e.g.
    # {"gpu": 1}: honoured when some worker declares it, ignored everywhere else
    resources: dict[str, float] = field(default_factory=dict, hash=False, compare=False)
    # What the stage checks before any stage of a run works (`pipeline.preflight`), each
    # raising the error its own run would meet later (ManifestError, MediaError, …):
    # `check_settings(film)`: its film.yaml settings, before every run and in `casefilm
    # status`; `check_files(film)`: the files film.yaml names that it reads, only when it
    # is about to run (so a later stage still runs once raw footage is archived).
    check_settings: Callable[[Film], None] | None = field(default=None, compare=False)
    check_files: Callable[[Film], None] | None = field(default=None, compare=False)
