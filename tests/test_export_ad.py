"""Audio description in the export: the MP4 track and its disposition, the AD variant, the
HLS rendition, loudness after encoding, descriptions.vtt, manifest.json, the
description-only fast path, removal, and bad ad.json. The AD track is written by
tests/ad_fixture.py to the describe stage's contract (no describe stage runs here)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.delivery import package
from tests.ad_fixture import DESCRIPTIONS, ad_ws, write_ad  # noqa: F401
from tests.conftest import casefilm
from tests.test_export_support import FILM, export_ws, probe, sha256  # noqa: F401

pytestmark = pytest.mark.slow


def _exp(ws: Path) -> Path:
    return ws / "exports" / FILM


def _manifest(ws: Path) -> dict:
    return json.loads((_exp(ws) / "manifest.json").read_text())


def _audio_streams(path: Path) -> list[dict]:
    return [s for s in probe(path, "-show_streams")["streams"] if s["codec_type"] == "audio"]


def _attrs(line: str) -> dict[str, str]:
    body = line.split(":", 1)[1]
    return {k: v.strip('"') for k, v in re.findall(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)', body)}


def _r128(path: Path, stream: str) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) of one audio stream, by ffmpeg's own ebur128."""
    err = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-i", str(path), "-map", stream,
                          "-af", "ebur128=peak=true", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stderr
    tail = err[err.rindex("Summary:"):]
    return (float(re.search(r"I:\s*(-?[\d.]+) LUFS", tail).group(1)),
            float(re.search(r"Peak:\s*(-?[\d.]+) dBFS", tail).group(1)))


def _video_md5(path: Path) -> str:
    """md5 of the video stream's packets (stream copy): equal iff the video is untouched."""
    return subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:v", "-c", "copy",
                           "-f", "md5", "-"], capture_output=True, text=True, check=True).stdout


# --- the MP4s --------------------------------------------------------------------------------

def test_top_rung_carries_the_ad_mix_as_a_second_tagged_track(ad_ws):  # noqa: F811
    main, ad = _audio_streams(_exp(ad_ws) / "media" / f"{FILM}-360p.mp4")
    assert (main["codec_name"], ad["codec_name"]) == ("aac", "aac")
    assert (ad["profile"], ad["sample_rate"], ad["channels"]) == ("LC", "48000", 2)
    assert main["disposition"]["default"] == 1 and main["disposition"]["visual_impaired"] == 0
    assert ad["disposition"]["default"] == 0 and ad["disposition"]["visual_impaired"] == 1
    assert main["tags"]["language"] == ad["tags"]["language"] == "deu"
    # ffmpeg 5.1's MP4 muxer keeps a track's name as its handler name (what players list)
    assert ad["tags"]["handler_name"] == "Audiodeskription"
    assert main["tags"]["handler_name"] == "Deutsch"
    # the lower rung stays as encoded: one audio track
    assert len(_audio_streams(_exp(ad_ws) / "media" / f"{FILM}-234p.mp4")) == 1


def test_ad_variant_has_the_ad_mix_as_its_only_audio(ad_ws):  # noqa: F811
    variant = _exp(ad_ws) / "media" / f"{FILM}-360p-ad.mp4"
    (a,) = _audio_streams(variant)
    assert a["disposition"]["visual_impaired"] == 1 and a["tags"]["handler_name"] == "Audiodeskription"
    top = _exp(ad_ws) / "media" / f"{FILM}-360p.mp4"
    assert _video_md5(variant) == _video_md5(top)  # the same video, stream-copied
    # its audio is the top rung's second track, bit for bit
    def audio_md5(path, stream):
        return subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-map", stream, "-c", "copy",
                               "-f", "md5", "-"], capture_output=True, text=True, check=True).stdout
    assert audio_md5(variant, "0:a:0") == audio_md5(top, "0:a:1")


def test_ad_mix_loudness_and_true_peak_measured_after_encoding(ad_ws):  # noqa: F811
    m = _manifest(ad_ws)
    main, ad = m["audio"]
    assert (main["role"], ad["role"], ad["title"]) == ("main", "description", "Audiodeskription")
    assert ad["loudness"]["target"] == main["loudness"]["target"]
    ceiling = ad["loudness"]["target"]["true_peak_dbtp"]
    i, tp = _r128(_exp(ad_ws) / "media" / f"{FILM}-360p.mp4", "0:a:1")
    assert tp <= ceiling and abs(i - (-16.0)) <= 1.0
    assert abs(ad["loudness"]["after"]["integrated_lufs"] - i) <= 0.2
    assert abs(ad["loudness"]["after"]["true_peak_dbtp"] - tp) <= 0.2
    assert ad["loudness"]["loudnorm_pass1"] is None  # the describe stage normalised it


