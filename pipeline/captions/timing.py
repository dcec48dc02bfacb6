"""In and out times for cue drafts: the timing rules of docs/captions.md.

All times are integer ms; frame figures of the profile are converted at the programme's
frame rate `fps`. `Timer` holds the rules; a cue's times depend only on its own words and
on the next cue's first word, so the segmenter (`segment.py`) asks the same `Timer` for the
exact times of every cue it considers, and `time_cues` gives those very times to the drafts
it chose. For each cue, in order:

- in-time = the first word's start, moved onto a shot change (cut) that lies within
  `snap_frames` of it, before or after (nothing flashes on just beside a cut);
- out-time = the last word's end, extended for reading speed by at most `max_trail_ms`
  (0.5 s), then to the minimum duration (by extending, never overlapping);
- bounds: out ≤ next in − min gap; out ≤ in + max duration; out ≤ programme end;
- chaining: a gap of ≤ `chain_gap_frames` to the next cue is closed to exactly
  `chain_to_frames` (never below the profile's min gap);
- a cut in the pause after the last word, within `snap_frames` of the longest trail
  (`max_trail_ms` after the last word), draws the out-time up to `chain_to_frames` before
  it, where the next cue leaves room: the cue stays up until the picture changes;
- cuts after the in-time, in order: the cue runs across a cut only when speech runs across
  it (its first word starts before the cut, its last word ends after it, and the cut lies
  in no pause of 12 frames or more between two words) and it stays up at
  least `snap_frames` on both sides (an out-time less than that after the cut is extended
  to it where the next cue leaves room: speech ends after the cut, so the trail stays under
  `snap_frames`); otherwise an out-time that falls after the cut, or within `snap_frames`
  before it, is moved to `chain_to_frames` before the cut.
"""

from __future__ import annotations

import bisect
import re
from typing import TYPE_CHECKING

from ..models import Cue
from .profiles import Profile

if TYPE_CHECKING:  # segment imports this module; Draft is only a type here
    from .segment import Draft

_NO_BOUND = 1 << 62


def reading_units(lines: list[str], p: Profile, kind: str = "speech") -> float:
    """What reading speed counts in a cue's text: characters (with or without spaces) or
    words; DCMP counts a sound tag as words too, others ignore the dash of a speaker change."""
    text = " ".join(re.sub(r"^- ", "", ln) for ln in lines)
    if p.reading_unit == "wpm":
        words = text.split()
        return float(len(words)) if (kind != "sound" or p.tags_as_words) else 0.0
    if kind == "sound" and not p.tags_as_words:
        return 0.0
    return float(len(text) if p.count_spaces else len(text.replace(" ", "")))


