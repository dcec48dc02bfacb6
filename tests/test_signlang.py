"""Sign language (DGS interpreter): film.yaml `sign_language:`, its preflight checks, the
rendition an export makes (BITV figures measured with ffprobe), manifest.json, the player
page's download entry, rebuilding only when its inputs change, the QC report and status.

Fixtures: the export tests' film (10 s, testsrc2 640x360 with espeak-ng speech, captions,
chapters; rungs 360p/234p at preset veryfast) plus an interpreter recording made with
lavfi: testsrc2 1280x720 at 25 fps, 12 s, silent, of which film.yaml crops the middle
640x720 and places it at 0:01 in the programme. Expected rendition: 426x480 (480 px high,
the crop's 8:9), 25 fps, 10 s (the programme's length), black for the first second.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests import media
from tests.conftest import casefilm
from tests.test_export_support import FILM, build_film, probe, sha256

CROP = {"x": 320, "y": 0, "width": 640, "height": 720}
DGS = {"file": "raw/dgs.mp4", "offset": "00:01", "crop": CROP}


def set_sign_language(ws: Path, film: str, block: dict | None) -> None:
    fy = ws / "projects" / film / "film.yaml"
    m = yaml.safe_load(fy.read_text(encoding="utf-8"))
    if block is None:
        m.pop("sign_language", None)
    else:
        m["sign_language"] = block
    fy.write_text(yaml.safe_dump(m, allow_unicode=True, sort_keys=False), encoding="utf-8")


def interpreter(out: Path, seconds: float = 12, size: str = "1280x720", fps: int = 25) -> Path:
    """testsrc2 (a moving picture with a frame counter) as the interpreter's recording."""
    return media.video(out, seconds, size=size, fps=fps)


@pytest.fixture(scope="module")
def dgs_ws(tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("dgs") / "ws"
    (ws / "projects").mkdir(parents=True)
    build_film(ws)
    interpreter(ws / "projects" / FILM / "raw" / "dgs.mp4")
    set_sign_language(ws, FILM, DGS)
    casefilm(ws, "export", FILM, check=True)
    return ws


def export_dir(ws: Path) -> Path:
    return ws / "exports" / FILM


def manifest_json(ws: Path) -> dict:
    return json.loads((export_dir(ws) / "manifest.json").read_text(encoding="utf-8"))


def frame_luma(path: Path, at_s: float) -> float:
    """Mean luma (0..255) of the frame at `at_s`."""
    out = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-ss", f"{at_s}", "-i", str(path), "-frames:v", "1",
         "-vf", "signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=-", "-f", "null", "-"],
        capture_output=True, text=True, check=True).stdout
    return float(out.split("lavfi.signalstats.YAVG=")[1].split()[0])


# --- the rendition -------------------------------------------------------------------------

def test_rendition_meets_the_bitv_figures(dgs_ws):
    mp4 = export_dir(dgs_ws) / "media" / f"{FILM}-dgs.mp4"
    info = probe(mp4, "-show_streams", "-show_format")
    video = [s for s in info["streams"] if s["codec_type"] == "video"]
    assert len(video) == 1 and len(info["streams"]) == 1, "video only"
    v = video[0]
    assert v["codec_name"] == "h264" and v["profile"] == "High" and v["pix_fmt"] == "yuv420p"
    assert v["width"] >= 320 and v["height"] >= 240
    num, den = map(int, v["avg_frame_rate"].split("/"))
    assert num / den >= 25
    # sized for a window beside the film: the crop's aspect at 480 px high, not the recording's
    assert (v["width"], v["height"]) == (426, 480)
    assert abs(float(info["format"]["duration"]) - 10.0) < 0.05  # the programme's length


