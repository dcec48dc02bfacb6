"""Burned-in caption cues for a cut or a clip, made by the caption layer's own rules.

Both paths end in `pipeline.captions.segment` + `timing.time_cues` with the film's
profile, so the burned-in text follows the same line-break, reading-speed, gap and
shot-change rules as the delivered captions:

- rough cut (`for_layout`): the selected words in output time, the joins of the cut as
  shot changes (no cue spans a join);
- social clip (`refit`): the film's delivered cues (`subtitles/<film>/cues.json`) inside
  the clip's range, moved to clip time, with `chars_per_line` narrowed to what the clip's
  larger type fits in its safe area; a cue whose text no longer fits is split at its best
  break, never merged with a neighbour (each original cue boundary is a forced boundary).
"""

from __future__ import annotations

from ..captions.profiles import Profile
from ..captions.segment import Options, segment
from ..captions.timing import time_cues
from ..models import Cue, Provenance, Segment, Transcript, Word
from ..words import join
from .layout import Layout


def _cues(transcript: Transcript, profile: Profile, cuts: list[int], fps: float,
          duration_ms: int, names: frozenset[str]) -> list[Cue]:
    drafts = segment(transcript, profile, cuts, Options(names=names), fps=fps)
    return time_cues(drafts, profile, fps, cuts, duration_ms)


def for_layout(lay: Layout, profile: Profile, names: frozenset[str] = frozenset()) -> list[Cue]:
    """Cues of the selected words of a rough cut, in output time (ms)."""
    segments = []
    for p in lay.shots():
        words = [Word(start=s, end=e, text=w.text) for pp, w, s, e in lay.words() if pp is p]
        if not words:
            continue
        segments.append(Segment(id=len(segments), start=words[0].start, end=words[-1].end,
                                text=join(words), words=words,
                                speaker=p.item.speaker or p.item.words[0].speaker))
    if not segments:
        return []
    t = Transcript(film=lay.timeline.film, duration_ms=lay.duration_ms, segments=segments,
                   provenance=Provenance(backend="edit"))
    return _cues(t, profile, lay.joins_ms, lay.fps, lay.duration_ms, names)


def refit(cues: list[Cue], start_ms: int, end_ms: int, offset_ms: int, profile: Profile,
          fps: float, names: frozenset[str] = frozenset()) -> list[Cue]:
    """The cues shown in [start_ms, end_ms) of the film, in clip time (film time − start +
    `offset_ms`, the length of what precedes the range in the clip), re-broken under
    `profile` (already narrowed to the clip's line length)."""
    segments = []
    for c in cues:
        s, e = max(c.start, start_ms), min(c.end, end_ms)
        if e - s < 200:  # a cue only grazing the range is not shown
            continue
        s, e = s - start_ms + offset_ms, e - start_ms + offset_ms
        segments.append(Segment(id=len(segments), start=s, end=e, kind=c.kind,
                                text=c.text.removeprefix("- ").replace(" - ", " "),
                                speaker=c.speaker))
    if not segments:
        return []
    duration = end_ms - start_ms + offset_ms
    t = Transcript(film="clip", duration_ms=duration, segments=segments,
                   provenance=Provenance(backend="cues"))
    bounds = [sg.start for sg in segments[1:]]
    return _cues(t, profile, bounds, fps, duration, names)
