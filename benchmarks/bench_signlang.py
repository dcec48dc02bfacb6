"""Sign-language benchmark: what the DGS rendition costs, and how closely the player keeps
the interpreter in step with the film.

    python benchmarks/bench_signlang.py [--seconds 60] [--play 8]

1. encode: the rendition of a generated 1920x1080 25 fps interpreter recording (testsrc2,
   CRF 14, like a camera master) of `--seconds` s, as `signlang.encode_sign` makes it
   (crop to 960x1080, scale to 426x480, H.264 medium, 1 s GOPs, then HLS segmenting):
   wall and CPU time, the realtime factor (media seconds per wall second), bitrate.
   A second call with the same spec must re-use the cache (reported in ms).
2. sync: a 20 s film with that interpreter, exported, opened in headless Chromium over
   http (hls.js) with the window on; the film plays for `--play` s at 1x, then at 1.5x
   after a seek; |interpreter time - film time| is sampled every 100 ms after the first
   second of each run. Prints max, mean and the share of samples under 0.1 s and under
   0.04 s (one frame at 25 fps). Goal: max < 0.1 s.

Figures depend on the machine and its load; the script prints both.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import platform
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests import media  # noqa: E402
from tests.conftest import casefilm, write_film  # noqa: E402
from tests.test_export_support import FILM, build_film, manifest  # noqa: E402


def cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def recording(out: Path, seconds: float) -> Path:
    return media.video(out, seconds, size="1920x1080",
                       extra=["-crf", "14", "-preset", "veryfast"])


def bench_encode(tmp: Path, seconds: float) -> None:
    from pipeline import ffmpeg
    from pipeline.delivery import signlang
    from pipeline.manifest.sign_language import Crop

    rec = recording(tmp / "rec.mp4", seconds)
    info = ffmpeg.media_info(rec, "bench")
    crop = Crop(x=480, y=0, width=960, height=1080)
    spec = signlang.SignEncodeSpec(
        recording=str(rec), recording_sha256="bench", offset_ms=0, crop=crop, src_width=960,
        src_height=1080, src_fps=25.0, recording_ms=info.duration_ms,
        programme_ms=info.duration_ms, rung=signlang.rung_for(960, 1080, 25.0),
        ffmpeg=ffmpeg.version())
    cache = tmp / "cache"
    c0, t0 = cpu_children(), time.perf_counter()
    d, meta, reused = signlang.encode_sign(spec, cache)
    wall, cpu = time.perf_counter() - t0, cpu_children() - c0
    assert not reused
    t1 = time.perf_counter()
    _, _, again = signlang.encode_sign(spec, cache)
    reuse_ms = (time.perf_counter() - t1) * 1000
    print(f"encode: {seconds:g} s of 1080p25 -> {meta.width}x{meta.height} @ {meta.fps:g} fps: "
          f"wall {wall:.1f} s, CPU {cpu:.1f} s, realtime x{seconds / wall:.2f} (wall), "
          f"{meta.average_bps / 1000:.0f} kbit/s, {len(meta.hls.segments)} HLS segments; "
          f"cached call {reuse_ms:.0f} ms (re-used: {again})")


def bench_sync(tmp: Path, play_s: float) -> None:
    from tests.browser import ARGS, CHROMIUM
    from tests.test_player import _QuietHandler
    from playwright.sync_api import sync_playwright

    ws = tmp / "ws"
    (ws / "projects").mkdir(parents=True)
    build_film(ws)
    m = manifest()
    m["sign_language"] = {"file": "raw/dgs.mp4", "crop": {"x": 480, "y": 0, "width": 960,
                                                          "height": 1080}}
    write_film(ws, FILM, m)
    recording(ws / "projects" / FILM / "raw" / "dgs.mp4", 12)
    casefilm(ws, "export", FILM, check=True)
    root = ws / "exports" / FILM
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/index.html"
    diff = ("Math.abs(document.getElementById('dgs-video').currentTime - "
            "document.getElementById('video').currentTime)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.goto(url)
        page.wait_for_function("document.getElementById('video').readyState >= 1")
        page.evaluate("document.getElementById('video').muted = true")
        page.click("#btn-dgs")
        page.wait_for_function("document.getElementById('dgs-video').readyState >= 2",
                               timeout=30000)
        for label, start, rate in (("1x from 0:00", 0.0, 1.0), ("1.5x after a seek to 0:01", 1.0, 1.5)):
            page.evaluate(f"(() => {{ const v = document.getElementById('video'); v.pause();"
                          f" v.currentTime = {start}; v.playbackRate = {rate}; v.play(); }})()")
            time.sleep(1.0)
            samples = []
            t_end = time.monotonic() + min(play_s, (10 - start) / rate - 1.2)
            while time.monotonic() < t_end:
                samples.append(page.evaluate(diff))
                time.sleep(0.1)
            under = lambda x: sum(s < x for s in samples) / len(samples)  # noqa: E731
            print(f"sync {label}: {len(samples)} samples, max {max(samples) * 1000:.0f} ms, "
                  f"mean {sum(samples) / len(samples) * 1000:.0f} ms, "
                  f"< 100 ms {under(0.1):.0%}, < 40 ms {under(0.04):.0%}")
        browser.close()
    httpd.shutdown()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--play", type=float, default=8)
    args = ap.parse_args()
    print(f"machine: {platform.node()}, {os.cpu_count()} cores, load "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as d:
        bench_encode(Path(d), args.seconds)
        bench_sync(Path(d), args.play)
    print(f"load after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
