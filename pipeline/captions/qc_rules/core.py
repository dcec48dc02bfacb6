"""The caption rules of issue 3, in report order: first the hard limits (lines,
characters per line, minimum gap, overlap, file structure), then the warnings.

Figures come from the profile (frames converted at the film's frame rate); sync is held to
EN 301 549 7.1.2 (100 ms) except where a cue is snapped to a shot change.
"""

from __future__ import annotations

import bisect
import re

from ... import subtitle_io, timecode
from ...errors import SubtitleParseError
from ...words import is_hallucination
from ...qc import Hit, Hits
from .. import linebreak, sdh
from .context import RULES, SYNC_TOLERANCE_MS, CueCheck, TrackCheck, ms

# --- hard limits --------------------------------------------------------------------------


@RULES.rule("max_lines", "hard", "f_max_lines")
def max_lines(c: CueCheck) -> Hits:
    if len(c.lines) > c.p.max_lines:
        return Hit(len(c.lines), c.p.max_lines)


@RULES.rule("chars_per_line", "hard", "f_chars_per_line")
def chars_per_line(c: CueCheck) -> Hits:
    longest = max((len(ln) for ln in c.lines), default=0)
    if longest > c.p.chars_per_line:
        return Hit(longest, c.p.chars_per_line)


def _gap(c: CueCheck) -> int | None:
    return None if c.nxt is None else c.nxt.start - c.cue.end


@RULES.rule("min_gap", "hard", "f_min_gap")
def min_gap(c: CueCheck) -> Hits:
    gap = _gap(c)
    if gap is not None and 0 <= gap < c.track.min_gap:
        return Hit(ms(gap), ms(c.track.min_gap), fmt={"next": c.nxt.index})


@RULES.rule("overlap", "hard", "f_overlap")
def overlap(c: CueCheck) -> Hits:
    gap = _gap(c)
    if gap is not None and gap < 0:
        return Hit(ms(-gap), "0 ms", fmt={"next": c.nxt.index})


@RULES.rule("structure", "hard", "f_struct_order", "f_struct_decreasing", "f_struct_missing",
            "f_struct_header", "f_struct_parse", "f_struct_count", "f_struct_payload",
            "f_struct_mismatch", "f_struct_voice", "f_struct_other", scope="track")
def structure(t: TrackCheck) -> Hits:
    """Cue order in cues.json; captions.vtt valid WebVTT holding the same cues (times, text,
    voices); captions.srt and captions.ttml holding them too (times, text, TTML colours)."""
    last = -1
    for c in t.cues:
        if c.end <= c.start:
            yield Hit(f"{c.start}–{c.end}", key="f_struct_order", cue=c.index, start_ms=c.start)
        if c.start < last:
            yield Hit(timecode.vtt(c.start), key="f_struct_decreasing", cue=c.index,
                      start_ms=c.start)
        last = c.start
    yield from _delivered_vtt(t)
    if t.files is not None:
        for key in ("srt", "ttml"):
            yield from _other_file(t, key)


def _want(c) -> list[tuple[str, str | None]]:
    """(clean line, speaker id) of the lines the caption files hold for cue `c`."""
    pairs = zip((sdh.clean(ln) for ln in c.lines), c.line_speakers())
    return [(ln, spk) for ln, spk in pairs if ln]


def _delivered_vtt(t: TrackCheck) -> Hits:
    if t.vtt_text is None:
        yield Hit("—", key="f_struct_missing")
        return
    if not t.vtt_text.startswith("WEBVTT"):
        yield Hit(t.vtt_text[:10], key="f_struct_header")
    try:
        track = subtitle_io.from_string(t.vtt_text, "vtt")
    except SubtitleParseError as e:
        cause = e.__cause__
        yield Hit(type(cause or e).__name__, key="f_struct_parse",
                  fmt={"error": (str(cause) if cause else e.detail())[:80]})
        return
    if len(track.cues) != len(t.spoken):
        yield Hit(f"{len(track.cues)} ≠ {len(t.spoken)}", key="f_struct_count")
        return
    names = {s.id: sdh.clean(s.name) for s in t.cs.speakers}
    colours = {s.id: s.colour for s in t.cs.speakers}
    for got, c in zip(track.cues, t.spoken):
        want = _want(c)
        at = {"cue": c.index, "start_ms": c.start}
        if any(not ln.strip() for ln in got.lines):
            yield Hit("-->", key="f_struct_payload", **at)
        if (got.start, got.end) != (c.start, c.end) or got.lines != [ln for ln, _ in want]:
            yield Hit(timecode.vtt(got.start), key="f_struct_mismatch", **at)
            continue
        voices = [(names.get(spk, spk), colours.get(spk)) if spk else (None, None)
                  for _, spk in want]
        found = [(v, track.meta.colours.get(v)) if v else (None, None)
                 for v in got.line_speakers()]
        if found != voices:
            yield Hit(" / ".join(v or "—" for v, _ in found), key="f_struct_voice", **at)


