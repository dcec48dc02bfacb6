"""Rough-cut benchmark: render time against the cut's duration (lower is better).

    python benchmarks/bench_cut.py [--minutes 5] [--height 720] [--keep DIR] [--no-captions]

Sources: three generated 1920x1080 25 fps interview-like clips (testsrc2 / smptebars /
testsrc pictures, each with a tone), H.264 High CRF 18 with a 2 s GOP like camera or
NLE files, long enough that the selects come from all over each file. The edit: selects of
8–12 s taken in turn from the three sources until the cut is `--minutes` long, each with
word timings (a word every 380 ms) and a speaker, so the cut gets a title card, three
lower thirds and (unless --no-captions) burned-in captions.

Reported, for wall time and CPU time (user + system of this process and its children;
the machine is shared, so CPU time is the steadier figure):

1. total: `roughcut.render` (probe, caption cues, moviepy overlay states, one ffmpeg
   process), as a ratio to the cut's duration. Goal <= 1.0 (no slower than real time).
2. the split: moviepy composing the overlay states; the ffmpeg process; and the same
   ffmpeg graph with the encoder replaced by `-f null` (decode, trim, scale, join,
   crossfade, overlay — no x264/AAC), so encode = (1) − (null graph). That names what
   dominates.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import ffmpeg as ffmpeg_python  # noqa: E402

from pipeline import ffmpeg  # noqa: E402
from pipeline.captions.profiles import PROFILES  # noqa: E402
from pipeline.compose import graph, layers, roughcut  # noqa: E402
from pipeline.compose.layout import layout  # noqa: E402
from pipeline.compose.model import Shot, Timeline, TimedWord  # noqa: E402
from pipeline.manifest import Speaker  # noqa: E402

FF = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
SOURCES = [("anna", "testsrc2", 440), ("ben", "smptebars", 550), ("cem", "testsrc", 660)]
SPEAKERS = {"anna": Speaker(id="anna", name="Anna Beispiel", role="Pflegedienstleitung"),
            "ben": Speaker(id="ben", name="Ben Muster", role="Betriebsrat"),
            "cem": Speaker(id="cem", name="Cem Yilmaz", role="Auszubildender")}
TEXT = ("Wir haben den Dienstplan früher jede Woche von Hand gebaut und das hat viele "
        "Stunden gekostet heute schlägt das System einen Plan vor und wir prüfen ihn gemeinsam "
        "im Team der Betriebsrat war von Anfang an dabei").split()


def cpu() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def make_source(out: Path, picture: str, freq: int, seconds: int) -> Path:
    if out.exists():
        return out
    size = "size=1920x1080:rate=25"
    subprocess.run([*FF, "-f", "lavfi", "-i", f"{picture}={size}:duration={seconds}",
                    "-f", "lavfi", "-i", f"sine=frequency={freq}:sample_rate=48000:duration={seconds}",
                    "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-g", "50",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "192k", "-t", str(seconds),
                    str(out)], check=True)
    return out


def edit(paths: list[Path], minutes: float, source_s: int) -> Timeline:
    items, total, k = [], 0, 0
    lengths = [8000, 10000, 12000, 9000, 11000]
    while total < minutes * 60_000:
        speaker = SOURCES[k % 3][0]
        length = lengths[k % len(lengths)]
        src_in = (k * 37_000 + 3000) % (source_s * 1000 - length - 1000)
        words = [TimedWord(text=TEXT[(k * 7 + i) % len(TEXT)], start_ms=src_in + 200 + i * 380,
                           end_ms=src_in + 200 + i * 380 + 300, speaker=speaker)
                 for i in range((length - 400) // 380)]
        items.append(Shot(select=k + 1, source_id=speaker, source_path=str(paths[k % 3]),
                          src_in_ms=src_in, src_out_ms=src_in + length, words=words,
                          speaker=speaker))
        total += length
        k += 1
    return Timeline(film="bench", title="KI in der Dienstplanung",
                    organisation="Pflegedienst Beispiel gGmbH", items=items)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--height", type=int, default=720)
    ap.add_argument("--keep", type=Path, help="keep (and reuse) the generated sources here")
    ap.add_argument("--no-captions", action="store_true")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-cut-"))
    work.mkdir(parents=True, exist_ok=True)
    source_s = max(180, int(args.minutes * 60 / 2))
    t = time.monotonic()
    paths = [make_source(work / f"{name}.mp4", pic, f, source_s) for name, pic, f in SOURCES]
    print(f"sources: 3 × {source_s} s 1920x1080 H.264 ({time.monotonic() - t:.0f} s to make)")
    tl = edit(paths, args.minutes, source_s)
    profile = None if args.no_captions else PROFILES["de-web"]

    c0, w0 = cpu(), time.monotonic()
    r = roughcut.render(tl, work / "roughcut.mp4", speakers=SPEAKERS, profile=profile,
                        height=args.height)
    wall, cpu_s = time.monotonic() - w0, cpu() - c0
    dur = r.duration_ms / 1000

    # the same graph without the encoders: decode, trim, scale, join, crossfade, overlay
    lay = layout(tl)
    w, h = roughcut.size_for(args.height)
    style = layers.Style((w, h))
    with tempfile.TemporaryDirectory() as tmp:
        ovl = roughcut.overlays(lay, style, SPEAKERS, r.cues)
        concat = layers.rasterise(ovl, style, lay.fps, lay.frames, Path(tmp))
        video, audio = graph.streams(lay, graph.Picture(w, h), graph.probe_sources(lay), concat)
        c1, w1 = cpu(), time.monotonic()
        ffmpeg.run_graph(ffmpeg_python.output(video, audio, "-", f="null"))
        null_wall, null_cpu = time.monotonic() - w1, cpu() - c1

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"{ffmpeg.version()}; load average {os.getloadavg()[0]:.1f}")
    print(f"cut: {dur:.1f} s, {len(tl.items)} selects from 3 sources, {r.width}x{r.height}, "
          f"{len(r.cues)} captions, {r.lower_thirds} lower thirds, {r.states} overlay states")
    print(f"total render: wall {wall:.1f} s = {wall / dur:.3f} × real time; "
          f"CPU {cpu_s:.1f} s = {cpu_s / dur:.3f} × (goal: wall ≤ 1.0)")
    print(f"  moviepy overlay states: wall {r.seconds_overlay:.1f} s "
          f"({r.seconds_overlay / wall * 100:.0f} %)")
    print(f"  ffmpeg process: wall {r.seconds_encode:.1f} s "
          f"({r.seconds_encode / wall * 100:.0f} %)")
    print(f"  of which decode+filters+overlay (null output): wall {null_wall:.1f} s, "
          f"CPU {null_cpu:.1f} s; so x264/AAC encode ≈ wall {r.seconds_encode - null_wall:.1f} s")


if __name__ == "__main__":
    main()
