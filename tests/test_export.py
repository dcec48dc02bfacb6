"""Export stage: the rendition ladder, loudness, MP4 features, manifest, the fast path,
kill -9 safety and bad inputs. Media is tiny (10 s, 640x360; rungs 360p + 234p)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from pipeline.delivery import ladder, mp4box, package
from tests.conftest import REPO, casefilm
from tests.test_export_support import (CHAPTERS, CUES, FILM, build_film, export_ws,  # noqa: F401
                                       probe, sha256, write_captions)

pytestmark = pytest.mark.slow


def _exp(ws: Path) -> Path:
    return ws / "exports" / FILM


def _mp4s(ws: Path) -> list[Path]:
    return sorted((_exp(ws) / "media").glob("*.mp4"))


def _record(ws: Path, film: str = FILM) -> dict:
    return json.loads((ws / ".casefilm" / "records" / film / "export.json").read_text())


def _keyframes(path: Path) -> list[float]:
    data = probe(path, "-select_streams", "v:0", "-skip_frame", "nokey",
                 "-show_entries", "frame=pts_time")
    return [round(float(f["pts_time"]), 2) for f in data["frames"]]


# --- rung selection (pure) -----------------------------------------------------------------

def test_default_rungs_never_upscale():
    assert [r.name for r in ladder.select_rungs(1920, 1080, 25)] == ["1080p", "720p", "540p", "360p"]
    assert [r.name for r in ladder.select_rungs(1280, 720, 25)] == ["720p", "540p", "360p"]
    assert [(r.width, r.height) for r in ladder.select_rungs(640, 360, 25)] == [(640, 360)]
    small = ladder.select_rungs(320, 180, 25)
    assert [(r.width, r.height) for r in small] == [(320, 180)]
    assert [r.name for r in ladder.select_rungs(3840, 2160, 25)][0] == "1080p"
    assert [r.name for r in ladder.select_rungs(1920, 1080, 25, max_height=720)][0] == "720p"
    # other aspect ratios fit the 16:9 box: scope 2.4:1 and 4:3
    assert [(r.width, r.height) for r in ladder.select_rungs(1920, 800, 25)][0] == (1920, 800)
    assert [(r.width, r.height) for r in ladder.select_rungs(1440, 1080, 25)][0] == (1440, 1080)
    for src in ((1920, 1080, 25), (1920, 1080, 29.97), (1920, 1080, 50), (1280, 720, 60)):
        for r in ladder.select_rungs(*src):
            assert r.level <= 41 and r.width % 2 == 0 and r.height % 2 == 0
            assert r.fps <= 30.5 and r.bufsize_kbps == 2 * r.maxrate_kbps
            assert r.gop_frames == round(r.fps * 2)
    with pytest.raises(ValueError):
        ladder.select_rungs(1920, 1080, 25, heights=[999])


def test_apple_ladder_bitrates_are_the_caps():
    r = {x.name: x for x in ladder.select_rungs(1920, 1080, 25)}
    assert (r["1080p"].maxrate_kbps, r["720p"].maxrate_kbps, r["540p"].maxrate_kbps,
            r["360p"].maxrate_kbps) == (6000, 3000, 2000, 365)


# --- the produced files ------------------------------------------------------------------

def test_every_rung_is_h264_high_yuv420p_aligned_gops_faststart(export_ws):  # noqa: F811
    files = _mp4s(export_ws)
    assert [f.name for f in files] == [f"{FILM}-234p.mp4", f"{FILM}-360p.mp4"]
    kf = []
    for f in files:
        streams = probe(f, "-show_streams")["streams"]
        v = next(s for s in streams if s["codec_type"] == "video")
        a = next(s for s in streams if s["codec_type"] == "audio")
        assert (v["codec_name"], v["profile"], v["pix_fmt"]) == ("h264", "High", "yuv420p")
        assert v["level"] <= 41
        assert (a["codec_name"], a["profile"], a["sample_rate"], a["channels"]) == ("aac", "LC", "48000", 2)
        boxes = mp4box.top_level_of_file(f)
        assert boxes.index("moov") < boxes.index("mdat"), f"{f.name}: not faststart ({boxes})"
        kf.append(_keyframes(f))
    assert kf[0] == kf[1], "keyframe times differ between rungs"
    assert kf[0] == [0.0, 2.0, 4.0, 6.0, 8.0]


def test_top_rung_carries_chapters_and_language_tagged_mov_text(export_ws):  # noqa: F811
    top = _exp(export_ws) / "media" / f"{FILM}-360p.mp4"
    data = probe(top, "-show_streams", "-show_chapters")
    subs = [s for s in data["streams"] if s["codec_type"] == "subtitle"]
    assert len(subs) == 1 and subs[0]["codec_name"] == "mov_text"
    assert subs[0]["tags"]["language"] == "deu"
    assert [c["tags"]["title"] for c in data["chapters"]] == [c["title"] for c in CHAPTERS]
    assert [round(float(c["start_time"]) * 1000) for c in data["chapters"]] == [c["start"] for c in CHAPTERS]
    # the lower rung is plain: no captions, no chapters
    low = probe(_exp(export_ws) / "media" / f"{FILM}-234p.mp4", "-show_streams", "-show_chapters")
    assert not low["chapters"] and all(s["codec_type"] != "subtitle" for s in low["streams"])


def _r128_summary(path: Path) -> str:
    """ffmpeg's own ebur128 summary (true peak included) of the first audio stream."""
    err = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-i", str(path), "-map", "0:a:0",
                          "-af", "ebur128=peak=true", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stderr
    return err[err.rindex("Summary:"):]


