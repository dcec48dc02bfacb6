"""Benchmark: which espeak-ng settings make the demo's German speech recognisable.

    nice python benchmarks/bench_demo_voices.py [--model CT2_DIR] [--backend faster-whisper]
                                                [--stage 1|2|all]

Every candidate speaks **all** of the demo's sentences (both interviews' scripts from
`pipeline.demo.CLIPS`, 9 sentences, 67 words), rendered by `pipeline.demo.speak` exactly
as the demo renders a clip, decoded to 16 kHz mono and transcribed through
`pipeline.asr.transcribe_file` with the demo film's own settings (language de, its
glossary, temperature 0, hallucination skip off, greedy, VAD decoding and onset
refinement) by the bundled Whisper base. Word error rate after `wer_de.normalise`.

Stage 1 compares voice variants at 150 words/min without extra pauses; stage 2 takes the
best female and the best male variant of stage 1 and varies rate (words/min), the pause
between sentences (ms) and the gap between words (espeak -g). The figures, not taste,
choose `pipeline.demo.VOICES` (docs/asr.md, "The demo's voices"). Not a test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_asr_de import bundled_model_dir, load_average, machine  # noqa: E402
from pipeline import asr, demo, ffmpeg  # noqa: E402
from wer_de import errors  # noqa: E402

# variant names are file names in espeak-ng-data/voices/!v and case-sensitive: an unknown
# one ("de+Boris") silently falls back to the plain voice
FEMALE = ["de+Annie", "de+f2", "de+f3", "de+f4", "de+f5", "de+anika", "de+linda", "de+Alicia"]
MALE = ["de", "de+boris", "de+m2", "de+m3", "de+m5", "de+m7", "de+Andy", "de+max"]
# stage 2: (rate in words/min, pause between sentences in ms, espeak -g gap in 10 ms units)
SETTINGS = [(rate, pause, 0) for rate in (130, 150, 170) for pause in (0, 600)] + [(150, 600, 3)]

SCRIPT = " ".join(text for *_, text in demo.CLIPS)
GLOSSARY = ("Dienstplan", "Pflegedienstleitung", "Betriebsrat", "Betriebsvereinbarung", "KI")


def measure(voice: demo.Voice, loaded, tmp: Path) -> tuple[float, str, float]:
    """(WER, transcript, speech seconds) of the demo script spoken with `voice`."""
    raw, wav = tmp / "speech.wav", tmp / "asr.wav"
    demo.speak(raw, voice, SCRIPT)
    ffmpeg.run(["-i", raw, "-af", "apad=pad_dur=0.5", "-ac", "1", "-ar", "16000",
                "-c:a", "pcm_s16le", "-f", "wav", wav])
    n, rate = asr.audio.frames(wav)
    params = asr.AsrParams(language="de", glossary=GLOSSARY, temperature=(0.0,),
                           hallucination_silence_threshold=None)
    t, _ = asr.transcribe_file(wav, params, loaded, film="voices",
                               duration_ms=round(n / rate * 1000), model_desc="base")
    text = " ".join(s.text for s in t.segments)
    return errors(SCRIPT, text).wer, text, n / rate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path)
    ap.add_argument("--backend", default="faster-whisper")
    ap.add_argument("--compute-type", default="float32")
    ap.add_argument("--stage", default="all", choices=["1", "2", "all"])
    ap.add_argument("--female", default=None, help="stage 2 only: this female variant")
    ap.add_argument("--male", default=None, help="stage 2 only: this male variant")
    ap.add_argument("--voices", nargs="*", help="stage 1 only: just these variants")
    a = ap.parse_args()
    print(f"machine: {machine()}")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average "
          f"{load_average()}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model_dir = a.model or bundled_model_dir()
        ctype = a.compute_type if a.backend == "faster-whisper" else None
        loaded = asr.load_model(asr.ModelSpec(str(model_dir), "base", a.backend, ctype))
        print(f"model {model_dir}, {a.backend} {loaded.compute_type}; script "
              f"{len(demo.sentences(SCRIPT))} sentences, {len(SCRIPT.split())} words")
        best: dict[str, tuple[float, str]] = {}
        if a.stage in ("1", "all"):
            print("\nstage 1: voice variants, 150 words/min, no extra pauses")
            for group, names in (("female", FEMALE), ("male", MALE)):
                for name in [n for n in names if not a.voices or n in a.voices]:
                    w, text, s = measure(demo.Voice(name, 150), loaded, tmp)
                    print(f"  {name:<12} WER {w:6.1%}  ({s:.1f} s)  {text}", flush=True)
                    if group not in best or w < best[group][0]:
                        best[group] = (w, name)
        female = a.female or best.get("female", (0, "de+Annie"))[1]
        male = a.male or best.get("male", (0, "de+Boris"))[1]
        if a.stage in ("2", "all"):
            for name in (female, male):
                print(f"\nstage 2: {name}: rate (words/min) x sentence pause (ms) x word gap")
                for rate, pause, gap in SETTINGS:
                    w, text, s = measure(demo.Voice(name, rate, gap, pause), loaded, tmp)
                    print(f"  rate {rate} pause {pause:>3} gap {gap}  WER {w:6.1%}  "
                          f"({s:.1f} s)  {text}", flush=True)
        print(f"\nload average at the end: {load_average()}")


if __name__ == "__main__":
    main()
