"""What a QC report is made of, for every track: findings, the summary, checklist items."""

from __future__ import annotations

from typing import Iterable, Literal

from ..models import Strict


class Finding(Strict):
    cue: int  # 1-based cue number (0: the file as a whole)
    start_ms: int
    timecode: str
    rule: str
    severity: Literal["hard", "warning"]
    measured: str
    limit: str
    message: str


class Summary(Strict):
    cues: int  # items checked
    findings: int
    hard: int  # findings of hard rules
    by_rule: dict[str, int]  # rule id -> findings, in the registry's rule order
    cues_passing: int  # items without any finding
    passing_share: float  # cues_passing / cues (1.0 when there are none), 4 decimals


def summarise(count: int, findings: list[Finding], rule_order: Iterable[str]) -> Summary:
    """The summary of `findings` over `count` items (cue 0 findings fail no item)."""
    by_rule: dict[str, int] = {}
    for f in findings:
        by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
    order = list(rule_order)
    ranked = sorted(by_rule, key=lambda r: order.index(r) if r in order else len(order))
    failing = {f.cue for f in findings if f.cue}
    return Summary(
        cues=count, findings=len(findings), hard=sum(1 for f in findings if f.severity == "hard"),
        by_rule={r: by_rule[r] for r in ranked}, cues_passing=count - len(failing),
        passing_share=round((count - len(failing)) / count, 4) if count else 1.0)


class ChecklistItem(Strict):
    """One accessibility requirement (WCAG, EN 301 549): what the files show, what a person
    must still confirm, and where it stands."""

    id: str  # "WCAG 2.2 1.2.2"
    level: str  # "A", "AA", "AAA" or "" (EN 301 549 has none)
    title: str
    files: str
    confirm: str
    state: Literal["ok", "check", "fail", "open"]
