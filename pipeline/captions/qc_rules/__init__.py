"""The caption QC rules: a `pipeline.qc.Registry` (`RULES`) and its rule modules.

Hard limits block delivery and sign-off; warnings inform the reviewer. `core` holds the
rules of issue 3 (their order is the report's order); a new module in this package (e.g.
rules on captions across edit cuts) registers its rules with `@RULES.rule(...)` and is
imported by `RULES.load()` without any other file changing. Rules see a `CueCheck` (one
cue) or, with `scope="track"`, the `TrackCheck`; messages come from `locale/<lang>/qc.yaml`
(name `r_<id>`, messages by key).
"""

from __future__ import annotations

from .context import RULES, SYNC_TOLERANCE_MS, CueCheck, TrackCheck, rate
from . import core  # noqa: E402,F401  (registers the core rules first)

__all__ = ["RULES", "SYNC_TOLERANCE_MS", "CueCheck", "TrackCheck", "rate"]
