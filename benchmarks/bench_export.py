"""Export benchmark: one run, three wall-time ratios (lower is better).

    python benchmarks/bench_export.py [--seconds 20] [--preset veryfast] [--keep DIR]

Source: a generated 1920x1080 25 fps clip (testsrc2 + espeak-ng speech), so the default
ladder has all four rungs (1080p, 720p, 540p, 360p), encoded like an edited master would be
(H.264 High, CRF 14, high bitrate) rather than as a cheap-to-decode test file.

Each ratio is given for wall time and for CPU time (user + system of all child processes):
on a shared machine the wall-time figure moves with the other users' load, the CPU-time
figure much less.

1. ladder: the four rungs encoded by ONE ffmpeg process (decode once, `split`) against the
   same rungs as four separate ffmpeg runs, identical x264 settings, video only.
   Goal <= 0.85.
2. export: `casefilm export FILM` (a fresh workspace, nothing cached) against the
   equivalent hand-written ffmpeg commands: loudnorm pass 1; one process encoding the four
   rungs with loudness-normalised AAC into faststart MP4s plus the sprite sheet; a poster
   grab; ffmpeg's own fMP4 HLS segmenting of each rung (stream copy). The export does more
   than these: it scores poster candidates, hashes every artifact, and checks (and on this
   espeak-ng clip corrects) the encoded audio's true peak. Goal <= 1.05.
3. fast path: `casefilm export FILM` after a caption-only change against the full export.
   Goal <= 0.05.
4. description-only change: the film gets an audio description (tests/ad_fixture.py writes
   the describe stage's ad.json, AD mix and stem); after it is exported once, one
   description's text changes (new narration, new mix) and `casefilm export FILM` runs
   again: it encodes the AD mix's audio, re-muxes the top rung and the AD variant and
   writes text, but encodes no video. Against the full export of step 2, which had no AD
   to encode (so the ratio is if anything too high). Goal <= 0.1.
   `--ad-only` measures just this: the full export then already includes the AD track.

Speed figures depend on the machine and its load; the script prints both.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline import ffmpeg  # noqa: E402
from pipeline.audio import loudness  # noqa: E402
from pipeline.delivery import encode, ladder  # noqa: E402
from pipeline.delivery.model import EncodeSpec  # noqa: E402
from tests.ad_fixture import DESCRIPTIONS, write_ad  # noqa: E402
from tests.conftest import write_film  # noqa: E402
from tests.test_export_support import (CUES, FILM, make_clip, manifest, write_captions,  # noqa: E402
                                       write_chapters, write_programme)

FF = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]


def x264(r: ladder.Rung, preset: str) -> list[str]:
    """The ladder's x264 options of rung `r` as argv."""
    return [a for k, v in ladder.x264_options(r, preset).items() for a in (f"-{k}", v)]


CPU: dict[str, float] = {}


