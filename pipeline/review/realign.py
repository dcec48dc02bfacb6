"""Realign edited transcript text onto the timings of a base transcript.

Editors change words; the picture does not move. So an edited transcript keeps the
timing it had wherever the words are the same, and new words get times from where they
must have been spoken:

* the base's words and the edited text's word tokens (whitespace-separated, punctuation
  attached, as Whisper writes them) are compared with `difflib.SequenceMatcher` across
  the whole film, so text moved between segments (split, merge) keeps its times; tokens
  compare case-folded and without edge punctuation (`key`);
* an unchanged word keeps its start, end and probability EXACTLY (a word whose case or
  punctuation changed keeps its times, its probability becomes None);
* a word replaced one-for-one takes the replaced word's times; n words replacing m take
  the span of the m old words, shared in proportion to their lengths;
* inserted words get times between their neighbours: spread over the gap if it is
  short, else placed against the neighbour in the same segment, at an estimated
  speaking time per character (so a word added after a long pause does not stretch
  across it);
* deleted words vanish.

Words compare as written: Whisper's pieces of one word ("KI" + "-Einführung", "5" +
".000"; `pipeline.words`) are one token "KI-Einführung", as the editor sees and types it.
An unchanged written word keeps its pieces exactly (times, probabilities, `joined`); a
changed one becomes one word.

Changed words carry `probability=None` (a person wrote them; they are not uncertain).
A base segment without word timings (e.g. an imported SRT) is first given words spread
over its span, so its unchanged words keep those times.

All times are integer milliseconds. This is the one realignment used by the review page
and by `casefilm transcript import`.
"""

from __future__ import annotations

import difflib
import itertools
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from ..models import Ms, Segment, Strict, Transcript, Word
from ..words import groups, join, merge, spread

MS_PER_CHAR = 65  # estimated speaking time per character of an inserted word (German ≈ 15 chars/s)
MIN_WORD_MS = 100  # shortest estimated duration of an inserted word


class EditedSegment(Strict):
    """One segment as an editor left it: text, speaker and kind, in programme order.

    Times are only read for `kind == "sound"` (a sound event has no words to align);
    for speech they come from realignment.
    """

    text: str = Field(max_length=20_000)
    speaker: str | None = Field(default=None, max_length=200)
    kind: Literal["speech", "sound"] = "speech"
    start: Ms | None = Field(default=None, ge=0)
    end: Ms | None = Field(default=None, ge=0)


def tokens(text: str) -> list[str]:
    """Word tokens of a text: whitespace-separated, punctuation kept on the word."""
    return text.split()


def key(token: str) -> str:
    """Comparison key of a token: case-folded, without punctuation at its edges, so that
    "Stuttgart" → "Stuttgart." or "ki" → "KI" keeps the word's times."""
    token = token.strip()
    core = token.strip(_PUNCT)
    return (core or token).casefold()


_PUNCT = ".,;:!?…\"'„“”‚‘’»«()[]{}-–—/*"


def _estimate(toks: list[str]) -> int:
    return sum(max(MIN_WORD_MS, MS_PER_CHAR * len(t)) for t in toks)


def words_of(seg: Segment) -> list[Word]:
    """The segment's words, or (when it has none) its text's tokens spread over its span."""
    if seg.words or seg.kind == "sound":
        return list(seg.words)
    toks = tokens(seg.text)
    if not toks:
        return []
    return [Word(start=a, end=b, text=t) for t, (a, b) in zip(toks, spread(toks, seg.start, seg.end))]


@dataclass
class _Tok:
    text: str
    seg: int  # index of the edited segment this token belongs to
    start: Ms | None = None
    end: Ms | None = None
    probability: float | None = None
    old: int | None = None  # index of the base word it equals, if unchanged


def realign_tokens(old: list[Word], new: list[str], new_seg: list[int], duration_ms: Ms) -> list[Word]:
    """Times for the tokens `new` (token i in edited segment `new_seg[i]`) from `old` words.

    Returns one Word per new token, in order. See the module docstring for the rules.
    """
    return [Word(start=t.start, end=t.end, text=t.text, probability=t.probability)
            for t in _align(old, new, new_seg, duration_ms)]


