"""The paper edit: edit.yaml model and loader, source transcripts, edit.yaml → Timeline."""

from __future__ import annotations

import pytest
import yaml

from pipeline import transcripts
from pipeline.compose.model import Card, Shot
from pipeline.edit import load_edit, sources, timeline
from pipeline.errors import ManifestError
from pipeline.workspace import Workspace
from tests.conftest import casefilm, write_film
from tests.edit_media import spoken_source, whisper_json

WORDS_A = ["Guten", "Morgen", "wir", "planen", "Dienste", "mit", "KI", "heute"]
WORDS_B = ["Der", "Betriebsrat", "war", "früh", "dabei", "und", "hat", "zugestimmt"]


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    d = tmp_path_factory.mktemp("edit-media")
    a = spoken_source(d / "anna.mp4", WORDS_A)
    b = spoken_source(d / "ben.mp4", WORDS_B, source="smptebars")
    return {"dir": d, "anna": a, "ben": b,
            "anna_json": whisper_json(d / "anna.json", a),
            "ben_json": whisper_json(d / "ben.json", b)}


def make_film(ws, media, **extra):
    manifest = {
        "title": "KI im Dienstplan", "organisation": "Pflege gGmbH",
        "speakers": [{"id": "anna", "name": "Anna A.", "role": "PDL"},
                     {"id": "ben", "name": "Ben B.", "role": "Betriebsrat"}],
        "sources": [
            {"id": "anna", "file": str(media["dir"] / "anna.mp4"), "speaker": "anna",
             "transcript": str(media["anna_json"])},
            {"id": "ben", "file": str(media["dir"] / "ben.mp4"), "speaker": "ben",
             "transcript": str(media["ben_json"])},
        ], **extra}
    write_film(ws, "f", manifest)
    return Workspace(ws).film("f")