def _ebur128(path: Path) -> float:
    """Integrated loudness (LUFS)."""
    return float(re.search(r"I:\s*(-?[\d.]+) LUFS", _r128_summary(path)).group(1))


def test_loudness_within_1_lu_and_recorded(export_ws):  # noqa: F811
    for f in _mp4s(export_ws):
        assert abs(_ebur128(f) - (-16.0)) <= 1.0, f.name
    m = json.loads((_exp(export_ws) / "manifest.json").read_text())
    loud = m["loudness"]
    assert loud["target"]["integrated_lufs"] == -16.0
    assert loud["before"]["integrated_lufs"] is not None
    assert abs(loud["after"]["integrated_lufs"] + 16.0) <= 1.0
    assert loud["normalization_type"] in ("linear", "dynamic")
    notes = " ".join(_record(export_ws)["notes"])
    # espeak speech is peaky: linear gain to -16 LUFS would clip -1.5 dBTP, so loudnorm falls
    # back to dynamic mode, and the run says so
    assert (loud["normalization_type"] == "dynamic") == ("fell back to dynamic" in notes)


def _true_peak(path: Path) -> float:
    """True peak (dBTP)."""
    return float(re.search(r"True peak:\s*Peak:\s*(-?[\d.]+) dBFS", _r128_summary(path)).group(1))


def test_every_rung_holds_the_true_peak_ceiling(export_ws):  # noqa: F811
    """espeak-ng speech at -16 LUFS / -1.5 dBTP: the limiter holds -1.5 but AAC encoding
    overshoots it (to -1.4 on this film); the export must measure and correct that."""
    m = json.loads((_exp(export_ws) / "manifest.json").read_text())
    ceiling = m["loudness"]["target"]["true_peak_dbtp"]
    assert ceiling == -1.5
    for f in _mp4s(export_ws):
        assert _true_peak(f) <= ceiling, f.name
    assert m["loudness"]["after"]["true_peak_dbtp"] <= ceiling
    (track,) = m["audio"]
    assert track["role"] == "main" and track["loudness"] == m["loudness"]
    if m["loudness"]["ceiling_passes"]:  # a correction is recorded and reported
        assert m["loudness"]["ceiling_gain_db"] < 0
        assert any("re-encoded with" in n for n in _record(export_ws)["notes"])