def _other_file(t: TrackCheck, key: str) -> Hits:
    """captions.srt / captions.ttml against cues.json: times and text (and TTML colours)."""
    path = t.files[key]

    def bad(measured: str) -> Hit:
        return Hit(measured, key="f_struct_other", fmt={"file": path.name})

    if not path.exists():
        yield bad("—")
        return
    try:
        track = subtitle_io.load(path)
    except SubtitleParseError as e:
        yield bad(type(e.__cause__ or e).__name__)
        return
    got = [(c.start, c.end) for c in track.cues]
    want = [(c.start, c.end) for c in t.spoken]
    if len(got) != len(want):
        yield bad(f"{len(got)} ≠ {len(want)}")
        return
    colours = {s.id: s.colour for s in t.cs.speakers}
    for g, c in zip(track.cues, t.spoken):
        lines = _want(c)
        same = (g.start, g.end) == (c.start, c.end) and g.lines == [ln for ln, _ in lines]
        if same and key == "ttml":  # a TTML line's speaker is its colour style
            same = g.line_speakers() == [colours.get(spk, "white") if spk else "white"
                                         for _, spk in lines]
        if not same:
            yield bad("≠")
            return


# --- warnings -----------------------------------------------------------------------------


@RULES.rule("reading_speed", "warning", "f_reading_speed")
def reading_speed(c: CueCheck) -> Hits:
    if c.speed > c.p.reading_limit + 1e-9:
        u = c.track.unit
        return Hit(f"{c.speed:.1f} {u}", f"{c.p.reading_limit:g} {u}")


@RULES.rule("min_duration", "warning", "f_min_duration")
def min_duration(c: CueCheck) -> Hits:
    if c.dur < c.min_dur:
        return Hit(ms(c.dur), ms(c.min_dur))


@RULES.rule("max_duration", "warning", "f_max_duration")
def max_duration(c: CueCheck) -> Hits:
    if c.p.max_duration_ms and c.dur > c.p.max_duration_ms:
        return Hit(ms(c.dur), ms(c.p.max_duration_ms))


def _chain(c: CueCheck) -> int:
    """The gap a chained pair of cues keeps: chain_to frames, at least the minimum gap."""
    return max(c.track.chain_to, c.track.min_gap)


def _cut_in(cuts: list[int], a: int, b: int) -> bool:
    """Whether a cut lies in (a, b]."""
    i = bisect.bisect_right(cuts, a)
    return i < len(cuts) and cuts[i] <= b


@RULES.rule("chaining", "warning", "f_chaining")
def chaining(c: CueCheck) -> Hits:
    gap = _gap(c)
    t = c.track
    if gap is not None and t.min_gap <= gap <= t.chain_gap and abs(gap - _chain(c)) > 1 \
            and not _cut_in(t.cuts, c.cue.end, c.nxt.start):  # a cut keeps its gap
        return Hit(ms(gap), ms(_chain(c)), fmt={"frames": c.p.chain_gap_frames})


@RULES.rule("shot_change", "warning", "f_shot_cross", "f_shot_out")
def shot_change(c: CueCheck) -> Hits:
    cuts, cue, snap = c.track.cuts, c.cue, c.track.snap
    i = bisect.bisect_right(cuts, cue.start)
    while i < len(cuts) and cuts[i] < cue.end:  # across a cut: only with speech across it
        k = cuts[i]  # and up at least the snap window (12 frames) on both sides (issue 12)
        spoken = cue.kind == "sound" or (  # a sound event runs as long as its cue
            cue.first_word_ms is not None and cue.last_word_ms is not None
            and cue.first_word_ms < k < cue.last_word_ms)
        if not (spoken and k - cue.start >= snap and cue.end - k >= snap):
            yield Hit(timecode.vtt(k), "—", key="f_shot_cross")
        i += 1
    j = bisect.bisect_left(cuts, cue.end)
    if j < len(cuts) and 0 <= cuts[j] - cue.end <= c.track.frame:
        yield Hit(ms(cuts[j] - cue.end), f"≥ {ms(c.track.chain_to)}", key="f_shot_out")


@RULES.rule("line_break", "warning", "f_line_break")
def line_break(c: CueCheck) -> Hits:
    if c.cue.kind != "speech" or c.cue.speakers:
        return
    for a, b in zip(c.lines, c.lines[1:]):
        if not a or not b:
            continue
        left, right = a.split()[-1], b.split()[0]
        if linebreak.break_cost(left, right) >= linebreak.FORBIDDEN:
            yield Hit(f"{left} | {right}", "—")


@RULES.rule("sync_in", "warning", "f_sync_early", "f_sync_late")
def sync_in(c: CueCheck) -> Hits:
    cue, cuts, snap = c.cue, c.track.cuts, c.track.snap
    if cue.first_word_ms is None:
        return
    at_cut = bool(cuts) and cuts[min(bisect.bisect_left(cuts, cue.start), len(cuts) - 1)] \
        == cue.start
    early = cue.first_word_ms - cue.start
    late = cue.start - cue.first_word_ms
    if early > snap or (not at_cut and early > SYNC_TOLERANCE_MS):
        return Hit(f"−{ms(early)}", f"≤ {ms(snap)}", key="f_sync_early")
    allowed = snap if at_cut else SYNC_TOLERANCE_MS
    if late > allowed:
        return Hit(f"+{ms(late)}", f"≤ {ms(allowed)}", key="f_sync_late")


