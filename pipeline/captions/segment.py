"""Cue drafts from word timings: which words go together, and how they break into lines.

Contract: `segment(transcript, profile, cuts)` returns `Draft`s in time order; each holds
its words (times in ms) and its display lines; `timing.time_cues` gives them their in/out
times. One dynamic programme over all words picks the cheapest split into cues, and it
knows each candidate cue's exact times: a cue's times depend only on its own words and on
the next cue's first word (`timing.Timer`), so the costs below are those of the cues as
they will be shown. Rules, in order of strength:

1. Forced boundaries: a sound/music segment is a cue of its own. A cue holds at most two
   speakers (the second introduced with a dash, each on its own line).
2. Every cue fits the profile's lines × chars/line and its words span ≤ the target
   duration.
3. Costs: the break between two cues costs `linebreak.cue_break_cost` (sentence end 0,
   clause 1, before a conjunction 2, before a preposition 3, neutral 6, forbidden 100 —
   the line-break rules, plus no cue ending on a conjunction); a cue shown shorter than
   the profile's minimum duration costs more than any break (`BELOW_MIN_COST`); a cue of
   one or two words that ends no sentence is a fragment (`FRAGMENT_COST`); a sentence's
   first words left at a cue's end (`STRANDED_COST`) and a one-word rest of a sentence
   (`REST_COST`) are nearly as bad; a cue holding parts of two sentences that are not both
   whole in it costs `MIXED_COST`, a break inside a sentence that fits one cue
   `SPLIT_COST`; each cue costs a little (fewer, fuller cues), a sentence end inside a cue
   costs more (one sentence per cue where it fits), and so do poor line breaks inside it
   (one- and two-word lines among them, `linebreak.short_line_cost`).
4. Shot changes (cuts) are not boundaries: timing snaps an in/out time near a cut onto it
   and lets a cue run across a cut only where speech runs across it with ≥ 12 frames on
   both sides. Running across costs `CROSS_COST` (avoid it where a good break lies at the
   cut), a cue edge left within the snap window of a cut costs `NEAR_CUT_COST`, and an
   out-time pulled back before the last word (or an in-time late after the first) costs
   by the amount.
5. Lines: one line if the text fits on one, else `linebreak.break_lines`.

Runs in O(words × words-per-cue); a 60-minute transcript segments in well under a second.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from ..models import Transcript
from ..words import is_hallucination, spread, written
from . import linebreak, sdh
from .profiles import Profile
from .timing import Timer, min_duration_of, reading_units

CUE_COST = 3.0
INNER_SENTENCE_COST = 5.0
SPEAKER_MIX_COST = 3.0
CUE_FORBIDDEN = 1.5 * linebreak.FORBIDDEN  # a forbidden break between cues is worse than
# the same break between two lines of one cue: the reader waits a whole cue for the rest
BELOW_MIN_COST = 150.0  # a cue shown shorter than the minimum duration (+ missing fraction)
FRAGMENT_COST = 40.0  # one or two words that end no sentence
REST_COST = 30.0  # one word ending a sentence begun in the previous cue ("geschlossen.")
PART_COST = 8.0  # two words ending a sentence begun in the previous cue
MIXED_COST = 12.0  # a cue holding parts of two sentences, not both whole
SPLIT_COST = 8.0  # a cue break inside a sentence that fits one cue
STRANDED_COST = 30.0  # a sentence's first one or two words left at a cue's end
# ("… gekostet. Heute" | "schlägt …")
CROSS_COST = 5.0  # per cut a cue runs across
NEAR_CUT_COST = 60.0  # an in/out time within the snap window of a cut, not on it
SYNC_COST = 1.0  # per 100 ms an out-time precedes the last word / an in-time trails the first
PAUSE_MS = 1200  # a pause this long is as good a boundary as a sentence end
SYNC_MS = 100  # EN 301 549 7.1.2 tolerance


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
    """Written words of the transcript as tokens (Whisper's pieces joined: "KI-Einführung"
    is one token, never broken between lines or cues); segments without word timings get
    their text's words spread over the segment by character count. Hallucinated lines are dropped
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
        words = [(sdh.clean(w.text), w.start, w.end) for w in written(seg.words)]
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


def break_cost_at(tokens: list[Token], k: int, names: frozenset[str] = frozenset()) -> float:
    """Cost of a boundary before token k (speaker change and long pause count as sentence end)."""
    a, b = tokens[k - 1], tokens[k]
    if b.start - a.end >= PAUSE_MS or a.speaker != b.speaker:
        return linebreak.SENTENCE_END
    return linebreak.break_cost(a.text, b.text, names)


