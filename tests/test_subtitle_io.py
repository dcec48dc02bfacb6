"""The one subtitle I/O layer: every writer's output read back gives the same cues (by the
layer's readers, and WebVTT also by webvtt-py itself); escaping of `&<>`, `-->`, blank
lines and control characters in every format; the producers that moved onto it
(chapters, thumbnails, HLS segments, review drafts, the transcript SRT export)."""

from __future__ import annotations

import html
import io
import re
import xml.etree.ElementTree as ET

import pytest
import webvtt

from pipeline import subtitle_io
from pipeline.captions import sdh
from pipeline.captions.writers import WRITERS
from pipeline.errors import SubtitleParseError
from pipeline.models import Cue
from pipeline.subtitle_io import WJ, Meta

META = Meta(language="de", speaker_names={"anna": "Anna Beispiel", "ben": "Ben & Söhne <GmbH>"},
            colours={"anna": "white", "ben": "yellow"}, notes=["Herkunft --> Prüfung & mehr"])

HOSTILE_LINES = [
    "Pfeil --> und <script>alert('x')</script>",
    "Müller & Söhne: Größe, Übung, Maß",
    "Zeile mit\n\nLeerzeile\r\ndarin",
    "Steuer\x00zeichen\x07 und\x1b Tab\tda\x7f\x85",
    "<v Eve>falsch</v> &amp; {\\i1}kursiv &lt;b&gt;",
    "1",  # a line of digits (an SRT index?) followed by …
    "00:00:01,000 --> 00:00:02,000",  # … a timing line, as text
    "\u2060schon ein Wortverbinder\u2060",
]

CUES = [
    Cue(start=0, end=2400, lines=["*Musik*"], kind="sound", speaker="anna"),  # sound: no voice
    Cue(start=2500, end=5120, lines=["Wir planen die Dienste", "jetzt gemeinsam."],
        speaker="anna"),
    Cue(start=5200, end=7000, lines=["Seit wann?", "- Seit 2021."], speaker="ben",
        speakers=["ben", "anna"]),
    Cue(start=7100, end=9000, lines=HOSTILE_LINES[:4], speaker="ben"),
    Cue(start=9100, end=11000, lines=HOSTILE_LINES[4:], speakers=["anna", None, None, "ben"],
        speaker="anna"),
    Cue(start=11000, end=12000, lines=["", "   "]),  # nothing to show: not written
    Cue(start=3723456, end=3725000, lines=["Größe & <Übung> --> fertig…"],
        identifier="id --> 1", settings="line:90% align:start"),
]

FORMATS = ["vtt", "srt", "ttml", "vtt-sdh", "srt-sdh", "ttml-sdh"]


def _clean(fmt: str):
    return subtitle_io.get(fmt).clean


def _written(fmt: str) -> list[Cue]:
    """The cues a writer puts in the file: clean lines, blank ones dropped."""
    clean = _clean(fmt)
    out = []
    for c in CUES:
        pairs = [(clean(ln), s) for ln, s in zip(c.lines, c.line_speakers()) if clean(ln)]
        if pairs:
            out.append((c, pairs))
    return out


def _plain(text: str) -> str:
    return text.replace(WJ, "")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_writer_reads_back_to_the_same_cues(fmt):
    text = subtitle_io.to_string(CUES, fmt, META)
    track = subtitle_io.from_string(text, fmt.split("-")[0])
    want = _written(fmt)
    assert len(track.cues) == len(want)
    kind = fmt.split("-")[0]
    for got, (c, pairs) in zip(track.cues, want):
        assert (got.start, got.end) == (c.start, c.end)
        lines = [ln for ln, _ in pairs]
        assert got.lines == ([_plain(ln) for ln in lines] if kind == "srt" else lines)
        speakers = [s for _, s in pairs]
        if kind == "vtt":  # voices: the speaker's name and colour class
            assert got.line_speakers() == [sdh.clean(META.speaker_names[s]) if s else None
                                           for s in speakers]
            assert [track.meta.colours.get(v) for v in got.line_speakers() if v] == \
                [META.colours[s] for s in speakers if s]
            assert got.settings == c.settings
        elif kind == "ttml":  # a line's colour style, paired with lines as WebVTT pairs voices
            default = "white" if fmt == "ttml-sdh" else None
            palette = subtitle_io.get(fmt).palette
            assert got.line_speakers() == [
                META.colours[s] if s and META.colours[s] in palette else default
                for s in speakers]
    if kind != "srt":
        assert track.meta.language == ("de" if fmt != "vtt" else "")
        assert track.meta.notes == [_clean(fmt)(n).replace("-->", "-- >") if kind == "vtt"
                                    else _clean(fmt)(n) for n in META.notes]