def test_rendition_has_a_keyframe_every_second_and_faststart(dgs_ws):
    from pipeline.delivery import mp4box

    mp4 = export_dir(dgs_ws) / "media" / f"{FILM}-dgs.mp4"
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-skip_frame", "nokey",
                          "-show_entries", "frame=pts_time", "-of", "csv=p=0", str(mp4)],
                         capture_output=True, text=True, check=True).stdout
    keys = [float(x.strip(",")) for x in out.split() if x.strip(",")]
    assert keys[0] == 0.0
    assert max(b - a for a, b in zip(keys, keys[1:])) <= 1.0 + 1e-6
    tops = mp4box.top_level_of_file(mp4)
    assert tops.index("moov") < tops.index("mdat")


def test_rendition_is_on_the_programme_timeline(dgs_ws):
    """Black until the offset (0:01), the interpreter after it."""
    mp4 = export_dir(dgs_ws) / "media" / f"{FILM}-dgs.mp4"
    assert frame_luma(mp4, 0.5) < 20
    assert frame_luma(mp4, 2.0) > 40


def test_hls_stream_of_its_own(dgs_ws):
    d = export_dir(dgs_ws) / "hls" / "dgs"
    playlist = (d / "index.m3u8").read_text(encoding="utf-8")
    segs = [ln for ln in playlist.splitlines() if ln and not ln.startswith("#")]
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in playlist and '#EXT-X-MAP:URI="init.mp4"' in playlist
    assert segs and all((d / s).is_file() for s in segs)
    master = (export_dir(dgs_ws) / "hls" / "master.m3u8").read_text(encoding="utf-8")
    assert "dgs/" not in master  # a stream of its own, not a variant of the film


def test_manifest_lists_the_rendition_typed(dgs_ws):
    from pipeline.delivery.model import ExportManifest
    from pipeline.delivery.package import verify

    m = ExportManifest.model_validate(manifest_json(dgs_ws))
    sl = m.sign_language
    assert sl is not None and sl.meets_bitv
    assert (sl.width, sl.height, sl.fps, sl.duration_ms) == (426, 480, 25.0, 10000)
    assert (sl.offset_ms, sl.covers_from_ms, sl.covers_to_ms, sl.programme_ms) == (1000, 1000, 10000, 10000)
    assert sl.mp4 == f"media/{FILM}-dgs.mp4" and sl.hls == "hls/dgs/index.m3u8"
    assert sl.size == (export_dir(dgs_ws) / sl.mp4).stat().st_size
    roles = {a.path: a.role for a in m.artifacts}
    assert roles[sl.mp4] == "sign-language-video"
    assert roles[sl.hls] == "sign-language-hls-playlist"
    assert roles["hls/dgs/init.mp4"] == "sign-language-hls-init"
    assert verify(export_dir(dgs_ws)) == []


def test_player_page_offers_the_download_with_size_and_duration(dgs_ws):
    html = (export_dir(dgs_ws) / "index.html").read_text(encoding="utf-8")
    size = (export_dir(dgs_ws) / "media" / f"{FILM}-dgs.mp4").stat().st_size
    kb = f"{round(size / 1000)} kB"
    assert f'href="media/{FILM}-dgs.mp4" download' in html
    assert f"Gebärdensprache (DGS) 426 × 480, 0:10, {kb} (MP4)" in html
    assert 'id="btn-dgs"' in html and 'aria-keyshortcuts="g"' in html
    assert "G: Gebärdensprache ein und aus" in html


def test_the_recording_is_never_modified(dgs_ws):
    rec = dgs_ws / "projects" / FILM / "raw" / "dgs.mp4"
    m = manifest_json(dgs_ws)
    assert sha256(rec) == m["sign_language"]["recording_sha256"]