def test_manifest_lists_every_artifact_with_size_and_sha256(export_ws):  # noqa: F811
    root = _exp(export_ws)
    m = json.loads((root / "manifest.json").read_text())
    listed = {a["path"]: a for a in m["artifacts"]}
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    assert on_disk - {"manifest.json"} == set(listed)
    for rel, a in listed.items():
        assert a["size"] == (root / rel).stat().st_size and a["sha256"] == sha256(root / rel)
    assert package.verify(root) == []
    assert {r["name"] for r in m["rungs"]} == {"360p", "234p"}
    assert m["captions"]["status"] == "reviewed" and m["captions"]["cues"] == len(CUES)
    assert not any(".tmp-" in p for p in on_disk)


def test_poster_is_a_representative_frame(export_ws):  # noqa: F811
    m = json.loads((_exp(export_ws) / "manifest.json").read_text())
    assert m["poster"]["method"] == "auto" and 35 <= m["poster"]["luma_mean"] <= 215
    assert 500 <= m["poster"]["time_ms"] <= 9500  # not the first or last 5 %
    st = probe(_exp(export_ws) / "poster.jpg", "-show_streams")["streams"][0]
    assert (st["width"], st["height"]) == (640, 360)


def test_thumbnail_sprite_and_vtt(export_ws):  # noqa: F811
    root = _exp(export_ws)
    vtt = (root / "thumbs" / "thumbnails.vtt").read_text()
    refs = re.findall(r"^(sprite-\d{3}\.jpg)#xywh=(\d+),(\d+),(\d+),(\d+)$", vtt, re.M)
    assert len(refs) == 2  # 10 s at one thumbnail per 5 s
    for name, x, y, w, h in refs:
        st = probe(root / "thumbs" / name, "-show_streams")["streams"][0]
        assert int(x) + int(w) <= st["width"] and int(y) + int(h) <= st["height"]


def test_rerun_with_nothing_changed_does_nothing(export_ws):  # noqa: F811
    p = casefilm(export_ws, "export", FILM, check=True)
    assert "up to date" in p.stderr


# --- the fast path, loudness targets, stale files --------------------------------------

@pytest.fixture
def film_ws(tmp_path, export_ws) -> Path:  # noqa: F811
    """A private copy of the exported session workspace (cache included: no new encode)."""
    ws = tmp_path / "ws"
    shutil.copytree(export_ws, ws)
    return ws


def _renditions(ws: Path) -> dict[str, float]:
    d = ws / ".casefilm" / "cache" / FILM / "renditions"
    return {p.name: (p / "meta.json").stat().st_mtime_ns for p in d.iterdir()}


def test_caption_only_change_remuxes_without_encoding(film_ws):
    before = _renditions(film_ws)
    top = _exp(film_ws) / "media" / f"{FILM}-360p.mp4"
    low = _exp(film_ws) / "media" / f"{FILM}-234p.mp4"
    low_sha = sha256(low)
    cues = [dict(c) for c in CUES]
    cues[0] = {**cues[0], "lines": ["Herzlich willkommen", "zu unserem Film."]}
    write_captions(film_ws, FILM, cues, status="in_review")
    p = casefilm(film_ws, "export", FILM, check=True)
    assert "captions.vtt changed" in p.stderr or "cues.json changed" in p.stderr
    assert "encoding" not in p.stderr and "re-using encode" in p.stderr
    assert _renditions(film_ws) == before  # no new encode, the cached one untouched
    assert "renditions re-used (no video encode)" in _record(film_ws)["notes"]
    m = json.loads((_exp(film_ws) / "manifest.json").read_text())
    assert m["encode"]["reused"] is True and m["captions"]["status"] == "auto"
    assert "Herzlich willkommen" in (_exp(film_ws) / "captions.vtt").read_text()
    assert "Herzlich willkommen" in (_exp(film_ws) / "hls" / "subs" / "de" / "seg_00000.vtt").read_text()
    assert "abgenommen" in (_exp(film_ws) / "index.html").read_text()
    # the top rung was re-muxed with the new captions; the other rung is the cached file
    key = m["encode"]["key"]
    assert sha256(low) == low_sha
    assert os.path.samefile(low, film_ws / ".casefilm" / "cache" / FILM / "renditions" / key / "234p.mp4")
    sub = subprocess.run(["ffmpeg", "-v", "error", "-i", str(top), "-map", "0:s:0", "-f", "srt", "-"],
                         capture_output=True, text=True, check=True).stdout
    assert "Herzlich willkommen" in sub
    assert package.verify(_exp(film_ws)) == []


