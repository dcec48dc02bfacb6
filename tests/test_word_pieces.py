"""Issue 17 item 6: Whisper's word pieces are joined as German is written.

Whisper (openai-whisper and faster-whisper) forms words from tokens: a word begins with a
space, a piece without one continues the word before it (" KI" "-Einführung", " 5" ".000",
" Peter" "'s", " 2" ",5", " Schicht" "-" " und"). The fixture below is the shape both
backends give (`word` strings with their leading spaces); every text casefilm makes of
words must read "KI-Einführung", "5.000 Euro", never "KI -Einführung".
"""

from __future__ import annotations

import json

from pipeline.asr import from_whisper_segments
from pipeline.captions import build, profiles
from pipeline.edit.resolve import source_words
from pipeline.manifest import FilmManifest
from pipeline.models import Provenance, Transcript, Word
from pipeline.review.realign import EditedSegment, edits_of, realign
from pipeline.transcript_io import read_transcript
from pipeline.words import groups, join, written

# (word as Whisper gives it, start s, end s)
RAW = [(" Die", 1.00, 1.20), (" KI", 1.20, 1.50), ("-Einführung", 1.50, 2.30),
       (" kostet", 2.30, 2.70), (" 5", 2.70, 2.90), (".000", 2.90, 3.30),
       (" Euro,", 3.30, 3.80), (" sagt", 3.90, 4.10), (" Peter", 4.10, 4.40),
       ("'s", 4.40, 4.50), (" Team,", 4.50, 4.90), (" also", 5.00, 5.20), (" 2", 5.20, 5.40),
       (",5", 5.40, 5.70), (" Prozent", 5.70, 6.20), (" vom", 6.20, 6.40),
       (" Schicht", 6.40, 6.80), ("-", 6.80, 6.85), (" und", 6.85, 7.00),
       (" Dienstplan.", 7.00, 7.80)]
TEXT = "Die KI-Einführung kostet 5.000 Euro, sagt Peter's Team, also 2,5 Prozent vom " \
    "Schicht- und Dienstplan."
PIECES = ["-Einführung", ".000", "'s", ",5", "-"]


def whisper_segment(raw=RAW) -> dict:
    return {"start": raw[0][1], "end": raw[-1][2], "text": "".join(w for w, _, _ in raw),
            "words": [{"word": w, "start": a, "end": b, "probability": 0.9} for w, a, b in raw]}


def transcript() -> Transcript:
    segs, _ = from_whisper_segments([whisper_segment()], 10_000)
    segs = [s.model_copy(update={"speaker": "ben"}) for s in segs]
    return Transcript(film="f", duration_ms=10_000, segments=segs,
                      provenance=Provenance(backend="faster-whisper"))


def test_pieces_are_marked_and_the_text_is_written_as_german():
    t = transcript()
    ws = t.segments[0].words
    assert [w.text for w in ws if w.joined] == PIECES
    assert not ws[0].joined  # a segment begins a word
    assert t.segments[0].text == join(ws) == TEXT
    assert [w.text for w in written(ws)][:5] == ["Die", "KI-Einführung", "kostet", "5.000",
                                                 "Euro,"]
    kb = written(ws)[1]
    assert (kb.start, kb.end, kb.probability, kb.joined) == (1200, 2300, 0.9, False)
    assert [len(g) for g in groups(ws)].count(2) == 5


def test_a_segment_that_begins_without_a_space_begins_a_word():
    segs, _ = from_whisper_segments([whisper_segment([("Hallo", 0.0, 0.4), (" Welt.", 0.5, 0.9)])],
                                    2000)
    assert [w.joined for w in segs[0].words] == [False, False]
    assert segs[0].text == "Hallo Welt."


def test_json_keeps_the_flag_and_leaves_it_out_when_false():
    t = transcript()
    data = json.loads(t.model_dump_json())
    flags = [w.get("joined") for w in data["segments"][0]["words"]]
    assert flags.count(True) == len(PIECES) and flags.count(None) == len(RAW) - len(PIECES)
    assert Transcript.model_validate_json(t.model_dump_json()) == t
    # a transcript written before the flag existed reads as whole words
    assert Word.model_validate({"start": 0, "end": 1, "text": "x"}).joined is False