def cue_break_cost_at(tokens: list[Token], k: int,
                      names: frozenset[str] = frozenset()) -> float:
    """Cost of a cue boundary before token k: the line-break rules, and no cue ending on a
    conjunction (speaker change and long pause count as sentence end); a forbidden one
    costs `CUE_FORBIDDEN`."""
    a, b = tokens[k - 1], tokens[k]
    if b.start - a.end >= PAUSE_MS or a.speaker != b.speaker:
        return linebreak.SENTENCE_END
    cost = linebreak.cue_break_cost(a.text, b.text, names)
    return CUE_FORBIDDEN if cost >= linebreak.FORBIDDEN else cost


def segment(transcript: Transcript, profile: Profile, cuts: list[int] | None = None,
            options: Options | None = None, default_speaker=None,
            fps: float = 25.0, duration_ms: int | None = None) -> list[Draft]:
    """Cue drafts for `transcript` under `profile`, timed around the shot changes `cuts`
    (ms) as `timing.Timer` times them; `fps` converts the profile's frame figures to ms,
    `duration_ms` is the programme's end (the last out-time's bound)."""
    options = options or Options()
    tokens = tokens_of(transcript, default_speaker)
    if not tokens:
        return []
    timer = Timer(profile, fps, cuts, duration_ms, spans=[(t.start, t.end) for t in tokens])
    return _split(tokens, profile, options.names, timer)


def _split(run: list[Token], p: Profile, names: frozenset[str], timer: Timer) -> list[Draft]:
    """The dynamic programme over all tokens (see the module doc for the costs)."""
    n = len(run)
    cpl, max_lines = p.chars_per_line, p.max_lines
    max_chars = cpl * max_lines
    target = p.target_duration_ms
    lens = [len(t.text) for t in run]
    words = [len(t.text.split()) for t in run]  # what a words/min profile counts
    sound = [t.kind == "sound" for t in run]
    starts = [t.start for t in run]
    ins = [timer.in_time(s) for s in starts]  # a cue beginning at token k starts at ins[k]
    cut_after = [bisect_right(timer.cuts, s) for s in ins]  # first cut after that in-time
    in_cost = [NEAR_CUT_COST if _near_cut(timer, s) else 0.0 for s in ins]
    # line-break cost (inside a cue) and cue-break cost of a boundary before token k
    lcost = [0.0] * (n + 1)
    ccost = [0.0] * (n + 1)
    sent_end = [False] * n  # token k ends a sentence (or a long pause follows it)
    final = [linebreak.ends_sentence(t.text) for t in run]  # ends a sentence by punctuation
    for k in range(1, n):
        if sound[k] or sound[k - 1]:
            continue  # a forced boundary
        lcost[k] = break_cost_at(run, k, names)
        ccost[k] = cue_break_cost_at(run, k, names)
        sent_end[k - 1] = lcost[k] == linebreak.SENTENCE_END
    _split_whole_sentences(run, sound, sent_end, lens, p, ccost)
    sound_units = {k: reading_units([run[k].text], p, "sound") for k in range(n) if sound[k]}
    spaces, wpm = p.count_spaces, p.reading_unit == "wpm"
    INF = float("inf")
    dp = [INF] * (n + 1)
    back = [0] * (n + 1)
    dp[0] = 0.0
    ends = [t.end for t in run]
    spk = [t.speaker for t in run]
    min_base, per_word = p.min_duration_ms, p.min_ms_per_word
    sound_min = min_duration_of(1, "sound", p)
    for j in range(1, n + 1):
        next_start = ins[j] if j < n else None
        end_j = ends[j - 1]
        chars = -1
        nwords = 0
        inner_sent = 0
        tail = 0  # words after the last sentence end inside the cue
        open_end = j < n and not sent_end[j - 1]  # the cue's last sentence goes on
        spk_changes = 0
        last = 0
        for i in range(j - 1, -1, -1):
            single = i == j - 1
            if not single:
                if sound[i] or sound[j - 1]:
                    break  # a sound event is a cue of its own
                if sent_end[i]:
                    if not inner_sent:
                        tail = j - 1 - i
                    inner_sent += 1
                if spk[i] != spk[i + 1]:
                    spk_changes += 1
            chars += lens[i] + 1
            nwords += words[i]
            if ends[i] > last:
                last = ends[i]
            if not single and (chars > max_chars or end_j - starts[i] > target
                               or spk_changes > 1):
                break
            base = dp[i] + ccost[i] + in_cost[i]
            if base >= dp[j]:
                continue  # every cost below is positive (and dp[i] may be inf)
            if sound[i]:
                units, cost, min_dur = sound_units[i], 0.0, sound_min
            else:
                if base + CUE_COST + INNER_SENTENCE_COST * inner_sent >= dp[j]:
                    continue
                units = float(nwords if wpm else chars if spaces else chars - (j - i - 1))
                cost = _chunk_cost(run, i, j, chars, inner_sent, spk_changes, lcost, lens,
                                   cpl, max_lines)
                if cost == INF:
                    continue
                if j - i <= 2:  # fragments: one or two words
                    if not final[j - 1]:
                        cost += FRAGMENT_COST
                    elif i > 0 and not sent_end[i - 1]:
                        cost += REST_COST if j - i == 1 else PART_COST
                if inner_sent and (open_end or (i > 0 and not sent_end[i - 1])):
                    cost += MIXED_COST  # a new sentence starts a new cue unless both fit
                    if open_end and tail <= 2:
                        cost += STRANDED_COST
                min_dur = per_word * (j - i)
                if min_dur < min_base:
                    min_dur = min_base
            total = base + cost
            if total >= dp[j]:
                continue  # timing costs are never negative
            total += _timing_cost(timer, ins[i], starts[i], last, units, min_dur, next_start,
                                  cut_after[i])
            if total < dp[j]:
                dp[j] = total
                back[j] = i
    out: list[Draft] = []
    bounds = []
    j = n
    while j > 0:
        i = back[j]
        bounds.append((i, j))
        j = i
    for i, j in reversed(bounds):
        if sound[i]:
            out.append(Draft(run[i:j], [run[i].text], [run[i].speaker], "sound"))
        else:
            out.append(_draft(run[i:j], p, names))
    return out


