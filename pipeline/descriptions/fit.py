"""Fit: how each description sits in the pauses of speech.

For description n at `at`: the available gap is the time from `at` to the next speech or
sound event (0 when `at` falls on speech); its spoken length is the measured length of its
narration when there is one, else its words at the narration rate; its overlap is how much
of [at, at + spoken length) falls on speech or sound events. A description fits when the
overlap is 0, or when it is `extended` (the player pauses the film while it is spoken).
Two descriptions whose spoken lengths overlap each other are flagged too (`next_overlap_ms`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Ms, Transcript
from . import gaps
from .model import Description


@dataclass(frozen=True)
class Fit:
    n: int
    at_ms: Ms
    text: str
    extended: bool
    words: int
    gap_ms: Ms  # available from `at` to the next speech or sound
    estimated_ms: Ms  # words / rate
    spoken_ms: Ms  # measured when voiced, else the estimate
    measured: bool
    overlap_ms: Ms  # spoken length on speech/sound events (0 for extended descriptions)
    speech_overlap_ms: Ms  # the same, also for extended ones (what a linear mix talks over)
    next_overlap_ms: Ms  # spoken length running into the next description

    @property
    def end_ms(self) -> Ms:
        return self.at_ms + self.spoken_ms

    @property
    def fits(self) -> bool:
        return self.overlap_ms == 0 and self.next_overlap_ms == 0


def fit(descriptions: list[Description], t: Transcript | None, duration_ms: Ms,
        rate_wps: float, spoken: dict[int, Ms] | None = None) -> list[Fit]:
    """The fit of every description; `spoken`: measured narration lengths by number."""
    busy = gaps.occupied(t)
    spoken = spoken or {}
    out: list[Fit] = []
    for n, d in enumerate(descriptions, 1):
        est = gaps.estimate_ms(d.text, rate_wps)
        length = spoken.get(n, est)
        ov = gaps.overlap(busy, d.at_ms, min(duration_ms, d.at_ms + length))
        nxt = descriptions[n].at_ms if n < len(descriptions) else None
        out.append(Fit(n=n, at_ms=d.at_ms, text=d.text, extended=d.extended,
                       words=gaps.word_count(d.text),
                       gap_ms=gaps.available(busy, d.at_ms, duration_ms), estimated_ms=est,
                       spoken_ms=length, measured=n in spoken,
                       overlap_ms=0 if d.extended else ov, speech_overlap_ms=ov,
                       next_overlap_ms=max(0, d.at_ms + length - nxt) if nxt is not None else 0))
    return out