def test_chapter_only_change_and_removed_inputs(film_ws):
    before = _renditions(film_ws)
    d = film_ws / "chapters" / FILM
    for name in ("chapters.vtt", "chapters.json", "chapters.jsonld", "ffmetadata.txt"):
        (d / name).unlink()
    p = casefilm(film_ws, "export", FILM, check=True)
    assert "re-using encode" in p.stderr
    assert _renditions(film_ws) == before
    root = _exp(film_ws)
    assert not (root / "chapters.vtt").exists()  # no longer produced: removed
    assert "keine Kapitel" in (root / "index.html").read_text()
    assert not probe(root / "media" / f"{FILM}-360p.mp4", "-show_chapters")["chapters"]
    assert package.verify(root) == []


def test_rung_change_reencodes_and_removes_old_rung(film_ws):
    mf = film_ws / "projects" / FILM / "film.yaml"
    data = yaml.safe_load(mf.read_text())
    data["export"]["rungs"] = [360]
    data["export"]["loudness_lufs"] = -23.0
    mf.write_text(yaml.safe_dump(data, allow_unicode=True))
    casefilm(film_ws, "export", FILM, check=True)
    root = _exp(film_ws)
    assert [p.name for p in _mp4s(film_ws)] == [f"{FILM}-360p.mp4"]
    assert not (root / "hls" / "234p").exists()
    assert "234p" not in (root / "hls" / "master.m3u8").read_text()
    m = json.loads((root / "manifest.json").read_text())
    assert m["encode"]["reused"] is False
    assert list(_renditions(film_ws)) == [m["encode"]["key"]]  # the old encode was pruned
    # -23 LUFS leaves headroom: loudnorm stays linear
    assert m["loudness"]["normalization_type"] == "linear"
    assert abs(_ebur128(root / "media" / f"{FILM}-360p.mp4") + 23.0) <= 1.0


def test_a_lower_true_peak_ceiling_is_held(film_ws):
    """A ceiling of -3 dBTP: every rung measures at or below it, the loudness stays within
    1 LU of the target, and the run re-encoded only audio to get there if it had to."""
    mf = film_ws / "projects" / FILM / "film.yaml"
    data = yaml.safe_load(mf.read_text())
    data["export"]["true_peak_dbtp"] = -3.0
    mf.write_text(yaml.safe_dump(data, allow_unicode=True))
    casefilm(film_ws, "export", FILM, check=True)
    for f in _mp4s(film_ws):
        assert _true_peak(f) <= -3.0, f.name
        assert abs(_ebur128(f) + 16.0) <= 1.0, f.name
    m = json.loads((_exp(film_ws) / "manifest.json").read_text())
    assert m["loudness"]["after"]["true_peak_dbtp"] <= -3.0
    assert package.verify(_exp(film_ws)) == []


def test_film_without_captions_or_chapters_or_audio(tmp_path):
    ws = tmp_path / "ws"
    (ws / "projects").mkdir(parents=True)
    from tests import media
    from tests.conftest import write_film
    from tests.test_export_support import manifest, write_programme

    raw = write_film(ws, FILM, manifest(rungs=[234])) / "raw"
    raw.mkdir()
    clip = media.video(raw / "main.mp4", 4, size="640x360")  # no audio stream at all
    write_programme(ws, FILM, clip, has_audio=False)
    casefilm(ws, "export", FILM, check=True)
    root = _exp(ws)
    html = (root / "index.html").read_text()
    assert "keinen gesprochenen Text" in html and "keine Kapitel" in html
    assert not (root / "captions.vtt").exists() and not (root / "hls" / "subs").exists()
    assert 'CODECS="avc1.' in (root / "hls" / "master.m3u8").read_text()
    assert "mp4a" not in (root / "hls" / "master.m3u8").read_text()
    assert json.loads((root / "manifest.json").read_text())["loudness"] is None


