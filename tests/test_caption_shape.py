"""Issue 17 item 7: captions a subtitler would keep.

A one-word rest of a sentence is not a cheap cue; a one-word first line is a poor break; a
sentence's first word is not left at the end of the previous cue; a new sentence starts a
new cue unless both fit together; a sentence that fits one cue is not split because a
shot change lies in the pause after it (its out-time runs up to the cut). QC names the
shapes that remain (`short_cue`, `short_line`, `sentence_start`) with their share.
"""

from __future__ import annotations

import pytest

from pipeline.captions import build, linebreak, profiles, qc, timing
from pipeline.manifest import FilmManifest
from pipeline.models import Provenance, Segment, Transcript, Word
from tests.test_cues_across_cuts import MANIFEST as MANIFEST_CUTS
from tests.test_cues_across_cuts import _cs_of, films  # noqa: F401  (films: a fixture)

MANIFEST = FilmManifest(title="T", master="x.mp4", speakers=[{"id": "ben",
                                                               "name": "Ben Muster"}])
FPS = 25.0
SHAPE_RULES = {"short_cue", "short_line", "sentence_start", "cue_fragment", "min_duration"}

# the issue's conformed sentence, words in ms
SENTENCE = [("Deshalb", 1000, 1533), ("haben", 1533, 1933), ("wir", 1933, 2200),
            ("eine", 2200, 2533), ("Betriebsvereinbarung", 2533, 3933),
            ("geschlossen.", 3933, 4800)]


def _transcript(words: list[tuple[str, int, int]], duration_ms: int = 9000) -> Transcript:
    ws = [Word(start=a, end=b, text=t) for t, a, b in words]
    return Transcript(film="f", duration_ms=duration_ms, provenance=Provenance(backend="t"),
                      segments=[Segment(id=0, start=ws[0].start, end=ws[-1].end,
                                        text=" ".join(w.text for w in ws), words=ws,
                                        speaker="ben")])


def _build(words, cuts=(), profile="de-web", duration_ms=9000):
    p = profiles.PROFILES[profile]
    cs = build.build(MANIFEST, "f", _transcript(words, duration_ms), p, fps=FPS,
                     duration_ms=duration_ms, cuts=list(cuts))
    findings, _, _ = qc.check(cs, p, build.render(cs, "vtt"))
    return cs, findings


def test_the_issue_sentence_becomes_one_cue():
    cs, findings = _build(SENTENCE)
    assert [c.lines for c in cs.cues] == [["Deshalb haben wir",
                                           "eine Betriebsvereinbarung geschlossen."]]
    c = cs.cues[0]
    assert (c.start, c.end) == (1000, 4800)
    assert len(c.text) / ((c.end - c.start) / 1000) == pytest.approx(14.7, abs=0.05)
    assert not {f.rule for f in findings} & SHAPE_RULES


def test_a_subject_pronoun_before_an_article_or_preposition_may_break():
    assert linebreak.break_cost("wir", "eine") < linebreak.FORBIDDEN
    assert linebreak.break_cost("wir", "in") < linebreak.FORBIDDEN
    assert linebreak.break_cost("wir", "planen") == linebreak.FORBIDDEN
    assert linebreak.break_cost("ich", "habe") == linebreak.FORBIDDEN


def test_short_lines_cost_and_the_layout_avoids_them():
    assert linebreak.short_line_cost(1, 7, 42) > linebreak.short_line_cost(2, 11, 42) > 0
    assert linebreak.short_line_cost(3, 17, 42) == 0
    assert linebreak.short_line_cost(1, 25, 42) < linebreak.short_line_cost(1, 7, 42)
    lines = linebreak.break_lines("Die Planung für die nächste Woche steht jetzt schon "
                                  "am Freitag fest.".split(), 42, 2)
    assert all(len(ln.split()) > 2 for ln in lines), lines


def test_a_sentence_start_is_not_left_at_a_cue_end():
    """"… gekostet. Heute" | "schlägt …": the new sentence starts the next cue."""
    text = ("Früher hat uns die Dienstplanung jede Woche zwei volle Arbeitstage gekostet. "
            "Heute schlägt die Software jeden Montag einen Plan vor, und die Teamleitung "
            "prüft ihn.")
    t, words = 1000, []
    for w in text.split():
        d = round((len(w) + 1) / 15 * 1000)
        words.append((w, t, t + d - 40))
        t += d
    for cuts in ([], [words[10][2] + 40]):  # no cut; a cut just after "Heute"
        cs, findings = _build(words, cuts, duration_ms=t + 2000)
        assert not any(c.text.endswith("Heute") for c in cs.cues), [c.lines for c in cs.cues]
        assert any(c.text.startswith("Heute schlägt") for c in cs.cues)
        assert "sentence_start" not in {f.rule for f in findings}


