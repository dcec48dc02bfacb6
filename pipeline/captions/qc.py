"""Caption QC for accessibility reviewers: every cue checked against a profile.

The checks are a list of rules (`pipeline.captions.qc_rules`, on the generic
`pipeline.qc` registry): each has an id, a severity (hard limits block delivery and
sign-off, warnings inform) and its messages in `locale/<lang>/qc.yaml`. `check(cs, profile,
vtt_text)` is pure: a CaptionSet (cues.json), the profile to check against and the
delivered WebVTT text in; findings, per-cue rows and chart points out. The combined report
(captions, audio description, …) and the sign-off are `pipeline.signoff`'s.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from .. import links, timecode
from ..models import Strict
from ..qc import ChecklistItem, Finding
from ..workspace import Film
from . import store
from .profiles import Profile
from .qc_rules import RULES, TrackCheck, rate

__all__ = ["RULES", "Finding", "check", "checklist", "rate"]


class ChartPoint(Strict):
    cue: int
    t_ms: int  # cue midpoint
    value: float  # reading speed in the profile's unit
    flagged: bool  # a reading-speed finding


class Chart(Strict):
    """The reading-speed chart: one point per cue against the profile's limit."""

    unit: Literal["cps", "wpm"]
    limit: float  # in `unit`
    duration_ms: int
    points: list[ChartPoint]


class CueRow(Strict):
    cue: int
    start_ms: int
    end_ms: int
    timecode: str
    player: str  # link that opens the player at the cue
    speaker: str | None
    lines: list[str]
    reading_speed: float
    rules: list[str]


def check(cs: store.CaptionSet, p: Profile, vtt_text: str | None, player_href: str = "",
          files: dict[str, Path] | None = None
          ) -> tuple[list[Finding], list[CueRow], list[ChartPoint]]:
    """Every caption rule on `cs` against profile `p`; `vtt_text` is the delivered
    captions.vtt (None: missing), `files` the caption files to cross-check (None: not
    checked). Findings are sorted by cue, then rule order."""
    track = TrackCheck(cs, p, vtt_text, files)
    findings = RULES.run(track, track.items, cs.language)
    per_cue: dict[int, set[str]] = {}
    for f in findings:
        per_cue.setdefault(f.cue, set()).add(f.rule)
    rows, points = [], []
    for item in track.items:
        c = item.cue
        rs = round(item.speed, 2)
        rules = sorted(per_cue.get(c.index, ()))
        rows.append(CueRow(cue=c.index, start_ms=c.start, end_ms=c.end,
                           timecode=timecode.vtt(c.start),
                           player=player_href + links.fragment(c.start, padded=True),
                           speaker=c.speaker_name, lines=c.lines, reading_speed=rs, rules=rules))
        points.append(ChartPoint(cue=c.index, t_ms=(c.start + c.end) // 2, value=rs,
                                 flagged="reading_speed" in rules))
    return findings, rows, points


def checklist(cs: store.CaptionSet, findings: list[Finding], film: Film | None,
              approved: bool, s: dict) -> list[ChecklistItem]:
    """WCAG 2.2 / EN 301 549 items: what the files show, what a person must confirm
    (`approved`: a valid sign-off stands behind the captions)."""
    status = cs.provenance.transcript_status
    sync = sum(1 for f in findings if f.rule in ("sync_in", "sync_out"))
    voices = any(c.speaker for c in cs.cues)
    sounds = any(c.kind == "sound" for c in cs.cues)
    player = film.export_dir / "index.html" if film else None
    has_track = bool(player and player.exists() and 'kind="captions"' in
                     player.read_text(encoding="utf-8", errors="replace"))
    accurate = "ok" if approved else ("check" if status == "reviewed" else "fail")
    yes_no = {True: s["word_yes"], False: s["word_no"]}
    return [
        ChecklistItem(id="WCAG 2.2 1.2.2", level="A", title=s["c_122"],
                      files=s["c_122_files"].format(cues=len(cs.cues), sounds=yes_no[sounds]),
                      confirm=s["c_122_confirm"], state=accurate),
        ChecklistItem(id="WCAG 2.2 1.2.8", level="AAA", title=s["c_128"],
                      files=s["c_128_files"], confirm=s["c_128_confirm"], state="check"),
        ChecklistItem(id="EN 301 549 7.1.1", level="", title=s["c_711"],
                      files=s["c_711_files_yes"] if has_track else s["c_711_files_no"],
                      confirm=s["c_711_confirm"], state="check" if has_track else "open"),
        ChecklistItem(id="EN 301 549 7.1.2", level="", title=s["c_712"],
                      files=s["c_712_files"].format(n=sync), confirm=s["c_712_confirm"],
                      state="check" if sync == 0 else "fail"),
        ChecklistItem(id="EN 301 549 7.1.3", level="", title=s["c_713"],
                      files=s["c_713_files"].format(voices=yes_no[voices]),
                      confirm=s["c_713_confirm"], state="check"),
        ChecklistItem(id="EN 301 549 7.1.4", level="", title=s["c_714"],
                      files=s["c_714_files"], confirm=s["c_714_confirm"], state="open"),
    ]


def player_href(film: Film) -> str:
    """Relative link from subtitles/<film>/qc.html to the player page exports/<film>/."""
    return links.player_page(film.id)


def staleness(film: Film, cs: store.CaptionSet) -> str | None:
    """Why the captions no longer match the film's current transcript (None: they do)."""
    from .. import transcripts
    from ..fsutil import sha256_file

    current = transcripts.current_path(film)
    made_from = cs.provenance.transcript_sha256
    if current is None or not made_from:
        return None
    if sha256_file(current) != made_from:
        return (f"the captions were made from an older transcript than {current.name}; "
                f"run: casefilm subtitles {film.id}")
    return None
