"""In and out times for cue drafts: the timing rules of docs/captions.md.

All times are integer ms; frame figures of the profile are converted at the programme's
frame rate `fps`. For each cue, in order:

- in-time = the first word's start; when segmentation put a shot change before the cue
  (`Draft.cut_in`), the in-time is that cut if it lies no more than `snap_frames` before the
  first word, or after it (a cut inside the first words: late rather than straddling);
- out-time = the last word's end, extended for reading speed by at most `max_trail_ms`
  (0.5 s), then to the minimum duration (by extending, never overlapping), then snapped to
  `chain_to_frames` before a shot change within `snap_frames` after it (always before the
  cut that ends the cue, `Draft.cut_out`);
- bounds, strongest first: no cue crosses a shot change (out ≤ cut − chain_to_frames); out ≤
  next in − min gap; out ≤ in + max duration;
- chaining: a gap of ≤ `chain_gap_frames` to the next cue is closed to exactly
  `chain_to_frames` (never below the profile's min gap).
"""

from __future__ import annotations

import bisect

from ..models import Cue
from .profiles import Profile
from .segment import Draft, reading_units


def needed_ms(units: float, p: Profile) -> int:
    """Display time the profile's reading speed asks for `units` (chars or words)."""
    if units <= 0:
        return 0
    if p.reading_unit == "wpm":
        return int(-(-units * 60000 // p.max_wpm))  # ceil
    return int(-(-units * 1000 // p.max_cps))


def min_duration(draft: Draft, p: Profile) -> int:
    words = len(draft.tokens) if draft.kind == "speech" else 1
    return max(p.min_duration_ms, p.min_ms_per_word * words)


def time_cues(drafts: list[Draft], p: Profile, fps: float, cuts: list[int] | None = None,
              duration_ms: int | None = None) -> list[Cue]:
    cuts = sorted(cuts or [])
    frame = 1000.0 / fps
    snap = p.frames_ms(p.snap_frames, fps)
    chain_to = p.frames_ms(p.chain_to_frames, fps)
    chain_gap = p.frames_ms(p.chain_gap_frames, fps)
    min_gap = max(p.frames_ms(p.min_gap_frames, fps), 0)
    n = len(drafts)

    # in-times first: every out-time depends on the next in-time
    starts: list[int] = []
    for k, d in enumerate(drafts):
        s = d.first
        # the cut segmentation placed before this cue starts it when it lies no more than
        # `snap` before the first word, or after it (a cut inside the first words makes the
        # in-time late rather than letting the cue straddle the cut)
        if d.cut_in is not None and d.cut_in >= s - snap and (not starts or d.cut_in > starts[-1]):
            s = d.cut_in
        starts.append(max(s, starts[-1] + 1 if starts else 0))

    ends: list[int] = []
    for k, d in enumerate(drafts):
        s, last = starts[k], d.last
        units = reading_units(d.lines, p, d.kind)
        e = max(last, min(s + needed_ms(units, p), last + p.max_trail_ms))
        e = max(e, s + min_duration(d, p))
        # snap the out-time to just before a cut that follows within the snap window
        i = bisect.bisect_right(cuts, s)
        next_cut = cuts[i] if i < len(cuts) else None
        if d.cut_out is not None and d.cut_out > s:
            next_cut = d.cut_out if next_cut is None else min(next_cut, d.cut_out)
        if next_cut is not None and e < next_cut <= e + snap + chain_to:
            e = next_cut - chain_to
        bound = _upper_bound(s, next_cut, starts[k + 1] if k + 1 < n else None,
                             chain_to, min_gap, p, duration_ms)
        e = min(e, bound)
        if k + 1 < n:  # chaining
            gap = starts[k + 1] - e
            if gap <= chain_gap and gap != max(chain_to, min_gap):
                e = starts[k + 1] - max(chain_to, min_gap)
                e = min(e, bound)
        e = max(e, s + max(1, int(frame)))  # never empty; a cut this close is a QC finding
        ends.append(e)

    cues = []
    for k, d in enumerate(drafts):
        cues.append(Cue(start=starts[k], end=ends[k], lines=d.lines, speaker=d.speaker,
                        speakers=d.speakers if len(set(d.speakers)) > 1 else [],
                        kind=d.kind))  # type: ignore[arg-type]
    return cues


def _upper_bound(start: int, next_cut: int | None, next_start: int | None, chain_to: int,
                 min_gap: int, p: Profile, duration_ms: int | None) -> int:
    bound = 1 << 62
    if next_cut is not None:
        bound = min(bound, next_cut - chain_to)
    if next_start is not None:
        bound = min(bound, next_start - min_gap)
    if p.max_duration_ms:
        bound = min(bound, start + p.max_duration_ms)
    if duration_ms:
        bound = min(bound, duration_ms)
    return bound