def timed(fn, name: str = "") -> float:
    """Wall seconds of fn(); its children's CPU seconds go to CPU[name]."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    fn()
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[name] = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return wall


def sh(argv) -> str:
    p = subprocess.run([str(a) for a in argv], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"failed: {' '.join(map(str, argv))}\n{p.stderr[-2000:]}")
    return p.stderr


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()
    ver = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.splitlines()[0]
    return (f"{platform.node()}: {cpu}, {os.cpu_count()} cores, {platform.system()} "
            f"{platform.release()}, load {load[0]:.2f}/{load[1]:.2f}, {ver.strip()[:40]}")


def casefilm(ws: Path, *args: str) -> str:
    env = {**os.environ, "CASEFILM_WORKSPACE": str(ws), "PYTHONPATH": str(REPO)}
    p = subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ws, env=env,
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"casefilm {' '.join(args)} failed:\n{p.stderr[-3000:]}")
    return p.stderr


def _description_change(ws: Path) -> float:
    """Change one description's text (the describe stage's outputs rewritten), re-export;
    wall seconds (CPU into CPU['desc']). Fails if the export encoded video."""
    changed = [DESCRIPTIONS[0], (DESCRIPTIONS[1][0], "Eine Tabelle mit Schichten erscheint.",
                                 *DESCRIPTIONS[1][2:])]
    write_ad(ws, FILM, changed)
    t = timed(lambda: casefilm(ws, "export", FILM), "desc")
    mf = json.loads((ws / "exports" / FILM / "manifest.json").read_text())
    assert mf["encode"]["reused"], "description-only re-export encoded video"
    assert "Schichten" in (ws / "exports" / FILM / "descriptions.vtt").read_text()
    return t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--preset", default="veryfast")
    ap.add_argument("--keep", type=Path, help="work in DIR and keep it")
    ap.add_argument("--ad-only", action="store_true",
                    help="only ratio 4 (description-only re-export / full export with AD)")
    a = ap.parse_args()
    work = a.keep or Path(tempfile.mkdtemp(prefix="bench-export-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    print(f"clip: {a.seconds:g} s 1920x1080 25 fps, x264 preset {a.preset}")

    ws = work / "ws"
    shutil.rmtree(ws, ignore_errors=True)
    raw = write_film(ws, FILM, manifest(rungs=ladder.DEFAULT_RUNGS, preset=a.preset)) / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    light = make_clip(work / "light.mp4", seconds=a.seconds, size="1920x1080")
    clip = raw / "main.mp4"
    sh([*FF, "-i", light, "-map", "0", "-c:v", "libx264", "-preset", "veryfast", "-crf", "14",
        "-profile:v", "high", "-pix_fmt", "yuv420p", "-g", "50", "-c:a", "copy", clip])
    light.unlink()
    write_programme(ws, FILM, clip, width=1920, height=1080, fps=25.0)
    write_captions(ws, FILM)
    write_chapters(ws, FILM)
    dur_ms = round(a.seconds * 1000)
    rungs = ladder.select_rungs(1920, 1080, 25.0)
    spec = EncodeSpec(media=str(clip), media_sha256="-", duration_ms=dur_ms, width=1920,
                      height=1080, fps=25.0, has_audio=True, rungs=rungs, preset=a.preset)

    if a.ad_only:
        write_ad(ws, FILM)
        t_full = timed(lambda: casefilm(ws, "export", FILM), "export")
        t_desc = _description_change(ws)
        print(f"4. description-only re-export / full  : {t_desc:7.2f} s / {t_full:7.2f} s = "
              f"{t_desc / t_full:.3f}  (goal <= 0.1)")
        print(f"   CPU time: {CPU['desc']:.1f}/{CPU['export']:.1f} = {CPU['desc'] / CPU['export']:.3f}")
        print(f"load after: {os.getloadavg()[0]:.2f}")
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
        return

    # 1. one process vs separate runs (video only, identical encoder settings)
    one = work / "one"
    sep = work / "sep"
    for d in (one, sep):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()
    t_one = timed(lambda: sh([*FF, *ffmpeg.graph_args(*encode.ladder_outputs(spec, one, extras=False))]),
                  "one")

    def separate():
        for r in rungs:
            sh([*FF, "-i", clip, "-vf", f"setsar=1,scale={r.width}:{r.height}:flags=lanczos,format=yuv420p",
                *x264(r, a.preset), "-an", "-f", "mp4", sep / f"video-{r.name}.mp4"])
    t_sep = timed(separate, "sep")

    # 2. our export vs the hand-written equivalent
    t_export = timed(lambda: casefilm(ws, "export", FILM), "export")
    hand = work / "hand"
    shutil.rmtree(hand, ignore_errors=True)
    hand.mkdir()

    def handwritten():
        err = sh(["ffmpeg", "-nostdin", "-hide_banner", "-i", clip, "-map", "0:a:0", "-af",
                  "aformat=channel_layouts=stereo,loudnorm=I=-16:TP=-1.5:LRA=11:print_format=json",
                  "-f", "null", "-"])
        m = loudness.parse_loudnorm(err)
        af = (f"aformat=channel_layouts=stereo,loudnorm=I=-16:TP=-1.5:LRA=11"
              f":measured_I={m.input_i}:measured_TP={m.input_tp}:measured_LRA={m.input_lra}"
              f":measured_thresh={m.input_thresh}:offset={m.target_offset}"
              f":linear=true:print_format=json,aresample=48000")
        n = len(rungs)
        graph = (f"[0:v]setsar=1,split={n + 1}" + "".join(f"[s{i}]" for i in range(n + 1)) + ";"
                 + ";".join(f"[s{i}]scale={r.width}:{r.height}:flags=lanczos,format=yuv420p[v{i}]"
                            for i, r in enumerate(rungs))
                 + f";[s{n}]fps=1/5,scale=160:90,tile=5x5[sp];[0:a]{af},asplit={n}"
                 + "".join(f"[a{i}]" for i in range(n)))
        args = [*FF, "-i", clip, "-filter_complex", graph]
        for i, r in enumerate(rungs):
            args += ["-map", f"[v{i}]", "-map", f"[a{i}]", *x264(r, a.preset),
                     "-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-movflags", "+faststart",
                     hand / f"{r.name}.mp4"]
        args += ["-map", "[sp]", "-q:v", "4", hand / "sprite-%03d.jpg"]
        sh(args)
        sh([*FF, "-ss", str(a.seconds / 2), "-i", hand / f"{rungs[1].name}.mp4", "-frames:v", "1",
            hand / "poster.jpg"])
        for r in rungs:
            (hand / r.name).mkdir()
            sh([*FF, "-i", hand / f"{r.name}.mp4", "-c", "copy", "-f", "hls", "-hls_time", "6",
                "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
                "-hls_segment_filename", hand / r.name / "seg_%05d.m4s", hand / r.name / "index.m3u8"])
    t_hand = timed(handwritten, "hand")

    # 3. caption-only change
    cues = [dict(c) for c in CUES]
    cues[0]["lines"] = ["Herzlich willkommen", "zu unserem Film."]
    write_captions(ws, FILM, cues)
    t_fast = timed(lambda: casefilm(ws, "export", FILM), "fast")
    mf = json.loads((ws / "exports" / FILM / "manifest.json").read_text())
    assert mf["encode"]["reused"], "caption-only re-export encoded video"

    # 4. description-only change (the AD added and exported once first)
    write_ad(ws, FILM)
    casefilm(ws, "export", FILM)
    t_desc = _description_change(ws)

    print(f"1. one-process ladder / separate runs : {t_one:7.2f} s / {t_sep:7.2f} s = "
          f"{t_one / t_sep:.3f}  (goal <= 0.85)")
    print(f"2. casefilm export / hand-written     : {t_export:7.2f} s / {t_hand:7.2f} s = "
          f"{t_export / t_hand:.3f}  (goal <= 1.05)")
    print(f"3. caption-only re-export / full      : {t_fast:7.2f} s / {t_export:7.2f} s = "
          f"{t_fast / t_export:.3f}  (goal <= 0.05)")
    print(f"4. description-only re-export / full  : {t_desc:7.2f} s / {t_export:7.2f} s = "
          f"{t_desc / t_export:.3f}  (goal <= 0.1)")
    c = CPU
    print(f"   CPU time: ladder {c['one']:.1f}/{c['sep']:.1f} = {c['one'] / c['sep']:.3f}; "
          f"export {c['export']:.1f}/{c['hand']:.1f} = {c['export'] / c['hand']:.3f}; "
          f"fast path {c['fast']:.1f}/{c['export']:.1f} = {c['fast'] / c['export']:.3f}; "
          f"descriptions {c['desc']:.1f}/{c['export']:.1f} = {c['desc'] / c['export']:.3f}")
    print(f"load after: {os.getloadavg()[0]:.2f}")
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