def needed_ms(units: float, p: Profile) -> int:
    """Display time the profile's reading speed asks for `units` (chars or words)."""
    if units <= 0:
        return 0
    if p.reading_unit == "wpm":
        return int(-(-units * 60000 // p.max_wpm))  # ceil
    return int(-(-units * 1000 // p.max_cps))


def min_duration_of(words: int, kind: str, p: Profile) -> int:
    """The minimum duration of a cue of `words` words (a sound cue counts as one)."""
    return max(p.min_duration_ms, p.min_ms_per_word * (words if kind == "speech" else 1))


def min_duration(draft: Draft, p: Profile) -> int:
    return min_duration_of(len(draft.tokens), draft.kind, p)


class Timer:
    """The timing rules for one programme: profile, frame rate, cuts, duration."""

    def __init__(self, p: Profile, fps: float, cuts: list[int] | None = None,
                 duration_ms: int | None = None,
                 spans: list[tuple[int, int]] | None = None):
        """`spans`: (start, end) of every word and sound event, in time order; a cut in a
        gap of at least `snap_frames` between them lies in a pause, and no cue runs across
        it (speech does not)."""
        self.p = p
        self.cuts = sorted(cuts or [])
        self.duration_ms = duration_ms
        self.frame = max(1, int(1000.0 / fps))
        self.snap = p.frames_ms(p.snap_frames, fps)
        self.chain_to = p.frames_ms(p.chain_to_frames, fps)
        self.chain_gap = p.frames_ms(p.chain_gap_frames, fps)
        self.min_gap = max(p.frames_ms(p.min_gap_frames, fps), 0)
        self.chain = max(self.chain_to, self.min_gap)
        self.paused = self._paused(spans or [])

    def _paused(self, spans: list[tuple[int, int]]) -> set[int]:
        """The cuts that fall in a pause of at least `snap` ms between words."""
        out: set[int] = set()
        if not self.cuts or not spans:
            return out
        reach = spans[0][1]
        for a, b in spans[1:]:
            if a - reach >= self.snap:
                lo = bisect.bisect_right(self.cuts, reach)
                hi = bisect.bisect_left(self.cuts, a)
                out.update(self.cuts[lo:hi])
            reach = max(reach, b)
        return out

    def in_time(self, first: int) -> int:
        """In-time of a cue whose first word starts at `first`: the nearest cut within the
        snap window (before or after; the earlier on a tie), else the word's start."""
        cuts, snap = self.cuts, self.snap
        i = bisect.bisect_left(cuts, first - snap)
        best = first
        dist = snap + 1
        while i < len(cuts) and cuts[i] <= first + snap:
            d = abs(cuts[i] - first)
            if d < dist:
                best, dist = cuts[i], d
            i += 1
        return max(best, 0)

    def out_time(self, start: int, first: int, last: int, units: float, min_dur: int,
                 next_start: int | None, ci: int | None = None) -> int:
        """Out-time of a cue shown from `start` whose words run from `first` to `last`,
        `units` to read, `min_dur` to stay up; `next_start` is the next cue's in-time.
        `ci`: index of the first cut after `start`, when the caller knows it."""
        p = self.p
        bound = _NO_BOUND if next_start is None else next_start - self.min_gap
        if p.max_duration_ms and start + p.max_duration_ms < bound:
            bound = start + p.max_duration_ms
        if self.duration_ms and self.duration_ms < bound:
            bound = self.duration_ms
        e = start + needed_ms(units, p)
        if e > last + p.max_trail_ms:
            e = last + p.max_trail_ms
        if e < last:
            e = last
        if e < start + min_dur:
            e = start + min_dur
        if e > bound:
            e = bound
        if next_start is not None and next_start - e <= self.chain_gap:
            e = min(next_start - self.chain, bound)  # chaining
        if self.cuts:
            e = self._at_cuts(start, first, last, e, bound,
                              bisect.bisect_right(self.cuts, start) if ci is None else ci,
                              max(e, last + p.max_trail_ms))
        return max(e, start + self.frame)  # never empty; a cut this close is a QC finding

    def _at_cuts(self, start: int, first: int, last: int, e: int, bound: int, i: int,
                 reach: int) -> int:
        """`reach`: the latest out-time reading time could ask for (the last word's end
        plus the maximum trail); a cut in the pause after the words within the snap window
        of it draws the out-time up to it."""
        cuts, snap, chain_to = self.cuts, self.snap, self.chain_to
        while i < len(cuts) and cuts[i] <= max(e, reach if cuts[i] > last else e) + snap + chain_to:
            c = cuts[i]
            if first < c < last and c - start >= snap and c not in self.paused:
                # speech runs across the cut
                if e - c < snap and c + snap <= bound:
                    e = c + snap  # stay up 12 frames after it (a trail under 0.5 s)
                if e - c >= snap:
                    i += 1
                    continue
            if c - chain_to > start:
                e = min(c - chain_to, bound)  # end just before the cut (extend or pull back)
            break
        return e


def time_cues(drafts: list[Draft], p: Profile, fps: float, cuts: list[int] | None = None,
              duration_ms: int | None = None) -> list[Cue]:
    timer = Timer(p, fps, cuts, duration_ms,
                  spans=[(t.start, t.end) for d in drafts for t in d.tokens])
    n = len(drafts)
    starts: list[int] = []  # in-times first: every out-time depends on the next in-time
    for d in drafts:
        s = timer.in_time(d.first)
        starts.append(max(s, starts[-1] + 1) if starts else s)
    cues = []
    for k, d in enumerate(drafts):
        e = timer.out_time(starts[k], d.first, d.last, reading_units(d.lines, p, d.kind),
                           min_duration(d, p), starts[k + 1] if k + 1 < n else None)
        cues.append(Cue(start=starts[k], end=e, lines=d.lines, speaker=d.speaker,
                        speakers=d.speakers if len(set(d.speakers)) > 1 else [],
                        kind=d.kind))  # type: ignore[arg-type]
    return cues