def write_edit(film, data) -> None:
    (film.dir / "edit.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                                        encoding="utf-8")


def sel(src, words, a, b, text=True):
    d = {"source": src, "start": words[a].start / 1000, "end": words[b].end / 1000}
    if text:
        d["text"] = " ".join(w.text for w in words[a:b + 1])
    return d


def imported(film):
    for s in ("anna", "ben"):
        assert sources.transcribe_source(film, s, load_model=_no_whisper).action == "imported"


def _no_whisper():
    raise AssertionError("no Whisper run expected")


def test_timeline_from_selects_and_cards(workspace, media):
    film = make_film(workspace, media)
    imported(film)
    wa = sources.current(film, "anna").words
    write_edit(film, {"selects": [
        {"card": ["KI im Dienstplan", "Pflege gGmbH"], "duration": 2},
        sel("anna", wa, 2, 4),
        sel("ben", sources.current(film, "ben").words, 1, 3),
    ]})
    tl = timeline(film)
    assert [type(i) for i in tl.items] == [Card, Shot, Shot]
    assert tl.items[0].duration_ms == 2000 and tl.fps == 25.0
    shot = tl.items[1]
    assert shot.select == 2 and shot.source_id == "anna" and shot.speaker == "anna"
    assert (shot.src_in_ms, shot.src_out_ms) == (wa[2].start, wa[4].end)
    assert [w.text for w in shot.words] == ["wir", "planen", "Dienste"]
    assert shot.source_path == str((media["dir"] / "anna.mp4").resolve())
    assert tl.items[2].words[0].text == "Betriebsrat" and tl.items[2].speaker == "ben"
    assert tl.duration_ms == 2000 + (wa[4].end - wa[2].start) + (
        tl.items[2].src_out_ms - tl.items[2].src_in_ms)


def test_select_survives_a_correction_but_not_removed_words(workspace, media):
    film = make_film(workspace, media)
    imported(film)
    t = sources.current(film, "anna")
    write_edit(film, {"selects": [sel("anna", t.words, 2, 4)]})
    # an editor corrects "planen" -> "verplanen" in the source transcript (a new revision)
    segs = [s.model_copy(update={"words": [w.model_copy(update={"text": "verplanen"})
                                           if w.text == "planen" else w for w in s.words]})
            for s in t.segments]
    st = sources.store(film, "anna")
    transcripts.write_revision(st, t.model_copy(update={"segments": segs}), base=0)
    shot = timeline(film).items[0]
    assert [w.text for w in shot.words] == ["wir", "verplanen", "Dienste"]
    # the passage is removed in a later revision: the select now points at nothing
    t1 = sources.current(film, "anna")
    keep = [s.model_copy(update={"words": [w for w in s.words if w.end <= t.words[1].end
                                           or w.start >= t.words[5].start]}) for s in t1.segments]
    transcripts.write_revision(st, t1.model_copy(update={"segments": keep}), base=1)
    with pytest.raises(ManifestError) as e:
        timeline(film)
    assert e.value.field == "selects.0" and "no words of source 'anna'" in e.value.reason


def test_quote_that_no_longer_matches(workspace, media):
    film = make_film(workspace, media)
    imported(film)
    wa = sources.current(film, "anna").words
    bad = sel("anna", wa, 2, 4) | {"text": "etwas ganz anderes hier"}
    write_edit(film, {"selects": [sel("anna", wa, 0, 1), bad]})
    with pytest.raises(ManifestError) as e:
        timeline(film)
    assert e.value.field == "selects.1.text" and "now read 'wir planen Dienste'" in str(e.value)


@pytest.mark.parametrize("entry, field, words", [
    ({"source": "nobody", "start": 1, "end": 2}, "selects.0.source", "unknown source"),
    ({"source": "anna", "start": 3, "end": 2}, "selects.0.end", "at or before its start"),
    ({"source": "anna", "start": "zwei", "end": 2}, "selects.0.start", "not a timecode"),
    ({"source": "anna", "start": 1, "end": 2, "speed": 2}, "selects.0.speed", "unknown key"),
    ({"card": [], "duration": 2}, "selects.0.card", "at least 1"),
    ({"source": "anna", "start": 900, "end": 901}, "selects.0.start", "past the end"),
])
def test_bad_edit_entries_name_select_and_field(workspace, media, entry, field, words):
    film = make_film(workspace, media)
    imported(film)
    write_edit(film, {"selects": [entry]})
    with pytest.raises(ManifestError) as e:
        timeline(film)
    assert e.value.field == field and words in str(e.value)
    assert str(e.value).startswith(str(film.dir / "edit.yaml"))


def test_source_without_transcript_says_how(workspace, media):
    film = make_film(workspace, media)
    write_edit(film, {"selects": [{"source": "anna", "start": 1, "end": 2}]})
    with pytest.raises(ManifestError, match="casefilm edit transcribe f --source anna"):
        timeline(film)


def test_reviewed_source_is_never_replaced(workspace, media):
    film = make_film(workspace, media)
    imported(film)
    st = sources.store(film, "anna")
    t = sources.current(film, "anna")
    transcripts.write_revision(st, t, base=0)
    out = sources.transcribe_source(film, "anna", load_model=_no_whisper, force=True)
    assert out.action == "kept"
    assert sources.transcribe_source(film, "ben", load_model=_no_whisper).action == "up to date"
    # the programme transcript store is untouched
    assert transcripts.current(film) is None


def test_bad_source_transcript_import_is_a_preflight_error(workspace, media):
    film = make_film(workspace, media)
    m = yaml.safe_load(film.manifest_path.read_text())
    m["sources"][1]["transcript"] = "ben.docx"
    film.manifest_path.write_text(yaml.safe_dump(m), encoding="utf-8")
    proc = casefilm(workspace, "status", "f")
    assert "sources.1.transcript" in proc.stdout + proc.stderr
    assert "unsupported transcript format" in proc.stdout + proc.stderr


def test_edit_cli_transcribe_and_check(workspace, media):
    make_film(workspace, media)
    proc = casefilm(workspace, "edit", "transcribe", "f", check=True)
    assert "[f/anna] imported: 2 segments from anna.json (no Whisper run)" in proc.stderr
    film = Workspace(workspace).film("f")
    wa = sources.current(film, "anna").words
    write_edit(film, {"selects": [{"card": ["Titel"], "duration": 1.5}, sel("anna", wa, 0, 1)]})
    out = casefilm(workspace, "edit", "check", "f", check=True)
    assert "card 'Titel'" in out.stdout and "Guten Morgen" in out.stdout
    assert f"{(1500 + wa[1].end - wa[0].start) / 1000:.2f} s" in out.stderr
    bad = casefilm(workspace, "edit", "transcribe", "f", "--source", "nobody")
    assert bad.returncode == 2 and "no source 'nobody'" in bad.stderr


def test_casefilm_cut_renders_the_paper_edit(workspace, media):
    """The whole path a producer takes: source transcripts imported, edit.yaml written,
    `casefilm cut --captions` renders roughcut.mp4 through pipeline.edit.timeline and the
    compose renderer: H.264/AAC, 720p-high, as long as the title card plus the selects."""
    from pipeline.compose.layout import frames_of
    from tests.compose_helpers import probe

    film = make_film(workspace, media)
    casefilm(workspace, "edit", "transcribe", "f", check=True)
    wa, wb = sources.current(film, "anna").words, sources.current(film, "ben").words
    write_edit(film, {"selects": [sel("ben", wb, 1, 3), sel("anna", wa, 2, 5)]})
    p = casefilm(workspace, "cut", "f", "--captions", "--height", "360", check=True)
    out = film.export_dir / "roughcut.mp4"
    assert out.is_file(), p.stderr
    info = probe(out)
    v = next(s for s in info["streams"] if s["codec_type"] == "video")
    a = next(s for s in info["streams"] if s["codec_type"] == "audio")
    assert (v["codec_name"], a["codec_name"], v["height"]) == ("h264", "aac", 360)
    tl = timeline(film)
    assert [type(i) for i in tl.items] == [Shot, Shot]
    # the renderer's own title card (3 s) plus each select in whole frames
    frames = frames_of(3000, 25) + sum(frames_of(i.src_out_ms - i.src_in_ms, 25)
                                       for i in tl.items)
    assert int(v["nb_frames"]) == frames
    assert abs(float(info["format"]["duration"]) - frames / 25) < 0.05
    # a bad edit leaves the rough cut as it was
    before = out.read_bytes()
    write_edit(film, {"selects": [{"source": "nobody", "start": 0, "end": 1}]})
    bad = casefilm(workspace, "cut", "f")
    assert bad.returncode == 2 and "edit.yaml" in bad.stderr and "selects.0.source" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    assert out.read_bytes() == before
