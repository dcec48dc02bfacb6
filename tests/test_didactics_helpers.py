"""Helpers shared by the didactics tests: films with a stand-in programme (no media)."""

from __future__ import annotations

from pathlib import Path

import yaml

from pipeline.models import Programme, SourceSpan
from pipeline.runner import run_film, select_stages
from pipeline.stages.base import RunOptions
from pipeline.workspace import Workspace
from tests.conftest import write_film

CATALOGUE = {
    "name": "KI-Allianz Lernziele",
    "goals": [
        {"id": "LZ-ERKENNEN-1", "text": "Chancen und Risiken von KI im Betrieb einschätzen",
         "level": "bewerten", "dimension": "KI erkennen und bewerten",
         "audiences": ["Geschäftsführung", "Betriebsrat"]},
        {"id": "LZ-PLANUNG-1", "text": "Beschreiben, wie KI die Dienstplanung entlastet",
         "level": "verstehen", "dimension": "Einsatzplanung", "audiences": ["Führungskräfte"]},
        {"id": "LZ-BETEILIGUNG-1",
         "text": "Erklären, wie Beschäftigte und Betriebsrat bei der Einführung beteiligt werden",
         "level": "verstehen", "dimension": "Einführung", "audiences": ["Betriebsrat"]},
    ],
}


def manifest(**over) -> dict:
    m = {
        "title": "KI in der Dienstplanung",
        "organisation": "Pflegedienst Beispiel gGmbH",
        "industry": "Pflege",
        "learning_goals": [{"id": "LZ1", "text": "Benennen, welche Daten die Planung braucht",
                            "level": "erinnern"}],
        "speakers": [{"id": "anna", "name": "Anna Beispiel", "role": "Pflegedienstleitung"}],
        "sources": [{"id": "a", "file": "raw/a.mp4", "speaker": "anna"}],
        "chapters": [
            {"start": "00:00", "title": "Ausgangslage", "goals": ["LZ-ERKENNEN-1"]},
            {"start": "00:40", "title": "Dienstpläne mit KI", "goals": ["LZ-PLANUNG-1", "LZ1"],
             "summary": "Wie die Software Schichtwünsche berücksichtigt."},
            {"start": "01:30", "title": "Beteiligung & Betriebsrat",
             "goals": ["LZ-BETEILIGUNG-1"], "questions": ["Wer sollte wann beteiligt werden?"]},
        ],
    }
    m.update(over)
    return m


def write_programme(ws: Path, film_id: str, duration_ms: int) -> Path:
    """A stand-in for ingest's output: programme.json of `duration_ms` (no media behind it)."""
    cache = ws / ".casefilm" / "cache" / film_id
    cache.mkdir(parents=True, exist_ok=True)
    prog = Programme(film=film_id, media=str(cache / "programme.mp4"), media_sha256="0" * 64,
                     duration_ms=duration_ms, width=640, height=360, fps=25.0, has_audio=True,
                     asr_audio=None, sources=[],
                     spans=[SourceSpan(id="a", start=0, end=duration_ms, speaker="anna")])
    p = cache / "programme.json"
    p.write_text(prog.model_dump_json(), encoding="utf-8")
    return p


def make_film(ws: Path, film_id: str = "pflege", duration_ms: int = 150_000,
              catalogue: dict | None = CATALOGUE, **over) -> Path:
    if catalogue is not None:
        (ws / "projects").mkdir(parents=True, exist_ok=True)
        (ws / "projects" / "learning-goals.yaml").write_text(
            yaml.safe_dump(catalogue, allow_unicode=True, sort_keys=False), encoding="utf-8")
    d = write_film(ws, film_id, manifest(**over))
    write_programme(ws, film_id, duration_ms)
    return d


def run_chapters(ws: Path, film_id: str = "pflege", force: bool = False):
    """Run only the chapters stage in-process; returns (outcome, messages)."""
    msgs: list[str] = []
    w = Workspace.resolve(ws)
    out = run_film(w.film(film_id), RunOptions(report=msgs.append),
                   select_stages(only="chapters"), {"chapters"} if force else set())
    return out, msgs


# --- a synthetic transcript: three topic blocks with known boundaries and goals ----------

TOPIC_GOALS = {
    "LZ-PLANUNG-1": "Beschreiben, wie KI die Dienstplanung entlastet",
    "LZ-BETEILIGUNG-1": "Erklären, wie Beschäftigte und Betriebsrat bei der Einführung "
                        "beteiligt werden",
    "LZ-RECRUITING-1": "Beschreiben, wie KI Bewerbungen vorsortiert und das Recruiting "
                       "beschleunigt",
    "LZ-ERKENNEN-1": "Chancen und Risiken von KI im Betrieb einschätzen",  # distractor
}