@pytest.mark.parametrize("fmt", ["vtt", "vtt-sdh"])
def test_webvtt_as_webvtt_py_reads_it(fmt):
    text = subtitle_io.to_string(CUES, fmt, META)
    doc = webvtt.from_buffer(io.StringIO(text))
    want = _written(fmt)
    assert len(doc.captions) == len(want)
    for cap, (c, pairs) in zip(doc.captions, want):
        assert (cap.start_time.in_milliseconds(), cap.end_time.in_milliseconds()) == \
            (c.start, c.end)
        assert html.unescape(cap.text) == "\n".join(ln for ln, _ in pairs)
        first = pairs[0][1]
        voice = html.unescape(cap.voice) if cap.voice else None  # webvtt-py leaves it escaped
        assert voice == (sdh.clean(META.speaker_names[first]) if first else None)
    last = doc.captions[-1]
    assert str(last.settings) == "line:90% align:start"
    assert last.identifier == "id -- > 1"  # an identifier may not hold -->
    numbered = [cap.identifier for cap in doc.captions[:-1]]
    assert numbered == ([str(n) for n in range(1, len(want))] if fmt == "vtt-sdh"
                        else [None] * (len(want) - 1))


@pytest.mark.parametrize("fmt", ["vtt", "vtt-sdh", "srt", "srt-sdh"])
def test_text_formats_escape_everything_that_could_break_a_cue(fmt):
    text = subtitle_io.to_string(CUES, fmt, META)
    lines = text.split("\n")
    timing = re.compile(r"^\d\d:\d\d:\d\d[.,]\d{3} --> \d\d:\d\d:\d\d[.,]\d{3}( .*)?$")
    arrows = [ln for ln in lines if "-->" in ln]
    assert all(timing.match(ln) for ln in arrows), arrows  # no --> but in timing lines
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)  # no control characters
    blocks = text.rstrip("\n").split("\n\n")
    cue_blocks = [b for b in blocks if "-->" in b]
    assert len(cue_blocks) == len(_written(fmt))  # no blank line inside a cue
    if fmt.startswith("vtt"):
        assert "<script" not in text and "&lt;script&gt;" in text
        assert "&amp;lt;b&amp;gt;" in text  # an entity in the text is text, not markup
        voices = re.findall(r"<v(?:\.[\w-]+)? ([^>]*)>", text)
        assert "Ben &amp; Söhne &lt;GmbH&gt;" in voices
    else:
        assert not re.search(r"<[A-Za-z/]|\{\\", text)  # no tag or ASS override is live
        assert f"--{WJ}>" in text


def test_ttml_escapes_and_stays_well_formed():
    text = subtitle_io.to_string(CUES, "ttml-sdh", META)
    root = ET.fromstring(text.encode("utf-8"))
    spans = [s.text for s in root.iter("{http://www.w3.org/ns/ttml}span")]
    assert "Pfeil --> und <script>alert('x')</script>" in spans
    assert root.find(".//{http://www.w3.org/ns/ttml}script") is None
    assert not re.search(r"[\x00-\x08\x0b-\x1f]", text)


