"""Which films and chapters cover which learning goals, across the workspace.

`survey(ws)` reads every film.yaml (the chapters as written by editors, whether or not the
chapters stage has run) and the goal catalogue. `casefilm goals` prints it; `casefilm
coverage` writes it as `reports/coverage.html` (table + inline SVG heat map) and
`reports/coverage.csv` (goals × films), and names goals no film covers.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from .. import i18n, links, templating, timecode
from ..errors import CasefilmError
from ..fsutil import write_text
from ..models import LearningGoal
from ..workspace import Workspace

REPORTS = "reports"


@dataclass
class ChapterRef:
    index: int  # 1-based
    start: int  # ms
    title: str


@dataclass
class FilmInfo:
    id: str
    title: str
    chapters: int


@dataclass
class GoalRow:
    goal: LearningGoal
    defined_in: str  # "catalogue" or the film id that defines it
    cells: dict[str, list[ChapterRef]] = field(default_factory=dict)  # film id -> chapters

    @property
    def covered(self) -> bool:
        return any(self.cells.values())


@dataclass
class Survey:
    films: list[FilmInfo]
    rows: list[GoalRow]
    problems: list[str]  # films left out, with the reason (one line each)
    catalogue_name: str | None = None

    @property
    def uncovered(self) -> list[GoalRow]:
        return [r for r in self.rows if not r.covered]


def survey(ws: Workspace) -> Survey:
    """Every goal (catalogue first, then each film's own) with the chapters covering it."""
    problems: list[str] = []
    rows: dict[str, GoalRow] = {}
    try:
        for g in ws.catalogue.goals:
            rows[g.id] = GoalRow(g, "catalogue")
        catalogue_name = ws.catalogue.name
    except CasefilmError as e:
        problems.append(e.line())
        catalogue_name = None
    films: list[FilmInfo] = []
    for fid in ws.film_ids():
        film = ws.film(fid)
        try:
            m = film.manifest
            film.goals()  # duplicate ids across catalogue and film are an error
        except CasefilmError as e:
            problems.append(f"{fid}: left out: {e.line()}")
            continue
        films.append(FilmInfo(fid, m.title, len(m.chapters)))
        for g in m.learning_goals:
            rows.setdefault(g.id, GoalRow(g, fid))
        for i, ch in enumerate(m.chapters):
            for gid in ch.goals:
                row = rows.get(gid)
                if row is None:
                    problems.append(f"{fid}: chapter {i + 1} {ch.title!r} links unknown goal "
                                    f"{gid!r}")
                    continue
                row.cells.setdefault(fid, []).append(ChapterRef(i + 1, ch.start, ch.title))
    return Survey(films, list(rows.values()), problems, catalogue_name)


def player_link(film_id: str, ms: int) -> str:
    """Link from reports/coverage.html into the film's player at `ms`."""
    return links.player_href(film_id, ms, from_dir="..")


def _cell_text(refs: list[ChapterRef]) -> str:
    return "; ".join(f"{r.index}: {r.title} ({timecode.short(r.start)})" for r in refs)


def write_csv(s: Survey, fh) -> None:
    """Goals × films; a cell lists the covering chapters as 'N: title (M:SS)'."""
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["goal_id", "goal", "level", "dimension", "defined_in",
                *[f.id for f in s.films], "films_covering"])
    for r in s.rows:
        w.writerow([r.goal.id, r.goal.text, r.goal.level or "", r.goal.dimension or "",
                    r.defined_in, *[_cell_text(r.cells.get(f.id, [])) for f in s.films],
                    sum(1 for f in s.films if r.cells.get(f.id))])


# heat map colours by number of chapters (0, 1, 2, 3+): light → dark, readable text on each
HEAT = [("#f2f2f2", "#1b1b1b"), ("#c6dbef", "#1b1b1b"), ("#6baed6", "#1b1b1b"),
        ("#08519c", "#ffffff")]


def heat(n: int) -> tuple[str, str]:
    return HEAT[min(n, len(HEAT) - 1)]


def render_html(s: Survey, lang: str = i18n.DEFAULT_LANG) -> str:
    # sizes in px: label column fits the longest goal id, header the longest film id
    # (written at −55°, so about 0.82 × its length high)
    cell = 34
    label_w = 16 + 8 * max((len(r.goal.id) for r in s.rows), default=4)
    head_h = 24 + int(0.82 * 7.5 * max((len(f.id) for f in s.films), default=4))
    svg = {"cell": cell, "label_w": label_w, "head_h": head_h,
           "width": label_w + cell * max(1, len(s.films)) + 10,
           "height": head_h + cell * max(1, len(s.rows)) + 10}
    return templating.render(
        "coverage.html.j2", s=s, t=i18n.strings("coverage", lang), ui_lang=lang, svg=svg, heat=heat,
        link=player_link, short=timecode.short, legend=[(k, HEAT[k][0]) for k in range(4)])


def write_reports(ws: Workspace) -> tuple[Survey, list[Path]]:
    s = survey(ws)
    out = ws.root / REPORTS
    buf = io.StringIO()
    write_csv(s, buf)
    paths = [write_text(out / "coverage.csv", buf.getvalue()),
             write_text(out / "coverage.html", render_html(s))]
    return s, paths
