"""Every bad input of issue 2 gives one clear line naming the file (and field), a non-zero
exit, and leaves every other file untouched. Runs the real CLI in a subprocess."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from tests import media
from tests.conftest import casefilm, write_film


def snapshot(ws: Path) -> dict[str, str]:
    """sha256 of every human-facing file (the records under .casefilm may change)."""
    out = {}
    for p in sorted(ws.rglob("*")):
        if p.is_file() and ".casefilm" not in p.parts:
            out[str(p.relative_to(ws))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def error_line(proc) -> str:
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    """2 s of 320x180 testsrc2 with a 440 Hz tone (h264 + aac, faststart)."""
    d = tmp_path_factory.mktemp("clip")
    return media.video(d / "clip.mp4", 2, size="320x180", tone=True,
                       extra=["-movflags", "+faststart"])


def film(ws: Path, source: str, **extra) -> dict:
    m = {"title": "Testfilm", "sources": [{"id": "a", "file": source}], **extra}
    write_film(ws, "f", m)
    return m


def test_missing_source(workspace):
    film(workspace, "raw/fehlt.mp4")
    before = snapshot(workspace)
    p = casefilm(workspace, "ingest", "f")
    assert p.returncode == 2
    line = error_line(p)
    assert "raw/fehlt.mp4" in line and "sources.0.file" in line and "not found" in line
    assert snapshot(workspace) == before


def test_zero_byte_file(workspace):
    film(workspace, "raw/leer.mp4")
    (workspace / "projects/f/raw").mkdir()
    (workspace / "projects/f/raw/leer.mp4").write_bytes(b"")
    p = casefilm(workspace, "ingest", "f")
    assert p.returncode == 2
    line = error_line(p)
    assert "leer.mp4" in line and "sources.0.file" in line and "empty" in line


def test_text_file_named_mp4(workspace):
    film(workspace, "raw/notiz.mp4")
    (workspace / "projects/f/raw").mkdir()
    (workspace / "projects/f/raw/notiz.mp4").write_text("Das ist kein Video.\n")
    before = snapshot(workspace)
    p = casefilm(workspace, "ingest", "f")
    assert p.returncode == 2
    line = error_line(p)
    assert "notiz.mp4" in line and "sources.0.file" in line and "not readable as media" in line
    assert snapshot(workspace) == before


@pytest.mark.parametrize("faststart", [False, True], ids=["moov-at-end", "moov-first"])
def test_truncated_video(workspace, tmp_path, faststart):
    """A clip cut to 60 % of its bytes: with moov at the end ffprobe fails; with moov first
    the header is fine but the last frames cannot be decoded."""
    src = media.video(tmp_path / "full.mp4", 3, size="320x180", tone=True,
                      extra=["-movflags", "+faststart"] if faststart else [])
    raw = workspace / "projects/f/raw"
    raw.mkdir(parents=True)
    data = src.read_bytes()
    (raw / "cut.mp4").write_bytes(data[: int(len(data) * 0.6)])
    film(workspace, "raw/cut.mp4")
    p = casefilm(workspace, "ingest", "f")
    assert p.returncode == 2
    line = error_line(p)
    assert "cut.mp4" in line and "sources.0.file" in line
    assert "truncated" in line or "not readable" in line


def test_source_without_audio_has_no_speech(workspace, tmp_path):
    raw = workspace / "projects/f/raw"
    raw.mkdir(parents=True)
    media.video(raw / "stumm.mp4", 2, size="320x180")
    film(workspace, "raw/stumm.mp4")
    p = casefilm(workspace, "run", "f", "--until", "subtitles",
                 env={"CASEFILM_WHISPER_MODEL": "/nonexistent/never-loaded.pt"})
    assert p.returncode == 2, p.stderr
    line = error_line(p)
    assert "has no speech" in line and "'f'" in line
    assert not (workspace / "projects/f/transcript/asr.json").exists()
    assert not (workspace / "subtitles/f").exists()


def test_malformed_yaml(workspace):
    d = workspace / "projects/f"
    d.mkdir()
    (d / "film.yaml").write_text("title: Test\nsources:\n  - id: a\n    file: [unclosed\n")
    p = casefilm(workspace, "run", "f")
    assert p.returncode == 2
    line = error_line(p)
    assert "film.yaml" in line and "malformed YAML" in line and "line " in line


def test_unknown_key(workspace):
    film(workspace, "raw/x.mp4", colour="blau")
    p = casefilm(workspace, "run", "f")
    assert p.returncode == 2
    line = error_line(p)
    assert "film.yaml" in line and "colour" in line and "unknown key" in line


def test_bad_field_value_names_path(workspace):
    film(workspace, "raw/x.mp4")
    m = {"title": "T", "sources": [{"id": "a", "file": "raw/x.mp4", "audio_channel": 0}]}
    write_film(workspace, "f", m)
    p = casefilm(workspace, "run", "f")
    assert p.returncode == 2
    assert "sources.0.audio_channel" in error_line(p)


@pytest.fixture
def ingested(workspace, clip) -> Path:
    raw = workspace / "projects/f/raw"
    raw.mkdir(parents=True)
    shutil.copy(clip, raw / "clip.mp4")
    film(workspace, "raw/clip.mp4")
    casefilm(workspace, "ingest", "f", check=True)
    return workspace


@pytest.mark.parametrize("chapters, field, words", [
    ([{"start": "00:00", "title": "A", "goals": ["LZ-NICHT-DA"]}], "chapters.0.goals",
     "LZ-NICHT-DA"),
    ([{"start": "00:00", "title": "A"}, {"start": "00:05", "title": "B"}], "chapters.1.start",
     "end"),
    ([{"start": "00:01", "title": "A"}, {"start": "00:01", "title": "B"}], "chapters.1.start",
     ""),
], ids=["unknown-goal", "start-past-end", "overlapping"])
def test_chapter_errors(ingested, chapters, field, words):
    ws = ingested
    film(ws, "raw/clip.mp4", chapters=chapters)
    before = snapshot(ws)
    p = casefilm(ws, "chapters", "f")
    assert p.returncode == 2, p.stderr
    line = error_line(p)
    assert "film.yaml" in line and field in line and words in line
    assert snapshot(ws) == before


def test_unknown_stage(workspace):
    film(workspace, "raw/x.mp4")
    p = casefilm(workspace, "run", "f", "--until", "mastering")
    assert p.returncode == 2
    assert "mastering" in error_line(p)
    p = casefilm(workspace, "run", "f", "--force", "mastering")
    assert p.returncode == 2


def test_unknown_film(workspace):
    film(workspace, "raw/x.mp4")
    p = casefilm(workspace, "run", "g")
    assert p.returncode == 2
    line = error_line(p)
    assert "unknown film 'g'" in line and "f" in line


def test_batch_goes_on_past_a_failing_film(workspace, clip):
    raw = workspace / "projects/good/raw"
    raw.mkdir(parents=True)
    shutil.copy(clip, raw / "clip.mp4")
    write_film(workspace, "good", {"title": "Gut", "sources": [{"id": "a", "file": "raw/clip.mp4"}]})
    write_film(workspace, "bad", {"title": "Schlecht", "sources": [{"id": "a", "file": "raw/no.mp4"}]})
    p = casefilm(workspace, "ingest", "--all")
    assert p.returncode != 0
    assert "1 of 2 films ok" in p.stderr
    assert "[bad]" in p.stderr and "no.mp4" in p.stderr
    assert (workspace / ".casefilm/cache/good/programme.json").exists()
