"""Chapter suggestions from the transcript (never written into film.yaml by themselves).

Units are stretches of continuous speech (transcript segments, split at pauses of at least
PAUSE_SPLIT_MS). Chapter boundaries fall between units and are found in one go by dynamic
programming over all segmentations (Utiyama & Isahara's 2001 statistical model, the idea
behind many unsupervised topic segmenters):

- topic: each chapter's content-word stems (see `text.py`) should be well explained by
  the chapter's own word distribution (Laplace-smoothed multinomial; cost in nats); a
  topic shift makes splitting there cheap;
- every boundary costs log(number of content words) (the model's prior), so chapters
  only appear where the vocabulary really changes;
- cue evidence at a gap lowers that cost by BETA × evidence, evidence in [0, 1] being
  0.20 × pause (0 at ≤0.3 s, full at ≥2.3 s) + 0.15 × speaker change + 0.10 × shot
  change (a cut from `cache/<film>/cuts.json` within ±1 s), divided by 0.45;
- goals: a chapter saves GAMMA nats per word matching its dominant learning goal's text,
  so a chapter tends to keep together what serves one goal;
- chapters are at least `min_length_ms` long; at most `max_chapters`.

A chapter starts at the next speech minus half the pause (at most 1 s), rounded to whole
seconds; the first starts at 0. The reported `topic_shift` is 1 − cosine similarity of the
word stems of the chapters on either side.

Goals: each chapter's word bag is matched against each goal's text (stems; compound heads
count half); a goal term counts with its inverse chapter frequency and saturates after
two mentions. The score is the weighted share of the goal's terms found, in [0, 1].
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from pydantic import ConfigDict, Field

from .. import timecode
from ..models import LearningGoal, Strict, Transcript, utcnow
from ..words import written
from .text import content, related

PAUSE_SPLIT_MS = 1200  # a pause this long inside a segment makes a candidate too


# --- the reviewable file: chapters/<film>/suggestions.yaml -------------------------------


class GoalCandidate(Strict):
    id: str
    score: float  # 0..1
    matched: list[str] = Field(default_factory=list)  # transcript words that matched


class Evidence(Strict):
    score: float  # 0.55 × topic_shift + 0.45 × cue evidence, 0..1 (for reading, not used)
    topic_shift: float  # 1 − cosine of the stems of the chapters on either side, 0..1
    pause_s: float
    speaker_change: bool
    shot_change: bool


class SuggestedChapter(Strict):
    """start/title/goals (and summary/quote/questions if an editor adds them) are what
    `chapters accept` takes into film.yaml; `why` and `candidates` explain the proposal."""

    start: str  # timecode, as in film.yaml
    title: str
    goals: list[str] = Field(default_factory=list)
    summary: str | None = None
    quote: dict | None = None
    questions: list[str] = Field(default_factory=list)
    why: Evidence | None = None  # None for the first chapter (starts at 0:00)
    candidates: list[GoalCandidate] = Field(default_factory=list)


class Suggestions(Strict):
    model_config = ConfigDict(extra="forbid")

    film: str
    created_at: str = Field(default_factory=utcnow)
    transcript: dict = Field(default_factory=dict)  # path, revision, sha256 it was made from
    parameters: dict = Field(default_factory=dict)
    chapters: list[SuggestedChapter]


# --- algorithm ----------------------------------------------------------------------------


BETA = 12.0  # nats a boundary's cue evidence (0..1) can save; tuned on tests' synthetic film
GAMMA = 2.0  # nats a chapter saves per word of its dominant learning goal (see above)


@dataclass
class Params:
    min_length_ms: int = 30_000
    max_chapters: int = 12
    goal_min_score: float = 0.15  # a goal is pre-selected if its score reaches this


@dataclass
class Unit:
    """A stretch of continuous speech: one segment, or a part of one split at a pause."""

    start: int
    end: int
    speaker: str | None
    words: list[str]  # surface words
    stems: list[tuple[str, str]] = field(default_factory=list)  # (surface, stem) content


def units(t: Transcript) -> list[Unit]:
    out: list[Unit] = []
    for seg in t.segments:
        if seg.kind != "speech":
            continue
        if not seg.words:
            out.append(Unit(seg.start, seg.end, seg.speaker, seg.text.split()))
            continue
        cur = Unit(seg.words[0].start, seg.words[0].end, seg.speaker, [])
        prev_end = seg.words[0].start
        for w in written(seg.words):  # whole words: "KI-Einführung" is one
            if cur.words and w.start - prev_end >= PAUSE_SPLIT_MS:
                out.append(cur)
                cur = Unit(w.start, w.end, seg.speaker, [])
            cur.words.append(w.text)
            cur.end = w.end
            prev_end = w.end
        out.append(cur)
    for u in out:
        u.stems = content(" ".join(u.words))
    return [u for u in out if u.words]


def _cos(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb)


@dataclass
class Gap:
    """The gap before units[index]: proposed chapter start and cue evidence."""

    index: int
    time: int  # ms
    pause_ms: int
    speaker_change: bool
    shot_change: bool

    @property
    def cues(self) -> float:
        """Non-topic evidence in [0, 1]."""
        pause = min(1.0, max(0.0, (self.pause_ms - 300) / 2000))
        return (0.20 * pause + 0.15 * self.speaker_change + 0.10 * self.shot_change) / 0.45


def gaps(us: list[Unit], cuts: list[int]) -> list[Gap]:
    out = []
    for i in range(1, len(us)):
        gap_start, gap_end = us[i - 1].end, us[i].start
        pause = max(0, gap_end - gap_start)
        a, b = us[i - 1].speaker, us[i].speaker
        t = int(round((gap_end - min(pause // 2, 1000)) / 1000) * 1000)
        out.append(Gap(i, t, pause, a is not None and b is not None and a != b,
                       any(gap_start - 1000 <= c <= gap_end + 1000 for c in cuts)))
    return out


def _costs(us: list[Unit]) -> list[list[float]]:
    """cost[i][j]: nats to code the stems of units i..j-1 with their own smoothed
    distribution: −Σ_w f_w·log((f_w+1)/(n+V)) = n·log(n+V) − Σ_w f_w·log(f_w+1)."""
    n = len(us)
    vocab = len({s for u in us for _, s in u.stems}) or 1
    cost = [[0.0] * (n + 1) for _ in range(n + 1)]
    for i in range(n):
        counts: Counter = Counter()
        acc, total = 0.0, 0
        for j in range(i + 1, n + 1):
            for _, s in us[j - 1].stems:
                f = counts[s]
                acc += (f + 1) * math.log(f + 2) - f * math.log(f + 1)
                counts[s] = f + 1
                total += 1
            cost[i][j] = total * math.log(total + vocab) - acc if total else 0.0
    return cost


def _goal_affinity(us: list[Unit], goals: list[LearningGoal]) -> list[list[float]]:
    """prefix[g][i]: goal g's term matches (compound heads half) in units 0..i-1."""
    terms = [goal_terms(g) for g in goals]
    prefix = []
    for ts in terms:
        acc, row = 0.0, [0.0]
        for u in us:
            acc += sum(max((related(t, s) for t in ts), default=0.0) for _, s in u.stems)
            row.append(acc)
        prefix.append(row)
    return prefix


