"""`casefilm coverage` and `casefilm goals` over a workspace with three films."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest
import yaml

from tests.conftest import casefilm, write_film
from tests.test_didactics_helpers import CATALOGUE, manifest

CAT = {"name": "Lernziele", "goals": CATALOGUE["goals"] + [
    {"id": "LZ-RECRUITING-1", "text": "Beschreiben, wie KI Bewerbungen vorsortiert"},
    {"id": "LZ-BARRIEREFREI-1", "text": "Erklären, wie Spracherkennung Barrieren abbaut"}]}


@pytest.fixture
def three_films(workspace):
    (workspace / "projects" / "learning-goals.yaml").write_text(
        yaml.safe_dump(CAT, allow_unicode=True, sort_keys=False), encoding="utf-8")
    write_film(workspace, "pflege", manifest())  # ERKENNEN, PLANUNG + LZ1, BETEILIGUNG
    write_film(workspace, "handwerk", manifest(
        title="KI im Handwerk",
        learning_goals=[{"id": "HW-1", "text": "Angebote mit KI schneller erstellen"}],
        chapters=[{"start": 0, "title": "Betrieb", "goals": ["LZ-ERKENNEN-1"]},
                  {"start": 50, "title": "Bewerbungen", "goals": ["LZ-RECRUITING-1", "HW-1"]},
                  {"start": 95, "title": "Noch mehr Bewerbungen",
                   "goals": ["LZ-RECRUITING-1"]}]))
    write_film(workspace, "kommune", manifest(
        title="KI in der Verwaltung",
        learning_goals=[{"id": "KOM-1", "text": "Bürgeranfragen automatisch beantworten"}],
        chapters=[{"start": 0, "title": "Rathaus", "goals": ["LZ-PLANUNG-1"]}]))
    return workspace


class Table(HTMLParser):
    """Collects the coverage matrix cells (data-goal rows × data-film cells) and links."""

    def __init__(self):
        super().__init__()
        self.cells: dict[tuple[str, str], int] = {}
        self.row = None
        self.links: list[str] = []
        self.rects = 0
        self.uncovered: list[str] = []
        self._in_uncovered = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and "data-goal" in a:
            self.row = a["data-goal"]
        if tag == "td" and "data-film" in a:
            self.cells[(self.row, a["data-film"])] = int(a["data-count"])
        if tag == "a":
            self.links.append(a["href"])
        if tag == "rect":
            self.rects += 1
        if tag == "ul" and a.get("id") == "uncovered":
            self._in_uncovered = True

    def handle_endtag(self, tag):
        if tag == "ul":
            self._in_uncovered = False

    def handle_data(self, data):
        if self._in_uncovered and re.fullmatch(r"[A-Z][\w-]+", data.strip()):
            self.uncovered.append(data.strip())


def test_coverage_matrix_over_three_films(three_films):
    ws = three_films
    proc = casefilm(ws, "coverage", check=True)
    out = proc.stdout
    assert "3 films" in out
    assert "warning" not in proc.stderr
    # uncovered: a catalogue goal nobody links, and kommune's own goal
    block = out.split("goals no film covers:")[1]
    assert "LZ-BARRIEREFREI-1" in block and "KOM-1" in block
    assert "LZ-PLANUNG-1" not in block and "HW-1" not in block

    rows = list(csv.reader(io.StringIO((ws / "reports/coverage.csv").read_text())))
    head = rows[0]
    assert head[:5] == ["goal_id", "goal", "level", "dimension", "defined_in"]
    assert head[5:8] == ["handwerk", "kommune", "pflege"] and head[-1] == "films_covering"
    by_id = {r[0]: dict(zip(head, r)) for r in rows[1:]}
    assert set(by_id) == {g["id"] for g in CAT["goals"]} | {"LZ1", "HW-1", "KOM-1"}
    assert by_id["LZ-PLANUNG-1"]["films_covering"] == "2"
    assert by_id["LZ-PLANUNG-1"]["pflege"] == "2: Dienstpläne mit KI (0:40)"
    assert by_id["LZ-RECRUITING-1"]["handwerk"] == \
        "2: Bewerbungen (0:50); 3: Noch mehr Bewerbungen (1:35)"
    assert by_id["HW-1"]["defined_in"] == "handwerk"
    assert by_id["LZ-BARRIEREFREI-1"]["films_covering"] == "0"

    page = Table()
    page.feed((ws / "reports/coverage.html").read_text())
    assert page.cells[("LZ-RECRUITING-1", "handwerk")] == 2
    assert page.cells[("LZ-RECRUITING-1", "pflege")] == 0
    assert page.cells[("LZ-ERKENNEN-1", "pflege")] == 1
    assert len(page.cells) == 3 * len(by_id)
    assert page.rects == 3 * len(by_id)  # one heat-map square per goal × film
    assert sorted(page.uncovered) == ["KOM-1", "LZ-BARRIEREFREI-1"]
    assert "../exports/handwerk/index.html#t=95" in page.links
    assert "../chapters/kommune/companion.html" in page.links


def test_goals_command_lists_films_and_chapters(three_films):
    out = casefilm(three_films, "goals", check=True).stdout
    sections = re.split(r"\n(?=\S)", out.strip())
    by_id = {s.split()[0]: s for s in sections}
    assert "handwerk: 2. Bewerbungen (0:50)" in by_id["LZ-RECRUITING-1"]
    assert "handwerk: 3. Noch mehr Bewerbungen (1:35)" in by_id["LZ-RECRUITING-1"]
    assert "pflege: 2. Dienstpläne mit KI (0:40)" in by_id["LZ-PLANUNG-1"]
    assert "kommune: 1. Rathaus (0:00)" in by_id["LZ-PLANUNG-1"]
    assert "covered by no chapter" in by_id["LZ-BARRIEREFREI-1"]
    assert "(film kommune)" in by_id["KOM-1"]


def test_broken_film_is_named_and_left_out(three_films):
    ws = three_films
    (ws / "projects" / "kaputt").mkdir()
    (ws / "projects" / "kaputt" / "film.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    proc = casefilm(ws, "coverage", check=True)
    assert "3 films" in proc.stdout
    assert re.search(r"warning: kaputt: left out: .*film.yaml: malformed YAML", proc.stderr)
    assert "kaputt" in (ws / "reports/coverage.html").read_text()  # named under Hinweise


def test_coverage_in_empty_workspace(workspace):
    proc = casefilm(workspace, "coverage", check=True)
    assert "0 films" in proc.stdout
    assert (workspace / "reports/coverage.html").exists()


@pytest.mark.browser
def test_reports_are_accessible(three_films):
    """coverage.html and a companion sheet pass axe-core (WCAG 2.2 AA + best practice)."""
    from tests.browser import axe_violations, chromium
    from tests.test_didactics_helpers import run_chapters, write_programme

    ws = three_films
    casefilm(ws, "coverage", check=True)
    write_programme(ws, "pflege", 150_000)
    assert run_chapters(ws)[0].error is None
    with chromium() as browser:
        page = browser.new_page()
        for p in (ws / "reports/coverage.html", ws / "chapters/pflege/companion.html"):
            page.goto(p.as_uri())
            assert axe_violations(page) == [], p.name
