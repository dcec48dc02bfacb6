"""Time of a `casefilm run --all` that has nothing to do (goal: under 2 s).

    python benchmarks/bench_noop.py WORKSPACE    # a workspace that is fully up to date,
                                                 # e.g. the demo's
Prints the wall time of three consecutive runs and the machine.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time


def main() -> None:
    ws = sys.argv[1] if len(sys.argv) > 1 else "casefilm-demo"
    cmd = [sys.executable, "-m", "pipeline", "--workspace", ws, "run", "--all"]
    subprocess.run(cmd, check=True, capture_output=True)  # make sure it is up to date
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True, check=True)
        times.append(time.perf_counter() - t0)
        assert "running" not in p.stderr, p.stderr
    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo")
                if ln.startswith("model name")), platform.processor())
    print(f"no-op run --all: {', '.join(f'{t:.2f} s' for t in times)} "
          f"(goal < 2 s) on {os.cpu_count()} cores, {cpu}")


if __name__ == "__main__":
    main()
