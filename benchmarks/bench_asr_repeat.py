"""Benchmark: are transcripts repeatable, and what does repeatability cost?

    python benchmarks/bench_asr_repeat.py [--runs N] [--audio FILE] [--configs a,b,…]

The same audio is transcribed N times per configuration, each run in a fresh process
(thread pools, MKL's code path and the environment are chosen at process start, as on a
cluster worker), through casefilm's own entry point (`pipeline.asr.transcribe_file`, film.yaml
defaults: VAD decoding, onset refinement, temperature fallback, German, a glossary) with the
bundled Whisper base. Prints per configuration: how many distinct transcripts (words and
times) the runs gave, the median wall time and real-time factor of decoding (model loading
apart), and which configurations gave the same transcript as the default one.

Configurations (name: backend, compute type, environment):
  openai          openai-whisper float32, torch with its default threads (casefilm's default)
  openai-1t       the same with OMP_NUM_THREADS=1 / MKL_NUM_THREADS=1 (what a Dask worker sets)
  faster-int8     faster-whisper int8 (CTranslate2 int8_float32), all cores
  faster-int8-1t  faster-whisper int8, one thread
  faster-int8-cbwr  faster-whisper int8 with MKL_CBWR=COMPATIBLE
  faster-f32      faster-whisper float32, all cores
  faster-int8-unseeded  faster-whisper int8 without casefilm's seeded fallback sampling

Default audio: the German espeak-ng test film (tests/realmodel.py GERMAN, 42 s). `--audio`
takes any recording ffmpeg reads (e.g. a file of ../shared/data/de-speech: benchmark only,
never copied into the repository). Not a test; run it with `nice` and note the load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
CONFIGS = {
    "openai": ("openai-whisper", None, {}),
    "openai-1t": ("openai-whisper", None, ONE_THREAD),
    "faster-int8": ("faster-whisper", "int8", {}),
    "faster-int8-1t": ("faster-whisper", "int8", ONE_THREAD),
    "faster-int8-cbwr": ("faster-whisper", "int8", {"MKL_CBWR": "COMPATIBLE"}),
    "faster-f32": ("faster-whisper", "float32", {}),
    # casefilm's seeding of fallback sampling switched off: what bare faster-whisper does
    "faster-int8-unseeded": ("faster-whisper", "int8", {"BENCH_UNSEEDED": "1"}),
}


def worker(backend: str, compute_type: str | None, wav: str) -> None:
    """One run in this process: print the transcript's words and the decoding time."""
    from pipeline import asr
    from pipeline.asr import faster_backend
    from tests import realmodel as rm

    if os.environ.get("OMP_NUM_THREADS") == "1":  # casefilm gives CTranslate2 every core
        faster_backend.cpu_threads = lambda: 1
    if os.environ.get("BENCH_UNSEEDED"):
        import ctranslate2

        ctranslate2.set_random_seed = lambda seed: None
    m = asr.load_model(asr.ModelSpec("bundled", "base", backend, compute_type or None))
    params = asr.AsrParams(language="de", glossary=tuple(rm.GERMAN_GLOSSARY))
    frames = asr.audio.frames(Path(wav))[0]
    t = time.perf_counter()
    tr, _ = asr.transcribe_file(Path(wav), params, m, film="bench",
                                duration_ms=frames * 1000 // 16000, model_desc="base (bundled)")
    wall = time.perf_counter() - t
    import torch

    print(json.dumps({"wall": wall, "seconds": frames / 16000, "compute_type": m.compute_type,
                      "torch_threads": torch.get_num_threads(),
                      "words": [[w.text, w.start, w.end] for w in tr.words],
                      "text": " ".join(s.text for s in tr.segments)}, ensure_ascii=False))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--runs", type=int, default=4)
    ap.add_argument("--audio", type=Path)
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        return worker(*a.worker)
    from bench_segment import cpu_model  # noqa: E402
    from tests import media, realmodel as rm

    print(f"machine: {os.cpu_count()} cores, {cpu_model()}, {platform.platform()}; "
          f"load average at start {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        src = a.audio or rm.speech_film(d / "de.mp4", rm.GERMAN).wav
        wav = d / "asr.wav"
        media.sh([*media.FF, "-i", src, "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", wav])
        print(f"audio: {a.audio or 'German espeak-ng film (tests/realmodel.py GERMAN)'}")
        results: dict[str, list[dict]] = {}
        for name in a.configs.split(","):
            backend, ctype, env = CONFIGS[name]
            runs = []
            for _ in range(a.runs):
                p = subprocess.run([sys.executable, __file__, "--worker", backend, ctype or "",
                                    str(wav)], capture_output=True, text=True,
                                   env={**os.environ, **env, "PYTHONPATH": str(REPO)})
                if p.returncode:
                    sys.exit(f"{name}: run failed:\n{p.stderr[-2000:]}")
                runs.append(json.loads(p.stdout.strip().splitlines()[-1]))
                print(f"  {name} run {len(runs)}: {runs[-1]['wall']:.1f} s, transcript "
                      f"#{[json.dumps(r['words']) for r in runs].index(json.dumps(runs[-1]['words'])) + 1}",
                      flush=True)
            results[name] = runs
            distinct = {json.dumps(r["words"]) for r in runs}
            wall = statistics.median(r["wall"] for r in runs)
            print(f"{name:<17} {runs[0]['compute_type']:<13} torch threads "
                  f"{runs[0]['torch_threads']}: {len(distinct)} distinct transcript(s) in "
                  f"{len(runs)} runs; decoding median {wall:.1f} s, RTF "
                  f"{wall / runs[0]['seconds']:.3f}; load {os.getloadavg()[0]:.1f}", flush=True)
        ref = next(iter(results.values()))[0]["words"]
        same = [n for n, r in results.items() if all(x["words"] == ref for x in r)]
        print(f"same transcript as {next(iter(results))}: {', '.join(same)}")
        for n, r in results.items():
            print(f"  {n}: {r[0]['text']}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
