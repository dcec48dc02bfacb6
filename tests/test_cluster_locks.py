"""One writer per film and shared files safe with concurrent writers (issue 11): the film
lock (holder, waiting, take-over of a killed holder), the digest cache and the stage
records under concurrent processes, and two `casefilm run` on one workspace at once."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline import locks, records
from pipeline.cli import common
from pipeline.errors import FilmLocked
from pipeline.fsutil import DigestCache
from pipeline.runner import run_film, select_stages
from pipeline.stages.base import RunOptions
from pipeline.workspace import Workspace
from tests.cluster_films import clip, make_films, temporaries
from tests.conftest import REPO

HOLD = """
import sys, time
from pipeline.locks import FilmLock
lock = FilmLock(sys.argv[1], sys.argv[2], purpose="test holder").acquire()
print("held", flush=True)
time.sleep(120)
"""


def hold_lock(state: Path, film: str) -> subprocess.Popen:
    """Another process holding `film`'s lock until it is killed."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(state), film], cwd=REPO,
                            stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_lock_names_its_holder_and_a_killed_holders_lock_is_taken_over(tmp_path):
    holder = hold_lock(tmp_path, "f")
    try:
        lock = locks.FilmLock(tmp_path, "f")
        assert not lock.try_acquire()
        with pytest.raises(FilmLocked) as e:
            lock.acquire(wait=False)
        assert f"pid {holder.pid}" in e.value.line() and "test holder" in e.value.line()
        seen = []
        with pytest.raises(FilmLocked):  # waits, says so once, gives up at the timeout
            lock.acquire(report=seen.append, timeout=0.6)
        assert len(seen) == 1 and f"pid {holder.pid}" in seen[0]
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # the kernel freed the dead holder's lock; its description is still in the file
    assert locks.read_holder(lock.path).pid == holder.pid
    said = []
    lock.acquire(report=said.append, timeout=5)
    assert lock.took_over is not None and lock.took_over.pid == holder.pid
    assert said == [f"lock: took over the lock of {lock.took_over.describe()}: "
                    "that process ended without releasing it"]
    assert locks.read_holder(lock.path).pid == os.getpid()
    lock.release()
    assert locks.read_holder(lock.path) is None  # a clean release leaves nothing to take over
    again = locks.FilmLock(tmp_path, "f").acquire()
    assert again.took_over is None
    assert not locks.FilmLock(tmp_path, "f").try_acquire()  # one holder per process, too
    again.release()


def test_a_locked_film_is_not_touched(workspace, tmp_path, monkeypatch, capsys):
    """run_film without waiting on a film another process holds: FilmLocked, no record,
    and that process's temporaries are not swept; `casefilm status` names the holder."""
    make_films(workspace, clip(tmp_path), ["f"])
    ws = Workspace.resolve(workspace)
    tmp = ws.root / "subtitles" / "f" / ".tmp-being-written.vtt"
    tmp.parent.mkdir(parents=True)
    tmp.write_text("WEBVTT\n")
    holder = hold_lock(ws.state, "f")
    try:
        out = run_film(ws.film("f"), RunOptions(report=lambda m: None), select_stages(), wait=False)
        monkeypatch.setenv("CASEFILM_WORKSPACE", str(workspace))
        common.main(["status", "f"])
        status = capsys.readouterr().out.splitlines()
        assert status[1] == f"  lock       held    being built by {locks.read_holder(locks.lock_path(ws.state, 'f')).describe()}"
        assert f"pid {holder.pid}" in status[1]
    finally:
        holder.kill()
        holder.wait()
    assert out.locked and out.worked == [] and f"pid {holder.pid}" in out.error.line()
    assert tmp.exists() and not (ws.state / "records").exists()
    assert locks.holder_now(ws.state, "f") is None  # the holder is gone


def _hash_files(store: str, files: list[str]) -> None:
    cache = DigestCache(Path(store))
    for f in files:
        cache.digest(Path(f))
        cache.save()  # every process saves after every file: the worst case for lost updates


def test_digest_cache_keeps_every_writers_entries(tmp_path):
    files = []
    for i in range(60):
        p = tmp_path / f"f{i}.bin"
        p.write_bytes(os.urandom(64) + bytes([i]))
        files.append(str(p))
    store = tmp_path / "digests.json"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_hash_files, args=(str(store), files[k::4])) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    data = DigestCache(store)._data
    assert sorted(data) == sorted(str(Path(f).resolve()) for f in files)
    for f in files:
        from pipeline.fsutil import sha256_file
        assert data[str(Path(f).resolve())][3] == sha256_file(Path(f))


def _save_records(d: str, n: int, tag: int) -> None:
    for i in range(n):
        records.save(Path(d), records.StageRecord(film="f", stage="ingest", status="done",
                                                  inputs={"tag": str(tag), "i": str(i)}))


def test_records_are_whole_under_concurrent_writers(tmp_path):
    """Writers replacing one record while a reader reads it: the reader sees one writer's
    whole record every time, never a torn or empty one."""
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_save_records, args=(str(tmp_path), 80, k)) for k in range(3)]
    for p in procs:
        p.start()
    seen = 0
    while any(p.is_alive() for p in procs) or not seen:
        if records.path(tmp_path, "ingest").exists():
            rec = records.load(tmp_path, "ingest")
            assert rec is not None and rec.inputs["tag"] in {"0", "1", "2"}
            seen += 1
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert seen and not temporaries(tmp_path)


def test_two_concurrent_runs_build_each_film_once(workspace, tmp_path):
    """Two `casefilm run --all` started together on one workspace: each film is built by
    exactly one of them; the other puts the locked film off, waits, finds it up to date."""
    films = ["a", "b", "c"]
    make_films(workspace, clip(tmp_path), films)
    env = {**os.environ, "CASEFILM_WORKSPACE": str(workspace), "PYTHONPATH": str(REPO)}
    runs = [subprocess.Popen([sys.executable, "-m", "pipeline", "run", "--all"], env=env,
                             cwd=workspace, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]
    outs = [r.communicate(timeout=300) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outs
    both = outs[0][1] + outs[1][1]
    for f in films:
        for stage in ("ingest", "transcribe", "subtitles", "chapters", "export"):
            assert both.count(f"[{f}] {stage}: running") == 1, (f, stage, both)
    assert "coming back to it after the other films" in both  # they did meet at a lock
    for f in films:
        assert (workspace / "exports" / f / "manifest.json").is_file()
    assert not temporaries(workspace)
    assert locks.read_holder(locks.lock_path(workspace / ".casefilm", "a")) is None