def test_an_ad_mix_over_the_ceiling_is_corrected_after_encoding(tmp_path, export_ws):  # noqa: F811
    """An AD mix limited to -0.5 dBTP (1 dB over the film's -1.5 ceiling): the export must
    measure the encoded AAC, re-encode it with the missing gain and say so."""
    ws = tmp_path / "ws"
    shutil.copytree(export_ws, ws)
    write_ad(ws, FILM, true_peak_dbtp=0.0)
    p = casefilm(ws, "export", FILM, check=True)
    assert "re-using encode" in p.stderr
    ad = _manifest(ws)["audio"][1]["loudness"]
    assert ad["ceiling_passes"] >= 1 and ad["ceiling_gain_db"] < 0
    assert ad["before"]["true_peak_dbtp"] > -1.5
    for f in (f"{FILM}-360p.mp4", f"{FILM}-360p-ad.mp4"):
        stream = "0:a:1" if not f.endswith("-ad.mp4") else "0:a:0"
        assert _r128(_exp(ws) / "media" / f, stream)[1] <= -1.5, f
    record = json.loads((ws / ".casefilm" / "records" / FILM / "export.json").read_text())
    assert any("audio-description mix's true peak" in n for n in record["notes"])


# --- HLS -------------------------------------------------------------------------------------

def test_master_playlist_has_the_ad_rendition(ad_ws):  # noqa: F811
    text = (_exp(ad_ws) / "hls" / "master.m3u8").read_text()
    audio = [_attrs(ln) for ln in text.splitlines() if ln.startswith("#EXT-X-MEDIA:TYPE=AUDIO")]
    assert len(audio) == 2
    main, ad = audio
    assert main["GROUP-ID"] == ad["GROUP-ID"] == "aud"
    assert (main["NAME"], main["LANGUAGE"], main["DEFAULT"], main["AUTOSELECT"]) == ("Deutsch", "de", "YES", "YES")
    assert "CHARACTERISTICS" not in main
    assert (ad["NAME"], ad["LANGUAGE"], ad["DEFAULT"], ad["AUTOSELECT"]) == ("Audiodeskription", "de", "NO", "YES")
    assert ad["CHARACTERISTICS"] == "public.accessibility.describes-video"
    assert ad["URI"] == "ad/index.m3u8"
    assert main["URI"] == "audio/index.m3u8"
    # every variant names the group; its bandwidth adds the larger audio rendition's
    # measured figures to its own (video-only) segments'
    cache = ad_ws / ".casefilm" / "cache" / FILM
    enc = json.loads(next((cache / "renditions").glob("*/meta.json")).read_text())
    ad_hls = json.loads(next((cache / "ad-renditions").glob("*/meta.json")).read_text())["hls"]
    main_hls = enc["audio_hls"]
    streams = [_attrs(ln) for ln in text.splitlines() if ln.startswith("#EXT-X-STREAM-INF:")]
    assert len(streams) == len(enc["rungs"]) == 2
    for s, r in zip(streams, enc["rungs"]):
        assert s["AUDIO"] == "aud" and s["SUBTITLES"] == "subs"
        assert int(s["BANDWIDTH"]) == r["peak_bps"] + max(main_hls["peak_bps"], ad_hls["peak_bps"])
        assert int(s["AVERAGE-BANDWIDTH"]) == r["average_bps"] + max(main_hls["average_bps"],
                                                                     ad_hls["average_bps"])


def test_ad_media_playlist_and_audio_only_segments(ad_ws):  # noqa: F811
    d = _exp(ad_ws) / "hls" / "ad"
    text = (d / "index.m3u8").read_text()
    for line in ("#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-ENDLIST", '#EXT-X-MAP:URI="init.mp4"',
                 "#EXT-X-TARGETDURATION:6"):
        assert line in text
    segs = re.findall(r"#EXTINF:([\d.]+),\n(\S+)", text)
    assert abs(sum(float(x) for x, _ in segs) - 10.0) < 0.1
    for _, seg in segs:
        streams = probe(Path(f"concat:{d / 'init.mp4'}|{d / seg}"), "-show_streams")["streams"]
        assert [s["codec_type"] for s in streams] == ["audio"]
        assert streams[0]["codec_name"] == "aac"


