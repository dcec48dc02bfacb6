"""Cue drafts from word timings: which words go together, and how they break into lines.

Contract: `segment(transcript, profile, cuts)` returns `Draft`s in time order; each holds
its words (times in ms) and its display lines, but no final in/out times yet — those come
from `timing.time_cues`. Rules, in order of strength:

1. Forced boundaries: a sound/music segment is a cue of its own; a shot change (cut) lies
   between two cues — at the word gap where it falls (by word midpoints), or at a better
   gap whose words lie within the snap window of the cut (`_runs`); the cut is recorded on
   both drafts (`cut_in`, `cut_out`) for timing. A cue holds at most two speakers (the
   second introduced with a dash, each on its own line).
2. Within a run between forced boundaries, a dynamic programme picks the cheapest split:
   every cue must fit the profile's lines × chars/line and span ≤ the target duration;
   breaks cost `linebreak.break_cost` (sentence end 0, clause 1, before conjunction 2,
   before preposition 3, neutral 6, forbidden 100), each cue costs a little (fewer, fuller
   cues), a sentence end inside a cue costs more (one sentence per cue where it fits), a
   cue shorter than the minimum duration costs more, and so do poor line breaks inside it.
3. Lines: one line if the text fits on one, else `linebreak.break_lines`.

Runs in O(words × words-per-cue); a 60-minute transcript segments in well under a second.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from ..models import Transcript
from ..words import is_hallucination, spread
from . import linebreak, sdh
from .profiles import Profile

CUE_COST = 3.0
INNER_SENTENCE_COST = 5.0
SHORT_COST = 6.0  # × missing fraction of the minimum duration
SPEAKER_MIX_COST = 3.0
PAUSE_MS = 1200  # a pause this long is as good a boundary as a sentence end


@dataclass(slots=True)
class Token:
    text: str
    start: int  # ms
    end: int  # ms
    speaker: str | None
    kind: str = "speech"  # "speech" | "sound"
    segment: int = 0  # index of the transcript segment


@dataclass
class Draft:
    tokens: list[Token]
    lines: list[str]
    speakers: list[str | None]  # per line
    kind: str = "speech"
    cut_in: int | None = None  # the shot change (ms) this cue begins at, if any
    cut_out: int | None = None  # the shot change (ms) this cue must end before, if any

    @property
    def first(self) -> int:
        return self.tokens[0].start

    @property
    def last(self) -> int:
        return max(t.end for t in self.tokens)

    @property
    def speaker(self) -> str | None:
        return self.speakers[0] if self.speakers else None


@dataclass
class Options:
    names: frozenset[str] = field(default_factory=frozenset)  # extra first names (lowercase)


def tokens_of(transcript: Transcript, default_speaker=None) -> list[Token]:
    """Words of the transcript as tokens; segments without word timings get their text's
    words spread over the segment by character count. Hallucinated lines are dropped
    (QC reports any that remain in captions). `default_speaker(ms)` gives a clip's
    speaker when a segment has none."""
    out: list[Token] = []
    for si, seg in enumerate(transcript.segments):
        spk = seg.speaker if seg.speaker is not None else (
            default_speaker(seg.start) if default_speaker else None)
        if seg.kind == "sound":
            out.append(Token(sdh.sound_tag(seg.text), seg.start, max(seg.end, seg.start + 1),
                             spk, "sound", si))
            continue
        if is_hallucination(seg.text):
            continue
        words = [(sdh.clean(w.text), w.start, w.end) for w in seg.words]
        words = [w for w in words if w[0]]
        if not words:
            toks = [w for w in sdh.clean(seg.text).split(" ") if w]
            words = [(t, a, b) for t, (a, b) in
                     zip(toks, spread(toks, seg.start, max(seg.end, seg.start + len(toks))))]
        for text, start, end in words:
            for part in text.split(" "):  # a "word" holding spaces becomes several tokens
                out.append(Token(part, start, max(end, start + 1), spk, "speech", si))
    out.sort(key=lambda t: (t.start, t.end))
    return out


def _runs(tokens: list[Token], cuts: list[int], snap: int = 0,
          names: frozenset[str] = frozenset()) -> list["Run"]:
    """Split tokens at forced boundaries: sound events and shot changes.

    A cut splits at the word gap where it falls (by word midpoints), or at a better gap
    nearby: any gap whose next word starts within `snap` ms of the cut and whose previous
    word ends no later than `snap` ms after it (timing then snaps the in-time to the cut and
    ends the cue before it), choosing the lowest break cost, then the nearest gap.
    """
    n = len(tokens)
    forced: dict[int, list[int]] = {}  # boundary before token k -> the cuts placed there
    for k in range(1, n):
        if tokens[k].kind == "sound" or tokens[k - 1].kind == "sound":
            forced.setdefault(k, [])
    mids = [(t.start + t.end) // 2 for t in tokens]
    for c in cuts:
        k0 = bisect.bisect_right(mids, c)  # first token whose midpoint lies after the cut
        if n and 0 < k0 < n:
            best = (break_cost_at(tokens, k0, names), 0, k0)
            for k in range(max(1, k0 - 4), min(n, k0 + 5)):
                if k == k0 or abs(tokens[k].start - c) > snap or tokens[k - 1].end > c + snap:
                    continue
                cand = (break_cost_at(tokens, k, names), abs(tokens[k].start - c), k)
                if cand < best:
                    best = cand
            k0 = best[2]
        forced.setdefault(k0, []).append(c)  # k0 == 0: before all words; n: after all
    runs: list[Run] = []
    cur: list[Token] = []
    cut_in = max(forced.get(0, []), default=None)
    for k, tok in enumerate(tokens):
        if cur and k in forced:
            here = forced[k]
            runs.append(Run(cur, cut_in, min(here, default=None)))
            cur = []
            cut_in = max(here, default=None)
        cur.append(tok)
    if cur:
        runs.append(Run(cur, cut_in, min(forced.get(n, []), default=None)))
    return runs


@dataclass
class Run:
    """Words between two forced boundaries, and the cuts at either end."""

    tokens: list[Token]
    cut_in: int | None = None
    cut_out: int | None = None


def break_cost_at(tokens: list[Token], k: int, names: frozenset[str] = frozenset()) -> float:
    """Cost of a boundary before token k (speaker change and long pause count as sentence end)."""
    a, b = tokens[k - 1], tokens[k]
    if b.start - a.end >= PAUSE_MS or a.speaker != b.speaker:
        return linebreak.SENTENCE_END
    return linebreak.break_cost(a.text, b.text, names)


def segment(transcript: Transcript, profile: Profile, cuts: list[int] | None = None,
            options: Options | None = None, default_speaker=None,
            fps: float = 25.0) -> list[Draft]:
    """Cue drafts for `transcript` under `profile`, never spanning a cut in `cuts` (ms);
    `fps` converts the profile's snap window (frames) to ms."""
    options = options or Options()
    tokens = tokens_of(transcript, default_speaker)
    drafts: list[Draft] = []
    snap = profile.frames_ms(profile.snap_frames, fps)
    for run in _runs(tokens, sorted(cuts or []), snap, options.names):
        if run.tokens[0].kind == "sound":
            part = [Draft(run.tokens, [run.tokens[0].text], [run.tokens[0].speaker], "sound")]
        else:
            frame = profile.frames_ms(1, fps) or 1
            gap = max(profile.frames_ms(profile.min_gap_frames, fps),
                      profile.frames_ms(profile.chain_to_frames, fps))
            part = _segment_run(run.tokens, profile, options.names,
                                not_before=None if run.cut_in is None else
                                run.cut_in + gap + frame,
                                not_after=None if run.cut_out is None else
                                run.cut_out - profile.frames_ms(profile.chain_to_frames, fps)
                                - frame)
        part[0].cut_in = run.cut_in
        part[-1].cut_out = run.cut_out
        drafts.extend(part)
    return drafts


