"""What caption rules look at: the whole track (`TrackCheck`) and one cue of it (`CueCheck`).

Both derive, once, what several rules need (frame-based limits in ms, sorted cuts, cleaned
lines, durations, reading speed). Times are integer ms; reading speed is in the profile's
unit (chars/s or words/min).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ... import i18n
from ...qc import Registry
from .. import sdh
from ..profiles import Profile
from ..segment import reading_units
from ..store import CaptionCue, CaptionSet

# The caption rules. Modules of this package register into it; `Registry.load` imports
# them all (core first: its order is the report's order of the existing rules).
RULES = Registry("qc", package=__package__)

SYNC_TOLERANCE_MS = 100  # EN 301 549 7.1.2


def ms(value: int) -> str:
    return f"{value} ms"


def rate(units: float, dur_ms: int, p: Profile) -> float:
    """Reading speed of `units` shown for `dur_ms`, in the profile's unit."""
    if dur_ms <= 0:
        return float("inf") if units else 0.0
    return units * (60000 if p.reading_unit == "wpm" else 1000) / dur_ms


@dataclass
class TrackCheck:
    """A film's captions under check. `vtt_text` is the delivered captions.vtt (None when
    missing); `files` the caption files to cross-check with cues.json (`store.caption_paths`,
    None: not checked, e.g. when checking cues without files)."""

    cs: CaptionSet
    profile: Profile
    vtt_text: str | None
    files: dict[str, Path] | None = None

    @property
    def cues(self) -> list[CaptionCue]:
        return self.cs.cues

    @cached_property
    def strings(self) -> dict[str, str]:
        return i18n.strings("qc", self.cs.language)

    def frames(self, n: int) -> int:
        return self.profile.frames_ms(n, self.cs.fps)

    @cached_property
    def frame(self) -> int:
        return self.frames(1)

    @cached_property
    def snap(self) -> int:
        return self.frames(self.profile.snap_frames)

    @cached_property
    def chain_to(self) -> int:
        return self.frames(self.profile.chain_to_frames)

    @cached_property
    def chain_gap(self) -> int:
        return self.frames(self.profile.chain_gap_frames)

    @cached_property
    def min_gap(self) -> int:
        return self.frames(self.profile.min_gap_frames)

    @cached_property
    def cuts(self) -> list[int]:
        return sorted(self.cs.cuts_ms)

    @cached_property
    def unit(self) -> str:
        return "Z/s" if self.profile.reading_unit == "cps" else "W/min"

    @cached_property
    def speakers_in_film(self) -> set[str | None]:
        return {c.speaker for c in self.cues if c.kind == "speech"}

    @cached_property
    def spoken(self) -> list[CaptionCue]:
        """The cues the caption files hold: those with a line of text."""
        return [c for c in self.cues if any(sdh.clean(ln) for ln in c.lines)]

    @cached_property
    def items(self) -> list[CueCheck]:
        return [CueCheck(self, k) for k in range(len(self.cues))]


@dataclass
class CueCheck:
    """Cue `k` (0-based) of a track; `number` is its 1-based cue number."""

    track: TrackCheck
    k: int

    @property
    def cue(self) -> CaptionCue:
        return self.track.cues[self.k]

    @property
    def number(self) -> int:
        return self.cue.index

    @property
    def start_ms(self) -> int:
        return self.cue.start

    @property
    def p(self) -> Profile:
        return self.track.profile

    @property
    def prev(self) -> CaptionCue | None:
        return self.track.cues[self.k - 1] if self.k else None

    @property
    def nxt(self) -> CaptionCue | None:
        cues = self.track.cues
        return cues[self.k + 1] if self.k + 1 < len(cues) else None

    @cached_property
    def lines(self) -> list[str]:
        return [sdh.clean(ln) for ln in self.cue.lines]

    @cached_property
    def text(self) -> str:
        return " ".join(self.lines)

    @property
    def dur(self) -> int:
        return self.cue.end - self.cue.start

    @cached_property
    def min_dur(self) -> int:
        """The cue's minimum duration: the profile's, or its per-word minimum if longer."""
        return max(self.p.min_duration_ms, self.p.min_ms_per_word * (self.cue.word_count or 1))

    @cached_property
    def speed(self) -> float:
        return rate(reading_units(self.cue.lines, self.p, self.cue.kind), self.dur, self.p)
