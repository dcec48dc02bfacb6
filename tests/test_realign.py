"""Realignment of edited text onto word timings (pipeline.review.realign)."""

from __future__ import annotations

import random

import pytest

from pipeline.models import Provenance, Segment, Transcript, Word
from pipeline.review import realign as realign_module
from pipeline.review.realign import EditedSegment, edits_of, key, realign, realign_tokens
from tests.test_review_common import machine_transcript


def words_by_text(t_segments):
    return [w for s in t_segments for w in s.words]


def assert_monotonic(segments, duration):
    prev_end = 0
    for s in segments:
        for w in s.words:
            assert 0 <= w.start <= w.end <= duration
            assert w.start >= prev_end, f"word {w.text!r} starts before the previous word ends"
            prev_end = w.end
        if s.kind == "speech":
            assert s.text == " ".join(w.text for w in s.words)


def test_identity_edit_changes_nothing():
    t = machine_transcript()
    assert realign(t, edits_of(t)) == t.segments


def test_untouched_segments_stay_byte_identical_even_if_text_differs_from_words():
    """Whisper-style data: words with leading spaces, segment text with its own spacing;
    a segment nobody edited comes back exactly as it was, and so does one without words."""
    ws = [Word(start=0, end=300, text=" Guten", probability=0.9), Word(start=400, end=700, text=" Tag.", probability=0.8)]
    segs = [Segment(id=0, start=0, end=700, text=" Guten Tag. ", words=ws),
            Segment(id=1, start=1000, end=2000, text="ohne  Wortzeiten"),
            Segment(id=2, start=2000, end=2600, text="noch was",
                    words=[Word(start=2000, end=2200, text="noch"), Word(start=2300, end=2600, text="was")])]
    t = Transcript(film="f", duration_ms=3000, segments=segs, provenance=Provenance(backend="x"))
    edits = [EditedSegment(text="Guten Tag."), EditedSegment(text="ohne Wortzeiten"),
             EditedSegment(text="noch etwas")]
    out = realign(t, edits)
    assert out[0] == segs[0] and out[1] == segs[1]
    assert out[2].words[0] == segs[2].words[0] and out[2].text == "noch etwas"


def test_replaced_word_keeps_neighbours_exact_and_lies_between_them():
    t = machine_transcript()
    e = edits_of(t)
    e[1].text = "Wir planen Dienste mit KI-Unterstützung."
    out = realign(t, e)
    old = t.segments[1].words
    new = out[1].words
    assert [w.text for w in new] == ["Wir", "planen", "Dienste", "mit", "KI-Unterstützung."]
    for a, b in zip(old[:4], new[:4]):
        assert a == b  # times AND probability exactly kept
    changed = new[4]
    assert new[3].end <= changed.start <= changed.end
    assert changed.probability is None  # a person wrote it
    assert out[0] == t.segments[0] and out[2] == t.segments[2]  # untouched segments identical


def test_inserted_words_get_times_between_their_neighbours():
    t = machine_transcript()
    e = edits_of(t)
    e[0].text = "Guten Tag, ich bin die Anna aus dem schönen Stuttgart."
    out = realign(t, e)
    ws = out[0].words
    by = {w.text: w for w in ws}
    for name in ("Guten", "Tag,", "ich", "bin", "Anna", "aus"):
        assert by[name] == next(w for w in t.segments[0].words if w.text == name)
    assert by["bin"].end <= by["die"].start <= by["die"].end <= by["Anna"].start
    assert by["aus"].end <= by["dem"].start <= by["schönen"].start <= by["Stuttgart."].start
    assert_monotonic(out, t.duration_ms)


def test_deleted_word_vanishes_and_others_keep_times():
    t = machine_transcript()
    e = edits_of(t)
    e[2].text = "Der Betriebsrat war dabei"  # punctuation only: same times, new text
    e[0].text = "Guten Tag, ich bin Anna."
    out = realign(t, e)
    assert [w.text for w in out[0].words] == ["Guten", "Tag,", "ich", "bin", "Anna."]
    assert [w.start for w in out[0].words] == [w.start for w in t.segments[0].words[:5]]
    assert [(w.start, w.end) for w in out[2].words] == [(w.start, w.end) for w in t.segments[2].words]
    assert out[2].words[-1].text == "dabei" and out[2].words[-1].probability is None


def test_split_and_merge_keep_every_word_time():
    t = machine_transcript()
    split = [EditedSegment(text="Guten Tag,", speaker="anna"),
             EditedSegment(text="ich bin Anna aus Stuttgart.", speaker="anna"),
             *edits_of(t)[1:]]
    out = realign(t, split)
    assert len(out) == 4
    assert words_by_text(out) == words_by_text(t.segments)
    assert out[0].start == t.segments[0].start and out[1].end == t.segments[0].end
    merged = [edits_of(t)[0],
              EditedSegment(text=t.segments[1].text + " " + t.segments[2].text, speaker="ben")]
    out = realign(t, merged)
    assert len(out) == 2
    assert words_by_text(out) == words_by_text(t.segments)
    assert (out[1].start, out[1].end) == (t.segments[1].start, t.segments[2].end)
    assert [s.id for s in out] == [0, 1]