def _segment_run(run: list[Token], p: Profile, names: frozenset[str],
                 not_before: int | None = None, not_after: int | None = None) -> list[Draft]:
    """DP split of one run. The run's first cue may start at a cut later than its first
    word, so the second cue may not start before `not_before` (cut + gap + one frame); the
    last cue ends before a cut, so it must start before `not_after`."""
    n = len(run)
    cpl, max_lines = p.chars_per_line, p.max_lines
    max_chars = cpl * max_lines
    target = p.target_duration_ms
    min_dur = p.min_duration_ms
    lens = [len(t.text) for t in run]
    # cost of a boundary before token k (1..n-1)
    bcost = [0.0] * (n + 1)
    sent_end = [False] * n  # token k ends a sentence (or a long pause follows it)
    for k in range(1, n):
        c = break_cost_at(run, k, names)
        bcost[k] = c
        sent_end[k - 1] = c == linebreak.SENTENCE_END
    INF = float("inf")
    dp = [INF] * (n + 1)
    back = [0] * (n + 1)
    dp[0] = 0.0
    for j in range(1, n + 1):
        chars = -1
        inner_sent = 0
        spk_changes = 0
        for i in range(j - 1, -1, -1):
            chars += lens[i] + 1
            if i < j - 1:
                if sent_end[i]:
                    inner_sent += 1
                if run[i].speaker != run[i + 1].speaker:
                    spk_changes += 1
            if i < j - 1 and (chars > max_chars or run[j - 1].end - run[i].start > target
                              or spk_changes > 1):
                break
            if dp[i] == INF:
                continue
            if i == 0 and j < n and not_before is not None and run[j].start < not_before:
                continue
            if j == n and i > 0 and not_after is not None and run[i].start >= not_after:
                continue
            chunk_cost = _chunk_cost(run, i, j, chars, inner_sent, spk_changes, bcost, lens,
                                     cpl, max_lines, min_dur)
            if chunk_cost == INF:
                continue
            total = dp[i] + bcost[i] + chunk_cost
            if total < dp[j]:
                dp[j] = total
                back[j] = i
    if dp[n] == INF:
        if not_before is not None or not_after is not None:
            return _segment_run(run, p, names)  # the cut constraints cannot be met: drop them
        raise AssertionError("segmentation found no split")  # single words always fit
    out: list[Draft] = []
    j = n
    bounds = []
    while j > 0:
        i = back[j]
        bounds.append((i, j))
        j = i
    for i, j in reversed(bounds):
        out.append(_draft(run[i:j], p, names))
    return out