def _split_whole_sentences(run: list[Token], sound: list[bool], sent_end: list[bool],
                           lens: list[int], p: Profile, ccost: list[float]) -> None:
    """Add `SPLIT_COST` to the cue-break cost inside every sentence that fits one cue (its
    words fit the profile's lines, its speech lasts at most the target duration): such a
    sentence is split only where that buys more, e.g. a cue that cannot run across a cut."""
    n = len(run)
    a = 0
    for k in range(n):
        if not (k == n - 1 or sent_end[k] or sound[k] or sound[k + 1]):
            continue
        if k > a and not sound[a] and run[k].end - run[a].start <= p.target_duration_ms \
                and linebreak.fits(lens[a:k + 1], p.chars_per_line, p.max_lines):
            for m in range(a + 1, k + 1):
                ccost[m] += SPLIT_COST
        a = k + 1


def _timing_cost(timer: Timer, start: int, first: int, last: int, units: float, min_dur: int,
                 next_start: int | None, ci: int) -> float:
    """What the cue's times cost: below the minimum duration, cuts run across, an out-time
    left beside a cut, out-time before the last word, in-time after the first. `ci`: index
    of the first cut after `start` (an in-time beside a cut is costed per token)."""
    end = timer.out_time(start, first, last, units, min_dur, next_start, ci)
    cost = 0.0
    dur = end - start
    if dur < min_dur:
        cost += BELOW_MIN_COST * (1.0 + (min_dur - dur) / min_dur)
    if end < last - SYNC_MS:
        cost += SYNC_COST * (last - end) / 100.0
    if start > first + SYNC_MS:
        cost += SYNC_COST * (start - first) / 100.0
    if start >= last:
        cost += BELOW_MIN_COST  # shown only after its words were spoken
    cuts = timer.cuts
    snap, chain_to = timer.snap, timer.chain_to
    nc = len(cuts)
    k = ci - 1  # a cut on the in-time, or just before it, may lie beside a short cue's end
    while k > 0 and cuts[k - 1] > end - snap:
        k -= 1
    k = max(k, 0)
    while k < nc:
        c = cuts[k]
        if c >= end + snap:
            break
        if start < c < end:
            cost += CROSS_COST
        if end - snap < c and abs(c - end - chain_to) > 1:
            cost += NEAR_CUT_COST
        k += 1
    return cost


def _near_cut(timer: Timer, t: int) -> bool:
    """Whether a cut lies within the snap window of `t` (less than 12 frames), not on it."""
    cuts, snap = timer.cuts, timer.snap
    k = bisect_left(cuts, t - snap + 1)
    return k < len(cuts) and cuts[k] < t + snap and (cuts[k] != t or (
        k + 1 < len(cuts) and cuts[k + 1] < t + snap))


def _chunk_cost(run, i, j, chars, inner_sent, spk_changes, bcost, lens, cpl,
                max_lines) -> float:
    """The cost of tokens i..j-1 as one cue's text: per cue, sentence ends inside it,
    speaker mix, line breaks (`bcost`: line-break cost before each token); inf if it
    cannot be laid out."""
    cost = CUE_COST + INNER_SENTENCE_COST * inner_sent
    if spk_changes:
        if max_lines < 2:
            return float("inf")
        k = next(m for m in range(i + 1, j) if run[m].speaker != run[m - 1].speaker)
        a = sum(lens[i:k]) + (k - i - 1)
        b = sum(lens[k:j]) + (j - k - 1) + 2  # "- " before the new speaker
        if a > cpl or b > cpl:
            return float("inf")
        if j - k <= 2 and not linebreak.ends_sentence(run[j - 1].text):
            cost += FRAGMENT_COST  # "- Was" | "würden Sie …": a fragment inside the cue
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
            best = min(best, bcost[k] + linebreak._imbalance(left, right, cpl)
                       + linebreak.short_line_cost(k - i, left, cpl)
                       + linebreak.short_line_cost(j - k, right, cpl))
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


