"""Pauses in speech, and how descriptions fit into them.

Occupied time comes from the current transcript revision: every word of a speech segment
(its word timings; a segment without words counts as a whole), and every sound event
(segment kind "sound": music, a phone, laughter) as a whole, since descriptions do not talk
over important sounds either. A gap is the time between two occupied stretches (and before
the first and after the last, up to the programme's end) lasting at least `min_gap_ms`.
How many words fit is the gap's length times the narration rate (words per second),
rounded down. Times are integer ms.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Ms, Transcript


@dataclass(frozen=True)
class Gap:
    start: Ms
    end: Ms

    @property
    def length(self) -> Ms:
        return self.end - self.start

    def words(self, rate_wps: float) -> int:
        return int(self.length * rate_wps // 1000)


def occupied(t: Transcript | None) -> list[tuple[Ms, Ms]]:
    """Sorted, merged stretches of speech and sound events."""
    spans: list[tuple[Ms, Ms]] = []
    for seg in t.segments if t else []:
        if seg.kind == "sound" or not seg.words:
            spans.append((seg.start, seg.end))
        else:
            spans += [(w.start, w.end) for w in seg.words]
    spans = sorted((a, b) for a, b in spans if b > a)
    merged: list[tuple[Ms, Ms]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def pauses(busy: list[tuple[Ms, Ms]], duration_ms: Ms) -> list[Gap]:
    """Every stretch of [0, duration_ms] outside `busy` (any length)."""
    out, pos = [], 0
    for a, b in busy:
        if a > pos:
            out.append(Gap(pos, min(a, duration_ms)))
        pos = max(pos, b)
    if pos < duration_ms:
        out.append(Gap(pos, duration_ms))
    return [g for g in out if g.length > 0]


def find_gaps(t: Transcript | None, duration_ms: Ms, min_gap_ms: Ms) -> list[Gap]:
    """Pauses in speech long enough for a description (>= `min_gap_ms`)."""
    return [g for g in pauses(occupied(t), duration_ms) if g.length >= min_gap_ms]


def available(busy: list[tuple[Ms, Ms]], at: Ms, duration_ms: Ms) -> Ms:
    """Time from `at` until the next speech or sound (0 when `at` is inside speech)."""
    for a, b in busy:
        if a <= at < b:
            return 0
        if a > at:
            return a - at
    return max(0, duration_ms - at)


def overlap(busy: list[tuple[Ms, Ms]], start: Ms, end: Ms) -> Ms:
    """How many ms of [start, end) fall on speech or sound events."""
    return sum(max(0, min(b, end) - max(a, start)) for a, b in busy)


def word_count(text: str) -> int:
    return len(text.split())


def estimate_ms(text: str, rate_wps: float) -> Ms:
    """Spoken length of `text` at `rate_wps` words per second."""
    return round(word_count(text) * 1000 / rate_wps)


def longest_undescribed(busy: list[tuple[Ms, Ms]], windows: list[tuple[Ms, Ms]],
                        duration_ms: Ms) -> Gap | None:
    """The longest stretch of the programme with neither speech/sound nor description."""
    both = sorted(busy + [w for w in windows if w[1] > w[0]])
    merged: list[tuple[Ms, Ms]] = []
    for a, b in both:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    free = pauses(merged, duration_ms)
    return max(free, key=lambda g: g.length, default=None)