def test_sound_cues_and_speaker_pairing_agree_between_webvtt_and_ttml():
    """TTML once coloured a sound cue by its speaker while WebVTT gave it no voice; both now
    pair speakers with lines through `Cue.line_speakers`."""
    cues = [Cue(start=0, end=1000, lines=["*Telefon*"], kind="sound", speaker="ben"),
            Cue(start=1000, end=2000, lines=["a", "", "b", "c"], speakers=["ben", "anna", "anna"],
                speaker="ben")]
    vtt = subtitle_io.from_string(WRITERS["vtt"]().to_string(cues, META), "vtt")
    ttml = subtitle_io.from_string(WRITERS["ttml"]().to_string(cues, META), "ttml")
    names = {v: k for k, v in META.speaker_names.items()}
    for v, t in zip(vtt.cues, ttml.cues):
        from_vtt = [META.colours[names[s]] if s else "white" for s in v.line_speakers()]
        assert from_vtt == t.line_speakers()
    assert vtt.cues[1].line_speakers() == ["Ben & Söhne <GmbH>", "Anna Beispiel", None]


def test_write_of_a_read_track_gives_the_file_back():
    text = WRITERS["vtt"]().to_string(CUES, META)
    track = subtitle_io.from_string(text, "vtt")
    assert WRITERS["vtt"]().to_string(track.cues, track.meta) == text


def test_empty_tracks():
    assert subtitle_io.to_string([], "vtt") == "WEBVTT\n"
    assert subtitle_io.to_string([], "srt") == ""
    for fmt in ("vtt", "srt", "ttml"):
        assert subtitle_io.from_string(subtitle_io.to_string([], fmt), fmt).cues == []


# --- readers: bad input -----------------------------------------------------------------

BAD = [
    ("srt", "1\n00:00:01,000 --> kaputt\nText\n", 2, "malformed SRT timing line"),
    ("srt", "1\n00:00:01,000 --> 00:00:02,000\nA\n\n2\n00:00:61,000 --> 00:01:02,000\nB\n", 6,
     "malformed SRT timing line"),
    ("srt", "1\n00:00:03,000 --> 00:00:02,000\nText\n", 2, "ends at or before it starts"),
    ("vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nA\nText --> mehr\n", 5,
     "malformed WebVTT timing line"),
    ("vtt", "WEBVTT\n\n00:01.000 --> 00:00,500\nA\n", 3, "malformed WebVTT timing line"),
    ("vtt", "Kein Kopf\n\n00:00:01.000 --> 00:00:02.000\nA\n", None, "not a valid WebVTT file"),
    ("srt", "nur Text\nohne Zeiten\nund mehr\n", None, "not a valid SRT file"),
    ("ttml", "<tt", 1, "not well-formed XML"),
    ("ttml", "<html/>", None, "not a TTML document"),
    ("ttml", '<tt xmlns="http://www.w3.org/ns/ttml"><body><div><p begin="00:00:01:05" '
             'end="00:00:02.000">A</p></div></body></tt>', None, "paragraph 1"),
]


@pytest.mark.parametrize("fmt,text,line,reason", BAD)
def test_readers_name_the_line_and_the_reason(fmt, text, line, reason):
    with pytest.raises(SubtitleParseError) as e:
        subtitle_io.from_string(text, fmt)
    assert e.value.line == line and reason in e.value.reason


def test_load_names_the_file_and_reads_a_bom(tmp_path):
    p = tmp_path / "alt.srt"
    p.write_bytes(b"\xef\xbb\xbf1\r\n00:00:01,000 --> 00:00:02,000\r\n<i>Hallo</i>\r\n")
    (cue,) = subtitle_io.load(p).cues
    assert (cue.start, cue.end, cue.lines) == (1000, 2000, ["Hallo"])
    p.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(SubtitleParseError) as e:
        subtitle_io.load(p)
    assert str(e.value).startswith(str(p)) and "not UTF-8" in str(e.value)


