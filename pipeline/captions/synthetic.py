"""A synthetic German interview transcript with word timings, for tests and the benchmark.

`interview(minutes, seed)` returns a transcript of two speakers (interviewer `anna`, guest
`ben`) with long compounds, numbers, short replies, a music and a sound event; words are
timed from a speaking rate in characters per second (spaces counted). Passages alternate
between normal speech (11–14 chars/s) and fast speech (21–26 chars/s); `fast` lists the
fast spans in ms. Cuts come every 2.5–6 s. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..models import Provenance, Segment, Transcript, Word

QUESTIONS = [
    "Wie hat das Team auf die neue Arbeitszeiterfassungssoftware reagiert?",
    "Was würden Sie anderen Einrichtungen raten?",
    "Frau Beispiel, wie viele Stunden sparen Sie pro Woche?",
    "Welche Rolle spielt der Betriebsrat bei der Einführung?",
    "Wie lange hat die Umstellung insgesamt gedauert?",
    "Und wie reagieren die Auszubildenden darauf?",
]

ANSWERS = [
    "Wir haben die Dienstplanung im vergangenen Jahr vollständig digitalisiert.",
    "Die Fachkräftesicherung ist für unseren Pflegedienst inzwischen eine Überlebensfrage.",
    "Seit 2021 arbeiten bei uns 48 Pflegekräfte in drei Schichten.",
    "Die Software schlägt jeden Montag einen Dienstplan vor, und die Teamleitung prüft ihn.",
    "Früher hat das Erstellen des Dienstplans zwölf Stunden gedauert, heute sind es noch zwei.",
    "Der Betriebsrat war von Anfang an in die Einführung eingebunden.",
    "Unsere Mitarbeiterinnen und Mitarbeiter können ihre Wunschdienste direkt in der App "
    "eintragen.",
    "Das Krankenhausstrukturgesetz und die Personaluntergrenzenverordnung machen die Planung "
    "nicht einfacher.",
    "Am Anfang gab es natürlich Skepsis, aber nach vier Wochen wollte niemand mehr zurück.",
    "Wir sparen etwa 15 Prozent der Überstunden, das sind rund 3.000 Stunden im Jahr.",
    "Die künstliche Intelligenz ersetzt keine Pflegefachkraft, sie entlastet uns bei der "
    "Verwaltung.",
    "Fangen Sie klein an und nehmen Sie die Beschäftigten von Anfang an mit.",
    "Ohne eine gründliche Datenschutzfolgenabschätzung hätten wir das Projekt nicht starten "
    "dürfen.",
    "Ungefähr sechs Stunden, die ich jetzt für Gespräche mit meinem Team nutze.",
    "Die Ausbildungsvergütung haben wir gleichzeitig um 120 Euro erhöht.",
    "Bei der Einführung der Software haben wir gemeinsam mit dem Betriebsrat, der "
    "Qualitätsbeauftragten und zwei externen Beraterinnen ein Schulungskonzept entwickelt, "
    "das inzwischen auch von anderen Pflegediensten in der Region übernommen wird.",
    "Das hat ungefähr sechs Monate gedauert.",
    "Die Auszubildenden waren am schnellsten begeistert, weil sie ihre Dienste selbst "
    "tauschen können.",
]

SHORT = ["Ja.", "Genau.", "Das stimmt.", "Richtig."]


@dataclass
class SynthFilm:
    transcript: Transcript
    cuts: list[int]  # ms
    fast: list[tuple[int, int]]  # spans of fast speech, ms
    duration_ms: int


def _words(sentence: str, t: int, rate: float, rng: random.Random) -> tuple[list[Word], int]:
    out = []
    for w in sentence.split():
        slot = (len(w) + 1) / rate * 1000 * rng.uniform(0.9, 1.1)
        end = t + max(60, round(slot * 0.88))
        out.append(Word(start=t, end=end, text=w, probability=round(rng.uniform(0.6, 1), 2)))
        t = t + round(slot)
    return out, t


def interview(minutes: float = 5, seed: int = 7, film: str = "synth") -> SynthFilm:
    rng = random.Random(seed)
    limit = round(minutes * 60_000)
    segments: list[Segment] = []
    fast: list[tuple[int, int]] = []
    t = 600
    segments.append(Segment(id=0, start=0, end=2400, text="Musik", kind="sound"))
    t = 2600
    turn = 0
    fast_mode = False
    while t < limit - 8000:
        # a passage: a question and an answer of 1–4 sentences, normal or fast
        if turn % 3 == 2:
            fast_mode = not fast_mode
        rate_lo, rate_hi = (21.0, 26.0) if fast_mode else (11.0, 14.0)
        passage_start = t
        items = [("anna", rng.choice(QUESTIONS))]
        if rng.random() < 0.3:
            items.append(("ben", rng.choice(SHORT)))
        items += [("ben", rng.choice(ANSWERS)) for _ in range(rng.randint(1, 4))]
        if rng.random() < 0.25:
            items.append(("anna", rng.choice(SHORT)))
        prev_spk = None
        for spk, sentence in items:
            t += rng.randint(350, 800) if spk != prev_spk else rng.randint(120, 450)
            words, t_end = _words(sentence, t, rng.uniform(rate_lo, rate_hi), rng)
            segments.append(Segment(id=len(segments), start=words[0].start, end=words[-1].end,
                                    text=sentence, words=words, speaker=spk))
            t = t_end
            prev_spk = spk
        if fast_mode:
            fast.append((passage_start, t))
        turn += 1
        if turn % 7 == 0:
            t += 500
            segments.append(Segment(id=len(segments), start=t, end=t + 1800,
                                    text="Telefon klingelt", kind="sound"))
            t += 2300
    duration = t + 1500
    cuts = []
    c = rng.randint(2500, 6000)
    while c < duration - 1000:
        cuts.append(c)
        c += rng.randint(2500, 6000)
    tr = Transcript(film=film, language="de", duration_ms=duration, segments=segments,
                    provenance=Provenance(backend="synthetic", status="auto",
                                          created_at="2026-01-01T00:00:00+00:00"))
    return SynthFilm(tr, cuts, fast, duration)
