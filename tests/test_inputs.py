"""Every bad input of issue 2 gives one clear line naming the file (and field), a non-zero
exit, and leaves every other file untouched. Runs the real CLI in a subprocess."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import yaml

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


# --- errors before work (issue 13): what film.yaml alone shows stops the film at once -----

CATALOGUE = {"goals": [{"id": "LZ-KAT-1", "text": "Beschreiben, wie KI entlastet"}]}
NO_MODEL = {"CASEFILM_WHISPER_MODEL": "/nonexistent/never-loaded.pt"}


@pytest.fixture
def footage(workspace, clip) -> Path:
    """Workspace with film f's clip in place (so ingest would work) and a goal catalogue."""
    raw = workspace / "projects/f/raw"
    raw.mkdir(parents=True)
    shutil.copy(clip, raw / "clip.mp4")
    (workspace / "projects/learning-goals.yaml").write_text(
        yaml.safe_dump(CATALOGUE, allow_unicode=True), encoding="utf-8")
    return workspace


def assert_no_work(ws: Path, film_id: str = "f") -> None:
    """No stage worked: no programme, no ASR audio or transcript, no stage record, no output."""
    assert not (ws / ".casefilm/cache" / film_id / "programme.json").exists()
    assert not (ws / ".casefilm/cache" / film_id / "asr.wav").exists()
    assert not (ws / "projects" / film_id / "transcript").exists()
    assert not list((ws / ".casefilm/records" / film_id).glob("*.json"))
    for out in ("subtitles", "chapters", "exports"):
        assert not (ws / out / film_id).exists()


TWO = [{"start": "00:00", "title": "A"}, {"start": "00:01", "title": "B"}]


@pytest.mark.parametrize("extra, file, field, words", [
    ({"chapters": [{"start": "00:00", "title": "A", "goals": ["LZ-NICHT-DA"]}]},
     "film.yaml", "chapters.0.goals", "LZ-NICHT-DA"),
    ({"chapters": [{"start": "00:01", "title": "A"}, {"start": "00:00", "title": "B"}]},
     "film.yaml", "chapters.1.start", "time order"),
    ({"chapters": [{"start": "00:01", "title": "A"}, {"start": "00:01", "title": "B"}]},
     "film.yaml", "chapters.1.start", "same time"),
    ({"chapters": [{"start": "00:00", "title": "A", "goals": ["LZ-KAT-1", "LZ-KAT-1"]}]},
     "film.yaml", "chapters.0.goals", "twice"),
    ({"learning_goals": [{"id": "LZ-KAT-1", "text": "Noch einmal definiert"}]},
     "film.yaml", "learning_goals.0.id", "LZ-KAT-1"),
    ({"chapters": [{**TWO[0], "quote": {"start": "00:00.5", "end": "00:00.2"}}, TWO[1]]},
     "film.yaml", "chapters.0.quote.end", "key quote"),
    ({"chapters": TWO, "export": {"description_chapters": True}},
     "film.yaml", "chapters", "at least 3"),
    ({"transcript": {"import": "raw/vendor.srt"}}, "vendor.srt", "transcript.import",
     "not found"),
    ({"transcript": {"import": "raw/clip.mp4"}}, "clip.mp4", "transcript.import",
     "unsupported transcript format"),
    ({"subtitles": {"profile": "de-kino"}}, "film.yaml", "subtitles.profile", "de-kino"),
    ({"subtitles": {"min_duration_ms": 3000, "max_duration_ms": 2000}}, "film.yaml",
     "subtitles.max_duration_ms", "shorter than min_duration_ms"),
    ({"export": {"rungs": [1080, 999]}}, "film.yaml", "export.rungs", "999"),
    ({"export": {"rungs": [1080], "max_height": 720}}, "film.yaml", "export.rungs",
     "max_height"),
    ({"export": {"poster": "1:75"}}, "film.yaml", "export.poster", "not a timecode"),
    ({"master": "raw/schnitt.mp4"}, "schnitt.mp4", "master", "not found"),
    ({"sources": [{"id": "a", "file": "raw/clip.mp4", "speaker": "niemand"}]}, "film.yaml",
     "sources.0.speaker", "niemand"),
], ids=["unknown-goal", "unsorted-chapters", "same-start", "goal-twice", "duplicate-goal-id",
        "quote-backwards", "description-chapters", "missing-import", "import-suffix",
        "unknown-profile", "profile-overrides", "unknown-rung", "rungs-above-max-height",
        "poster-timecode", "missing-master", "unknown-speaker"])
def test_error_before_any_stage_works(footage, extra, file, field, words):
    ws = footage
    film(ws, "raw/clip.mp4", **extra)
    before = snapshot(ws)
    p = casefilm(ws, "run", "f", env=NO_MODEL)
    assert p.returncode == 2, p.stderr
    line = error_line(p)
    assert file in line and field in line and words in line, line
    assert "running" not in p.stderr, p.stderr  # no stage started
    assert_no_work(ws)
    assert snapshot(ws) == before
    status = casefilm(ws, "status", "f")
    assert status.returncode == 0, status.stderr
    shown = [ln for ln in status.stdout.splitlines() if "invalid" in ln]
    assert len(shown) == 1 and field in shown[0] and file in shown[0], status.stdout