def test_save_is_atomic_and_picks_the_format_by_suffix(tmp_path):
    out = subtitle_io.save(tmp_path / "x.vtt", CUES[:2], meta=META)
    assert out.read_text(encoding="utf-8").startswith("WEBVTT\n\nNOTE ")
    assert [p.name for p in tmp_path.iterdir()] == ["x.vtt"]
    with pytest.raises(ValueError):
        subtitle_io.save(tmp_path / "x.sub", CUES)


def test_the_registry():
    assert {"vtt", "srt", "ttml", "vtt-sdh", "srt-sdh", "ttml-sdh"} <= set(subtitle_io.FORMATS)
    assert type(subtitle_io.for_extension(".VTT")) is subtitle_io.WebVTT  # plain, not a variant
    assert issubclass(subtitle_io.WebVTT, subtitle_io.SubRip)
    with pytest.raises(ValueError, match="unknown subtitle format"):
        subtitle_io.get("sbv")

    class Other(subtitle_io.WebVTT):
        name = "vtt"

    with pytest.raises(ValueError, match="registered twice"):
        subtitle_io.register(Other)


# --- the producers on the layer -----------------------------------------------------------


def test_chapter_track_reads_back():
    from pipeline.didactics.model import ChapterSet
    from pipeline.didactics.writers import WriteVTTChapters

    cs = ChapterSet.model_validate({
        "film": "f", "title": "T", "language": "de", "duration_ms": 60000,
        "catalogue_name": "Lernziele", "chapters": [
            {"index": 1, "start": 0, "end": 30000, "title": "Beteiligung & <Betriebsrat>"},
            {"index": 2, "start": 30000, "end": 60000, "title": "Pfeil --> Ende\nzwei Zeilen"}]})
    text = WriteVTTChapters().to_string(cs)
    cues = subtitle_io.from_string(text, "vtt").cues
    assert [(c.identifier, c.start, c.end, c.lines) for c in cues] == [
        ("chapter-1", 0, 30000, ["Beteiligung & <Betriebsrat>"]),
        ("chapter-2", 30000, 60000, ["Pfeil --> Ende zwei Zeilen"])]
    assert [c.identifier for c in webvtt.from_buffer(io.StringIO(text))] == ["chapter-1", "chapter-2"]


def test_thumbnail_track_reads_back():
    from pipeline.delivery import pictures

    out = io.StringIO()
    pictures.write_thumbnails_vtt(out, count=30, interval_s=5, duration_ms=142_000, tw=160, th=90)
    cues = subtitle_io.from_string(out.getvalue(), "vtt").cues
    assert len(cues) == 29 and cues[-1].end == 142_000
    assert cues[0].lines == ["sprite-001.jpg#xywh=0,0,160,90"]
    assert cues[26].lines == ["sprite-002.jpg#xywh=160,0,160,90"]
    assert cues == pictures.thumbnail_cues(count=30, interval_s=5, duration_ms=142_000,
                                           tw=160, th=90)


def test_transcript_srt_export_is_escaped_and_reads_back(workspace):
    from pipeline.review import offline
    from tests.test_review_common import machine_transcript, make_film

    hostile = [("anna", 200, "Pfeil --> und <i>kursiv</i> {\\an8} & mehr"),
               ("ben", 3000, "Wir planen Dienste mit Kai.")]
    film = make_film(workspace, transcript=machine_transcript(hostile))
    t = machine_transcript(hostile)
    out = io.StringIO()
    offline.write_srt(film, t, out)
    text = out.getvalue()
    assert "<i>" not in text and "{\\an8}" not in text and text.count("-->") == 2
    cues = subtitle_io.from_string(text, "srt").cues
    assert [c.text for c in cues] == [s.text for s in t.segments]
    draft = subtitle_io.from_string(__import__("pipeline.review.server", fromlist=["x"])
                                    .captions_vtt(t, film), "vtt")
    assert [(c.text, c.speaker) for c in draft.cues] == [
        (hostile[0][2], "Anna Beispiel"), (hostile[1][2], "Ben Muster")]
