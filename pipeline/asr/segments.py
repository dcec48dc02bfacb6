"""Backend segment dicts → typed segments: clamping, monotonic times, dropped inventions."""

from __future__ import annotations

from ..models import Segment, Word
from ..words import is_hallucination, join, spread_words


def _ms(t: float | None, limit: int) -> int:
    return max(0, min(limit, round(float(t or 0) * 1000)))


def from_whisper_segments(raw: list[dict], duration_ms: int) -> tuple[list[Segment], dict[str, int]]:
    """Whisper's segment dicts (both backends give this shape) → typed segments.

    Times are clamped to [0, duration_ms] and made monotonic across the whole transcript
    (no word starts before the previous one ends); empty segments and known hallucinated
    lines are dropped; ids are renumbered from 0. Returns them with counts of what was dropped.
    """
    out: list[Segment] = []
    dropped = {"hallucinated": 0, "beyond_end": 0}
    floor = 0  # ms: nothing may start before this
    for seg in raw:
        text = (seg.get("text") or "").strip()
        if not text:
            continue
        if is_hallucination(text):
            dropped["hallucinated"] += 1
            continue
        words: list[Word] = []
        for w in seg.get("words") or []:
            wt = (w.get("word") or "").strip()
            if not wt:
                continue
            ws = max(_ms(w.get("start"), duration_ms), floor)
            we = max(ws, _ms(w.get("end"), duration_ms))
            p = w.get("probability")
            # a piece without a leading space continues the word before it ("-Einführung")
            words.append(Word(start=ws, end=we, text=wt,
                              probability=None if p is None else round(float(p), 4),
                              joined=bool(words) and not w["word"][:1].isspace()))
            floor = we
        if words:  # the text is what the words say: captions are built from the words
            text = join(words)
            if is_hallucination(text):
                dropped["hallucinated"] += 1
                continue
        start = words[0].start if words else max(_ms(seg.get("start"), duration_ms), floor)
        end = words[-1].end if words else max(start, _ms(seg.get("end"), duration_ms))
        if end <= start:
            end = min(duration_ms, start + 1)
            if end <= start:  # a segment squeezed to nothing at the very end
                dropped["beyond_end"] += 1
                continue
        if not words:  # no word timings from Whisper: spread the words over the segment
            words = spread_words(start, end, text)
        out.append(Segment(id=len(out), start=start, end=end, text=text, words=words))
        floor = end
    return out, dropped
