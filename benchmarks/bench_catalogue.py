"""Benchmark: the catalogue's search for a whole series, from file:// in Chromium.

    python benchmarks/bench_catalogue.py [FILMS] [MINUTES]     (default 12 films × 60 min)

Makes FILMS films of MINUTES of synthetic German speech each (130 words/min from a
vocabulary of about 2,000 inflected forms, sentences of 6–18 words, one word per 460 ms),
turns them into the catalogue's search documents (`collect.sentences`, as a build does),
builds the lunr index with node (`search.build_index`), renders the site
(`site.render`) into a temporary folder and opens it from file:// in headless Chromium.
Prints the machine and load, then: documents, index build time, size of
search-index.js, time until the search form is ready (index parsed and loaded) and the
time of three queries. Not a test. Measured (docs/catalogue.md): 12 × 60 min, load 28 on
2 cores: index 22.6 s, search-index.js 5.7 MB, ready from file:// in 4.9 s, queries 4–8 ms.
"""

from __future__ import annotations

import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.catalogue import collect, search, site  # noqa: E402
from pipeline.catalogue.model import FilmEntry, SearchDoc  # noqa: E402
from pipeline.models import Provenance, Segment, Transcript, Word  # noqa: E402

STEMS = ["Dienstplan", "Schicht", "Pflegekraft", "Betrieb", "Auszubildend", "Einarbeitung",
         "Assistent", "Werkstatt", "Maschine", "Verwaltung", "Antrag", "Bürger", "Lager",
         "Kommission", "Lieferung", "Kunde", "Beratung", "Qualität", "Fehler", "Zeit",
         "Wissen", "Kollege", "Meister", "Leitung", "Betriebsrat", "Vereinbarung", "Daten",
         "Schnittstelle", "System", "Vorschlag", "Planung", "Prüfung", "Team", "Woche",
         "Stunde", "Arbeit", "Ausbildung", "Prozess", "Sprache", "Frage", "Antwort"]
SUFFIXES = ["", "e", "en", "er", "es", "s", "n", "ung", "ungen", "lich", "liche", "lichen"]
FILLER = ["und", "die", "der", "das", "wir", "haben", "mit", "für", "jetzt", "noch", "nicht",
          "auch", "sehr", "viel", "mehr", "weniger", "schneller", "besser", "heute", "früher",
          "dann", "wenn", "weil", "dass", "unsere", "ihre", "eine", "einen", "zwei", "drei"]


def vocabulary(rng: random.Random) -> list[str]:
    words = [s + x for s in STEMS for x in SUFFIXES]
    words += [f"{rng.choice(STEMS)}{rng.choice(STEMS).lower()}" for _ in range(1500)]
    return words


def transcript(film: str, minutes: float, rng: random.Random, vocab: list[str]) -> Transcript:
    t, segs, end = 0, [], int(minutes * 60_000)
    while t < end:
        n = rng.randint(6, 18)
        words = []
        for i in range(n):
            w = rng.choice(FILLER) if rng.random() < 0.45 else rng.choice(vocab)
            words.append(Word(start=t, end=t + 380, text=w + ("." if i == n - 1 else "")))
            t += 460
        segs.append(Segment(id=len(segs), start=words[0].start, end=words[-1].end,
                            text=" ".join(w.text for w in words), words=words))
    return Transcript(film=film, duration_ms=end, segments=segs,
                      provenance=Provenance(backend="bench"))


def main(films: int, minutes: float) -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser import ARGS, CHROMIUM

    print(f"machine: {os.cpu_count()} cores, {platform.platform()}, "
          f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rng = random.Random(20)
    vocab = vocabulary(rng)
    entries, docs = [], []
    for i in range(films):
        fid = f"film-{i + 1:02d}"
        entries.append(FilmEntry(id=fid, title=f"Film {i + 1}", language="de",
                                 duration_ms=int(minutes * 60_000), exported_at="2026-01-01",
                                 poster=None, video="media/x.mp4", captions="auto",
                                 audio_description=False, ad_draft=False))
        for _, text, offsets in collect.sentences(transcript(fid, minutes, rng, vocab), {}):
            docs.append(SearchDoc(ref=str(len(docs)), film=fid, kind="transcript",
                                  label="Transkript", text=text, at=offsets[0][1],
                                  words=offsets))
    words = sum(len(d.words or []) for d in docs)
    print(f"{films} films × {minutes:g} min: {len(docs)} sentences, {words} words")
    t0 = time.perf_counter()
    search.build_index(docs)
    print(f"index build (node): {time.perf_counter() - t0:.2f} s")
    t0 = time.perf_counter()
    files = site.render(entries, docs)  # builds the index again, as a real build does
    print(f"site render incl. index: {time.perf_counter() - t0:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "catalogue"
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
        size = (root / "assets/search-index.js").stat().st_size
        print(f"search-index.js: {size / 1e6:.1f} MB")
        with sync_playwright() as pw:
            b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = b.new_page()
            t0 = time.perf_counter()
            page.goto((root / "index.html").as_uri())
            page.wait_for_function("!document.getElementById('search').hidden", timeout=120000)
            print(f"page ready with index (file://): {time.perf_counter() - t0:.2f} s")
            for q in ("Dienstpläne", "Einarbeitung Assistenten", "Qualität Prüfung Team"):
                ms = page.evaluate("""(q) => { document.getElementById('q').value = q;
                    const t = performance.now(); window.casefilmCatalogueSearch.update();
                    return performance.now() - t; }""", q)
                print(f"query {q!r}: {ms:.0f} ms, "
                      f"{page.inner_text('#result-count')}")
            b.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 12,
         float(sys.argv[2]) if len(sys.argv) > 2 else 60)