BLOCKS = {
    "LZ-PLANUNG-1": [
        "Früher hat unsere Pflegedienstleitung jeden Monat zwei Tage an den Dienstplänen gesessen.",
        "Heute schlägt die Software einen Dienstplan vor, der die Schichtwünsche berücksichtigt.",
        "Die Planung der Nachtschichten war immer das Schwierigste.",
        "Wer hat wann frei, wer kann einspringen, wer hat zu viele Wochenenden.",
        "Das System rechnet die Einsatzplanung in wenigen Minuten durch.",
        "Wir prüfen den Vorschlag und ändern einzelne Schichten von Hand.",
        "Die Dienstplanung ist dadurch fairer geworden, sagen die Kolleginnen.",
        "Kurzfristige Ausfälle plant die Software sofort neu ein.",
        "So bleibt der Leitung mehr Zeit für die Pflege selbst.",
    ],
    "LZ-BETEILIGUNG-1": [
        "Bevor wir angefangen haben, haben wir den Betriebsrat von Anfang an eingebunden.",
        "Es gab Sorgen vor Überwachung und Leistungskontrolle durch die Software.",
        "Wir haben eine Betriebsvereinbarung zum Datenschutz abgeschlossen.",
        "Darin steht, welche Daten verarbeitet werden und welche nicht.",
        "Die Beschäftigten konnten in Workshops ihre Fragen stellen.",
        "Einige Kolleginnen haben die Einführung als Testgruppe begleitet.",
        "Der Betriebsrat hat jede Auswertung vorher gesehen und zugestimmt.",
        "Diese Beteiligung hat viel Vertrauen geschaffen.",
        "Ohne die Mitbestimmung wäre die Einführung gescheitert.",
    ],
    "LZ-RECRUITING-1": [
        "Das zweite Projekt betrifft das Recruiting neuer Pflegekräfte.",
        "Wir bekommen viele Bewerbungen, oft unvollständig und per Mail.",
        "Die KI sortiert die Bewerbungen vor und fragt fehlende Unterlagen nach.",
        "Bewerberinnen bekommen innerhalb eines Tages eine Antwort.",
        "Früher hat das manchmal drei Wochen gedauert.",
        "Die Entscheidung über ein Vorstellungsgespräch trifft weiter ein Mensch.",
        "Seitdem besetzen wir offene Stellen deutlich schneller.",
        "Gerade Fachkräfte aus dem Ausland profitieren von den schnellen Rückmeldungen.",
        "Das Recruiting ist für uns planbarer geworden.",
    ],
}
QUESTIONS = ["Wie hat das konkret funktioniert?", "Was war dabei die größte Hürde?",
             "Wie haben die Kolleginnen reagiert?"]


def synthetic_transcript(seed: int = 0, *, speaker_changes: bool = True,
                         boundary_pause_ms: tuple[int, int] = (1500, 2500),
                         inner_pause_ms: tuple[int, int] = (300, 1600)):
    """A Transcript of three topic blocks (planning, participation, recruiting), in that
    order, each 9 sentences with one interviewer question inside (a speaker change that is
    NOT a chapter boundary) and pauses up to 1.6 s inside blocks.

    Returns (transcript, true_starts_ms, true_goal_ids, duration_ms). Words last 300–450 ms;
    `seed` varies word lengths, pauses and where the question falls.
    """
    import random

    from pipeline.models import Provenance, Segment, Transcript, Word

    rnd = random.Random(seed)
    t, segs, starts, goals = 800, [], [], []
    speakers = ["anna", "ben", "anna"]
    for b, (goal, sentences) in enumerate(BLOCKS.items()):
        if b:
            t += rnd.randint(*boundary_pause_ms)
        starts.append(t)
        goals.append(goal)
        q_at = rnd.randint(2, len(sentences) - 2)
        lines = [(s, speakers[b]) for s in sentences]
        if speaker_changes:
            lines.insert(q_at, (rnd.choice(QUESTIONS), "int"))
        for k, (sentence, spk) in enumerate(lines):
            if k:
                t += rnd.randint(*inner_pause_ms)
            words = []
            for w in sentence.split():
                d = rnd.randint(300, 450)
                words.append(Word(start=t, end=t + d - 40, text=w))
                t += d
            segs.append(Segment(id=len(segs), start=words[0].start, end=words[-1].end,
                                text=" ".join(w.text for w in words), words=words,
                                speaker=spk if speaker_changes else None))
    duration = t + 1500
    tr = Transcript(film="synth", duration_ms=duration, segments=segs,
                    provenance=Provenance(backend="test"))
    return tr, starts, goals, duration


def topic_goals():
    from pipeline.models import LearningGoal

    return [LearningGoal(id=k, text=v) for k, v in TOPIC_GOALS.items()]
