"""Caption rules of issue 17: the shape of cues and lines a subtitler would not keep.

Registered after the rules of issue 12 (the report's order). Each names the cue and, as a
finding on the file (cue 0), reports the share when it exceeds casefilm's limit:

- `short_cue`: a speech cue of one or two words that ends a sentence begun in the
  previous cue of the same speaker ("geschlossen." alone for 0.87 s; one that ends no
  sentence is `cue_fragment`'s, a whole short sentence such as "Ja." is kept). Share of all
  speech cues of one or two words (fragments and "Ja." included) above `SHORT_CUE_SHARE`.
- `short_line`: in a cue of two or more lines of one speaker, a line of one or two words
  that fills less than half the line ("Deshalb" / "haben wir eine Betriebsvereinbarung",
  "Die Planung" / "für die nächste Woche …"); share of such cues among the cues of two or
  more lines above `SHORT_LINE_SHARE`.
- `sentence_start`: a cue that ends on the first one or two words of a sentence that goes
  on in the next cue of the same speaker ("… gekostet. Heute" | "schlägt …"); share
  above `SENTENCE_START_SHARE`.

Words are counted in the displayed lines (a speaker dash is no word).
"""

from __future__ import annotations

from ...qc import Hit, Hits
from .. import linebreak
from .context import RULES, CueCheck, TrackCheck
from .cuts import _words

SHORT_CUE_SHARE = 0.05  # at most 5 % of speech cues of one or two words
SHORT_LINE_SHARE = 0.10  # at most 10 % of multi-line cues with a line of one or two words
SENTENCE_START_SHARE = 0.02  # at most 2 % of speech cues end on a sentence's start


def _share(found: int, total: int, limit: float, key: str) -> Hits:
    """A finding on the file (cue 0) when `found` of `total` exceeds the share `limit`."""
    if total and found / total > limit:
        yield Hit(f"{found}/{total} ({found / total:.1%})", f"≤ {limit:.0%}", key=key)


def _speech(t: TrackCheck) -> list[CueCheck]:
    return [c for c in t.items if c.cue.kind == "speech" and _words(c.lines)]


def is_rest(c: CueCheck) -> bool:
    """Cue `c` holds one or two words that end a sentence begun in the previous cue of the
    same speaker ("geschlossen.")."""
    words, prev = _words(c.lines), c.prev
    if not words or len(words) > 2 or not linebreak.ends_sentence(words[-1]):
        return False
    if prev is None or prev.kind != "speech" or c.cue.kind != "speech":
        return False
    if prev.line_speakers()[-1] != c.cue.line_speakers()[0]:
        return False
    before = _words(CueCheck(c.track, c.k - 1).lines)
    return bool(before) and not linebreak.ends_sentence(before[-1])


@RULES.rule("short_cue", "warning", "f_short_cue", "f_short_cue_share", scope="track")
def short_cue(t: TrackCheck) -> Hits:
    speech = _speech(t)
    short = [c for c in speech if len(_words(c.lines)) <= 2]
    for c in short:
        if is_rest(c):
            yield Hit(f"„{c.text}“", "≥ 3", cue=c.number, start_ms=c.start_ms)
    yield from _share(len(short), len(speech), SHORT_CUE_SHARE, "f_short_cue_share")


def short_lines(c: CueCheck) -> list[str]:
    """The lines of one or two words, shorter than half the profile's line, of a cue of two
    or more lines of one speaker."""
    if c.cue.kind != "speech" or len(c.lines) < 2 or len(set(c.cue.line_speakers())) > 1:
        return []
    half = c.p.chars_per_line / 2
    return [ln for ln in c.lines if len(ln.split()) <= 2 and len(ln) < half]


@RULES.rule("short_line", "warning", "f_short_line", "f_short_line_share", scope="track")
def short_line(t: TrackCheck) -> Hits:
    multi = [c for c in _speech(t) if len(c.lines) >= 2 and len(set(c.cue.line_speakers())) == 1]
    found = 0
    for c in multi:
        lines = short_lines(c)
        if lines:
            found += 1
            yield Hit(" / ".join(f"„{ln}“" for ln in lines), "≥ 3", cue=c.number,
                      start_ms=c.start_ms)
    yield from _share(found, len(multi), SHORT_LINE_SHARE, "f_short_line_share")


def sentence_start_at_end(c: CueCheck) -> str | None:
    """The words of a sentence begun at the end of cue `c` and continued in the next cue of
    the same speaker, when they are one or two; else None."""
    nxt = c.nxt
    if nxt is None or c.cue.kind != "speech" or nxt.kind != "speech":
        return None
    if c.cue.line_speakers()[-1] != nxt.line_speakers()[0]:
        return None
    words = _words(c.lines)
    if not words or linebreak.ends_sentence(words[-1]):
        return None
    ends = [k for k, w in enumerate(words[:-1]) if linebreak.ends_sentence(w)]
    if not ends or len(words) - 1 - ends[-1] > 2:
        return None
    return " ".join(words[ends[-1]:])


@RULES.rule("sentence_start", "warning", "f_sentence_start", "f_sentence_start_share",
            scope="track")
def sentence_start(t: TrackCheck) -> Hits:
    speech = _speech(t)
    found = 0
    for c in speech:
        tail = sentence_start_at_end(c)
        if tail is not None:
            found += 1
            nxt = _words(CueCheck(t, c.k + 1).lines)
            yield Hit(f"{tail} | {nxt[0] if nxt else ''}".strip(), "—", cue=c.number,
                      start_ms=c.start_ms, fmt={"next": c.nxt.index})
    yield from _share(found, len(speech), SENTENCE_START_SHARE, "f_sentence_start_share")

