"""Social clips through the CLI: `casefilm clips FILM` after the subtitles stage — every
format probes as H.264/AAC with its size and duration, captions are burned in exactly
while a cue is shown, the sidecar SRT holds the same cues, the audio is at −14 LUFS; bad
clips (a range outside the film, an unknown chapter, an unknown --clip) fail with one
line naming film.yaml, the clip and the field, and write nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline import subtitle_io, transcripts
from pipeline.captions import load_cues
from pipeline.compose import clips
from pipeline.fsutil import sha256_file
from pipeline.models import Programme, Transcript
from pipeline.workspace import Workspace
from tests.compose_helpers import flat_source, frame, probe, region_diff
from tests.conftest import casefilm, speech_transcript, write_film

SPEECH = [  # (speaker, start ms, text) at 220 ms per word
    ("anna", 300, "Wir planen die Dienste jetzt mit KI."),
    ("anna", 2300, "Das spart jede Woche viele Stunden."),
    ("ben", 4300, "Der Betriebsrat war von Anfang an dabei."),
    ("ben", 6300, "Niemand will zurück."),
]
MANIFEST = {
    "title": "KI in der Dienstplanung", "organisation": "Pflegedienst Beispiel gGmbH",
    "speakers": [{"id": "anna", "name": "Anna Beispiel", "role": "Pflegedienstleitung"},
                 {"id": "ben", "name": "Ben Muster", "role": "Betriebsrat"}],
    "sources": [{"id": "a", "file": "raw/a.mp4"}],
    "chapters": [{"id": "start", "start": "00:00", "title": "Ausgangslage"},
                 {"id": "betriebsrat", "start": "00:04", "title": "Der Betriebsrat"}],
    "clips": [{"id": "teaser", "chapter": "betriebsrat", "formats": ["9x16", "1x1", "16x9"],
               "link": "https://example.org/ki"},
              {"id": "zitat", "start": "00:02", "end": "00:04.5", "formats": ["1x1"],
               "crop": 0.2}],
}
SHORT = 144  # the clips' shorter side in the tests: 9x16 is 144×256


def _transcript(film: str) -> Transcript:
    return speech_transcript(film, SPEECH, duration_ms=8000)


def _film(ws: Path, video: Path, manifest: dict = MANIFEST):
    write_film(ws, "fall", manifest)
    film = Workspace.resolve(ws).film("fall")
    prog = Programme(film="fall", media=str(video), media_sha256=sha256_file(video),
                     duration_ms=8000, width=320, height=180, fps=25.0, has_audio=True,
                     asr_audio=None, sources=[], spans=[])
    film.cache_dir.mkdir(parents=True, exist_ok=True)
    (film.cache_dir / "programme.json").write_text(prog.model_dump_json(), encoding="utf-8")
    transcripts.write_machine(film, _transcript("fall"))
    return film


@pytest.fixture(scope="module")
def programme(tmp_path_factory) -> Path:
    """8 s of one flat colour (0x336699) with a 440 Hz tone."""
    return flat_source(tmp_path_factory.mktemp("prog") / "programme.mp4", "0x336699", 8, 440)


@pytest.fixture(scope="module")
def rendered(programme, tmp_path_factory):
    ws = tmp_path_factory.mktemp("ws")
    (ws / "projects").mkdir()
    film = _film(ws, programme)
    proc = casefilm(ws, "subtitles", "fall")
    assert proc.returncode == 0, proc.stderr
    proc = casefilm(ws, "clips", "fall", "--short-side", str(SHORT))
    assert proc.returncode == 0, proc.stderr
    return ws, film, proc


def _one_error(proc) -> str:
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_each_clip_probes_as_h264_aac_with_its_size_duration_and_sidecar(rendered):
    ws, film, proc = rendered
    out = film.export_dir / "clips"
    expected = {("teaser", "9x16"): ((144, 256), 4000), ("teaser", "1x1"): ((144, 144), 4000),
                ("teaser", "16x9"): ((256, 144), 4000), ("zitat", "1x1"): ((144, 144), 2500)}
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{c}-{f}.{ext}" for c, f in expected for ext in ("mp4", "srt"))
    for (clip, fmt), ((w, h), body) in expected.items():
        path = out / f"{clip}-{fmt}.mp4"
        info = probe(path)
        v = next(s for s in info["streams"] if s["codec_type"] == "video")
        a = next(s for s in info["streams"] if s["codec_type"] == "audio")
        total = clips.TITLE_MS + body + clips.END_MS
        assert (v["codec_name"], v["pix_fmt"], v["width"], v["height"]) == ("h264", "yuv420p", w, h)
        # whole frames per item: 2.5 s is 62.5 frames, rounded up
        assert int(v["nb_frames"]) == 50 + -(-body // 40) + 75
        assert a["codec_name"] == "aac" and a["channels"] == 2
        assert abs(float(info["format"]["duration"]) - total / 1000) < 0.06
        assert f"clip {clip} {fmt}: {path}" in proc.stdout
        assert "-14" in proc.stdout.split(str(path))[1].splitlines()[0]


def test_sidecar_srt_holds_the_films_cues_of_the_range_in_clip_time(rendered):
    ws, film, _ = rendered
    delivered = load_cues(film).cues
    for fmt in ("9x16", "16x9"):
        track = subtitle_io.load(film.export_dir / "clips" / f"teaser-{fmt}.srt")
        cues = track.cues
        assert cues and all(clips.TITLE_MS <= c.start < c.end <= clips.TITLE_MS + 4000
                            for c in cues)
        in_range = [c for c in delivered if c.end > 4000 + 200]
        words = lambda cs: " ".join(c.text for c in cs).replace("- ", "").split()  # noqa: E731
        assert words(cues) == words(in_range)
    narrow = subtitle_io.load(film.export_dir / "clips" / "teaser-9x16.srt").cues
    wide = subtitle_io.load(film.export_dir / "clips" / "teaser-16x9.srt").cues
    assert max(len(ln) for c in narrow for ln in c.lines) < max(len(ln) for c in wide
                                                                 for ln in c.lines)


def test_clip_audio_is_at_minus_14_lufs(rendered):
    from pipeline.audio.loudness import measure_file

    ws, film, _ = rendered
    for name in ("teaser-9x16.mp4", "zitat-1x1.mp4"):
        m = measure_file(film.export_dir / "clips" / name)
        assert abs(m.integrated_lufs - clips.TARGET_LUFS) <= 1.0, m
        assert m.true_peak_dbtp <= clips.TARGET_TP + 0.5, m


def test_clip_captions_are_burned_in_exactly_while_a_cue_is_shown(rendered, programme):
    ws, film, _ = rendered
    path = film.export_dir / "clips" / "teaser-9x16.mp4"
    cues = subtitle_io.load(path.with_suffix(".srt")).cues
    w, h = clips.frame_size("9x16", SHORT)
    style = clips.style_for("9x16", SHORT)
    bottom = int(h * (1 - style.safe.bottom))
    band = (0, bottom - 2 * style.px(style.caption) * 2, w, bottom)
    flat = frame(programme, 5.0, (320, 180))[90, 160]  # the programme's one colour
    source_like = flat.reshape(1, 1, 3).repeat(h, 0).repeat(w, 1)
    inside = [(c.start + c.end) / 2000 for c in cues]
    outside = [(a.end + b.start) / 2000 for a, b in zip(cues, cues[1:]) if b.start - a.end > 100]
    outside += [(cues[-1].end + clips.TITLE_MS + 4000) / 2000]
    outside = [t for t in outside if clips.TITLE_MS / 1000 < t < (clips.TITLE_MS + 4000) / 1000]
    assert inside and outside
    for t in inside:
        assert region_diff(frame(path, t, (w, h)), source_like, band) > 8, t
    for t in outside:
        assert region_diff(frame(path, t, (w, h)), source_like, (0, 0, w, h)) < 3, t


def test_a_clip_range_outside_the_film_fails_naming_clip_and_field(programme, workspace):
    bad = {**MANIFEST, "clips": [MANIFEST["clips"][1],
                                 {"id": "zu-lang", "start": "00:05", "end": "00:20"}]}
    film = _film(workspace, programme, bad)
    assert casefilm(workspace, "subtitles", "fall").returncode == 0
    proc = casefilm(workspace, "clips", "fall")
    assert proc.returncode == 2
    line = _one_error(proc)
    assert "film.yaml: clips.1.end: clip 'zu-lang': ends at 0:20, past the film's end" in line
    assert not (film.export_dir / "clips").exists()  # checked before the first encode


def test_unknown_chapter_and_unknown_clip_fail_in_one_line(programme, workspace):
    bad = {**MANIFEST, "clips": [{"id": "x", "chapter": "gibts-nicht"}]}
    film = _film(workspace, programme, bad)
    proc = casefilm(workspace, "clips", "fall")
    assert proc.returncode == 2
    assert ("film.yaml: clips.0.chapter: clip 'x': unknown chapter 'gibts-nicht' "
            "(chapter ids: betriebsrat, start)") in _one_error(proc)
    (film.dir / "film.yaml").write_text(yaml.safe_dump(MANIFEST), encoding="utf-8")
    proc = casefilm(workspace, "clips", "fall", "--clip", "nope")
    assert proc.returncode == 2 and "no clip 'nope' (clips: teaser, zitat)" in _one_error(proc)
    proc = casefilm(workspace, "clips", "fall")  # no subtitles yet
    assert proc.returncode == 2 and "needs subtitles (no cues.json yet) first" in _one_error(proc)
    assert not (film.export_dir / "clips").exists()
