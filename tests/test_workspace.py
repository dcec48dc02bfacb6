"""The checkout is a workspace (issue 13): its projects/ holds the series' goal catalogue and
a README, subtitles/, chapters/, exports/ and reports/ are the output folders of a run in the
clone, and .gitignore keeps media out and review text in. Runs the real CLI."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

from pipeline.workspace import GITIGNORE
from tests.conftest import REPO, casefilm, write_film

# the educational frame (docs/didactics.md): chain of skilled work, the four modules of the
# AI add-on qualification, recurring themes
DIMENSIONS = {
    "Fachkräftegewinnung", "Einarbeitung und Integration",
    "Qualifizierung und Wissensmanagement", "Entlastung von Routineaufgaben",
    "Einsatzplanung", "Attraktivität von Fachkraftberufen",
    "KI erkennen und bewerten", "KI in betrieblichen Prozessen",
    "Zielgruppenspezifisches Wissen", "Umsetzungshilfen und Unterstützung",
    "Beteiligung", "Wirtschaftlichkeit", "Veränderungsmanagement", "Barrierefreiheit",
}


def checkout_copy(tmp_path: Path) -> Path:
    ws = tmp_path / "clone"
    shutil.copytree(REPO / "projects", ws / "projects")
    return ws


def catalogue() -> dict:
    return yaml.safe_load((REPO / "projects/learning-goals.yaml").read_text(encoding="utf-8"))


def test_goals_lists_the_shipped_catalogue(tmp_path):
    ws = checkout_copy(tmp_path)
    p = casefilm(ws, "goals", check=True)
    assert not p.stderr.strip(), p.stderr  # no warnings: the catalogue loads cleanly
    listed = re.findall(r"^(LZ-\S+)  .*\(catalogue\)$", p.stdout, re.M)
    assert listed == [g["id"] for g in catalogue()["goals"]]


def test_catalogue_goals_follow_the_frame():
    """Ids LZ-<THEME>-<n>; one German sentence starting with an observable verb
    ("Beschreiben, wie …"); a Bloom level, a dimension of the frame, audiences."""
    goals = catalogue()["goals"]
    assert len(goals) >= 20
    for g in goals:
        assert re.fullmatch(r"LZ-[A-ZÄÖÜ]+-\d+", g["id"]), g
        assert re.match(r"[A-ZÄÖÜ][a-zäöüß]+(en|ern|eln), ", g["text"]), g  # infinitive
        assert g["text"].count(". ") == 0 and not g["text"].endswith("."), g
        assert g["level"] in ("erinnern", "verstehen", "anwenden", "analysieren", "bewerten",
                              "erschaffen"), g
        assert g["dimension"] in DIMENSIONS and g["audiences"], g
    assert {g["dimension"] for g in goals} == DIMENSIONS  # every part of the frame has goals


def test_status_in_the_checkout(tmp_path):
    ws = checkout_copy(tmp_path)
    p = casefilm(ws, "status", check=True)
    assert p.stdout.strip() == f"no films in {ws / 'projects'}"
    # a film added as projects/README.md says: listed, its missing footage reported early
    write_film(ws, "neu", {"title": "Neuer Film", "sources": [{"id": "a", "file": "raw/a.mov"}],
                           "chapters": [{"start": "00:00", "title": "Start",
                                         "goals": ["LZ-PLANUNG-1"]}]})
    p = casefilm(ws, "status", check=True)
    lines = p.stdout.splitlines()
    assert lines[0] == "neu"
    assert any("invalid" in ln and "raw/a.mov" in ln and "sources.0.file" in ln for ln in lines)
    assert any(ln.split()[:2] == ["ingest", "failed"] for ln in lines)


def test_output_folders_and_gitignore():
    for name in ("projects", "subtitles", "chapters", "exports", "reports"):
        assert (REPO / name / "README.md").is_file(), name
    ignore = (REPO / ".gitignore").read_text(encoding="utf-8")
    assert GITIGNORE in ignore  # the checkout ignores what every new workspace ignores
    for pattern in (".casefilm/", "exports/*", "!exports/README.md", "projects/*/raw/"):
        assert pattern in GITIGNORE.splitlines()
    for kept in ("subtitles", "chapters", "projects/*/transcript"):
        assert not any(ln.startswith(kept) and not ln.endswith(".pdf")
                       for ln in GITIGNORE.splitlines()), kept
