"""Every `casefilm run` option reaches the stage on a Dask worker (issue 19): each one,
one by one, through `--workers 1` (a real LocalCluster of one worker process), checked by
what the stage recorded it used (the transcript's provenance, the stage records, the
worker's error line). Cheap films: a 4 s espeak-ng clip at 320x180, runs `--until
transcribe` where the option is about Whisper, an imported transcript where it is not.

Before issue 19 the cluster rebuilt the options as a dict and dropped `--backend`:
`run --workers 1 --backend faster-whisper` transcribed with openai-whisper."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import pytest

from pipeline.runner import chain
from pipeline.stages.base import RunOptions, RunSettings
from tests import media
from tests.cluster_films import clip, make_films
from tests.conftest import casefilm, write_film

ENV = {"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "3s"}
ON_ONE_WORKER = ("--workers", "1")


@pytest.fixture(scope="module")
def talking_ws(tmp_path_factory) -> Path:
    """A workspace with film `f`: one source, ~4 s of German espeak-ng speech (320x180)."""
    ws = tmp_path_factory.mktemp("opts") / "ws"
    raw = ws / "projects" / "f" / "raw"
    raw.mkdir(parents=True)
    media.talking_clip(raw / "talk.mp4", "Guten Tag. Wir planen Dienste mit KI.", size="320x180")
    write_film(ws, "f", {"title": "T", "sources": [{"id": "a", "file": "raw/talk.mp4"}],
                         "transcript": {"temperature": 0.0, "onset": "off",
                                        "hallucination_silence_threshold": None}})
    return ws


def fresh(src: Path, tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    shutil.copytree(src, ws)
    return ws


def provenance(ws: Path) -> dict:
    return json.loads((ws / "projects/f/transcript/asr.json").read_text())["provenance"]


def run_on_worker(ws: Path, *args: str, check: bool = True):
    p = casefilm(ws, "run", *args, *ON_ONE_WORKER, env=ENV, check=check)
    if check:
        assert "cluster: local Dask cluster of 1 worker processes" in p.stderr
        assert "[f] done on worker " in p.stderr
    return p


def test_settings_are_one_typed_picklable_object():
    s = RunSettings(backend="faster-whisper", model="x", stages=("ingest",),
                    force=frozenset({"ingest"}))
    assert pickle.loads(pickle.dumps(s)) == s
    assert RunOptions(backend="faster-whisper").settings == RunSettings(backend="faster-whisper")
    with pytest.raises(ValueError):
        RunSettings(backend="whisper.cpp")
    with pytest.raises(ValueError):  # frozen: a worker cannot change what it was sent
        s.model = "y"  # type: ignore[misc]
    assert [st.name for st in chain(RunSettings(stages=("transcribe", "ingest")))] == \
        ["ingest", "transcribe"]


def test_backend_reaches_the_worker(talking_ws, tmp_path):
    """The bug of issue 19: faster-whisper asked for, faster-whisper used on the worker."""
    from tests import realmodel

    ws = fresh(talking_ws, tmp_path)
    p = run_on_worker(ws, "f", "--until", "transcribe", "--backend", "faster-whisper",
                      "--model", str(realmodel.model_dir()))
    assert "[f] transcribing 4 s with faster-whisper" in p.stderr
    prov = provenance(ws)
    assert prov["backend"] == "faster-whisper" and prov["compute_type"].startswith("int8")


def test_model_and_model_name_reach_the_worker(talking_ws, tiny_model, tmp_path):
    ws = fresh(talking_ws, tmp_path)
    run_on_worker(ws, "f", "--until", "transcribe", "--model", str(tiny_model))
    assert provenance(ws)["backend"] == "openai-whisper"
    assert provenance(ws)["model"] == str(tiny_model)  # a path with no model name
    ws2 = fresh(talking_ws, tmp_path / "named")
    run_on_worker(ws2, "f", "--until", "transcribe", "--model", str(tiny_model),
                  "--model-name", "tiny-random")
    assert provenance(ws2)["model"] == f"{tiny_model} (tiny-random)"


def test_device_reaches_the_worker(talking_ws, tiny_model, tmp_path):
    """A device no machine has: the worker's model loading says so (and names the
    worker); without --device the same run transcribes (tested above)."""
    ws = fresh(talking_ws, tmp_path)
    p = run_on_worker(ws, "f", "--until", "transcribe", "--model", str(tiny_model),
                      "--device", "cuda:99", check=False)
    assert p.returncode == 4, p.stderr
    err = [ln for ln in p.stderr.splitlines() if ln.startswith("error:")]
    assert len(err) == 1 and "CUDA" in err[0] and "(on worker " in err[0]


@pytest.fixture(scope="module")
def imported_ws(tmp_path_factory) -> Path:
    """Film `f`: 3 s of static bars with an imported SRT (no Whisper run)."""
    d = tmp_path_factory.mktemp("imported")
    ws = d / "ws"
    make_films(ws, clip(d), ["f"])
    return ws


def stages_recorded(ws: Path) -> list[str]:
    return sorted(p.stem for p in (ws / ".casefilm/records/f").glob("*.json"))


def test_until_reaches_the_worker(imported_ws, tmp_path):
    ws = fresh(imported_ws, tmp_path)
    p = run_on_worker(ws, "f", "--until", "subtitles")
    assert stages_recorded(ws) == ["ingest", "subtitles", "transcribe"]
    assert "chapters" not in p.stderr and not (ws / "exports").exists()


def test_force_reaches_the_worker(imported_ws, tmp_path):
    ws = fresh(imported_ws, tmp_path)
    run_on_worker(ws, "f", "--until", "subtitles")
    before = json.loads((ws / ".casefilm/records/f/subtitles.json").read_text())
    p = run_on_worker(ws, "f", "--until", "subtitles", "--force", "subtitles")
    assert "[f] subtitles: running (forced)" in p.stderr
    assert "[f] transcribe: up to date" in p.stderr
    after = json.loads((ws / ".casefilm/records/f/subtitles.json").read_text())
    assert after["finished_at"] != before["finished_at"]


# --- a film's transcription split by source into cluster tasks ---------------------------


@pytest.fixture(scope="module")
def two_sources_ws(tmp_path_factory) -> Path:
    """Film `f` of two sources (no master, so the programme is them joined): two ~4 s
    German espeak-ng clips at 320x180."""
    ws = tmp_path_factory.mktemp("parts") / "ws"
    raw = ws / "projects" / "f" / "raw"
    raw.mkdir(parents=True)
    media.talking_clip(raw / "anna.mp4", "Guten Tag. Wir planen Dienste mit KI.", size="320x180")
    media.talking_clip(raw / "ben.mp4", "Der Betriebsrat war früh dabei.", size="320x180",
                       source="smptebars")
    write_film(ws, "f", {"title": "T", "sources": [{"id": "anna", "file": "raw/anna.mp4"},
                                                   {"id": "ben", "file": "raw/ben.mp4"}],
                         "transcript": {"temperature": 0.0, "onset": "off",
                                        "hallucination_silence_threshold": None}})
    return ws


def transcript(ws: Path) -> dict:
    t = json.loads((ws / "projects/f/transcript/asr.json").read_text())
    t["provenance"].pop("created_at", None)
    return t


def test_transcription_is_split_by_source_over_the_workers(two_sources_ws, tmp_path):
    """Sequentially the stage transcribes source after source; on two workers each source
    is a task of its own, and the transcript is the same (recorded time aside). With the
    real tiny.en (faster-whisper, fast and deterministic on one machine)."""
    from tests import realmodel

    whisper = ("--backend", "faster-whisper", "--model", str(realmodel.model_dir()))
    seq = fresh(two_sources_ws, tmp_path / "seq")
    p = casefilm(seq, "run", "f", "--until", "transcribe", *whisper, check=True)
    assert "[f] transcribing 7 s in 2 parts, one per source" in p.stderr
    want = transcript(seq)
    assert want["provenance"]["parameters"]["parts"] == ["anna", "ben"]
    spans = json.loads((seq / ".casefilm/cache/f/programme.json").read_text())["spans"]
    ben = next(s for s in spans if s["id"] == "ben")
    for seg in want["segments"]:  # every segment lies within one source's stretch
        assert any(s["start"] <= seg["start"] and seg["end"] <= s["end"] for s in spans)
    assert not (seq / ".casefilm/cache/f/asr-parts").exists()  # written: the parts are gone

    ws = fresh(two_sources_ws, tmp_path / "cluster")
    p = casefilm(ws, "run", "f", "--until", "transcribe", *whisper, "--workers", "2",
                 env=ENV, check=True)
    err = p.stderr
    assert "[f] transcribe: 2 parts sent to the cluster (anna, ben)" in err
    done = [ln.rsplit(" ", 1)[1] for ln in err.splitlines()
            if ln.startswith("[f] transcribe: part ") and " done on worker " in ln]
    assert len(done) == 2
    assert transcript(ws) == want
    assert ben["start"] > 0

