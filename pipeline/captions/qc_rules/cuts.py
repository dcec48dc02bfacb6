"""Caption rules of issue 12: cues across shot changes, without fragments.

Registered after the core rules (the report's order). Figures: the profile's snap window
(`snap_frames`, 12 frames) and chaining distance (`chain_to_frames`, 2 frames) at the
film's frame rate.

- `cut_edge`: an in-time within the snap window of a cut but not on it, or an out-time
  within it but not `chain_to_frames` before the cut (an out-time on, or one frame before,
  a cut is `shot_change`'s finding already).
- `cue_fragment`: a speech cue of one or two words that ends no sentence, each named; and,
  as a finding on the file, a share of such cues above `FRAGMENT_SHARE` (3 %).
- `cue_break`: the break between a cue and the next of the same speaker falls where no
  line may break (`linebreak.cue_break_cost`: article | noun, adjective | noun,
  "zwei volle | Arbeitstage", a cue ending on a conjunction, …), unless a long pause lies
  between them.
"""

from __future__ import annotations

import bisect

from ... import timecode
from ...qc import Hit, Hits
from .. import linebreak
from ..segment import PAUSE_MS
from .context import RULES, CueCheck, TrackCheck, ms

FRAGMENT_SHARE = 0.03  # at most 3 % of cues may be fragments (issue 12)


@RULES.rule("cut_edge", "warning", "f_cut_edge_in", "f_cut_edge_out")
def cut_edge(c: CueCheck) -> Hits:
    t, cue = c.track, c.cue
    cuts, snap = t.cuts, t.snap
    if not cuts or not snap:
        return
    i = bisect.bisect_right(cuts, cue.start - snap)
    while i < len(cuts) and cuts[i] < cue.start + snap:
        if cuts[i] != cue.start:
            yield Hit(f"{cue.start - cuts[i]:+d} ms", "0 ms", key="f_cut_edge_in",
                      fmt={"cut": timecode.vtt(cuts[i])})
        i += 1
    i = bisect.bisect_right(cuts, cue.end - snap)
    while i < len(cuts) and cuts[i] < cue.end + snap:
        before = cuts[i] - cue.end
        if abs(before - t.chain_to) > 1 and not 0 <= before <= t.frame:
            yield Hit(f"{-before:+d} ms", f"−{ms(t.chain_to)}", key="f_cut_edge_out",
                      fmt={"cut": timecode.vtt(cuts[i])})
        i += 1


def _words(lines: list[str]) -> list[str]:
    return [w for ln in lines for w in (ln[2:] if ln.startswith("- ") else ln).split()]


def is_fragment(lines: list[str], word_count: int | None, kind: str = "speech") -> bool:
    """A speech cue of one or two words whose last word ends no sentence."""
    words = _words(lines)
    n = word_count or len(words)
    return kind == "speech" and bool(words) and n <= 2 and not linebreak.ends_sentence(words[-1])


@RULES.rule("cue_fragment", "warning", "f_cue_fragment", "f_cue_fragment_share", scope="track")
def cue_fragment(t: TrackCheck) -> Hits:
    found = [item for item in t.items if is_fragment(item.lines, item.cue.word_count,
                                                     item.cue.kind)]
    for item in found:
        yield Hit(f"„{item.text}“", "≥ 3", cue=item.number, start_ms=item.start_ms)
    if t.cues and len(found) / len(t.cues) > FRAGMENT_SHARE:
        yield Hit(f"{len(found)}/{len(t.cues)} ({len(found) / len(t.cues):.1%})",
                  f"≤ {FRAGMENT_SHARE:.0%}", key="f_cue_fragment_share")


@RULES.rule("cue_break", "warning", "f_cue_break")
def cue_break(c: CueCheck) -> Hits:
    cue, nxt = c.cue, c.nxt
    if nxt is None or cue.kind != "speech" or nxt.kind != "speech":
        return
    if cue.line_speakers()[-1] != nxt.line_speakers()[0]:
        return
    if cue.last_word_ms is not None and nxt.first_word_ms is not None \
            and nxt.first_word_ms - cue.last_word_ms >= PAUSE_MS:
        return
    left, right = _words(c.lines), _words(CueCheck(c.track, c.k + 1).lines)
    if not left or not right:
        return
    names = frozenset(s.name.split()[0].lower() for s in c.track.cs.speakers if s.name.split())
    if linebreak.cue_break_cost(left[-1], right[0], names) >= linebreak.FORBIDDEN:
        return Hit(f"{left[-1]} | {right[0]}", "—", fmt={"next": nxt.index})
