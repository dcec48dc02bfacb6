"""A film's accessibility lines in `casefilm status`: one function per line group in
`CONTRIBUTORS` (a feature adds its own with one line), each `(film, stale) -> list[str]`
(`stale`: the runner's decision whether a stage is current, `qc.Staleness`)."""

from __future__ import annotations

from typing import Callable

from ..captions import store as caption_store
from ..delivery.signlang_qc import status_lines as sign_language_lines
from ..descriptions import store as description_store
from ..descriptions.build import load_track
from ..errors import CasefilmError
from ..workspace import Film
from . import approval
from .qc import Staleness

LABEL = 11  # width of the first column, aligned with the stage names


def caption_lines(film: Film, stale: Staleness) -> list[str]:
    """One line: captions approved (by whom, when), sign-off void (why), or not approved."""
    label = f"{'captions':<{LABEL}}"
    try:
        if caption_store.load(film) is None:
            return []
    except CasefilmError as e:
        return [f"{label}unreadable: {e.line()}"]
    a, why = approval.check(film)
    if a is None:
        return [f"{label}not approved (casefilm qc {film.id} --approve --reviewer NAME)"]
    if why:
        return [f"{label}sign-off by {a.reviewer} is {why}"]
    return [f"{label}approved by {a.reviewer} at {a.approved_at} (profile {a.profile})"]


def description_lines(film: Film, stale: Staleness) -> list[str]:
    """One line: no description / not voiced yet or stale / counts, voices, fit, sign-off."""
    label = f"{'AD':<{LABEL}}"  # audio description
    try:
        descs = description_store.load(film)
    except CasefilmError as e:
        return [f"{label}invalid: {e.line()}"]
    if not descs.descriptions:
        return []
    track = load_track(film)
    n = len(descs.descriptions)
    if track is None or stale(film, "describe", frozenset()):
        return [f"{label}{n} descriptions, not voiced and mixed as they are now "
                f"(casefilm describe {film.id})"]
    ps = track.descriptions
    drafts = sum(p.voice.draft for p in ps)
    over = sum(1 for p in ps if p.overlap_ms and not p.extended)
    a, why = approval.check(film)
    signed = ("not signed off" if a is None else f"sign-off by {a.reviewer} {why}" if why
              else f"signed off by {a.reviewer}")
    if a is not None and not why and "descriptions.yaml" not in a.files:
        signed = "not signed off"
    return [f"{label}{n} descriptions ({sum(p.extended for p in ps)} extended), "
            f"{sum(p.voice.kind == 'recorded' for p in ps)} recorded, {drafts} draft voices, "
            f"{over} run into speech; mix {track.mix_lufs} LUFS / {track.mix_true_peak_dbtp} "
            f"dBTP; {signed}"]


StatusContributor = Callable[[Film, Staleness], list[str]]
# `casefilm status` shows these in order below the stages; a feature adds its function here
CONTRIBUTORS: list[StatusContributor] = [caption_lines, description_lines, sign_language_lines]


def lines(film: Film, stale: Staleness) -> list[str]:
    """Every contributor's lines for `film`."""
    return [line for contribute in CONTRIBUTORS for line in contribute(film, stale)]
