"""What a film's `case:` lacks, for `casefilm status` and the QC report.

Rules (registry `RULES`, messages in `locale/<lang>/catalogue.yaml`), all warnings: a case
is filled in as the film is made, and nothing here blocks a delivery.

    case_chain          no `chain`: the catalogue cannot place the case in the chain
    case_effects        no effect at all
    case_effect_at      an effect without `at:` (no moment in the film supports it)
    case_at_outside     an `at:` at or past the programme's end (needs ingest; else unchecked)
    case_at_no_chapter  an `at:` before the first chapter, or the film has no chapters

`findings(film)` gives the findings (`pipeline.qc.Finding`; `measured` is the film.yaml
field path); `status_lines(film)` one line for `casefilm status`. Chapters are film.yaml's
own (no stage needs to have run); the duration is ingest's programme when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import timecode
from ..errors import CasefilmError, Pending
from ..manifest import FilmManifest
from ..manifest.case import Statement
from ..models import Ms
from ..programme import load_programme
from ..qc import Finding, Hit, Hits, Registry
from ..workspace import Film

RULES = Registry("catalogue")


@dataclass
class CaseCheck:
    """The whole case under check (all rules are track-scope)."""

    m: FilmManifest
    duration_ms: Ms | None  # None: not ingested yet, so "outside the film" is not checked

    @property
    def moments(self) -> list[tuple[str, Statement]]:
        return [(path, st) for path, st in self.m.case.moments() if st.at is not None]


@RULES.rule("case_chain", "warning", "f_case_chain", scope="track")
def case_chain(c: CaseCheck) -> Hits:
    return None if c.m.case.chain else Hit("case.chain", "≥ 1")


@RULES.rule("case_effects", "warning", "f_case_effects", scope="track")
def case_effects(c: CaseCheck) -> Hits:
    return None if c.m.case.effects else Hit("case.effects", "≥ 1")


@RULES.rule("case_effect_at", "warning", "f_case_effect_at", scope="track")
def case_effect_at(c: CaseCheck) -> Hits:
    for i, e in enumerate(c.m.case.effects):
        if e.at is None:
            yield Hit(f"case.effects.{i}", "at:", fmt={"text": e.text})


@RULES.rule("case_at_outside", "warning", "f_case_at_outside", scope="track")
def case_at_outside(c: CaseCheck) -> Hits:
    if c.duration_ms is None:
        return
    for path, st in c.moments:
        if st.at >= c.duration_ms:  # type: ignore[operator]
            yield Hit(path, f"< {timecode.short(c.duration_ms)}", start_ms=st.at,
                      fmt={"field": path, "at": timecode.short(st.at),
                           "end": timecode.short(c.duration_ms)})


@RULES.rule("case_at_no_chapter", "warning", "f_case_at_no_chapter", "f_case_at_no_chapters",
            scope="track")
def case_at_no_chapter(c: CaseCheck) -> Hits:
    chapters = c.m.chapters
    for path, st in c.moments:
        if c.duration_ms is not None and st.at >= c.duration_ms:  # type: ignore[operator]
            continue  # outside the film: case_at_outside says so
        fmt = {"field": path, "at": timecode.short(st.at)}
        if not chapters:
            yield Hit(path, "—", key="f_case_at_no_chapters", start_ms=st.at, fmt=fmt)
        elif st.at < chapters[0].start:  # type: ignore[operator]
            first = timecode.short(chapters[0].start)
            yield Hit(path, f"≥ {first}", start_ms=st.at, fmt={**fmt, "first": first})


def findings(film: Film, lang: str = "de") -> list[Finding]:
    """What the film's case lacks (empty: nothing). Raises the manifest's error when
    film.yaml is invalid."""
    try:
        duration: Ms | None = load_programme(film).duration_ms
    except (Pending, ValueError):
        duration = None
    c = CaseCheck(film.manifest, duration)
    return RULES.run(c, [], lang)


# what `casefilm status` says of each rule (English, like the rest of the CLI)
_STATUS = {"case_chain": "no chain", "case_effects": "no effect",
           "case_effect_at": "{field} without at:", "case_at_outside": "{field} past the end",
           "case_at_no_chapter": "{field} in no chapter"}


def status_lines(film: Film) -> list[str]:
    """One line for `casefilm status`: what the case lacks, or that it is complete."""
    label = f"{'case':<11}"  # aligned with the stage names
    try:
        found = findings(film)
    except CasefilmError:
        return []  # film.yaml itself is invalid: status reports that already
    if not found:
        return [f"{label}complete"]
    gaps = "; ".join(_STATUS[f.rule].format(field=f.measured) for f in found)
    return [f"{label}{len(found)} to add: {gaps}"]