def _chunk_cost(run, i, j, chars, inner_sent, spk_changes, bcost, lens, cpl, max_lines,
                min_dur) -> float:
    cost = CUE_COST + INNER_SENTENCE_COST * inner_sent
    dur = run[j - 1].end - run[i].start
    if min_dur and dur < min_dur:
        cost += SHORT_COST * (1 - dur / min_dur)
    if spk_changes:
        if max_lines < 2:
            return float("inf")
        k = next(m for m in range(i + 1, j) if run[m].speaker != run[m - 1].speaker)
        a = sum(lens[i:k]) + (k - i - 1)
        b = sum(lens[k:j]) + (j - k - 1) + 2  # "- " before the new speaker
        if a > cpl or b > cpl:
            return float("inf")
        return cost + SPEAKER_MIX_COST
    if chars <= cpl:
        return cost
    if j - i == 1:
        return cost + linebreak.FORBIDDEN  # one overlong word: QC reports chars/line
    if not linebreak.fits(lens[i:j], cpl, max_lines):
        return float("inf")
    # best single break for two lines (three-line profiles: approximate with the same)
    best = float("inf")
    left = -1
    for k in range(i + 1, j):
        left += lens[k - 1] + 1
        right = chars - left - 1
        if left > cpl:
            break
        if right <= cpl * (max_lines - 1):
            best = min(best, bcost[k] + linebreak._imbalance(left, right, cpl))
    return cost + (best if best != float("inf") else linebreak.NEUTRAL)


def _draft(tokens: list[Token], p: Profile, names: frozenset[str]) -> Draft:
    words = [t.text for t in tokens]
    k = next((m for m in range(1, len(tokens)) if tokens[m].speaker != tokens[m - 1].speaker),
             None)
    if k is not None:
        lines = [" ".join(words[:k]), "- " + " ".join(words[k:])]
        return Draft(tokens, lines, [tokens[0].speaker, tokens[k].speaker])
    lines = linebreak.break_lines(words, p.chars_per_line, p.max_lines, names)
    if lines is None:  # a single word longer than a line: keep it, QC reports chars/line
        lines = [" ".join(words)]
    return Draft(tokens, lines, [tokens[0].speaker] * len(lines))


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