# --- bad input ---------------------------------------------------------------------------

def _snapshot(ws: Path) -> dict[str, str]:
    return {str(p.relative_to(ws)): sha256(p) for p in ws.rglob("*")
            if p.is_file() and ".casefilm" not in p.parts}


def test_bad_cues_json_names_file_and_field(film_ws):
    cues = film_ws / "subtitles" / FILM / "cues.json"
    data = json.loads(cues.read_text())
    data["cues"][2]["end"] = data["cues"][2]["start"]
    cues.write_text(json.dumps(data))
    before = _snapshot(film_ws)
    p = casefilm(film_ws, "export", FILM)
    assert p.returncode == 2
    line = [ln for ln in p.stderr.splitlines() if ln.startswith("error:")]
    assert len(line) == 1 and "cues.json" in line[0] and "cues.2" in line[0]
    assert _snapshot(film_ws) == before


def test_malformed_chapters_json(film_ws):
    (film_ws / "chapters" / FILM / "chapters.json").write_text("[{\"start\": 0,")
    before = _snapshot(film_ws)
    p = casefilm(film_ws, "export", FILM)
    assert p.returncode == 2 and "chapters.json" in p.stderr and "malformed JSON" in p.stderr
    assert _snapshot(film_ws) == before


@pytest.mark.parametrize("export, field", [({"rungs": [999]}, "export.rungs"),
                                           ({"poster": "00:59"}, "export.poster"),
                                           ({"preset": "ultrafast"}, "export.preset")])
def test_bad_export_settings(film_ws, export, field):
    mf = film_ws / "projects" / FILM / "film.yaml"
    data = yaml.safe_load(mf.read_text())
    data["export"].update(export)
    mf.write_text(yaml.safe_dump(data, allow_unicode=True))
    before = _snapshot(film_ws)
    p = casefilm(film_ws, "export", FILM)
    assert p.returncode == 2, p.stderr
    err = [ln for ln in p.stderr.splitlines() if ln.startswith("error:")]
    assert len(err) == 1 and "film.yaml" in err[0] and field in err[0]
    assert _snapshot(film_ws) == before


def test_poster_timecode_from_film_yaml(film_ws):
    mf = film_ws / "projects" / FILM / "film.yaml"
    data = yaml.safe_load(mf.read_text())
    data["export"]["poster"] = "00:03.5"
    mf.write_text(yaml.safe_dump(data, allow_unicode=True))
    before = _renditions(film_ws)
    casefilm(film_ws, "export", FILM, check=True)
    m = json.loads((_exp(film_ws) / "manifest.json").read_text())
    assert m["poster"] == {"file": "poster.jpg", "time_ms": 3500, "method": "film.yaml"}
    assert _renditions(film_ws) == before  # a poster choice never re-encodes


# --- kill -9 -------------------------------------------------------------------------------

def test_sigkill_mid_encode_leaves_nothing_partial_and_rerun_completes(tmp_path):
    ws = tmp_path / "ws"
    (ws / "projects").mkdir(parents=True)
    build_film(ws, rungs=(360, 234))
    env = {**os.environ, "CASEFILM_WORKSPACE": str(ws), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "export", FILM], cwd=ws, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    cache = ws / ".casefilm" / "cache" / FILM / "renditions"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if list(cache.glob(".tmp-*/video-*.mp4")):  # the ladder encode is writing
                break
            assert proc.poll() is None, "export finished before it could be killed"
            time.sleep(0.02)
        else:
            pytest.fail("no .tmp- encode output appeared")
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    # nothing under a final name: no finished cache entry, no export files
    assert not [p for p in cache.iterdir() if not p.name.startswith(".tmp-")]
    exp = _exp(ws)
    assert not exp.exists() or not [p for p in exp.rglob("*") if p.is_file() and ".tmp-" not in p.name]
    # the re-run sweeps the leftovers and completes
    casefilm(ws, "export", FILM, check=True)
    assert package.verify(exp) == []
    assert not list(ws.rglob(".tmp-*"))


