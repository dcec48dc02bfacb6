"""The rough cut: layout in frames, lower thirds, caption cues, and the rendered file
(H.264/AAC, size, duration; burned-in captions exactly while a cue is shown; a lower third
at a speaker's first appearance only). Sources are flat-colour lavfi clips at 320×180, the
cut is rendered at 180 lines, so each render takes about a second."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.captions.profiles import PROFILES
from pipeline.compose import layers, mpy, roughcut
from pipeline.compose.layout import TITLE_CARD_MS, layout, lower_thirds
from pipeline.compose.model import Card, Timeline
from pipeline.manifest import Speaker
from tests.compose_helpers import flat_source, frame, probe, region_diff, shot

SPEAKERS = {"anna": Speaker(id="anna", name="Anna Beispiel", role="Pflegedienstleitung"),
            "ben": Speaker(id="ben", name="Ben Muster", role="Betriebsrat")}
SIZE = (320, 180)


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("sources")
    return (flat_source(d / "anna.mp4", "0x336699", 8, 440),
            flat_source(d / "ben.mp4", "0x996633", 8, 660))


def timeline(a: Path, b: Path) -> Timeline:
    """anna (1.0–4.0 s of her source), ben (2.0–5.0 s), anna again (5.0–6.5 s)."""
    return Timeline(film="f", title="KI in der Dienstplanung",
                    organisation="Pflegedienst Beispiel gGmbH", items=[
                        shot(1, a, 1000, 4000, "Wir planen jetzt mit KI. Das spart Zeit.", "anna"),
                        shot(2, b, 2000, 5000, "Der Betriebsrat war früh dabei und hat "
                                               "mitentschieden.", "ben"),
                        shot(3, a, 5000, 6500, "Und das bleibt so.", "anna")])


@pytest.fixture(scope="module")
def renders(sources, tmp_path_factory):
    d = tmp_path_factory.mktemp("cut")
    tl = timeline(*sources)
    plain = roughcut.render(tl, d / "plain.mp4", speakers=SPEAKERS, height=180)
    captioned = roughcut.render(tl, d / "captions.mp4", speakers=SPEAKERS,
                                profile=PROFILES["de-web"], height=180)
    return tl, plain, captioned


def test_moviepy_uses_the_system_ffmpeg():
    import moviepy.config
    import shutil

    assert moviepy.config.FFMPEG_BINARY == shutil.which("ffmpeg") == mpy.FFMPEG_EXE
    assert "imageio" not in moviepy.config.FFMPEG_BINARY


def test_layout_places_items_on_whole_frames(sources):
    tl = timeline(*sources)
    tl = tl.model_copy(update={"items": [*tl.items[:1],
                                         Card(lines=["Kapitel 2"], duration_ms=1010),
                                         *tl.items[1:]]})
    lay = layout(tl)
    assert isinstance(lay.placed[0].item, Card) and lay.placed[0].item.lines == [
        "KI in der Dienstplanung", "Pflegedienst Beispiel gGmbH"]
    assert [p.frames for p in lay.placed] == [75, 75, 25, 75, 38]  # 1010 ms → 25 frames
    assert [p.start_frame for p in lay.placed] == [0, 75, 150, 175, 250]
    assert lay.duration_ms == 288 * 40
    assert lay.joins_ms == [3000, 6000, 7000, 10000]
    # words move with their shot: the first word of select 2 at 2.1 s of ben's source
    words = [(w.text, s) for p, w, s, e in lay.words() if p.item.select == 2]
    assert words[0] == ("Der", 7000 + 100)
    # an edit that opens with its own card gets no second title card
    own = tl.model_copy(update={"items": [Card(lines=["Teaser"], duration_ms=2000),
                                          *tl.items]})
    assert layout(own).placed[0].item.lines == ["Teaser"]


def test_lower_third_only_at_a_speakers_first_appearance(sources):
    lay = layout(timeline(*sources))
    lts = lower_thirds(lay, SPEAKERS)
    assert [(lt.speaker, lt.shot) for lt in lts] == [("anna", 1), ("ben", 2)]
    assert lts[0].start_ms == TITLE_CARD_MS + 500 and lts[0].name == "Anna Beispiel"
    assert lts[0].role == "Pflegedienstleitung"
    # a speaker film.yaml does not know gets none
    assert [lt.speaker for lt in lower_thirds(lay, {"ben": SPEAKERS["ben"]})] == ["ben"]


def test_caption_cues_hold_the_selected_words_and_never_span_a_join(renders):
    tl, _plain, captioned = renders
    cues = captioned.cues
    text = " ".join(c.text for c in cues)
    assert text == " ".join(w.text for s in tl.items for w in s.words)
    joins = layout(tl).joins_ms
    for c in cues:
        assert not any(c.start < j < c.end for j in joins), (c, joins)
        assert all(len(line) <= layers.Style(SIZE).chars_per_line(42) for line in c.lines)


def test_roughcut_probes_as_h264_aac_with_size_and_duration(renders):
    tl, plain, captioned = renders
    frames = 75 + 75 + 75 + 38  # title card, 3 s, 3 s, 1.5 s = 37.5 frames rounded up
    expected = frames / 25
    for r in (plain, captioned):
        info = probe(r.path)
        v = next(s for s in info["streams"] if s["codec_type"] == "video")
        a = next(s for s in info["streams"] if s["codec_type"] == "audio")
        assert (v["codec_name"], v["profile"], v["pix_fmt"]) == ("h264", "High", "yuv420p")
        assert (v["width"], v["height"]) == SIZE
        assert int(v["nb_frames"]) == frames
        assert a["codec_name"] == "aac" and a["channels"] == 2 and a["sample_rate"] == "48000"
        assert abs(float(a["duration"]) - expected) < 0.03
        assert abs(float(info["format"]["duration"]) - expected) < 0.03
        assert r.duration_ms == frames * 40


def test_burned_in_captions_differ_from_the_cut_exactly_while_a_cue_is_shown(renders):
    tl, plain, captioned = renders
    cues = captioned.cues
    assert len(cues) >= 3
    style = layers.Style(SIZE)
    w, h = SIZE
    band = (0, int(h * (1 - style.safe.bottom)) - layers.caption_zone(style), w,
            int(h * (1 - style.safe.bottom)))  # where caption boxes are drawn
    above = (0, 0, w, band[1] - 1)
    inside = [(c.start + c.end) / 2000 for c in cues]
    gaps = [(a.end + b.start) / 2000 for a, b in zip(cues, cues[1:]) if b.start - a.end >= 120]
    gaps += [(cues[-1].end / 1000 + tl_end) / 2 for tl_end in [captioned.duration_ms / 1000]
             if captioned.duration_ms - cues[-1].end >= 120]
    gaps += [2.0]  # title card
    assert gaps
    for t in inside:
        a, b = frame(plain.path, t, SIZE), frame(captioned.path, t, SIZE)
        assert region_diff(a, b, band) > 8, f"no caption at {t} s"
        assert region_diff(a, b, above) < 1.5, f"caption drawn outside its band at {t} s"
    for t in gaps:
        a, b = frame(plain.path, t, SIZE), frame(captioned.path, t, SIZE)
        assert region_diff(a, b, (0, 0, w, h)) < 1.5, f"caption shown outside a cue at {t} s"


def test_lower_third_is_drawn_at_first_appearance_only(renders, sources):
    tl, plain, _ = renders
    lay = layout(tl)
    lt = layers.lower_third("Anna Beispiel", "Pflegedienstleitung", layers.Style(SIZE))
    box = (lt.x, lt.y, lt.x + lt.image.width, lt.y + lt.image.height)
    anna = frame(sources[0], 1.0, SIZE)  # her flat colour, straight from the source
    first = lay.placed[1].start_ms / 1000 + 1.5  # 1 s into the lower third
    again = lay.placed[3].start_ms / 1000 + 1.0  # her second appearance
    assert region_diff(frame(plain.path, first, SIZE), anna, box) > 20
    assert region_diff(frame(plain.path, again, SIZE), anna, box) < 3


def test_render_film_writes_exports_roughcut_with_film_yaml_speakers(sources, workspace):
    """What `casefilm cut FILM --captions` does after `pipeline.edit.timeline(film)`:
    speakers and the caption profile come from film.yaml, the file lands in exports/."""
    from pipeline.workspace import Workspace
    from tests.conftest import write_film

    write_film(workspace, "fall", {
        "title": "KI in der Dienstplanung", "organisation": "Pflegedienst Beispiel gGmbH",
        "speakers": [{"id": "anna", "name": "Anna Beispiel", "role": "Pflegedienstleitung"}],
        "sources": [{"id": "anna", "file": str(sources[0])}],
        "subtitles": {"profile": "de-broadcast"}})
    film = Workspace.resolve(workspace).film("fall")
    tl = timeline(*sources)
    r = roughcut.render_film(film, tl, captions=True, height=180)
    assert r.path == film.export_dir / "roughcut.mp4" and r.path.is_file()
    assert r.lower_thirds == 1  # ben is not in this film.yaml
    assert r.cues and r.selects == 3
    assert not list(film.export_dir.glob(".tmp-*"))