@RULES.rule("sync_out", "warning", "f_trail", "f_out_early")
def sync_out(c: CueCheck) -> Hits:
    cue, nxt, t, p = c.cue, c.nxt, c.track, c.p
    if cue.last_word_ms is None:
        return
    cuts = t.cuts
    j = bisect.bisect_left(cuts, cue.end)
    trail = cue.end - cue.last_word_ms
    chained = nxt is not None and abs((nxt.start - cue.end) - _chain(c)) <= 1
    snapped = any(abs(cue.end - (cut - t.chain_to)) <= 1
                  for cut in cuts[max(j - 1, 0):j + 1])
    at_min = c.dur <= c.min_dur + 1
    if trail > p.max_trail_ms and not (chained or snapped or at_min):
        yield Hit(f"+{ms(trail)}", f"≤ {ms(p.max_trail_ms)}", key="f_trail")
    bounded = (nxt is not None and cue.end >= nxt.start - max(t.min_gap, t.chain_to) - 1) \
        or snapped or (p.max_duration_ms and c.dur >= p.max_duration_ms - 1)
    if -trail > SYNC_TOLERANCE_MS and not bounded:
        yield Hit(f"−{ms(-trail)}", f"≤ {ms(SYNC_TOLERANCE_MS)}", key="f_out_early")


@RULES.rule("empty", "warning", "f_empty")
def empty(c: CueCheck) -> Hits:
    if not c.text.strip():
        return Hit(0, "> 0")


@RULES.rule("repeated", "warning", "f_repeated")
def repeated(c: CueCheck) -> Hits:
    prev = c.prev
    if prev is not None and c.text and sdh.clean(" ".join(prev.lines)) == c.text:
        return Hit(c.text[:40], "—", fmt={"prev": prev.index})


@RULES.rule("hallucination", "warning", "f_hallucination")
def hallucination(c: CueCheck) -> Hits:
    if is_hallucination(c.text):
        return Hit(c.text[:40], "—")


@RULES.rule("speaker_id", "warning", "f_speaker_dash", "f_speaker_unknown")
def speaker_id(c: CueCheck) -> Hits:
    cue = c.cue
    if cue.speakers and len(set(cue.speakers)) > 1:
        for ln, prev_spk, spk in zip(c.lines[1:], cue.speakers, cue.speakers[1:]):
            if spk != prev_spk and not ln.startswith("- "):
                yield Hit(ln[:20], "- …", key="f_speaker_dash")
    if cue.kind == "speech" and cue.speaker is None and \
            len(c.track.speakers_in_film - {None}) > 1:
        yield Hit("—", "—", key="f_speaker_unknown")


_BRACKETED = re.compile(r"^\[.*\]$|^\(.*\)$")


@RULES.rule("sound_tag", "warning", "f_sound_tag")
def sound_tag(c: CueCheck) -> Hits:
    if c.cue.kind == "sound" and not sdh.is_sound_tag(c.text):
        yield Hit(c.text[:30], "*…*")
    if c.cue.kind == "speech" and _BRACKETED.search(c.text):
        yield Hit(c.text[:30], "*…*")


@RULES.rule("ellipsis", "warning", "f_ellipsis")
def ellipsis(c: CueCheck) -> Hits:
    if "..." in c.text:
        return Hit("...", "…")


NUMBER_WORDS = {"zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7,
                "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12}
DIGIT_UNITS = {"uhr", "%", "prozent", "euro", "€", "cent", "km", "m", "kg", "g", "grad", "°c",
               "mio.", "mrd.", "mio", "mrd", "h", "min", "jh."}


def number_style(text: str, style: str) -> str | None:
    """The first number 1–12 written against the profile's style (German SDH: written out,
    children's programmes: digits); digits before a unit or in times/dates are fine."""
    words = text.split()
    for i, w in enumerate(words):
        core = linebreak.core(w)
        nxt = linebreak.core(words[i + 1]).lower() if i + 1 < len(words) else ""
        if style == "words" and core.isdigit() and 1 <= int(core) <= 12 \
                and not w.rstrip(",;:!?").endswith(".") and nxt not in DIGIT_UNITS:
            return core
        if style == "digits" and core.lower() in NUMBER_WORDS:
            return core
    return None


@RULES.rule("numbers", "warning", "f_numbers_words", "f_numbers_digits")
def numbers(c: CueCheck) -> Hits:
    style = c.p.numbers
    if c.cue.kind == "speech" and style:
        bad = number_style(c.text, style)
        if bad:
            return Hit(bad, c.track.strings["numbers_" + style], key="f_numbers_" + style)