BIG_REGION = 1500  # tokens: a changed region larger than this is diffed segment by segment


def _opcodes(old_keys: list[str], old_groups: list[int], new_keys: list[str],
             new_groups: list[int]) -> list[tuple[str, int, int, int, int]]:
    """Token opcodes (as SequenceMatcher.get_opcodes) of old_keys -> new_keys.

    difflib on every token of a long film is slow (seconds for an hour), so segments are
    matched first: a segment whose keys are unchanged is equal token by token, and only the
    regions between unchanged segments are diffed on tokens. A huge changed region (e.g. a
    replace-all) with as many old as new segments is diffed pair by pair.
    `*_groups` are the token counts of consecutive segments.
    """
    def split(keys, groups):
        out, pos = [], 0
        for n in groups:
            out.append(tuple(keys[pos:pos + n]))
            pos += n
        return out

    def starts(groups):
        acc, out = 0, []
        for n in groups:
            out.append(acc)
            acc += n
        return out + [acc]

    osegs, nsegs = split(old_keys, old_groups), split(new_keys, new_groups)
    ost, nst = starts(old_groups), starts(new_groups)
    ops: list[tuple[str, int, int, int, int]] = []

    def tokdiff(a1, a2, b1, b2):
        sm = difflib.SequenceMatcher(None, old_keys[a1:a2], new_keys[b1:b2], autojunk=False)
        for op, i1, i2, j1, j2 in sm.get_opcodes():
            ops.append((op, a1 + i1, a1 + i2, b1 + j1, b1 + j2))

    seg_sm = difflib.SequenceMatcher(None, osegs, nsegs, autojunk=False)
    for op, i1, i2, j1, j2 in seg_sm.get_opcodes():
        a1, a2, b1, b2 = ost[i1], ost[i2], nst[j1], nst[j2]
        if op == "equal":
            if a2 > a1:
                ops.append(("equal", a1, a2, b1, b2))
        elif (a2 - a1) + (b2 - b1) > BIG_REGION and i2 - i1 == j2 - j1:
            for k in range(i2 - i1):
                tokdiff(ost[i1 + k], ost[i1 + k + 1], nst[j1 + k], nst[j1 + k + 1])
        else:
            tokdiff(a1, a2, b1, b2)
    return ops


def _align(old: list[Word], new: list[str], new_seg: list[int], duration_ms: Ms,
           old_groups: list[int] | None = None) -> list[_Tok]:
    toks = [_Tok(t, s) for t, s in zip(new, new_seg)]
    new_groups = [len(list(g)) for _, g in itertools.groupby(new_seg)]
    opcodes = _opcodes([key(w.text) for w in old], old_groups or [len(old)],
                       [key(t) for t in new], new_groups)
    inserts: list[tuple[int, int]] = []
    for op, i1, i2, j1, j2 in opcodes:
        if op == "equal":
            for k in range(j2 - j1):
                w = old[i1 + k]
                tk = toks[j1 + k]
                tk.start, tk.end, tk.old = w.start, w.end, i1 + k
                tk.probability = w.probability if w.text.strip() == tk.text else None
        elif op == "replace" and i2 - i1 == j2 - j1:
            for k in range(j2 - j1):
                toks[j1 + k].start, toks[j1 + k].end = old[i1 + k].start, max(old[i1 + k].start, old[i1 + k].end)
        elif op == "replace":
            span = spread(new[j1:j2], old[i1].start, max(old[i1].start, old[i2 - 1].end))
            for k, (a, b) in enumerate(span):
                toks[j1 + k].start, toks[j1 + k].end = a, b
        elif op == "insert":
            inserts.append((j1, j2))
        # "delete": the old words simply do not appear
    for j1, j2 in inserts:
        left = toks[j1 - 1] if j1 > 0 else None
        right = toks[j2] if j2 < len(toks) else None
        lo = left.end if left else None
        hi = right.start if right else None
        run = new[j1:j2]
        need = _estimate(run)
        seg = toks[j1].seg
        if lo is not None and hi is not None:
            hi = max(lo, hi)
            if hi - lo <= need:
                a, b = lo, hi
            elif right is not None and right.seg == seg and (left is None or left.seg != seg):
                a, b = hi - need, hi  # first words of a segment: just before the next word
            else:
                a, b = lo, lo + need  # speech continues after the previous word
        elif lo is not None:
            a, b = lo, min(max(lo, duration_ms), lo + need)
        elif hi is not None:
            a, b = max(0, hi - need), hi
        else:
            a, b = 0, min(duration_ms, need) if duration_ms > 0 else need
        for k, (s, e) in enumerate(spread(run, a, b)):
            toks[j1 + k].start, toks[j1 + k].end = s, e
    return toks


