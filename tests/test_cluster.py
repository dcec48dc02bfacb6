"""The batch on a real Dask cluster (issue 11): a LocalCluster of worker processes behind
`casefilm run --workers 2`, and `dask scheduler` / `dask worker` started as subprocesses
on 127.0.0.1 behind `--scheduler`. Cheap films (imported SRT, short lavfi clips); every
worker has one thread, two worker processes in all."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pipeline import locks
from tests import media
from tests.cluster_films import clip, make_films, output_digests, records, temporaries
from tests.conftest import REPO, casefilm

ENV = {"PYTHONPATH": str(REPO), "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "3s"}
DASK = str(Path(sys.executable).with_name("dask"))
STAGES = ["ingest", "transcribe", "subtitles", "chapters", "export"]


def error_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.startswith("error:")]


def test_three_films_on_a_local_cluster_match_the_sequential_run(tmp_path):
    """`run --all --workers 2` builds the three films on two worker processes, with
    per-film progress, and writes what a sequential run writes (recorded times aside)."""
    src = clip(tmp_path)
    pristine = tmp_path / "pristine"
    make_films(pristine, src, ["a", "b", "c"])
    ws = tmp_path / "ws"  # both runs at the same path: transcripts record their source path
    shutil.copytree(pristine, ws)
    casefilm(ws, "run", "--all", check=True)
    seq_out, seq_rec = output_digests(ws), records(ws)
    shutil.rmtree(ws)
    shutil.copytree(pristine, ws)

    p = casefilm(ws, "run", "--all", "--workers", "2", env=ENV, check=True)
    err = p.stderr
    assert "cluster: local Dask cluster of 2 worker processes, 2 workers connected" in err
    workers = set()
    for f in "abc":
        assert f"[{f}] sent to the cluster" in err
        for stage in STAGES:
            assert err.count(f"[{f}] {stage}: running") == 1, (f, stage)
        line = next(ln for ln in err.splitlines() if ln.startswith(f"[{f}] done on worker "))
        workers.add(line.rsplit(" ", 1)[1])
    assert len(workers) == 2  # both worker processes built films
    assert "3 of 3 films ok (0 already up to date), 0 failed" in err

    assert output_digests(ws) == seq_out
    cl_rec = records(ws)
    assert cl_rec.keys() == seq_rec.keys()
    for key, rec in cl_rec.items():
        assert rec["status"] == "done" and rec["outputs"].keys() == seq_rec[key]["outputs"].keys()
        same = {k: v for k, v in rec["outputs"].items() if not k.endswith(".json")}
        assert same == {k: v for k, v in seq_rec[key]["outputs"].items() if k in same}, key
    assert not temporaries(ws)

    # the records the workers wrote are the runner's records: here, nothing is to do
    again = casefilm(ws, "run", "--all", check=True)
    assert "running" not in again.stderr
    assert "3 of 3 films ok (3 already up to date), 0 failed" in again.stderr


def test_an_unreachable_scheduler_is_one_line_and_nothing_starts(tmp_path):
    make_films(tmp_path / "ws", clip(tmp_path), ["a"])
    ws = tmp_path / "ws"
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    addr = f"tcp://127.0.0.1:{port}"
    quick = {**ENV, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"}
    for args, env in ((["--scheduler", addr], {}), ([], {"CASEFILM_SCHEDULER": addr})):
        p = casefilm(ws, "run", "--all", *args, env={**quick, **env})
        assert p.returncode == 7, p.stderr
        assert error_lines(p.stderr) == [error_lines(p.stderr)[0]]
        assert error_lines(p.stderr)[0].startswith(f"error: cannot reach the Dask scheduler at {addr} (")
        assert "[a]" not in p.stderr
        assert not (ws / ".casefilm").exists() and not (ws / "exports").exists()
    p = casefilm(ws, "run", "--all", "--scheduler", addr, "--workers", "2", env=ENV)
    assert p.returncode == 2 and error_lines(p.stderr)[0].startswith(
        "error: give --scheduler or --workers, not both")


# --- `dask scheduler` and `dask worker` as subprocesses ----------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """A scheduler and two workers on 127.0.0.1, one thread each: `cpu` and `gpu` (the
    latter declaring the resource gpu=1). Yields the scheduler address."""
    logs = tmp_path_factory.mktemp("dask")
    port = _free_port()
    addr = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, **ENV}
    procs = [subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], env=env, cwd=logs,
                              stdout=subprocess.DEVNULL, stderr=open(logs / "scheduler.log", "w"))]
    for name, extra in (("cpu", []), ("gpu", ["--resources", "gpu=1"])):
        procs.append(subprocess.Popen(
            [DASK, "worker", addr, "--name", name, "--nthreads", "1", "--nworkers", "1",
             "--host", "127.0.0.1", "--no-dashboard", *extra], env=env, cwd=logs,
            stdout=subprocess.DEVNULL, stderr=open(logs / f"{name}.log", "w")))
    from distributed import Client

    deadline = time.monotonic() + 60
    while True:
        try:
            with Client(addr, timeout=2) as c:
                if len(c.scheduler_info()["workers"]) == 2:
                    break
        except OSError:
            pass
        assert time.monotonic() < deadline, "the dask cluster did not come up"
        time.sleep(0.5)
    yield addr
    for p in reversed(procs):
        p.terminate()
    for p in reversed(procs):
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def test_transcription_is_pinned_to_the_gpu_worker(scheduler, tmp_path):
    ws = tmp_path / "ws"
    make_films(ws, clip(tmp_path), ["a"])
    p = casefilm(ws, "run", "--all", "--scheduler", scheduler, env=ENV, check=True)
    err = p.stderr
    assert "cluster: transcription pinned to 1 gpu worker(s)" in err
    for f in "a":
        assert f"[{f}] on worker gpu: transcribe" in err
        assert any(ln.startswith(f"[{f}] on worker ") and ln.endswith(": ingest")
                   for ln in err.splitlines())
        assert any(ln.startswith(f"[{f}] on worker ") and ln.endswith(": subtitles, chapters, describe, export")
                   for ln in err.splitlines())
        assert (ws / "exports" / f / "manifest.json").is_file()


def test_a_failing_film_fails_the_batch_as_locally(scheduler, tmp_path):
    """One film's source is text named .mp4: the batch goes on, prints the worker's error
    line (the local one plus where) and the summary, and exits as a local run does."""
    ws = tmp_path / "ws"
    make_films(ws, clip(tmp_path), ["good", "bad"])
    (ws / "projects/bad/raw/clip.mp4").write_text("Das ist kein Video.\n")
    local = casefilm(ws, "run", "--all")
    remote = casefilm(ws, "run", "--all", "--scheduler", scheduler, env=ENV)
    assert local.returncode == remote.returncode == 1
    [lline] = error_lines(local.stderr)[:1]
    assert "clip.mp4" in lline and "sources.0.file" in lline
    rlines = error_lines(remote.stderr)
    assert rlines[0].startswith(lline + " (on worker ")
    assert rlines[1:] == error_lines(local.stderr)[1:] == ["error: 1 of 2 films failed: bad"]
    assert "1 of 2 films ok (1 already up to date), 1 failed" in remote.stderr
    single = casefilm(ws, "run", "bad", "--scheduler", scheduler, env=ENV)
    assert single.returncode == 2  # the error's own exit code (bad input), as locally


def test_a_worker_killed_mid_film(scheduler, tmp_path):
    """`kill -9` of the worker while it encodes: the task runs again, the film completes,
    the new run reports taking over the dead worker's lock, no temporary is left and no
    stage recorded as done before the kill is run again."""
    ws = tmp_path / "ws"
    d = tmp_path / "src"
    d.mkdir()
    src = media.video(d / "long.mp4", 12, size="640x360", tone=True)  # a few seconds of x264
    make_films(ws, src, ["f"])
    env = {**os.environ, **ENV, "CASEFILM_WORKSPACE": str(ws)}
    run = subprocess.Popen([sys.executable, "-m", "pipeline", "run", "f", "--scheduler",
                            scheduler], env=env, cwd=ws, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    killed = threading.Event()
    before: dict = {}

    def watch():
        for line in run.stderr:
            lines.append(line.rstrip("\n"))
            if line.startswith("[f] export: running") and not killed.is_set():
                before.update(records(ws))
                holder = locks.read_holder(locks.lock_path(ws / ".casefilm", "f"))
                os.kill(holder.pid, signal.SIGKILL)
                before["pid"] = holder.pid
                killed.set()

    t = threading.Thread(target=watch)
    t.start()
    run.wait(240)
    t.join(10)
    err = "\n".join(lines)
    assert killed.is_set(), err
    assert run.returncode == 0, err
    assert sum(1 for ln in lines if ln.startswith("[f] export: running")) == 2
    pid = before.pop("pid")
    assert any(ln.startswith("[f] lock: took over the lock of ") and f" pid {pid} " in ln
               for ln in lines), err
    for stage in ["ingest", "transcribe", "subtitles", "chapters"]:
        assert err.count(f"[f] {stage}: running") == 1
    after = records(ws)
    for key, rec in before.items():  # recorded as done before the kill: untouched
        assert after[key] == rec
    assert after["f/export"]["status"] == "done"
    assert not temporaries(ws)
    casefilm(ws, "verify-export", "f", check=True)  # the package is whole and matches its manifest