def test_duplicate_id_in_the_catalogue(footage):
    ws = footage
    cat = {"goals": [*CATALOGUE["goals"], {"id": "LZ-KAT-1", "text": "Zweimal"}]}
    (ws / "projects/learning-goals.yaml").write_text(yaml.safe_dump(cat), encoding="utf-8")
    film(ws, "raw/clip.mp4")
    p = casefilm(ws, "run", "f", env=NO_MODEL)
    assert p.returncode == 2, p.stderr
    line = error_line(p)
    assert "learning-goals.yaml" in line and "goals.1.id" in line and "LZ-KAT-1" in line
    assert_no_work(ws)


def test_single_stage_checks_only_the_files_it_reads(footage):
    """A transcript import that is missing stops `transcribe`, not `ingest` (which does not
    read it); chapter typos stop every stage, since film.yaml is read as a whole."""
    ws = footage
    film(ws, "raw/clip.mp4", transcript={"import": "raw/vendor.srt"})
    casefilm(ws, "ingest", "f", check=True)
    p = casefilm(ws, "transcribe", "f")
    assert p.returncode == 2 and "transcript.import" in error_line(p)
    assert not (ws / "projects/f/transcript").exists()
    film(ws, "raw/clip.mp4", chapters=[{"start": "00:00", "title": "A", "goals": ["LZ-X"]}])
    p = casefilm(ws, "ingest", "f", "--force")
    assert p.returncode == 2 and "chapters.0.goals" in error_line(p)
    assert "running" not in p.stderr


def test_batch_reports_every_early_error_and_runs_the_rest(footage, clip):
    """`run --all` up to transcribe: film f imports a vendor SRT (no Whisper run)."""
    ws = footage
    (ws / "projects/f/raw/vendor.srt").write_text(
        "1\n00:00:00,200 --> 00:00:01,500\nGuten Tag.\n", encoding="utf-8")
    film(ws, "raw/clip.mp4", transcript={"import": "raw/vendor.srt"})  # f: good
    for fid, extra in (("typo", {"chapters": [{"start": 0, "title": "A", "goals": ["LZ-?"]}]}),
                       ("nofile", {"transcript": {"import": "raw/fehlt.vtt"}})):
        raw = write_film(ws, fid, {"title": fid, "sources": [{"id": "a", "file": "raw/c.mp4"}],
                                   **extra}) / "raw"
        raw.mkdir()
        shutil.copy(clip, raw / "c.mp4")
    p = casefilm(ws, "run", "--all", "--until", "transcribe", env=NO_MODEL)
    assert p.returncode == 1, p.stderr  # BatchFailed
    errors = [ln for ln in p.stderr.splitlines() if ln.startswith("error: [")]
    assert len(errors) == 2, p.stderr
    assert any("[typo]" in ln and "chapters.0.goals" in ln for ln in errors)
    assert any("[nofile]" in ln and "transcript.import" in ln for ln in errors)
    assert "1 of 3 films ok" in p.stderr
    assert (ws / ".casefilm/cache/f/programme.json").exists()
    assert (ws / "projects/f/transcript/asr.json").exists()
    assert_no_work(ws, "typo")
    assert_no_work(ws, "nofile")


# --- a missing tool is named, with the Debian package that provides it --------------------

def only_tools(tmp_path: Path, *names: str) -> dict:
    """An environment whose PATH holds only the named tools (symlinks to the real ones)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for n in names:
        (bin_dir / n).symlink_to(shutil.which(n))
    return {"PATH": str(bin_dir)}


def test_missing_espeak_ng_is_named(tmp_path, tiny_model):
    env = {**only_tools(tmp_path, "ffmpeg", "ffprobe"), "CASEFILM_WHISPER_MODEL": str(tiny_model)}
    p = casefilm(tmp_path, "demo", str(tmp_path / "d"), env=env)
    assert p.returncode == 3, p.stderr
    line = error_line(p)
    assert "espeak-ng not found on PATH" in line and "apt-get install espeak-ng" in line
    assert "ffmpeg" not in line
    assert not (tmp_path / "d").exists()


def test_missing_ffprobe_names_the_ffmpeg_package(workspace, clip, tmp_path):
    raw = workspace / "projects/f/raw"
    raw.mkdir(parents=True)
    shutil.copy(clip, raw / "clip.mp4")
    film(workspace, "raw/clip.mp4")
    p = casefilm(workspace, "ingest", "f", env=only_tools(tmp_path, "ffmpeg"))
    assert p.returncode == 3, p.stderr
    line = error_line(p)
    assert "ffprobe not found on PATH" in line and "apt-get install ffmpeg" in line