def test_a_one_word_rest_is_not_a_cue():
    """A sentence of 77 characters that fits two lines only with a forbidden break ("jede |
    Woche"): two cues, neither of them the rest "gekostet." alone."""
    words = []
    t = 1000
    for w in "Früher hat uns die Dienstplanung jede Woche zwei volle Arbeitstage gekostet." \
            .split():
        d = round((len(w) + 1) / 18 * 1000)
        words.append((w, t, t + d - 30))
        t += d
    cs, findings = _build(words, duration_ms=t + 3000)
    assert all(len(c.text.split()) >= 3 for c in cs.cues), [c.lines for c in cs.cues]
    assert not {f.rule for f in findings} & SHAPE_RULES


@pytest.mark.parametrize("cut", [4900, 5100, 5400, 5590])
def test_a_cut_in_the_pause_after_a_sentence_neither_splits_it_nor_leaves_a_gap(cut):
    nxt = [("Heute", 5600, 5900), ("planen", 5900, 6300), ("wir", 6300, 6500),
           ("gemeinsam.", 6500, 7200)]
    cs, _ = _build(SENTENCE + nxt, [cut])
    assert [c.text for c in cs.cues] == [
        "Deshalb haben wir eine Betriebsvereinbarung geschlossen.",
        "Heute planen wir gemeinsam."]
    assert cs.cues[0].end == cut - 80  # runs up to the cut, 2 frames before it
    assert cs.cues[1].start == (cut if 5600 - cut <= 480 else 5600)  # snapped within 12 fr.


def test_the_timer_runs_an_out_time_up_to_a_nearby_cut_only():
    p = profiles.PROFILES["de-web"]
    spans = [(1000, 4800)]
    for cut, want in ((5400, 5320), (5860, 5780), (5861, 4800), (7000, 4800)):
        t = timing.Timer(p, FPS, [cut], spans=spans)
        assert t.out_time(1000, 1000, 4800, 56.0, 833, None) == want, cut
    # the next cue's in-time bounds it
    t = timing.Timer(p, FPS, [5400], spans=spans)
    assert t.out_time(1000, 1000, 4800, 56.0, 833, 5000) == 5000 - 80


def test_two_short_whole_sentences_may_share_a_cue():
    words = [("Ja.", 1000, 1300), ("Das", 1500, 1700), ("stimmt.", 1700, 2200)]
    cs, _ = _build(words)
    assert [c.text for c in cs.cues] == ["Ja. Das stimmt."]


def test_qc_names_short_cues_short_lines_and_sentence_starts_with_their_share():
    """The issue's old output and the other shapes it names, as QC sees them."""
    p = profiles.PROFILES["de-web"]
    cs = _cs_of([
        (1000, 3853, ["Deshalb", "haben wir eine Betriebsvereinbarung"], 1000, 3933),
        (3933, 4800, ["geschlossen."], 3933, 4800),
        (6000, 9000, ["Früher hat uns die Planung zwei Tage", "gekostet. Heute"], 6000, 8900),
        (9100, 11000, ["schlägt die Software vor."], 9100, 10800),
        (12000, 15000, ["Die Planung", "für die nächste Woche steht schon fest."], 12000,
         14800),
        (16000, 17000, ["Ja."], 16000, 16400),
        (18000, 21000, ["Wir haben eine Betriebsvereinbarung", "geschlossen, bevor wir "
                        "anfingen."], 18000, 20800),
    ], [], p)
    findings, _, _ = qc.check(cs, p, None)
    got = {(f.rule, f.cue, f.measured) for f in findings
           if f.rule in ("short_cue", "short_line", "sentence_start")}
    assert got == {
        ("short_line", 1, "„Deshalb“"),
        ("short_cue", 2, "„geschlossen.“"),  # a rest of the sentence before
        ("short_line", 3, "„gekostet. Heute“"),
        ("sentence_start", 3, "gekostet. Heute | schlägt"),
        ("short_line", 5, "„Die Planung“"),
        # "Ja." is a whole sentence: only counted in the share; a long two-word line passes
        ("short_cue", 0, "2/7 (28.6%)"),
        ("short_line", 0, "3/4 (75.0%)"),  # of the cues of two lines
        ("sentence_start", 0, "1/7 (14.3%)"),
    }, got
    by = {(f.rule, f.cue): f for f in findings}
    assert "Untertitel 4" in by[("sentence_start", 3)].message
    assert by[("short_cue", 0)].limit == "≤ 5%"


@pytest.mark.parametrize("name", list(profiles.PROFILES))
def test_the_fast_cut_film_keeps_sentence_starts_and_rests_with_their_sentence(films, name):
    """On the fast-cut interview of issue 12 (both seeds, every profile): no cue ends on a
    sentence's first words, and no one- or two-word rest of a sentence stands alone (the
    segmenter before issue 17 left "… stimmt. Frau Beispiel," | "wie …" and "raten?")."""
    p = profiles.PROFILES[name]
    cs = build.build(MANIFEST_CUTS, "schnitt", films.transcript, p, fps=FPS,
                     duration_ms=films.duration_ms, cuts=films.cuts)
    findings, _, _ = qc.check(cs, p, None)
    assert [(f.cue, f.measured) for f in findings if f.rule == "sentence_start"] == []
    assert [(f.cue, f.measured) for f in findings if f.rule == "short_cue" and f.cue] == []
