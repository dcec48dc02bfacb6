"""HLS output: playlists written from measured segments, WebVTT segments, I-frame ranges."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
import webvtt

from pipeline import subtitle_io, timecode
from pipeline.delivery import hls
from pipeline.models import Cue
from tests.test_export_support import CUES, FILM, export_ws, probe  # noqa: F401

pytestmark = pytest.mark.slow


def _hls(ws: Path) -> Path:
    return ws / "exports" / FILM / "hls"


def _attrs(line: str) -> dict[str, str]:
    body = line.split(":", 1)[1]
    return {k: v.strip('"') for k, v in re.findall(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)', body)}


def _media(playlist: Path) -> list[tuple[float, str]]:
    lines = playlist.read_text().splitlines()
    return [(float(lines[i][8:].rstrip(",")), lines[i + 1]) for i, ln in enumerate(lines)
            if ln.startswith("#EXTINF:") and not lines[i + 1].startswith("#")]


def test_master_playlist_lines(export_ws):  # noqa: F811
    text = (_hls(export_ws) / "master.m3u8").read_text()
    assert text.startswith("#EXTM3U\n")
    streams = [ln for ln in text.splitlines() if ln.startswith("#EXT-X-STREAM-INF:")]
    assert len(streams) == 2
    for ln in streams:
        a = _attrs(ln)
        for key in ("BANDWIDTH", "AVERAGE-BANDWIDTH", "CODECS", "RESOLUTION", "FRAME-RATE", "SUBTITLES",
                    "AUDIO"):
            assert key in a, f"{key} missing in {ln}"
        assert re.fullmatch(r"avc1\.6400[0-9a-f]{2},mp4a\.40\.2", a["CODECS"])  # High profile
        assert int(a["AVERAGE-BANDWIDTH"]) <= int(a["BANDWIDTH"])
        assert a["FRAME-RATE"] == "25.000"
    media_ = [ln for ln in text.splitlines() if ln.startswith("#EXT-X-MEDIA:")]
    assert len(media_) == 2
    # the main mix is its own audio rendition (the variants' segments are video only)
    a = _attrs(media_[0])
    assert (a["TYPE"], a["GROUP-ID"], a["LANGUAGE"], a["DEFAULT"], a["AUTOSELECT"], a["URI"]) == (
        "AUDIO", "aud", "de", "YES", "YES", "audio/index.m3u8")
    a = _attrs(media_[1])
    assert (a["TYPE"], a["LANGUAGE"], a["AUTOSELECT"]) == ("SUBTITLES", "de", "YES")
    assert a["CHARACTERISTICS"] == ("public.accessibility.transcribes-spoken-dialog,"
                                    "public.accessibility.describes-music-and-sound")
    iframes = [ln for ln in text.splitlines() if ln.startswith("#EXT-X-I-FRAME-STREAM-INF:")]
    assert len(iframes) == 2 and all("URI=" in ln and "BANDWIDTH=" in ln for ln in iframes)


def _measured(playlist: Path, kind: str) -> tuple[float, float]:
    """(peak, average) bit/s of a media playlist's segments, durations from the packets
    (ffprobe), not from the playlist."""
    rates, bits, secs = [], 0, 0.0
    for _, seg in _media(playlist):
        f = playlist.parent / seg
        pk = probe(Path(f"concat:{playlist.parent / 'init.mp4'}|{f}"), "-select_streams", f"{kind}:0",
                   "-show_entries", "packet=duration_time")["packets"]
        d = sum(float(p["duration_time"]) for p in pk if "duration_time" in p)  # (AAC: not the first)
        rates.append(f.stat().st_size * 8 / d)
        bits += f.stat().st_size * 8
        secs += d
    return max(rates), bits / secs


def test_bandwidth_within_10_percent_of_measured_segments(export_ws):  # noqa: F811
    """A variant's BANDWIDTH/AVERAGE-BANDWIDTH: its (video-only) segments plus the audio
    rendition played with it (RFC 8216 4.3.4.2)."""
    root = _hls(export_ws)
    text = (root / "master.m3u8").read_text().splitlines()
    a_peak, a_avg = _measured(root / "audio" / "index.m3u8", "a")
    for i, ln in enumerate(text):
        if not ln.startswith("#EXT-X-STREAM-INF:"):
            continue
        a = _attrs(ln)
        v_peak, v_avg = _measured(root / text[i + 1], "v")
        peak, avg = v_peak + a_peak, v_avg + a_avg
        assert abs(int(a["BANDWIDTH"]) - peak) <= 0.10 * peak, (a, peak)
        assert abs(int(a["AVERAGE-BANDWIDTH"]) - avg) <= 0.10 * avg, (a, avg)


def test_media_playlists_and_segments(export_ws):  # noqa: F811
    root = _hls(export_ws)
    for rung in ("360p", "234p"):
        text = (root / rung / "index.m3u8").read_text()
        for line in ("#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-ENDLIST", '#EXT-X-MAP:URI="init.mp4"',
                     "#EXT-X-TARGETDURATION:6", "#EXT-X-VERSION:7"):
            assert line in text
        segs = _media(root / rung / "index.m3u8")
        assert [round(d, 3) for d, _ in segs] == [6.0, 4.0]
        for _, seg in segs:  # every segment starts with a keyframe and is video only
            streams = probe(Path(f"concat:{root / rung / 'init.mp4'}|{root / rung / seg}"),
                            "-show_streams")["streams"]
            assert [s["codec_type"] for s in streams] == ["video"]
            pk = probe(Path(f"concat:{root / rung / 'init.mp4'}|{root / rung / seg}"),
                       "-select_streams", "v:0", "-show_entries", "packet=flags",
                       "-read_intervals", "%+#1")["packets"][0]
            assert pk["flags"].startswith("K")


def test_iframe_playlist_ranges_hold_a_decodable_keyframe(export_ws, tmp_path):  # noqa: F811
    d = _hls(export_ws) / "360p"
    text = (d / "iframes.m3u8").read_text()
    assert "#EXT-X-I-FRAMES-ONLY" in text and "#EXT-X-PLAYLIST-TYPE:VOD" in text
    ranges = re.findall(r"#EXT-X-BYTERANGE:(\d+)@(\d+)\n(\S+)", text)
    assert len(ranges) == 2
    for length, offset, seg in ranges:
        data = (d / seg).read_bytes()[int(offset):int(offset) + int(length)]
        assert data[4:8] == b"moof"
        f = tmp_path / f"iframe-{seg}.mp4"
        f.write_bytes((d / "init.mp4").read_bytes() + data)
        out = subprocess.run(["ffmpeg", "-v", "error", "-i", str(f), "-map", "0:v", "-frames:v", "1",
                              "-f", "null", "-"], capture_output=True, text=True)
        assert out.returncode == 0
        frames = probe(f, "-select_streams", "v:0", "-show_entries", "frame=key_frame",
                       "-read_intervals", "%+#1")["frames"]
        assert frames and frames[0]["key_frame"] == 1


def test_webvtt_segments_have_timestamp_map_and_all_cues(export_ws):  # noqa: F811
    d = _hls(export_ws) / "subs" / "de"
    pl = (d / "index.m3u8").read_text()
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in pl and "#EXT-X-ENDLIST" in pl
    seen = set()
    for _, seg in _media(d / "index.m3u8"):
        text = (d / seg).read_text()
        assert re.match(r"WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:\d+,LOCAL:00:00:00\.000\n", text)
        for c in webvtt.from_buffer(io.StringIO(text)):
            seen.add(timecode.parse(c.start))
    assert seen == {c["start"] for c in CUES}


# --- writers (plain strings) ---------------------------------------------------------------

def test_master_writer_golden():
    v = hls.Variant(uri="720p/index.m3u8", iframe_uri="720p/iframes.m3u8", bandwidth=3300000,
                    average_bandwidth=2900000, iframe_bandwidth=200000, iframe_average_bandwidth=150000,
                    codecs="avc1.64001f,mp4a.40.2", video_codec="avc1.64001f", width=1280,
                    height=720, fps=25.0)
    out = io.StringIO()
    hls.write_master(out, [v], hls.SubtitleRendition(uri="subs/de/index.m3u8", language="de",
                                                    name='Deutsch "SDH"'))
    assert out.getvalue() == (
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n\n"
        '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Deutsch \'SDH\'",LANGUAGE="de",DEFAULT=NO,'
        'AUTOSELECT=YES,FORCED=NO,CHARACTERISTICS="public.accessibility.transcribes-spoken-dialog,'
        'public.accessibility.describes-music-and-sound",URI="subs/de/index.m3u8"\n\n'
        '#EXT-X-STREAM-INF:BANDWIDTH=3300000,AVERAGE-BANDWIDTH=2900000,CODECS="avc1.64001f,mp4a.40.2",'
        'RESOLUTION=1280x720,FRAME-RATE=25.000,SUBTITLES="subs"\n720p/index.m3u8\n\n'
        '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=200000,AVERAGE-BANDWIDTH=150000,CODECS="avc1.64001f",'
        'RESOLUTION=1280x720,URI="720p/iframes.m3u8"\n')


def test_cue_splitting_repeats_cues_that_span_a_boundary():
    cues = [Cue(start=s, end=e, lines=[t]) for s, e, t in
            ((1000, 2000, "a"), (5500, 6500, "b"), (7000, 8000, "c"))]
    split = hls.split_cues(cues, hls.segment_bounds([6.0, 6.0]))
    assert [[c.text for c in seg] for seg in split] == [["a", "b"], ["b", "c"]]
    # a segment keeps the cue as the sidecar has it (identifier, settings, voice, escaping);
    # the sidecar's NOTE stays out
    vtt = "WEBVTT\n\nNOTE x\n\n1\n00:00:01.000 --> 00:00:02.000 line:90%\n<v Anna>Hallo &amp; tschüss\n"
    track = subtitle_io.from_string(vtt, "vtt")
    out = io.StringIO()
    hls.write_vtt_segment(out, track.cues, 900000, track.meta)
    assert out.getvalue() == ("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\n\n"
                              "1\n00:00:01.000 --> 00:00:02.000 line:90%\n"
                              "<v Anna>Hallo &amp; tschüss</v>\n\n")
    (cap,) = webvtt.from_buffer(io.StringIO(out.getvalue()))
    assert (cap.identifier, cap.start, str(cap.settings), cap.voice, cap.text) == (
        "1", "00:00:01.000", "line:90%", "Anna", "Hallo &amp; tschüss")


def test_target_duration_rounds_to_nearest():
    assert hls.target_duration([6.006, 6.006, 3.2]) == 6
    assert hls.target_duration([6.6]) == 7
    assert hls.target_duration([]) == 1