def realign(base: Transcript, edits: list[EditedSegment]) -> list[Segment]:
    """The segments of `base` after the edits, with word times realigned.

    Speech segments left without words are dropped. A sound segment needs `start` and
    `end` (ms, start < end); it gets no words. Segment ids are renumbered 0, 1, …; an
    unchanged segment keeps its start and end exactly.
    """
    old_segs = list(base.segments)
    old: list[Word] = []  # written words (pieces merged)
    pieces: list[list[Word]] = []  # the pieces of each of them
    old_groups: list[int] = []
    first_of: dict[int, Segment] = {}  # old word index -> its segment, for the first word
    last_of: dict[int, Segment] = {}
    for s in old_segs:
        ws = groups(words_of(s))
        if ws:
            first_of[len(old)] = s
            last_of[len(old) + len(ws) - 1] = s
            old_groups.append(len(ws))
        pieces.extend(ws)
        old.extend(g[0] if len(g) == 1 else merge(g) for g in ws)

    new: list[str] = []
    new_seg: list[int] = []
    for i, e in enumerate(edits):
        if e.kind == "speech":
            tk = tokens(e.text)
            new.extend(tk)
            new_seg.extend([i] * len(tk))
    aligned = _align(old, new, new_seg, base.duration_ms, old_groups)

    counts = Counter(new_seg)  # edited segment index -> number of tokens
    out: list[Segment] = []
    pos = 0
    for i, e in enumerate(edits):
        if e.kind == "sound":
            if e.start is None or e.end is None or e.end <= e.start:
                raise ValueError(f"segments.{i}: a sound event needs start < end (ms)")
            text = " ".join(tokens(e.text)).strip("*").strip() or "Musik"
            out.append(Segment(id=0, start=e.start, end=e.end,
                               text=text, words=[], speaker=e.speaker, kind="sound"))
            continue
        n = counts.get(i, 0)
        toks = aligned[pos:pos + n]
        pos += n
        if not toks:
            continue
        same = first_of.get(toks[0].old)
        if (same is not None and last_of.get(toks[-1].old) is same
                and all(t.old == toks[0].old + k and old[t.old].text.strip() == t.text
                        for k, t in enumerate(toks))):
            # every word of one old segment, unchanged: keep that segment exactly as it was
            # (its own text and words, even where they differ in spacing from the tokens)
            out.append(same.model_copy(update={"speaker": e.speaker}))
            continue
        words = []
        for t in toks:
            if t.old is not None and old[t.old].text == t.text:
                words.extend(p.model_copy(update={"joined": p.joined and k > 0})
                             for k, p in enumerate(pieces[t.old]))  # as it was, pieces too
            else:
                words.append(Word(start=t.start, end=t.end, text=t.text,
                                  probability=t.probability))
        start, end = words[0].start, words[-1].end
        if toks[0].old in first_of:  # starts where an old segment started: keep its start
            start = min(start, first_of[toks[0].old].start)
        if toks[-1].old in last_of:
            end = max(end, last_of[toks[-1].old].end)
        out.append(Segment(id=0, start=start, end=max(start, end),
                           text=join(words), words=words,
                           speaker=e.speaker, kind="speech"))
    return [s.model_copy(update={"id": k}) for k, s in enumerate(out)]


def edits_of(t: Transcript) -> list[EditedSegment]:
    """A transcript's segments as edits (the identity edit)."""
    return [EditedSegment(text=s.text, speaker=s.speaker, kind=s.kind, start=s.start, end=s.end)
            for s in t.segments]
