"""The filter graphs built with ffmpeg-python: each one's compiled argv runs as it is (a
plain `ffmpeg` subprocess, outside our runner) and makes what it should; and no module that
builds graphs with ffmpeg-python also concatenates filter-graph strings by hand.

Media: 2–3 s lavfi clips at 640x360 / 320x180 with a 440 Hz tone or espeak-ng speech."""

from __future__ import annotations

import ast
import hashlib
import subprocess
from pathlib import Path

import pytest

from pipeline import ffmpeg
from pipeline.audio import loudness
from pipeline.delivery import encode, ladder, pictures
from pipeline.delivery.model import EncodeSpec
from pipeline.stages import ingest
from tests import media
from tests.test_export_support import probe

pytestmark = pytest.mark.slow

PIPELINE = Path(__file__).resolve().parent.parent / "pipeline"


def run_argv(*outputs) -> str:
    """Run the compiled argv with a bare ffmpeg (not through pipeline.ffmpeg.run)."""
    argv = ["ffmpeg", "-nostdin", "-hide_banner", "-y", *ffmpeg.graph_args(*outputs)]
    p = subprocess.run(argv, capture_output=True, text=True)
    assert p.returncode == 0, f"{argv}\n{p.stderr[-2000:]}"
    return p.stderr


def streams(path: Path) -> list[dict]:
    return probe(path, "-show_streams", "-show_format")["streams"]


def duration_ms(path: Path) -> int:
    return round(float(probe(path, "-show_format")["format"]["duration"]) * 1000)


def test_join_graph_runs_and_joins_in_order(tmp_path):
    """Three uses of two files (one twice, once with its voice channel picked; one without
    audio) and a silent, picture-less WAV: one programme of the summed length, 640x360."""
    a = media.video(tmp_path / "a 'quoted' [x].mp4", 2, size="320x180", tone=True)
    b = media.video(tmp_path / "b;c.mp4", 1, size="640x360")  # no audio stream
    wav = media.speak("Hallo", tmp_path / "voice.wav")
    files = [a, b, a, wav]
    infos = [ffmpeg.media_info(f, hashlib.sha256(f.read_bytes()).hexdigest()) for f in files]
    out = tmp_path / "programme.mp4"
    argv = ffmpeg.graph_args(ingest.join_graph(files, infos, [None, None, 1, None], out, 1080))
    assert argv.count("-i") == 3  # a.mp4 is opened once and split
    run_argv(ingest.join_graph(files, infos, [None, None, 1, None], out, 1080))
    s = streams(out)
    v = next(x for x in s if x["codec_type"] == "video")
    assert (v["width"], v["height"]) == (640, 360)
    assert any(x["codec_type"] == "audio" and x["channels"] == 2 for x in s)
    assert abs(duration_ms(out) - sum(i.duration_ms for i in infos)) <= 150


def test_proxy_and_still_graphs_run(tmp_path):
    src = media.video(tmp_path / "m.mp4", 2, size="640x360", tone=True)
    proxy = tmp_path / "proxy.mp4"
    run_argv(ingest.proxy_graph(src, proxy))
    assert {x["codec_name"] for x in streams(proxy)} == {"h264", "aac"}
    still = tmp_path / "still.jpg"
    run_argv(pictures.still_graph(src, 1500, 320, 180, still))
    assert (streams(still)[0]["width"], streams(still)[0]["height"]) == (320, 180)


def test_loudness_and_ladder_graphs_run(tmp_path):
    """Pass 1, the one-process ladder (two rungs, sprite, scored poster candidates, AAC and
    the kept FLAC), the ceiling re-encode and the after-measurement, each from its argv."""
    src = tmp_path / "speech.mp4"
    media.talking_clip(src, "Die KI entlastet die Einsatzplanung.", size="640x360")
    info = ffmpeg.media_info(src, "-")
    pass1_err = run_argv(loudness.measure_graph(src, -16.0, -1.5))
    pass1 = loudness.parse_loudnorm(pass1_err)
    assert loudness.parse_ebur128(pass1_err).integrated_lufs is not None

    spec = EncodeSpec(media=str(src), media_sha256="-", duration_ms=info.duration_ms, width=640,
                      height=360, fps=25.0, has_audio=True,
                      rungs=ladder.select_rungs(640, 360, 25.0, heights=[360, 234]),
                      preset="veryfast")
    import ffmpeg as ffmpeg_python

    audio = loudness.normalise(ffmpeg_python.input(str(src))["a:0"], -16.0, -1.5, pass1)
    err = run_argv(*encode.ladder_outputs(spec, tmp_path, audio=audio))
    for r in spec.rungs:
        v = streams(tmp_path / f"video-{r.name}.mp4")
        assert [(x["codec_type"], x["width"], x["height"]) for x in v] == [("video", r.width, r.height)]
    assert (tmp_path / "sprite-001.jpg").is_file()
    cands = sorted((tmp_path / "cand").glob("cand-*.jpg"))
    stats = pictures.parse_stats(err)
    assert cands and len(stats) == len(cands) and all("YAVG" in row for row in stats)
    assert loudness.parse_loudnorm(err).normalization_type in ("linear", "dynamic")
    flac = tmp_path / encode.PCM_FILE
    assert [(x["codec_name"], x["channels"]) for x in streams(flac)] == [("flac", 2)]

    first = loudness.parse_ebur128(run_argv(loudness.measure_file_graph(tmp_path / encode.AUDIO_FILE)))
    quieter = tmp_path / "quieter.m4a"
    run_argv(encode.reencode_graph(spec, flac, -3.0, quieter))
    second = loudness.parse_ebur128(run_argv(loudness.measure_file_graph(quieter)))
    assert abs((second.integrated_lufs - first.integrated_lufs) + 3.0) <= 0.3
    assert second.true_peak_dbtp < first.true_peak_dbtp - 2.5


# --- no hand-built graph strings where ffmpeg-python is used -----------------------------

FILTER_OPTIONS = {"-filter_complex", "-lavfi", "-vf", "-af", "-filter", "-filter:v", "-filter:a"}


def _uses_ffmpeg_python(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name == "ffmpeg" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.level == 0 and \
                (node.module or "").split(".")[0] == "ffmpeg":
            return True
    return False


def _strings(tree: ast.Module):
    """(line, text) of every string constant and f-string (literal parts joined)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value
        elif isinstance(node, ast.JoinedStr):
            yield node.lineno, "".join(v.value for v in node.values
                                       if isinstance(v, ast.Constant) and isinstance(v.value, str))


def test_no_filter_graph_strings_where_ffmpeg_python_is_used():
    graph_text = ("[0:", "];[", ";[", "]split", "]asplit", "=channel_layouts=", ",scale=",
                  ",format=", "loudnorm=", "ebur128=", "signalstats,")
    users = {}
    for path in sorted(PIPELINE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not _uses_ffmpeg_python(tree):
            continue
        rel = path.relative_to(PIPELINE).as_posix()
        bad = [(ln, s) for ln, s in _strings(tree)
               if s in FILTER_OPTIONS or any(t in s for t in graph_text)]
        users[rel] = bad
    # the modules whose graphs this covers all build them with ffmpeg-python
    for rel in ("ffmpeg.py", "stages/ingest.py", "delivery/encode.py", "audio/loudness.py",
                "delivery/pictures.py"):
        assert rel in users, f"{rel} does not use ffmpeg-python"
    assert {rel: bad for rel, bad in users.items() if bad} == {}
