"""What a stage is: a pair of small functions the runner calls.

`plan(ctx)` says, without doing work, what the stage would consume: input digests and
parameters. It raises `Pending` when an input does not exist yet. `run(ctx)` does the work
and returns the files it produced. The runner compares the plan with the stage's last
record to decide done / stale / pending, and writes the new record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..workspace import Film


class Pending(Exception):
    """An input of the stage does not exist yet (an upstream stage has not run)."""

    def __init__(self, missing: str):
        self.missing = missing
        super().__init__(missing)


@dataclass
class RunOptions:
    """Options of one invocation, shared by all films of a batch."""

    model: str | None = None  # Whisper model name or path (--model)
    model_name: str | None = None  # name of a model given as path (--model-name)
    device: str | None = None
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
class Plan:
    inputs: dict[str, str]  # input name -> content digest
    params: dict[str, Any]  # everything else that determines the outputs


@dataclass
class Result:
    outputs: list[Path]
    notes: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Stage:
    name: str
    plan: Callable[[Context], Plan]
    run: Callable[[Context], Result]
    summary: str = ""
