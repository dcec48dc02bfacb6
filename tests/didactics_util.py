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
