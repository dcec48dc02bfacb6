"""Rules and their registry: what every QC track (captions, audio description, social
clips) shares.

A rule is a small function with an id, a severity and the locale keys of its messages,
registered with a decorator into the `Registry` of its track:

    RULES = Registry("qc")                       # messages from locale/<lang>/qc.yaml

    @RULES.rule("max_lines", "hard", "f_max_lines")
    def max_lines(c: CueCheck) -> Hits:          # called once per item (cue)
        if len(c.lines) > c.profile.max_lines:
            return Hit(len(c.lines), c.profile.max_lines)

    @RULES.rule("structure", "hard", "f_struct_missing", "f_struct_header", scope="track")
    def structure(t: TrackCheck) -> Hits:       # called once for the whole track
        yield Hit("—", key="f_struct_missing")  # cue 0: the file as a whole

A rule returns None, one `Hit` or an iterable of them. `Registry.run` turns hits into
`Finding`s (number and time of the cue, severity, message from the locale) and sorts them
by cue, then by the order in which the rules were registered (a rule registered later by
another module, e.g. issue 12's cut rules, comes after the existing ones). Adding a rule
is adding a function; nothing existing is edited.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Literal, Sequence

from .. import i18n, timecode
from .models import Finding

Severity = Literal["hard", "warning"]
Scope = Literal["cue", "track"]


@dataclass
class Hit:
    """One thing a rule found: what it measured against which limit. `key` picks one of the
    rule's messages (default: its first) and `fmt` fills the message's placeholders. A
    track-scope rule says which cue (`cue`, `start_ms`; 0: the file as a whole); for a
    cue-scope rule the runner fills them in."""

    measured: Any
    limit: Any = "—"
    key: str | None = None
    fmt: dict[str, Any] = field(default_factory=dict)
    cue: int | None = None
    start_ms: int | None = None


Hits = Hit | Iterable[Hit] | None


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    messages: tuple[str, ...]  # locale keys; the first is the default
    scope: Scope
    check: Callable[[Any], Hits]
    order: int  # registration order: the report's order of rules


class Registry:
    """The rules of one QC track. `area` is the locale file of their messages; `package`,
    when given, is imported module by module on first use, so a new module of rules in it
    registers itself without any import being added elsewhere."""

    def __init__(self, area: str, package: str | None = None):
        self.area, self.package = area, package
        self._rules: dict[str, Rule] = {}
        self._loaded = package is None

    def rule(self, id: str, severity: Severity, *messages: str,
             scope: Scope = "cue") -> Callable[[Callable[[Any], Hits]], Callable[[Any], Hits]]:
        """Decorator: register the function as rule `id`."""
        if severity not in ("hard", "warning"):
            raise ValueError(f"rule {id!r}: severity must be 'hard' or 'warning'")
        if not messages:
            raise ValueError(f"rule {id!r}: needs at least one message key")

        def add(fn: Callable[[Any], Hits]) -> Callable[[Any], Hits]:
            if id in self._rules:
                raise ValueError(f"QC rule {id!r} is registered twice")
            self._rules[id] = Rule(id, severity, tuple(messages), scope, fn, len(self._rules))
            return fn

        return add

    def load(self) -> None:
        """Import every module of `package` (each registers its rules)."""
        if self._loaded:
            return
        self._loaded = True
        pkg = importlib.import_module(self.package)
        for info in pkgutil.iter_modules(pkg.__path__):
            importlib.import_module(f"{self.package}.{info.name}")

    @property
    def rules(self) -> list[Rule]:
        self.load()
        return list(self._rules.values())

    def ids(self) -> list[str]:
        """Rule ids in report order."""
        return [r.id for r in self.rules]

    def run(self, track: Any, items: Sequence[Any], lang: str = i18n.DEFAULT_LANG,
            only: Iterable[str] | None = None) -> list[Finding]:
        """Findings of every rule (or of the rules `only` names): cue-scope rules on each
        of `items` (objects with `number` and `start_ms`), track-scope rules once on
        `track`. Sorted by cue number, then rule order; a rule's own order is kept."""
        strings = i18n.strings(self.area, lang)
        wanted = None if only is None else set(only)
        found: list[tuple[int, int, Finding]] = []
        for r in self.rules:
            if wanted is not None and r.id not in wanted:
                continue
            if r.scope == "track":
                for hit in _hits(r.check(track)):
                    found.append(self._finding(r, hit, hit.cue or 0, hit.start_ms or 0, strings))
            else:
                for item in items:
                    for hit in _hits(r.check(item)):
                        found.append(self._finding(r, hit, item.number, item.start_ms, strings))
        found.sort(key=lambda t: (t[0], t[1]))
        return [f for _, _, f in found]

    @staticmethod
    def _finding(r: Rule, hit: Hit, cue: int, start_ms: int,
                 strings: dict[str, str]) -> tuple[int, int, Finding]:
        key = hit.key or r.messages[0]
        if key not in r.messages:
            raise ValueError(f"QC rule {r.id!r} used message {key!r}, not one of its own")
        text = strings[key]
        return cue, r.order, Finding(
            cue=cue, start_ms=start_ms, timecode=timecode.vtt(start_ms), rule=r.id,
            severity=r.severity, measured=str(hit.measured), limit=str(hit.limit),
            message=text.format(**hit.fmt) if hit.fmt else text)


def _hits(result: Hits) -> list[Hit]:
    if result is None:
        return []
    if isinstance(result, Hit):
        return [result]
    return [h for h in result if h is not None]
