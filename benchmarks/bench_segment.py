"""Benchmark: segment and time a 60-minute word-timed German transcript (goal: < 1 s).

    python benchmarks/bench_segment.py [MINUTES]

Prints the machine (cores, CPU model), the transcript size, the load average, and the best
wall and CPU times of five (three) runs of
(a) segmentation + timing for the default profile, (b) the whole caption build including all
three writers. Not a test: speed goals are measured here, never asserted in tests.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.captions import build, profiles, segment, synthetic, timing  # noqa: E402
from pipeline.manifest import FilmManifest  # noqa: E402


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def best_of(n: int, fn) -> tuple[float, float]:
    """Best wall time and best CPU time (this process) of `n` runs, in seconds: on a shared
    machine the CPU time is the steadier figure."""
    wall, cpu = [], []
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu)


def main() -> None:
    minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    syn = synthetic.interview(minutes=minutes, seed=1)
    words = len(syn.transcript.words)
    p = profiles.PROFILES[profiles.DEFAULT_PROFILE]
    manifest = FilmManifest(title="Benchmark", master="x.mp4", speakers=[
        {"id": "anna", "name": "Anna Beispiel"}, {"id": "ben", "name": "Ben Muster"}])

    def seg():
        drafts = segment.segment(syn.transcript, p, syn.cuts, fps=25.0,
                                 duration_ms=syn.duration_ms)
        return timing.time_cues(drafts, p, 25.0, syn.cuts, syn.duration_ms)

    def full():
        cs = build.build(manifest, "bench", syn.transcript, p, fps=25.0,
                         duration_ms=syn.duration_ms, cuts=syn.cuts)
        for fmt in ("vtt", "srt", "ttml"):
            build.render(cs, fmt)

    cues = len(seg())
    t_seg = best_of(5, seg)
    t_full = best_of(3, full)
    print(f"machine: {os.cpu_count()} cores (nproc), {cpu_model()}, Python "
          f"{platform.python_version()}")
    print(f"transcript: {syn.duration_ms / 60000:.1f} min, {words} words, "
          f"{len(syn.cuts)} cuts -> {cues} cues ({p.name})")
    print(f"segmentation + timing: {t_seg[0]:.3f} s (CPU {t_seg[1]:.3f} s; goal < 1 s)")
    print(f"full build incl. VTT/SRT/TTML writers: {t_full[0]:.3f} s (CPU {t_full[1]:.3f} s)")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