def test_sound_event_replaces_words_and_keeps_its_span():
    t = machine_transcript()
    e = edits_of(t)
    e[1] = EditedSegment(text="Musik", kind="sound", start=3000, end=4900)
    out = realign(t, e)
    assert out[1].kind == "sound" and out[1].words == [] and (out[1].start, out[1].end) == (3000, 4900)
    assert out[2] == t.segments[2].model_copy(update={"id": 2})
    with pytest.raises(ValueError):
        realign(t, [EditedSegment(text="Musik", kind="sound")])


def test_emptied_segment_is_dropped():
    t = machine_transcript()
    e = edits_of(t)
    e[1].text = "   "
    out = realign(t, e)
    assert [s.text for s in out] == [t.segments[0].text, t.segments[2].text]


def test_segment_without_word_timings_gets_words_spread_over_its_span():
    seg = Segment(id=0, start=1000, end=3000, text="eins zwei drei vier")
    t = Transcript(film="f", duration_ms=4000, segments=[seg], provenance=Provenance(backend="import:srt"))
    out = realign(t, [EditedSegment(text="eins zwei DREI! vier")])
    ws = out[0].words
    assert ws[0].start == 1000 and ws[-1].end == 3000
    assert_monotonic(out, 4000)


def test_word_inserted_after_a_long_pause_stays_near_its_segment():
    old = [Word(start=0, end=300, text="a"), Word(start=10_000, end=10_300, text="c")]
    # inserted at the start of the second segment: placed just before "c", not across the pause
    ws = realign_tokens(old, ["a", "b", "c"], [0, 1, 1], 20_000)
    assert ws[1].end == 10_000 and ws[1].start > 9_000
    # inserted at the end of the first segment: placed just after "a"
    ws = realign_tokens(old, ["a", "b", "c"], [0, 0, 1], 20_000)
    assert ws[1].start == 300 and ws[1].end < 1_300


def test_key_ignores_case_and_edge_punctuation():
    assert key("Stuttgart.") == key("stuttgart") and key("„KI“") == "ki" and key("–") == "–"


@pytest.mark.parametrize("big_region", [1500, 2], ids=["global-diff", "pairwise-diff"])
@pytest.mark.parametrize("seed", range(40))
def test_random_edits_keep_invariants(seed, big_region, monkeypatch):
    """Random replace/insert/delete/split/merge edits: every token that the edit left
    unchanged keeps its time exactly; all words stay ordered, inside the film, and each
    changed word lies between its neighbours. (Run also with the segment-by-segment diff
    that long films use.)"""
    monkeypatch.setattr(realign_module, "BIG_REGION", big_region)
    rnd = random.Random(seed)
    vocab = "der die das KI Plan Dienst Team Schicht Pflege und mit ist gut neu".split()
    t0, words, segs = 0, [], []
    for i in range(rnd.randint(1, 5)):
        ws = []
        for _ in range(rnd.randint(1, 8)):
            t0 += rnd.randint(0, 400)
            d = rnd.randint(0, 500)
            ws.append(Word(start=t0, end=t0 + d, text=rnd.choice(vocab), probability=rnd.random()))
            t0 += d
        segs.append(Segment(id=i, start=ws[0].start, end=ws[-1].end, text=" ".join(w.text for w in ws), words=ws))
        words += ws
    t = Transcript(film="f", duration_ms=t0 + rnd.randint(0, 2000), segments=segs,
                   provenance=Provenance(backend="x"))
    toks = [[w.text for w in s.words] for s in segs]
    for _ in range(rnd.randint(1, 6)):
        si = rnd.randrange(len(toks))
        op = rnd.choice(["replace", "insert", "delete", "split", "merge"])
        seg = toks[si]
        k = rnd.randrange(len(seg) + 1)
        if op == "replace" and seg:
            seg[min(k, len(seg) - 1)] = rnd.choice(vocab).upper() + "x"
        elif op == "insert":
            seg.insert(k, rnd.choice(vocab) + "y")
        elif op == "delete" and len(seg) > 1:
            del seg[min(k, len(seg) - 1)]
        elif op == "split" and 0 < k < len(seg):
            toks[si:si + 1] = [seg[:k], seg[k:]]
        elif op == "merge" and si > 0:
            toks[si - 1:si + 1] = [toks[si - 1] + seg]
    edits = [EditedSegment(text=" ".join(x)) for x in toks]
    out = realign(t, edits)
    assert_monotonic(out, t.duration_ms)
    flat = [w for s in out for w in s.words]
    assert [w.text for w in flat] == [x for seg in toks for x in seg]
    old_by_time = {(w.start, w.end, w.text, w.probability) for w in words}
    for i, w in enumerate(flat):
        if w.probability is not None:  # only unchanged words keep a probability
            assert (w.start, w.end, w.text, w.probability) in old_by_time
        else:
            lo = flat[i - 1].end if i else 0
            hi = flat[i + 1].start if i + 1 < len(flat) else t.duration_ms
            assert lo <= w.start <= w.end <= hi