def test_whisper_json_import_joins_pieces(tmp_path):
    path = tmp_path / "vendor.json"
    path.write_text(json.dumps({"segments": [whisper_segment()]}), encoding="utf-8")
    t = read_transcript(path, film="f", language="de", duration_ms=10_000, speakers={})
    assert t.segments[0].text == TEXT
    assert [w.text for w in t.segments[0].words if w.joined] == PIECES


def test_realign_keeps_pieces_of_unchanged_words_and_joins_the_text():
    t = transcript()
    assert realign(t, edits_of(t)) == t.segments  # the editor's view of the text: TEXT
    e = edits_of(t)
    e[0] = EditedSegment(text=TEXT.replace("kostet", "kostete").replace("KI-Einführung",
                                                                       "KI-Schulung"),
                         speaker="ben")
    out = realign(t, e)[0]
    old = {w.text: w for w in t.segments[0].words}
    assert out.text == join(out.words) == e[0].text
    # unchanged written words keep their pieces exactly (times, probability, flag)
    for piece in (".000", "'s", ",5", "-"):
        assert old[piece] in out.words
    assert old["5"] in out.words and old["Peter"] in out.words
    # the changed word is one word over the span of its old pieces
    ki = next(w for w in out.words if w.text == "KI-Schulung")
    assert (ki.start, ki.end, ki.joined) == (1200, 2300, False)
    assert "KI-Schulung kostete 5.000 Euro" in out.text


def test_source_words_of_the_paper_edit_are_whole_words():
    t = transcript()
    texts = [w.text for w in source_words(t, "ben")]
    assert texts[:5] == ["Die", "KI-Einführung", "kostet", "5.000", "Euro,"]
    assert "Schicht-" in texts and not any(x in texts for x in PIECES)


def test_captions_and_every_caption_file_write_words_as_german():
    """Through the caption build and all three writers (WebVTT, SRT, TTML): no piece after
    a space, and no line or cue break inside a word."""
    t = transcript()
    manifest = FilmManifest(title="T", master="x.mp4", speakers=[{"id": "ben",
                                                                   "name": "Ben Muster"}])
    p = profiles.PROFILES["de-broadcast"]  # 37 chars a line: the text needs two cues
    cs = build.build(manifest, "f", t, p, fps=25.0, duration_ms=10_000, cuts=[])
    assert " ".join(c.text for c in cs.cues) == TEXT
    assert len(cs.cues) >= 2
    for c in cs.cues:
        for ln in c.lines:
            assert not any(ln.startswith(pc) for pc in PIECES if pc != "-"), c.lines
    for fmt in ("vtt", "srt", "ttml"):
        out = build.render(cs, fmt)
        for good in ("KI-Einführung", "5.000", "Peter's", "2,5", "Schicht-"):
            assert good in out, (fmt, good)
        for bad in ("KI -Einführung", "5 .000", "Peter 's", "2 ,5", "Schicht -"):
            assert bad not in out, (fmt, bad)


def test_chapter_quotes_write_words_as_german():
    from pipeline.didactics.build import quote_text

    text, speaker = quote_text(transcript(), 1000, 4000)
    assert text == "Die KI-Einführung kostet 5.000 Euro," and speaker == "ben"


def test_the_review_history_compares_and_shows_written_words(workspace):
    """What Whisper heard next to what the editor changed: whole words, written joined."""
    from pipeline.review import service
    from tests.test_review_common import make_film

    t = transcript().model_copy(update={"film": "case"})
    film = make_film(workspace, transcript=t)
    edits = edits_of(t)
    edits[0] = EditedSegment(text=TEXT.replace("KI-Einführung", "KI-Schulung"), speaker="ben")
    service.save_edit(film, base=0, edits=edits, editor="Anna Beispiel")
    chunks = [c for c in service.compare(film, 0) if c["op"] not in ("equal", "gap")]
    assert chunks == [{"op": "replace", "old": "KI-Einführung", "new": "KI-Schulung",
                       "start": 1200}]
    equal = " ".join(c["new"] for c in service.compare(film, 0) if c["op"] == "equal")
    assert "5.000 Euro" in equal and " .000" not in equal