def test_rebuilt_only_when_its_inputs_change(tmp_path):
    ws = tmp_path / "ws"
    (ws / "projects").mkdir(parents=True)
    build_film(ws)
    interpreter(ws / "projects" / FILM / "raw" / "dgs.mp4", seconds=11)
    set_sign_language(ws, FILM, {"file": "raw/dgs.mp4"})
    casefilm(ws, "export", FILM, check=True)
    first = manifest_json(ws)["sign_language"]
    assert first["reused"] is False and first["offset_ms"] == 0
    again = casefilm(ws, "export", FILM, check=True)
    assert "up to date" in (again.stdout + again.stderr)
    # a caption change re-runs the export but links the cached rendition
    vtt = ws / "subtitles" / FILM / "captions.vtt"
    vtt.write_text(vtt.read_text(encoding="utf-8").replace("Willkommen", "Hallo"), encoding="utf-8")
    casefilm(ws, "export", FILM, check=True)
    second = manifest_json(ws)["sign_language"]
    assert second["reused"] is True and second["encode_key"] == first["encode_key"]
    # a new offset is a new rendition
    set_sign_language(ws, FILM, {"file": "raw/dgs.mp4", "offset": 2})
    run = casefilm(ws, "export", FILM, check=True)
    third = manifest_json(ws)["sign_language"]
    assert third["reused"] is False and third["encode_key"] != first["encode_key"]
    assert third["offset_ms"] == 2000 and "sign language: rendition encoded" in run.stderr
    cache = ws / ".casefilm" / "cache" / FILM / "dgs-renditions"
    assert [d.name for d in cache.iterdir()] == [third["encode_key"]]  # the old one pruned
    # the QC report knows when the export no longer matches film.yaml (here: a new crop)
    from pipeline.delivery import signlang_qc
    from pipeline.workspace import Workspace

    assert signlang_qc.evaluate(Workspace(ws).film(FILM)).stale is None
    set_sign_language(ws, FILM, {"file": "raw/dgs.mp4", "offset": 2,
                                 "crop": {"x": 0, "y": 0, "width": 320, "height": 360}})
    rep = signlang_qc.evaluate(Workspace(ws).film(FILM))
    assert rep.stale and rep.measured == "recording" and (rep.width, rep.height) == (320, 360)
    # no interpreter any more: its files leave the export
    set_sign_language(ws, FILM, None)
    casefilm(ws, "export", FILM, check=True)
    assert manifest_json(ws)["sign_language"] is None
    assert not (export_dir(ws) / "media" / f"{FILM}-dgs.mp4").exists()
    assert not (export_dir(ws) / "hls" / "dgs").exists() and not cache.exists()


def test_a_recording_below_the_bitv_figures_is_not_upscaled(tmp_path):
    """300x200 at 15 fps stays 300x200 at 15 fps; the export notes it, the QC report
    finds it."""
    ws = tmp_path / "ws"
    (ws / "projects").mkdir(parents=True)
    build_film(ws)
    interpreter(ws / "projects" / FILM / "raw" / "small.mp4", size="300x200", fps=15)
    set_sign_language(ws, FILM, {"file": "raw/small.mp4"})
    casefilm(ws, "export", FILM, check=True)
    mp4 = export_dir(ws) / "media" / f"{FILM}-dgs.mp4"
    v = probe(mp4, "-show_streams")["streams"][0]
    assert (v["width"], v["height"], v["avg_frame_rate"]) == (300, 200, "15/1")
    m = manifest_json(ws)
    assert m["sign_language"]["meets_bitv"] is False
    assert any("below BITV" in n for n in m["notes"])
    from pipeline.delivery import signlang_qc as qc
    from pipeline.workspace import Workspace

    rep = qc.evaluate(Workspace(ws).film(FILM))
    rules = {f.rule: f for f in rep.findings}
    assert rules["dgs_size"].severity == "hard" and rules["dgs_size"].measured == "300 × 200"
    assert "nicht hochskaliert" in rules["dgs_size"].message
    assert rules["dgs_fps"].severity == "hard" and rules["dgs_fps"].measured == "15"
    item = qc.checklist(Workspace(ws).film(FILM), rep)[0]
    assert item.id == "WCAG 2.2 1.2.6" and item.level == "AAA" and item.state == "fail"