# --- text, page, manifest ----------------------------------------------------------------------

def test_descriptions_vtt_and_the_page(ad_ws):  # noqa: F811
    root = _exp(ad_ws)
    vtt = (root / "descriptions.vtt").read_text()
    assert vtt == (ad_ws / "subtitles" / FILM / "descriptions.vtt").read_text()
    assert [t for _, t, _, _ in DESCRIPTIONS] == [ln for ln in vtt.splitlines()
                                                 if ln and "-->" not in ln and ln != "WEBVTT"]
    html = (root / "index.html").read_text()
    assert re.search(r'<track id="descriptions-track" kind="descriptions" src="descriptions.vtt" '
                     r'srclang="de"', html)
    assert 'id="btn-ad"' in html and 'aria-pressed="false"' in html
    assert "Entwurf mit synthetischer Stimme" in html  # one espeak-ng voice: a draft


def test_manifest_lists_the_ad_track_and_files(ad_ws):  # noqa: F811
    root = _exp(ad_ws)
    m = _manifest(ad_ws)
    arts = {a["path"]: a for a in m["artifacts"]}
    assert arts["descriptions.vtt"]["role"] == "descriptions"
    assert arts["descriptions.vtt"]["format"] == "text/vtt"
    assert arts[f"audio/{FILM}-narration.flac"]["role"] == "ad-narration"
    assert arts[f"media/{FILM}-360p.mp4"]["audio_description"] is True
    assert arts[f"media/{FILM}-360p-ad.mp4"]["audio_description"] is True
    assert "audio_description" not in arts[f"media/{FILM}-234p.mp4"]
    assert arts["hls/ad/index.m3u8"]["role"] == "hls-audio-playlist"
    assert arts["hls/ad/init.mp4"]["role"] == "hls-audio-init"
    assert {a["role"] for p, a in arts.items() if p.startswith("hls/ad/seg_")} == {"hls-audio-segment"}
    d = m["descriptions"]
    assert (d["count"], d["extended"], d["draft"]) == (2, 1, True)
    assert [(v["voice"], v["draft"]) for v in d["voices"]] == [("espeak-ng", True), ("recorded", False)]
    assert d["voices"][1]["source"] == "descriptions/2.wav"
    assert set(d["files"].values()) <= set(arts)
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    assert on_disk - {"manifest.json"} == set(arts)
    assert package.verify(root) == []


def test_rerun_with_nothing_changed_does_nothing(ad_ws):  # noqa: F811
    p = casefilm(ad_ws, "export", FILM, check=True)
    assert "up to date" in p.stderr


# --- the fast path, removal, bad input -------------------------------------------------------

@pytest.fixture
def ad_copy(tmp_path, ad_ws) -> Path:  # noqa: F811
    ws = tmp_path / "ws"
    shutil.copytree(ad_ws, ws)
    return ws


def _mtimes(d: Path) -> dict[str, int]:
    return {p.name: (p / "meta.json").stat().st_mtime_ns for p in d.iterdir()}


def test_description_only_change_remuxes_without_encoding_video(ad_copy):
    ws = ad_copy
    cache = ws / ".casefilm" / "cache" / FILM
    renditions = _mtimes(cache / "renditions")
    top, low = _exp(ws) / "media" / f"{FILM}-360p.mp4", _exp(ws) / "media" / f"{FILM}-234p.mp4"
    top_video, low_sha = _video_md5(top), sha256(low)
    seg = _exp(ws) / "hls" / "360p" / "seg_00000.m4s"
    seg_sha = sha256(seg)
    old = _manifest(ws)
    changed = [DESCRIPTIONS[0], (6200, "Eine Tabelle mit Schichten erscheint.", False, "recorded")]
    write_ad(ws, FILM, changed)
    p = casefilm(ws, "export", FILM, check=True)
    assert "describe/ad.json changed" in p.stderr or "describe/mix changed" in p.stderr, p.stderr
    assert "re-using encode" in p.stderr and "encoding ladder" not in p.stderr
    assert _mtimes(cache / "renditions") == renditions  # no video encode
    assert "audio description: encoding the AD mix" in p.stderr  # the new mix, audio only
    assert _video_md5(top) == top_video and sha256(low) == low_sha and sha256(seg) == seg_sha
    m = _manifest(ws)
    assert m["encode"]["reused"] is True
    assert m["descriptions"]["digest"] != old["descriptions"]["digest"]
    assert "Eine Tabelle mit Schichten erscheint." in (_exp(ws) / "descriptions.vtt").read_text()
    assert "Eine Tabelle mit Schichten erscheint." in (_exp(ws) / "index.html").read_text()
    arts = {a["path"]: a["sha256"] for a in m["artifacts"]}
    before = {a["path"]: a["sha256"] for a in old["artifacts"]}
    assert arts["hls/ad/seg_00001.m4s"] != before["hls/ad/seg_00001.m4s"]
    assert arts[f"media/{FILM}-360p.mp4"] != before[f"media/{FILM}-360p.mp4"]  # re-muxed
    assert len(list((cache / "ad-renditions").iterdir())) == 1  # the old AD encode pruned
    assert package.verify(_exp(ws)) == []