def test_verify_export_command_detects_tampering(film_ws):
    p = casefilm(film_ws, "verify-export", FILM)
    assert p.returncode == 0 and "matches manifest.json" in p.stdout
    f = _exp(film_ws) / "captions.vtt"
    f.write_text(f.read_text() + "\nNOTE tampered\n")
    (_exp(film_ws) / "poster.jpg").unlink()
    p = casefilm(film_ws, "verify-export", FILM)
    assert p.returncode == 1
    assert "captions.vtt: content differs" in p.stderr and "poster.jpg: missing" in p.stderr
    # the runner notices too and re-exports (text only, no encode)
    p = casefilm(film_ws, "export", FILM, check=True)
    assert "re-using encode" in p.stderr
    assert casefilm(film_ws, "verify-export", FILM).returncode == 0


def test_poster_choice_skips_black_and_mid_fade_frames(tmp_path):
    """Candidates: black, a half-faded detailed frame, two full detailed frames, a flat grey
    frame, each scored by the encode's own signalstats branch. The chooser must take a full
    detailed frame."""
    import dataclasses

    import ffmpeg as ffmpeg_python

    from pipeline import ffmpeg
    from pipeline.delivery import pictures

    def frame(i: int, src: str, vf: tuple = ()) -> pictures.Candidate:
        p = tmp_path / f"cand-{i:04d}.jpg"
        lavfi = f"{src}{':' if '=' in src else '='}size=320x180"
        v = ffmpeg_python.input(lavfi, format="lavfi")["v:0"]
        if vf:
            v = v.filter(*vf[:1], **vf[1])
        err = ffmpeg.run_graph(pictures.scored(v).output(str(p), format="image2",
                                                          **{"frames:v": 1, "q:v": 2}),
                               loglevel="info")
        (c,) = pictures.candidates([p], pictures.parse_stats(err), 1.0)
        return dataclasses.replace(c, time_ms=(i - 1) * 1000)

    cands = [frame(1, "color=c=black"), frame(2, "testsrc2", ("eq", {"brightness": -0.45})),
             frame(3, "testsrc2"), frame(4, "testsrc2=rate=25:duration=5", ("select", {"expr": "eq(n,40)"})),
             frame(5, "color=c=gray")]
    best = pictures.choose_poster(cands, duration_ms=100_000)
    assert best.path.name in ("cand-0003.jpg", "cand-0004.jpg")
    assert cands[0].yavg < 35 and cands[1].yavg < cands[2].yavg * 0.88


def test_silent_audio_is_exported_without_gain(tmp_path):
    """A programme whose audio track is digital silence: loudnorm cannot measure it, so no
    gain is applied and the run says so (instead of failing on measured_I=-inf)."""
    from tests.conftest import write_film
    from tests.test_export_support import manifest, write_programme

    ws = tmp_path / "ws"
    (ws / "projects").mkdir(parents=True)
    raw = write_film(ws, FILM, manifest(rungs=[234])) / "raw"
    raw.mkdir()
    clip = raw / "main.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
                    "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-t", "3", "-c:v", "libx264",
                    "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", str(clip)], check=True)
    write_programme(ws, FILM, clip)
    casefilm(ws, "export", FILM, check=True)
    m = json.loads((_exp(ws) / "manifest.json").read_text())
    assert m["loudness"]["normalization_type"] is None
    before = m["loudness"]["before"]["integrated_lufs"]
    assert before is None or before <= -70.0  # loudnorm reports silence as -inf
    assert any("silent" in n for n in _record(ws)["notes"])
    a = next(s for s in probe(_mp4s(ws)[0], "-show_streams")["streams"] if s["codec_type"] == "audio")
    assert (a["codec_name"], a["sample_rate"], a["channels"]) == ("aac", "48000", 2)
