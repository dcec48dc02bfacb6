"""Stage records: what a stage consumed, how, and what it produced.

Stored as `.casefilm/records/<film>/<stage>.json`. From them follow skipping, staleness
with a reason, and `casefilm status`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from .fsutil import write_json
from .models import Strict, utcnow


class StageRecord(Strict):
    film: str
    stage: str
    status: Literal["done", "failed"]
    inputs: dict[str, str] = Field(default_factory=dict)
    params: dict[str, Any] = Field(default_factory=dict)
    versions: dict[str, str] = Field(default_factory=dict)
    outputs: dict[str, str] = Field(default_factory=dict)  # path relative to workspace -> sha256
    notes: list[str] = Field(default_factory=list)
    error: str | None = None
    finished_at: str = Field(default_factory=utcnow)
    seconds: float = 0.0


def path(records_dir: Path, stage: str) -> Path:
    return records_dir / f"{stage}.json"


def load(records_dir: Path, stage: str) -> StageRecord | None:
    p = path(records_dir, stage)
    try:
        return StageRecord.model_validate_json(p.read_text(encoding="utf-8"))
    except (OSError, ValidationError, ValueError):
        return None  # a missing or unreadable record means: not done


def save(records_dir: Path, rec: StageRecord) -> None:
    write_json(path(records_dir, rec.stage), rec.model_dump(mode="json"))


def differences(rec: StageRecord, inputs: dict[str, str], params: dict[str, Any]) -> list[str]:
    """Human-readable reasons why `rec` no longer matches a plan (empty: it matches)."""
    why = []
    for k in sorted(set(rec.inputs) | set(inputs)):
        if k not in rec.inputs:
            why.append(f"new input {k}")
        elif k not in inputs:
            why.append(f"input {k} gone")
        elif rec.inputs[k] != inputs[k]:
            why.append(f"{k} changed")
    for k in sorted(set(rec.params) | set(params)):
        if rec.params.get(k) != params.get(k):
            why.append(f"parameter {k} changed")
    return why
