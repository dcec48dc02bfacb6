"""Shared fixtures of the catalogue tests (no tests here).

`catalogue_ws(root)` builds a workspace with two tiny exported films whose upstream
outputs are written by hand to their contracts (programme, captions, chapters,
transcripts), exported with one 234p rung at preset veryfast (`casefilm export`), and
returns it. What the films say, and where:

- FILM_A "ki-pflege" (sector gesundheit, chain einsatzplanung + arbeitsalltag): machine
  transcript; the word "Dienstplan" is spoken only here, at WORD_MS; its case has an
  effect at 00:02, in chapter 1.
- FILM_B "ki-handwerk" (sector handwerk, chain einarbeitung): a reviewed revision on top
  of its machine transcript; the word "Auszubildende" only here, at UNIQUE_B_MS; the
  revision holds the line XSS_LINE (markup that must be shown, never run); its title
  holds "</script>" (JSON-LD must not break out).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import media
from tests.conftest import casefilm, speech_transcript, write_film
from tests.test_export_support import write_captions, write_programme

FILM_A, FILM_B = "ki-pflege", "ki-handwerk"
DURATION_S = 6
XSS_LINE = "<img src=x onerror=window.__xss=1> Das ist Text."
TITLE_B = "Einarbeitung im Handwerk </script><script>window.__xss2=1</script>"

# (speaker, start ms, text): each word 180 ms long, one every 220 ms
SPEECH_A = [("anna", 300, "Früher dauerte die Planung zwei Arbeitstage."),
            ("anna", 2500, "Heute schlägt eine KI den Dienstplan vor.")]
WORD_MS = 2500 + 5 * 220  # "Dienstplan" is the sixth word of the second sentence
SPEECH_B_ASR = [("meister", 300, "Neue Leute lernen mit einem Assistenten."),
                ("meister", 2500, "Die Einarbeitung dauert drei Wochen.")]
SPEECH_B = [("meister", 300, "Neue Auszubildende lernen mit einem digitalen Assistenten."),
            ("meister", 2500, "Die Einarbeitung dauert nur noch drei Wochen."),
            ("meister", 4200, XSS_LINE)]
UNIQUE_B_MS = 300 + 1 * 220  # "Auszubildende", the second word

CASE_A = {
    "chain": ["einsatzplanung", "arbeitsalltag"], "sector": "gesundheit", "size": 48,
    "region": "Reutlingen",
    "ai_use": "Der Dienstplan wird aus Verfügbarkeiten und Wünschen vorgeschlagen.",
    "effects": [{"kind": "zeit", "text": "Dienstplanung: zwei Arbeitstage → drei Stunden pro Woche",
                 "at": "00:02"}],
    "conditions": {"organisation": ["Betriebsvereinbarung vor der Einführung"],
                   "technik": [{"text": "Schnittstelle zur Zeiterfassung", "at": "00:04"}],
                   "kultur": ["Pflegekräfte planen ihre Wünsche selbst ein"]},
    "transfer": "Übertragbar auf Betriebe mit Schichtarbeit ab etwa 20 Beschäftigten.",
}
CASE_B = {
    "chain": ["einarbeitung"], "sector": "handwerk", "size": 12, "region": "Tübingen",
    "ai_use": {"text": "Ein Sprachassistent beantwortet Fragen neuer Leute.", "at": "00:01"},
    "effects": [{"kind": "personal", "text": "Einarbeitung in drei statt sechs Wochen",
                 "at": "00:03"}],
    "conditions": {"kultur": ["Meister nehmen sich Zeit für Rückfragen"]},
}


def film_manifest(title: str, org: str, speaker: tuple[str, str], goal: tuple[str, str],
                  case: dict) -> dict:
    return {
        "title": title, "language": "de", "organisation": org,
        "speakers": [{"id": speaker[0], "name": speaker[1]}],
        "learning_goals": [{"id": goal[0], "text": goal[1]}],
        "sources": [{"id": "main", "file": "raw/main.mp4"}],
        "chapters": [{"start": "00:00", "title": "Ausgangslage", "goals": [goal[0]]},
                     {"start": "00:03", "title": "Mit KI"}],
        "export": {"rungs": [234], "preset": "veryfast"},
        "case": case,
    }


def write_chapters(ws: Path, film: str, title: str, goal: tuple[str, str]) -> None:
    from pipeline.didactics.model import ChapterEntry, ChapterSet, GoalRef
    from pipeline.didactics.writers import write_all

    end = DURATION_S * 1000
    g = GoalRef(id=goal[0], text=goal[1], defined_in="film")
    cs = ChapterSet(film=film, title=title, duration_ms=end, catalogue_name="Lernziele",
                    chapters=[ChapterEntry(index=1, start=0, end=3000, title="Ausgangslage",
                                           goals=[g]),
                              ChapterEntry(index=2, start=3000, end=end, title="Mit KI")],
                    goals=[g])
    write_all(cs, ws / "chapters" / film)


def add_film(ws: Path, film: str, manifest: dict, speech_asr, speech_reviewed=None,
             caption_status: str = "auto") -> None:
    from pipeline import transcripts
    from pipeline.workspace import Workspace

    raw = write_film(ws, film, manifest) / "raw"
    raw.mkdir(exist_ok=True)
    clip = media.video(raw / "main.mp4", DURATION_S, size="320x180", tone=True)
    write_programme(ws, film, clip, width=320, height=180)
    write_captions(ws, film, status=caption_status)
    goal = (manifest["learning_goals"][0]["id"], manifest["learning_goals"][0]["text"])
    write_chapters(ws, film, manifest["title"], goal)
    f = Workspace(ws).film(film)
    transcripts.write_machine(f, speech_transcript(film, speech_asr,
                                                   duration_ms=DURATION_S * 1000))
    if speech_reviewed:
        transcripts.write_revision(f, speech_transcript(film, speech_reviewed,
                                                        duration_ms=DURATION_S * 1000,
                                                        status="reviewed"), base=0)


def catalogue_ws(root: Path) -> Path:
    ws = root / "ws"
    (ws / "projects").mkdir(parents=True)
    add_film(ws, FILM_A, film_manifest("KI in der Dienstplanung", "Pflegedienst Beispiel gGmbH",
                                       ("anna", "Anna Beispiel"),
                                       ("LZ-A", "Beschreiben, wie KI die Einsatzplanung entlastet"),
                                       CASE_A),
             SPEECH_A, caption_status="reviewed")
    add_film(ws, FILM_B, film_manifest(TITLE_B, "Tischlerei Muster",
                                       ("meister", "Max Muster"),
                                       ("LZ-B", "Erklären, wie ein Assistent neue Leute einarbeitet"),
                                       CASE_B),
             SPEECH_B_ASR, SPEECH_B)
    for film in (FILM_A, FILM_B):
        casefilm(ws, "export", film, check=True)
    return ws


@pytest.fixture(scope="session")
def catalogue_films(tmp_path_factory) -> Path:
    """The two exported films, built once per session; copy before changing anything."""
    return catalogue_ws(tmp_path_factory.mktemp("catalogue"))
