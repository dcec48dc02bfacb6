"""Quality control as lists of rules, for any track (captions today; audio description,
social clips later). See `rules` for how to write and register a rule, `models` for the
findings, summary and checklist items a report is made of.

Each track keeps its own `Registry` and its rules beside its code (the captions':
`pipeline.captions.qc_rules`); this package knows nothing of captions.
"""

from __future__ import annotations

from .models import ChecklistItem, Finding, Summary, summarise
from .rules import Hit, Hits, Registry, Rule

__all__ = ["ChecklistItem", "Finding", "Hit", "Hits", "Registry", "Rule", "Summary",
           "summarise"]