def test_removed_audio_description_leaves_no_ad_files(ad_copy):
    ws = ad_copy
    (ws / ".casefilm" / "cache" / FILM / "ad" / "ad.json").unlink()
    casefilm(ws, "export", FILM, check=True)
    root = _exp(ws)
    assert not (root / "descriptions.vtt").exists() and not (root / "hls" / "ad").exists()
    assert not (root / "media" / f"{FILM}-360p-ad.mp4").exists()
    master = (root / "hls" / "master.m3u8").read_text()
    assert master.count("TYPE=AUDIO") == 1 and "describes-video" not in master
    assert len(_audio_streams(root / "media" / f"{FILM}-360p.mp4")) == 1
    assert _manifest(ws)["descriptions"] is None and 'id="btn-ad"' not in (root / "index.html").read_text()
    assert not (ws / ".casefilm" / "cache" / FILM / "ad-renditions").exists()


def _snapshot(ws: Path) -> dict[str, str]:
    return {str(p.relative_to(ws)): sha256(p) for p in ws.rglob("*")
            if p.is_file() and ".casefilm" not in p.parts}


@pytest.mark.parametrize("breakage,field", [
    ("missing-mix", "mix"), ("not-json", "ad.json"), ("bad-field", "descriptions.0.start_ms")])
def test_bad_ad_json_is_one_line_and_touches_nothing(ad_copy, breakage, field):
    ws = ad_copy
    path = ws / ".casefilm" / "cache" / FILM / "ad" / "ad.json"
    data = json.loads(path.read_text())
    if breakage == "missing-mix":
        Path(data["mix"]).unlink()
    elif breakage == "not-json":
        path.write_text("{not json", encoding="utf-8")
    else:
        data["descriptions"][0]["start_ms"] = -5
        path.write_text(json.dumps(data), encoding="utf-8")
    before = _snapshot(ws)
    p = casefilm(ws, "export", FILM)
    assert p.returncode == 2, p.stderr
    err = [ln for ln in p.stderr.splitlines() if ln.startswith("error:")]
    assert len(err) == 1 and "ad.json" in err[0] and field in err[0], err
    assert _snapshot(ws) == before


def test_ad_variant_of_another_rung_in_the_same_mux(ad_ws, tmp_path):  # noqa: F811
    """A 1080p film's fallback is its 720p rung, not the top one: the one muxing process
    then reads that rung's MP4 as another input (checked here with the 234p rung)."""
    from pipeline.workspace import Workspace

    film = Workspace(ad_ws).film(FILM)
    cache = ad_ws / ".casefilm" / "cache" / FILM
    enc = next((cache / "renditions").glob("*/meta.json")).parent
    ad_m4a = next((cache / "ad-renditions").glob("*/audio-ad.m4a"))
    top, variant = tmp_path / "top.mp4", tmp_path / "variant.mp4"
    package._mux_top(film, enc / "360p.mp4", top, _exp(ad_ws), {}, [], "T", "de", 10000,
                     ad_audio=ad_m4a, variant=(enc / "234p.mp4", variant))
    v = [s for s in probe(variant, "-show_streams")["streams"] if s["codec_type"] == "video"]
    assert (v[0]["width"], v[0]["height"]) == (416, 234)
    (a,) = _audio_streams(variant)
    assert a["disposition"]["visual_impaired"] == 1
    assert not probe(variant, "-show_chapters")["chapters"]
    assert len(_audio_streams(top)) == 2