# --- QC report and status ------------------------------------------------------------------

def test_qc_report_checks_figures_offset_and_coverage(dgs_ws):
    """The interpreter starts at 0:01 but the first caption at 0:00.5: a hard finding for
    that cue and a warning for the late start; the BITV figures are the rendition's."""
    casefilm(dgs_ws, "qc", FILM)  # exits 6: the hand-written captions break a hard caption rule
    data = json.loads((dgs_ws / "subtitles" / FILM / "qc.json").read_text(encoding="utf-8"))
    [sec] = [s for s in data["sections"] if s["id"] == "sign-language"]
    assert sec["title"] == "Gebärdensprache (DGS)" and sec["error"] is None
    found = [(f["rule"], f["cue"], f["severity"]) for f in sec["findings"]]
    assert found == [("dgs_start", 0, "warning"), ("dgs_speech_outside", 1, "hard")]
    items = {c["id"]: c for c in data["checklist"]}
    assert items["WCAG 2.2 1.2.6"]["level"] == "AAA" and items["WCAG 2.2 1.2.6"]["state"] == "fail"
    assert "der ausgelieferten DGS-Fassung: 426 × 480 Pixel, 25 Bilder/s" in items["WCAG 2.2 1.2.6"]["files"]
    assert "von 0:01 bis 0:10 (Film 0:10)" in items["WCAG 2.2 1.2.6"]["files"]
    assert items["BITV 2.0 Anlage 2"]["state"] == "check"
    html = (dgs_ws / "subtitles" / FILM / "qc.html").read_text(encoding="utf-8")
    assert 'id="sign-language"' in html
    assert 'data-rule="dgs_speech_outside"' in html and 'data-clause="WCAG 2.2 1.2.6"' in html
    from pipeline.delivery import signlang_qc as qc
    from pipeline.workspace import Workspace

    rep = qc.evaluate(Workspace(dgs_ws).film(FILM))
    assert rep.measured == "rendition" and (rep.width, rep.height, rep.fps) == (426, 480, 25.0)
    assert rep.meets_bitv and rep.stale is None and rep.offset_ms == 1000
    assert (rep.covers_from_ms, rep.covers_to_ms, rep.programme_ms) == (1000, 10000, 10000)
    status = casefilm(dgs_ws, "status", FILM, check=True).stdout
    line = next(ln for ln in status.splitlines() if ln.strip().startswith("DGS"))
    assert "rendition 426x480 25 fps (meets BITV)" in line and "interpreter 0:01–0:10 of 0:10" in line
    assert "1 hard findings" in line and f"exported media/{FILM}-dgs.mp4" in line


def test_qc_finds_an_interpreter_that_ends_before_the_programme(tmp_path):
    """A 6 s recording from 0:00 in a 10 s film: the last 4 s uninterpreted (warning), and the
    cues after 0:06 (the sound at 0:06.1 and the speech at 0:08) are hard findings."""
    from pipeline.delivery import signlang_qc as qc
    from pipeline.workspace import Workspace

    ws = tmp_path / "ws"
    (ws / "projects").mkdir(parents=True)
    build_film(ws, chapters=False)
    interpreter(ws / "projects" / FILM / "raw" / "short.mp4", seconds=6)
    set_sign_language(ws, FILM, {"file": "raw/short.mp4"})
    film = Workspace(ws).film(FILM)
    rep = qc.evaluate(film)
    assert rep.measured == "recording" and rep.stale and "casefilm export" in rep.stale
    found = [(f.rule, f.cue) for f in rep.findings]
    assert found == [("dgs_end", 0), ("dgs_stale", 0), ("dgs_speech_outside", 3),
                     ("dgs_speech_outside", 4)]
    assert rep.covers_to_ms == 6000 and rep.programme_ms == 10000
    assert qc.checklist(film, rep)[1].state == "open"  # BITV: nothing delivered yet
    assert "not exported as film.yaml says" in qc.status_lines(film)[0]


