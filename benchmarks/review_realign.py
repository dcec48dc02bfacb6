"""How long realignment and a review save take for a long film.

    python benchmarks/review_realign.py [MINUTES]

Builds a synthetic transcript of MINUTES (default 60) minutes at 150 words/min in
segments of 15 words, edits 5 % of the words (replace/insert/delete) and one split, and
prints the time of `realign` and of a full `service.save_edit` (read, realign, write a
revision). The review page autosaves a few seconds after typing stops; a save should
stay well under a second so the editor never waits.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml  # noqa: E402

from pipeline import transcripts  # noqa: E402
from pipeline.models import Provenance, Segment, Transcript, Word  # noqa: E402
from pipeline.review import service  # noqa: E402
from pipeline.review.realign import edits_of, realign  # noqa: E402
from pipeline.workspace import Workspace  # noqa: E402


def synthetic(minutes: int, seed: int = 1) -> Transcript:
    rnd = random.Random(seed)
    vocab = ("die der das und KI Pflege Dienstplan Schicht Team planen wir haben mit "
             "Betriebsrat Fachkräfte Einsatz gut neu sehr auch").split()
    n = minutes * 150
    words = [Word(start=i * 400, end=i * 400 + 320, text=rnd.choice(vocab), probability=rnd.random())
             for i in range(n)]
    segs = [Segment(id=k, start=words[i].start, end=words[min(i + 14, n - 1)].end,
                    text=" ".join(w.text for w in words[i:i + 15]), words=words[i:i + 15])
            for k, i in enumerate(range(0, n, 15))]
    return Transcript(film="bench", duration_ms=n * 400 + 1000, segments=segs,
                      provenance=Provenance(backend="synthetic"))


def main() -> None:
    minutes = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    t = synthetic(minutes)
    one = edits_of(t)
    one[len(one) // 2].text = one[len(one) // 2].text.replace(" ", " Korrektur ", 1)
    t0 = time.perf_counter()
    realign(t, one)
    print(f"realign: {minutes} min, one word inserted (a typical autosave): "
          f"{(time.perf_counter() - t0) * 1000:.0f} ms")
    rnd = random.Random(2)
    edits = edits_of(t)
    for e in edits:
        toks = e.text.split()
        for j in range(len(toks)):
            r = rnd.random()
            if r < 0.02:
                toks[j] = "Korrektur"
            elif r < 0.035:
                toks[j] += " eingefügt"
            elif r < 0.05:
                toks[j] = ""
        e.text = " ".join(x for x in toks if x)
    t0 = time.perf_counter()
    out = realign(t, edits)
    dt = time.perf_counter() - t0
    print(f"realign: {minutes} min, {len(t.words)} words, {len(t.segments)} segments, 5 % edited: "
          f"{dt * 1000:.0f} ms ({len(out)} segments out)")
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        (root / "projects" / "bench").mkdir(parents=True)
        (root / "projects" / "bench" / "film.yaml").write_text(
            yaml.safe_dump({"title": "Bench", "master": "raw/x.mp4"}), encoding="utf-8")
        film = Workspace.resolve(root).film("bench")
        transcripts.write_machine(film, t)
        t0 = time.perf_counter()
        service.save_edit(film, base=0, edits=edits, editor="Bench")
        dt = time.perf_counter() - t0
        size = transcripts.current_path(film).stat().st_size
        print(f"save_edit (read + realign + write revision of {size / 1e6:.1f} MB): {dt * 1000:.0f} ms")


if __name__ == "__main__":
    main()
