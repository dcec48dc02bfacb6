"""Where each item of a `Timeline` lands in the rendered cut, in whole frames.

A renderer never places anything at a time that is not a frame boundary: every item gets a
whole number of frames (`round(duration × fps)`), its output start is the sum of the frames
before it, and every time derived from it (word times, cue times, lower thirds) is
computed from those frame positions. So video (a frame count) and audio (the same span in
samples) of an item have exactly the same length, and the cut's duration is
`frames / fps`. Times are integer ms, frames integers.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..manifest import Speaker
from .model import Card, Shot, Timeline, TimedWord

TITLE_CARD_MS = 3000  # the rough cut's opening card (film title, organisation)
LOWER_THIRD_DELAY_MS = 500  # after the speaker's first shot begins
LOWER_THIRD_MS = 4000  # shown this long, or until that shot ends, whichever is first
LOWER_THIRD_MIN_MS = 1200  # shorter shots get their lower third at the next appearance


def frames_of(ms: int, fps: float) -> int:
    """Whole frames of `ms` (half a frame rounds up; at least one)."""
    return max(1, int(ms * fps / 1000 + 0.5))


def ms_of(frames: int, fps: float) -> int:
    return round(frames * 1000 / fps)


@dataclass(frozen=True)
class Placed:
    """One item of the cut at its output position."""

    item: Shot | Card
    index: int  # 0-based position in the cut (title card included)
    start_frame: int
    frames: int
    fps: float

    @property
    def start_ms(self) -> int:
        return ms_of(self.start_frame, self.fps)

    @property
    def end_ms(self) -> int:
        return ms_of(self.start_frame + self.frames, self.fps)

    @property
    def seconds(self) -> float:
        """The item's exact length (frames / fps), the span audio is cut to as well."""
        return self.frames / self.fps

    def out_ms(self, src_ms: int) -> int:
        """A source time of this shot as output time (ms), clamped to the shot."""
        assert isinstance(self.item, Shot)
        rel = min(max(src_ms - self.item.src_in_ms, 0), self.end_ms - self.start_ms)
        return self.start_ms + rel


@dataclass(frozen=True)
class Layout:
    timeline: Timeline
    placed: list[Placed]
    fps: float

    @property
    def frames(self) -> int:
        return sum(p.frames for p in self.placed)

    @property
    def duration_ms(self) -> int:
        return ms_of(self.frames, self.fps)

    @property
    def joins_ms(self) -> list[int]:
        """Output times (ms) where one item meets the next."""
        return [p.start_ms for p in self.placed[1:]]

    def shots(self) -> list[Placed]:
        return [p for p in self.placed if isinstance(p.item, Shot)]

    def words(self) -> list[tuple[Placed, TimedWord, int, int]]:
        """Every selected word with its output start and end (ms), in cut order; words are
        clipped to their shot (a word cut by the select's edge keeps the part inside)."""
        out = []
        for p in self.shots():
            for w in p.item.words:
                s, e = p.out_ms(w.start_ms), p.out_ms(w.end_ms)
                if e > s:
                    out.append((p, w, s, e))
        return out


def layout(timeline: Timeline, *, title_card: bool = True) -> Layout:
    """The cut of `timeline`: with `title_card`, an opening card (film title, organisation)
    is put first unless the edit itself begins with a card."""
    fps = timeline.fps
    items: list[Shot | Card] = list(timeline.items)
    if title_card and not (items and isinstance(items[0], Card)):
        lines = [timeline.title] + ([timeline.organisation] if timeline.organisation else [])
        items.insert(0, Card(lines=lines, duration_ms=TITLE_CARD_MS))
    placed, frame = [], 0
    for i, it in enumerate(items):
        ms = it.duration_ms if isinstance(it, Card) else it.src_out_ms - it.src_in_ms
        n = frames_of(ms, fps)
        placed.append(Placed(it, i, frame, n, fps))
        frame += n
    return Layout(timeline, placed, fps)


@dataclass(frozen=True)
class LowerThird:
    speaker: str
    name: str
    role: str | None
    start_ms: int
    end_ms: int
    shot: int  # index of the Placed shot


def lower_thirds(lay: Layout, speakers: dict[str, Speaker]) -> list[LowerThird]:
    """A name/role insert the first time each speaker appears (the first shot whose
    speaker is known to film.yaml and long enough to read it); later shots of that speaker
    get none."""
    seen: set[str] = set()
    out = []
    for p in lay.shots():
        sid = p.item.speaker
        if sid is None or sid in seen or sid not in speakers:
            continue
        start = p.start_ms + LOWER_THIRD_DELAY_MS
        end = min(start + LOWER_THIRD_MS, p.end_ms)
        if end - start < LOWER_THIRD_MIN_MS:
            continue
        seen.add(sid)
        sp = speakers[sid]
        out.append(LowerThird(sid, sp.name, sp.role, start, end, p.index))
    return out