def test_no_interpreter_no_dgs_part(tmp_path):
    from pipeline.delivery import signlang_qc as qc
    from pipeline.signoff.qc import sign_language
    from pipeline.workspace import Workspace

    ws = tmp_path / "ws"
    (ws / "projects").mkdir(parents=True)
    build_film(ws, captions=False, chapters=False)
    film = Workspace(ws).film(FILM)
    assert qc.evaluate(film) is None and qc.status_lines(film) == []
    assert sign_language(film, "de") is None


# --- film.yaml and preflight --------------------------------------------------------------

@pytest.fixture
def fresh(workspace):
    """A film whose sources exist but which has not been ingested."""
    build_film(workspace, captions=False, chapters=False)
    shutil.rmtree(workspace / ".casefilm")  # build_film writes a programme by hand
    return workspace


def _stopped_before_any_stage(ws: Path, proc, field: str, words: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert any(field in ln and words in ln for ln in lines), proc.stderr
    assert not (ws / ".casefilm" / "cache" / FILM / "programme.json").exists()
    assert not (ws / "exports" / FILM).exists()


def test_missing_recording_stops_before_any_stage(fresh):
    set_sign_language(fresh, FILM, {"file": "raw/nowhere.mov"})
    p = casefilm(fresh, "run", FILM)
    _stopped_before_any_stage(fresh, p, "sign_language.file", "file not found")
    assert "nowhere.mov" in p.stderr


def test_recording_without_video_stops_before_any_stage(fresh):
    media.speak("Hallo", fresh / "projects" / FILM / "raw" / "voice.wav")
    set_sign_language(fresh, FILM, {"file": "raw/voice.wav"})
    p = casefilm(fresh, "run", FILM)
    _stopped_before_any_stage(fresh, p, "sign_language.file", "no video stream")


def test_offset_outside_the_programme_stops_before_any_stage(fresh):
    interpreter(fresh / "projects" / FILM / "raw" / "dgs.mp4", seconds=3)
    set_sign_language(fresh, FILM, {"file": "raw/dgs.mp4", "offset": "00:15"})
    p = casefilm(fresh, "run", FILM)
    _stopped_before_any_stage(fresh, p, "sign_language.offset", "after the end of the programme (0:10)")


def test_negative_offset_and_crop_outside_the_frame(fresh):
    interpreter(fresh / "projects" / FILM / "raw" / "dgs.mp4", seconds=3, size="640x360")
    set_sign_language(fresh, FILM, {"file": "raw/dgs.mp4", "offset": -1})
    p = casefilm(fresh, "run", FILM)
    _stopped_before_any_stage(fresh, p, "sign_language.offset", "negative")
    set_sign_language(fresh, FILM, {"file": "raw/dgs.mp4",
                                    "crop": {"x": 400, "y": 0, "width": 320, "height": 360}})
    p = casefilm(fresh, "run", FILM)
    _stopped_before_any_stage(fresh, p, "sign_language.crop", "outside the recording's 640x360 frame")
    # status shows the same line
    s = casefilm(fresh, "status", FILM)
    assert "sign_language.crop" in s.stdout


def test_sign_language_block_is_optional_and_typed():
    from pipeline.manifest import FilmManifest

    base = {"title": "T", "sources": [{"id": "a", "file": "a.mp4"}]}
    assert FilmManifest.model_validate(base).sign_language is None
    m = FilmManifest.model_validate({**base, "sign_language": {"file": "dgs.mov", "offset": "01:02.5"}})
    assert m.sign_language.offset == 62500 and m.sign_language.crop is None
    with pytest.raises(ValueError, match="width"):
        FilmManifest.model_validate({**base, "sign_language": {"file": "d.mov", "crop": {"x": 0}}})
    with pytest.raises(ValueError, match="extra"):
        FilmManifest.model_validate({**base, "sign_language": {"file": "d.mov", "ofset": 1}})
