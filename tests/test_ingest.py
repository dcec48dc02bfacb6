"""Ingest: sources recorded, programme built, ASR audio from the chosen channel, raw untouched."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import numpy as np

from pipeline.asr import read_wav
from pipeline.models import Programme
from tests import media
from tests.conftest import casefilm, write_film


def fingerprint(p: Path) -> tuple:
    st = p.stat()
    return hashlib.sha256(p.read_bytes()).hexdigest(), st.st_mtime_ns, st.st_size, st.st_mode


def programme(ws: Path, film: str = "f") -> Programme:
    return Programme.model_validate_json((ws / ".casefilm/cache" / film / "programme.json").read_text())


def test_join_of_two_sources_with_odd_names(workspace, tmp_path):
    """Two sources of different size and rate, names with spaces, umlauts and quotes; the
    programme is both joined in order at the larger size; raw files stay byte-identical."""
    raw = workspace / "projects/f/raw"
    raw.mkdir(parents=True)
    a = media.video(raw / 'Interview "Müller" – Büro.mp4', 2, size="320x180", tone=True)
    b = media.video(raw / "Straße mit Blick's.mov", 3, size="640x360", fps=30, source="smptebars")
    before = {p: fingerprint(p) for p in (a, b)}
    write_film(workspace, "f", {"title": "T", "sources": [
        {"id": "a", "file": f"raw/{a.name}"}, {"id": "b", "file": f"raw/{b.name}"}]})
    casefilm(workspace, "ingest", "f", check=True)
    prog = programme(workspace)
    assert (prog.width, prog.height) == (640, 360)
    assert prog.fps == 25.0
    assert abs(prog.duration_ms - 5000) <= 120
    assert [s.id for s in prog.spans] == ["a", "b"]
    assert prog.spans[1].start == prog.spans[0].end
    assert prog.spans[1].has_audio is False and prog.has_audio
    assert [i.streams[0].codec for i in prog.sources] == ["h264", "h264"]
    assert all(len(i.sha256) == 64 for i in prog.sources)
    # the ASR audio: 16 kHz mono, as long as the programme
    wav = read_wav(Path(prog.asr_audio))
    assert abs(len(wav) / 16000 * 1000 - prog.duration_ms) < 100
    assert {p: fingerprint(p) for p in (a, b)} == before
    assert sorted(x.name for x in raw.iterdir()) == sorted([a.name, b.name])


def test_audio_channel_is_picked(workspace):
    """Channel 1 silent, channel 2 a tone: audio_channel 2 gives a loud ASR track, 1 a silent one."""
    raw = workspace / "projects/f/raw"
    raw.mkdir(parents=True)
    src = raw / "zwei-kanaele.mov"
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
                    "-i", "testsrc2=size=320x180:rate=25:duration=2", "-f", "lavfi",
                    "-i", "anullsrc=r=48000:cl=mono", "-f", "lavfi",
                    "-i", "sine=frequency=300:duration=2:sample_rate=48000",
                    "-filter_complex", "[1:a][2:a]amerge=inputs=2[a]", "-map", "0:v",
                    "-map", "[a]", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "pcm_s16le",
                    "-t", "2", str(src)], check=True)
    levels = {}
    for ch in (1, 2):
        write_film(workspace, "f", {"title": "T", "sources": [
            {"id": "a", "file": "raw/zwei-kanaele.mov", "audio_channel": ch}]})
        casefilm(workspace, "ingest", "f", check=True)
        levels[ch] = float(np.sqrt(np.mean(read_wav(Path(programme(workspace).asr_audio)) ** 2)))
    assert levels[1] < 0.001 < 0.05 < levels[2]
    write_film(workspace, "f", {"title": "T", "sources": [
        {"id": "a", "file": "raw/zwei-kanaele.mov", "audio_channel": 3}]})
    p = casefilm(workspace, "ingest", "f")
    assert p.returncode == 2 and "sources.0.audio_channel" in p.stderr and "only 2" in p.stderr


def test_master_is_the_programme_and_is_not_copied(workspace):
    raw = workspace / "projects/f/raw"
    raw.mkdir(parents=True)
    media.video(raw / "a.mp4", 2, size="320x180", tone=True)
    master = media.video(raw / "final cut.mp4", 3, size="640x360", tone=True)
    write_film(workspace, "f", {"title": "T", "master": "raw/final cut.mp4",
                                "sources": [{"id": "a", "file": "raw/a.mp4"}]})
    casefilm(workspace, "ingest", "f", check=True)
    prog = programme(workspace)
    assert Path(prog.media) == master and prog.master is not None
    assert not (workspace / ".casefilm/cache/f/programme.mp4").exists()
    assert (prog.width, prog.height) == (640, 360)


def test_second_ingest_does_nothing_and_a_changed_source_redoes_it(workspace):
    raw = workspace / "projects/f/raw"
    raw.mkdir(parents=True)
    media.video(raw / "a.mp4", 2, size="320x180", tone=True)
    write_film(workspace, "f", {"title": "T", "sources": [{"id": "a", "file": "raw/a.mp4"}]})
    casefilm(workspace, "ingest", "f", check=True)
    p = casefilm(workspace, "ingest", "f", check=True)
    assert "ingest: up to date" in p.stderr and "nothing to do" in p.stderr
    media.video(raw / "a.mp4", 3, size="320x180", tone=True)
    st = casefilm(workspace, "status", "f", check=True).stdout
    assert "ingest     stale" in st and "sources.0.file changed" in st
    p = casefilm(workspace, "ingest", "f", check=True)
    assert "ingest: running" in p.stderr
    assert abs(programme(workspace).duration_ms - 3000) < 100
    assert os.access(raw / "a.mp4", os.R_OK)


def test_heavy_programme_gets_a_review_proxy(workspace):
    """A master in MPEG-4 Part 2 (not H.264) gets a light H.264 proxy for the review page;
    an H.264 720p one does not."""
    raw = workspace / "projects/f/raw"
    raw.mkdir(parents=True)
    media.video(raw / "a.mp4", 2, size="320x180", tone=True)
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", raw / "a.mp4",
                    "-c:v", "mpeg4", "-c:a", "copy", raw / "master.mov"], check=True)
    write_film(workspace, "f", {"title": "T", "master": "raw/master.mov",
                                "sources": [{"id": "a", "file": "raw/a.mp4"}]})
    casefilm(workspace, "ingest", "f", check=True)
    prog = programme(workspace)
    assert prog.proxy and Path(prog.proxy).exists()
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "stream=codec_name", "-of", "csv=p=0", prog.proxy],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == "h264"
    write_film(workspace, "f", {"title": "T", "sources": [{"id": "a", "file": "raw/a.mp4"}]})
    casefilm(workspace, "ingest", "f", check=True)
    assert programme(workspace).proxy is None