def segment(us: list[Unit], gs: list[Gap], duration_ms: int, p: Params,
            goals: list[LearningGoal] | None = None) -> list[Gap]:
    """The gaps that start chapters 2, 3, … in the cheapest segmentation."""
    n = len(us)
    if n < 2:
        return []
    cost = _costs(us)
    if goals and GAMMA:
        # a chapter that concentrates the words of one learning goal is cheaper
        aff = _goal_affinity(us, goals)
        for i in range(n):
            for j in range(i + 1, n + 1):
                cost[i][j] -= GAMMA * max(row[j] - row[i] for row in aff)
    penalty = math.log(max(2, sum(len(u.stems) for u in us)))
    start = [0] + [g.time for g in gs] + [duration_ms]  # start[i]: time of chapter at unit i
    kmax = max(1, min(p.max_chapters, duration_ms // max(1, p.min_length_ms)))
    inf = float("inf")
    best = [[inf] * (kmax + 1) for _ in range(n + 1)]
    back = [[-1] * (kmax + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for j in range(1, n + 1):
        for i in range(j):
            if start[j] - start[i] < p.min_length_ms and not (i == 0 and j == n):
                continue
            extra = 0.0 if i == 0 else penalty - BETA * gs[i - 1].cues
            for m in range(kmax):
                if best[i][m] == inf:
                    continue
                v = best[i][m] + cost[i][j] + extra
                if v < best[j][m + 1]:
                    best[j][m + 1], back[j][m + 1] = v, i
    m = min(range(1, kmax + 1), key=lambda k: best[n][k])
    if best[n][m] == inf:
        return []
    cuts_at, j = [], n
    while j > 0:
        i = back[j][m]
        if i > 0:
            cuts_at.append(gs[i - 1])
        j, m = i, m - 1
    return sorted(cuts_at, key=lambda g: g.time)


def goal_terms(g: LearningGoal) -> list[str]:
    return list(dict.fromkeys(s for _, s in content(g.text)))


def rank_goals(bags: list[list[tuple[str, str]]], goals: list[LearningGoal]
               ) -> list[list[GoalCandidate]]:
    """For each chapter's (surface, stem) bag, goals ranked by score (best first)."""
    n = len(bags)
    stems_per = [Counter(s for _, s in bag) for bag in bags]

    def tf(term: str, counts: Counter) -> float:
        return sum(c * related(term, s) for s, c in counts.items())

    out = []
    terms = {g.id: goal_terms(g) for g in goals}
    df = {t: sum(1 for c in stems_per if tf(t, c) > 0) for ts in terms.values() for t in ts}
    idf_max = math.log(1 + n)
    for bag, counts in zip(bags, stems_per):
        ranked = []
        for g in goals:
            ts = terms[g.id]
            if not ts:
                continue
            total, matched = 0.0, Counter()
            for t in ts:
                f = tf(t, counts)
                if f <= 0:
                    continue
                idf = math.log(1 + n / df[t])
                total += idf * min(1.0, f / 2)
                for surface, s in bag:
                    if related(t, s):
                        matched[surface] += 1
            score = total / (idf_max * len(ts))
            if score > 0:
                ranked.append(GoalCandidate(id=g.id, score=round(score, 3),
                                            matched=[w for w, _ in matched.most_common(8)]))
        ranked.sort(key=lambda c: (-c.score, c.id))
        out.append(ranked)
    return out


def title_for(bag: list[tuple[str, str]], others: list[list[tuple[str, str]]]) -> str:
    """Two most distinctive content words of a chapter, as spoken (editors rewrite it)."""
    counts = Counter(s for _, s in bag)
    df = Counter(s for o in others for s in {s for _, s in o})
    n = len(others)
    surface: dict[str, Counter] = {}
    for w, s in bag:
        surface.setdefault(s, Counter())[w] += 1
    # German nouns are capitalised: prefer stems spoken as nouns somewhere in the chapter
    nouns = [s for s in counts if any(w[:1].isupper() for w in surface[s])]
    ranked = sorted(nouns or counts,
                    key=lambda s: (-counts[s] * math.log(1 + n / max(1, df[s])), s))
    words = []
    for s in ranked[:2]:
        w = surface[s].most_common(1)[0][0]
        words.append(w[:1].upper() + w[1:])
    return " · ".join(words) if words else "Abschnitt"


def suggest(t: Transcript, goals: list[LearningGoal], duration_ms: int,
            cuts: list[int] | None = None, params: Params | None = None) -> list[SuggestedChapter]:
    p = params or Params()
    us = units(t)
    gs = gaps(us, cuts or [])
    chosen = segment(us, gs, duration_ms, p, goals)
    bounds = [0] + [g.time for g in chosen] + [duration_ms]
    bags = [[x for u in us if a <= (u.start + u.end) // 2 < b for x in u.stems]
            for a, b in zip(bounds, bounds[1:])]
    ranking = rank_goals(bags, goals)
    out = []
    for k, (bag, ranked) in enumerate(zip(bags, ranking)):
        why = None
        if k:
            g = chosen[k - 1]
            shift = 1.0 - _cos(Counter(s for _, s in bags[k - 1]), Counter(s for _, s in bag))
            why = Evidence(score=round(0.55 * shift + 0.45 * g.cues, 3),
                           topic_shift=round(shift, 3), pause_s=round(g.pause_ms / 1000, 2),
                           speaker_change=g.speaker_change, shot_change=g.shot_change)
        picked = [ranked[0].id] if ranked and ranked[0].score >= p.goal_min_score else []
        out.append(SuggestedChapter(
            start=timecode.manifest(bounds[k]), title=title_for(bag, bags), goals=picked, why=why,
            candidates=ranked[:3]))
    return out
