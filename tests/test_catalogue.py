"""film.yaml `case:`, the case QC, and `casefilm catalogue` without a browser: validation
before any stage, what the site is made of, JSON-LD escaping, the incremental build."""

from __future__ import annotations

import html.parser
import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.catalogue_support import (CASE_A, FILM_A, FILM_B, TITLE_B, XSS_LINE,  # noqa: F401
                                     catalogue_films)
from tests.conftest import casefilm, write_film

SITE = Path("exports/catalogue")
BASE = {"title": "Fall", "sources": [{"id": "main", "file": "raw/main.mp4"}]}


def one_line(proc) -> str:
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


# --- the case: block ------------------------------------------------------------------------


@pytest.mark.parametrize("case, field", [
    ({"sector": "gesundhet"}, "case.sector"),
    ({"chain": ["einsatzplanung", "rekrutierung", "einsatzplanung"]}, "case.chain"),
    ({"chain": ["personalplanung"]}, "case.chain.0"),
    ({"chain": "einsatzplanung"}, "case.chain"),
    ({"size": 0}, "case.size"),
    ({"size": "viele"}, "case.size"),
    ({"effects": [{"kind": "tempo", "text": "schneller"}]}, "case.effects.0.kind"),
    ({"effects": [{"kind": "zeit", "text": "schneller", "at": "1:75"}]}, "case.effects.0.at"),
    ({"effects": [{"kind": "zeit"}]}, "case.effects.0.text"),
    ({"effects": ["schneller"]}, "case.effects.0"),
    ({"conditions": {"recht": ["DSGVO"]}}, "case.conditions.recht"),
    ({"conditions": {"technik": [{"text": "  "}]}}, "case.conditions.technik.0.text"),
    ({"conditions": {"kultur": [{"text": "x", "when": "00:01"}]}}, "case.conditions.kultur.0.when"),
    ({"transfer": 3}, "case.transfer"),
    ({"region": ""}, "case.region"),
    ({"colour": "blau"}, "case.colour"),
])
def test_bad_case_is_one_line_naming_the_field_before_any_stage(workspace, case, field):
    write_film(workspace, "fall", {**BASE, "case": case})  # the footage does not even exist
    proc = casefilm(workspace, "run", "fall")
    assert proc.returncode == 2
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, proc.stderr  # one line (and the batch's summary)
    line = errors[0]
    assert f"film.yaml: {field}:" in line, line
    assert not (workspace / ".casefilm" / "records" / "fall").exists()  # no stage ran
    assert not (workspace / ".casefilm" / "cache" / "fall").exists()
    status = casefilm(workspace, "status", "fall").stdout  # status shows the same problem
    assert "invalid" in status and f"{field}:" in status


def test_a_full_case_loads_with_times_in_ms(tmp_path):
    from pipeline.manifest import load_film

    d = write_film(tmp_path, "fall", {**BASE, "case": CASE_A})
    case = load_film(d / "film.yaml").case
    assert case.chain == ["einsatzplanung", "arbeitsalltag"] and case.sector == "gesundheit"
    assert case.effects[0].at == 2000 and case.effects[0].kind == "zeit"
    assert [(p, s.at) for p, s in case.moments() if s.at is not None] == [
        ("case.effects.0", 2000), ("case.conditions.technik.0", 4000)]
    assert case.conditions.organisation[0].text == "Betriebsvereinbarung vor der Einführung"


# --- case QC ----------------------------------------------------------------------------------


def _qc(ws: Path, case: dict, chapters=None, duration_ms: int | None = None):
    from pipeline.catalogue import case_qc
    from pipeline.workspace import Workspace

    write_film(ws, "fall", {**BASE, "case": case, "chapters": chapters or []})
    if duration_ms is not None:
        from pipeline.models import Programme

        cache = ws / ".casefilm" / "cache" / "fall"
        cache.mkdir(parents=True, exist_ok=True)
        (cache / "programme.json").write_text(Programme(
            film="fall", media="x.mp4", media_sha256="0" * 64, duration_ms=duration_ms,
            width=320, height=180, fps=25.0, has_audio=True, asr_audio=None, sources=[],
            spans=[]).model_dump_json(), encoding="utf-8")
    film = Workspace(ws).film("fall")
    return case_qc.findings(film), case_qc.status_lines(film)


def test_case_qc_lists_what_the_case_lacks(workspace):
    found, lines = _qc(workspace, {})
    assert [f.rule for f in found] == ["case_chain", "case_effects"]
    assert lines == ["case       2 to add: no chain; no effect"]
    chapters = [{"start": "00:10", "title": "A"}, {"start": "00:30", "title": "B"}]
    case = {"chain": ["einarbeitung"],
            "effects": [{"kind": "zeit", "text": "schneller"},
                        {"kind": "fehler", "text": "weniger Fehler", "at": "00:05"},
                        {"kind": "kosten", "text": "billiger", "at": "01:30"},
                        {"kind": "qualitaet", "text": "besser", "at": "00:20"}],
            "transfer": {"text": "übertragbar", "at": "00:12"}}
    found, lines = _qc(workspace, case, chapters, duration_ms=60_000)
    got = [(f.rule, f.measured) for f in found]
    assert got == [("case_effect_at", "case.effects.0"),
                   ("case_at_outside", "case.effects.2"),
                   ("case_at_no_chapter", "case.effects.1")]
    assert "„schneller“" in found[0].message  # German, from locale/de/catalogue.yaml
    assert "1:30" in found[1].message and "1:00" in found[1].message
    assert lines == ["case       3 to add: case.effects.0 without at:; case.effects.2 past the "
                     "end; case.effects.1 in no chapter"]
    # before ingest the film's end is unknown: nothing is called outside; no chapters at all
    found, _ = _qc(workspace, {**case, "effects": case["effects"][1:2]})
    assert [(f.rule, f.measured) for f in found] == [
        ("case_at_no_chapter", "case.effects.0"), ("case_at_no_chapter", "case.transfer")]
    assert "keine Kapitel" in found[0].message


def test_status_shows_the_case_line(workspace):
    write_film(workspace, "fall", {**BASE, "case": {"chain": ["teilhabe"]}})
    out = casefilm(workspace, "status", "fall").stdout
    assert "case       1 to add: no effect" in out


# --- the site -------------------------------------------------------------------------------


@pytest.fixture
def ws(catalogue_films, tmp_path) -> Path:
    """A copy of the two exported films, with the catalogue built once."""
    dst = tmp_path / "ws"
    shutil.copytree(catalogue_films, dst, symlinks=True)
    casefilm(dst, "catalogue", check=True)
    return dst


class _Scripts(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts: list[tuple[dict, str]] = []
        self._in: dict | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._in = dict(attrs)
            self.scripts.append((self._in, ""))

    def handle_data(self, data):
        if self._in is not None:
            a, text = self.scripts[-1]
            self.scripts[-1] = (a, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in = None


def _scripts(path: Path) -> list[tuple[dict, str]]:
    p = _Scripts()
    p.feed(path.read_text(encoding="utf-8"))
    return p.scripts


def test_site_files_and_video_objects(ws):
    root = ws / SITE
    for rel in ("index.html", "compare.html", f"films/{FILM_A}.html", f"films/{FILM_B}.html",
                "assets/search-index.js", "assets/lunr.min.js", "assets/lunr.de.min.js",
                "assets/lunr.stemmer.support.min.js", "assets/catalogue.js",
                "assets/catalogue.css"):
        assert (root / rel).is_file(), rel
    # the film page: one JSON-LD block, a VideoObject whose name is the title as written,
    # even though the title holds "</script>" (it cannot end the script element)
    scripts = _scripts(root / f"films/{FILM_B}.html")
    assert len(scripts) == 1 and scripts[0][0]["type"] == "application/ld+json"
    doc = json.loads(scripts[0][1])
    assert doc["@type"] == "VideoObject" and doc["name"] == TITLE_B
    assert doc["inLanguage"] == "de" and doc["duration"] == "PT6S"
    assert doc["embedUrl"] == f"../../{FILM_B}/index.html"
    assert doc["contentUrl"].startswith(f"../../{FILM_B}/") and doc["contentUrl"].endswith(".mp4")
    assert (root / "films" / doc["contentUrl"]).resolve().is_file()  # the film's own MP4
    assert (root / "films" / doc["thumbnailUrl"]).resolve().is_file()
    assert doc["hasPart"][1]["url"] == f"../../{FILM_B}/index.html#t=3"
    assert "<img src=x" not in (root / f"films/{FILM_B}.html").read_text()
    index = _scripts(root / "index.html")
    ld = [json.loads(t) for a, t in index if a.get("type") == "application/ld+json"]
    assert [x["item"]["name"] for x in ld[0]["itemListElement"]] == [TITLE_B,
                                                                     "KI in der Dienstplanung"]
    # every script the pages load is in the site; no absolute URL anywhere but schema.org's
    srcs = [a["src"] for a, _ in index if "src" in a]
    assert all(s.startswith("assets/") for s in srcs)
    for page in root.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "http://" not in text and "//cdn" not in text
        assert text.count("https://") == text.count("https://schema.org")


def test_search_documents_reviewed_transcript_and_escaping(ws):
    text = (ws / SITE / "assets/search-index.js").read_text(encoding="utf-8")
    data = json.loads(text.removeprefix("window.casefilmCatalogue = ").rstrip().rstrip(";"))
    docs = data["docs"]
    b = [d["text"] for d in docs if d["film"] == FILM_B and d["kind"] == "transcript"]
    # the current transcript of B is the reviewed revision (its words, not the ASR's)
    assert "Neue Auszubildende lernen mit einem digitalen Assistenten." in b
    assert "Neue Leute lernen mit einem Assistenten." not in b
    assert XSS_LINE in b  # kept as text; the page sets it with textContent
    hit = next(d for d in docs if d["text"].startswith("Heute schlägt"))
    assert hit["at"] == 2500 and hit["words"][5] == [len("Heute schlägt eine KI den "), 3600]
    assert {d["kind"] for d in docs} == {"film", "transcript", "chapter", "goal", "case"}
    assert data["films"][FILM_A]["player"] == f"../{FILM_A}/index.html"


def test_second_run_does_nothing_and_changes_rebuild(ws):
    from pipeline import transcripts
    from pipeline.workspace import Workspace
    from tests.conftest import speech_transcript

    root = ws / SITE
    before = {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}
    proc = casefilm(ws, "catalogue", check=True)
    assert "nothing to do" in proc.stdout
    assert before == {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}

    # the case changes: rebuilt, saying why
    fy = ws / "projects" / FILM_A / "film.yaml"
    m = yaml.safe_load(fy.read_text(encoding="utf-8"))
    m["case"]["region"] = "Tübingen-Reutlingen"
    fy.write_text(yaml.safe_dump(m, allow_unicode=True), encoding="utf-8")
    proc = casefilm(ws, "catalogue", check=True)
    assert f"{FILM_A}: case changed" in proc.stdout
    assert "Tübingen-Reutlingen" in (root / "compare.html").read_text(encoding="utf-8")

    # an editor's new revision of A's transcript
    film = Workspace(ws).film(FILM_A)
    transcripts.write_revision(film, speech_transcript(FILM_A, [("anna", 300, "Ganz neu gesagt.")],
                                                       duration_ms=6000, status="reviewed"),
                               base=0)
    proc = casefilm(ws, "catalogue", check=True)
    assert f"{FILM_A}: transcript changed" in proc.stdout
    assert "Ganz neu gesagt." in (root / "assets/search-index.js").read_text(encoding="utf-8")

    # chapters rewritten by the chapters stage; a page changed by hand
    ch = ws / "chapters" / FILM_B / "chapters.json"
    ch.write_text(ch.read_text(encoding="utf-8").replace("Mit KI", "Mit der KI"), encoding="utf-8")
    (root / "compare.html").write_text("changed", encoding="utf-8")
    proc = casefilm(ws, "catalogue", check=True)
    assert f"{FILM_B}: chapters changed" in proc.stdout
    assert "compare.html was changed by hand" in proc.stdout
    assert "Mit der KI" in (root / f"films/{FILM_B}.html").read_text(encoding="utf-8")
    assert "nothing to do" in casefilm(ws, "catalogue", check=True).stdout


def test_film_without_export_and_invalid_film(ws):
    write_film(ws, "neu", BASE)  # not exported: not in the catalogue, not an error
    proc = casefilm(ws, "catalogue", check=True)
    assert "not exported yet (not in the catalogue): neu" in proc.stdout
    assert "nothing to do" in proc.stdout
    # an export whose film.yaml turned invalid: left out, named, exit non-zero
    fy = ws / "projects" / FILM_B / "film.yaml"
    fy.write_text(fy.read_text(encoding="utf-8").replace("sector: handwerk", "sector: hand"),
                  encoding="utf-8")
    proc = casefilm(ws, "catalogue")
    assert proc.returncode == 1
    assert f"warning: {FILM_B}: left out: " in proc.stderr and "case.sector" in proc.stderr
    assert f"{FILM_B}: no longer exported" in proc.stdout
    assert not (ws / SITE / f"films/{FILM_B}.html").exists()  # removed with the film
    assert (ws / SITE / f"films/{FILM_A}.html").exists()


def test_a_film_called_catalogue_is_refused(workspace):
    write_film(workspace, "catalogue", BASE)
    proc = casefilm(workspace, "catalogue")
    assert proc.returncode == 2 and "may not be called 'catalogue'" in one_line(proc)
    assert not (workspace / SITE).exists()


def test_missing_node_is_one_line(ws, tmp_path):
    bin_dir = tmp_path / "bin"  # ffmpeg and ffprobe, but no node
    bin_dir.mkdir()
    for tool in ("ffmpeg", "ffprobe"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    proc = casefilm(ws, "catalogue", "--force", env={"PATH": str(bin_dir)})
    assert proc.returncode == 3
    assert "node not found on PATH" in one_line(proc) and "nodejs" in proc.stderr


def _case(report: dict) -> list[dict]:
    """The case part of qc.json (a section of the combined report)."""
    return next(s for s in report["sections"] if s["id"] == "case")["findings"]


def test_qc_report_lists_what_the_case_lacks(ws):
    proc = casefilm(ws, "qc", FILM_A)
    assert proc.returncode in (0, 6), proc.stderr  # the caption findings are not ours
    report = json.loads((ws / "subtitles" / FILM_A / "qc.json").read_text(encoding="utf-8"))
    assert _case(report) == []
    assert 'id="case-complete"' in (ws / "subtitles" / FILM_A / "qc.html").read_text()
    fy = ws / "projects" / FILM_A / "film.yaml"
    m = yaml.safe_load(fy.read_text(encoding="utf-8"))
    m["case"]["chain"] = []
    m["case"]["effects"][0]["at"] = "00:09"  # past the 6 s film
    fy.write_text(yaml.safe_dump(m, allow_unicode=True), encoding="utf-8")
    casefilm(ws, "qc", FILM_A)
    report = json.loads((ws / "subtitles" / FILM_A / "qc.json").read_text(encoding="utf-8"))
    assert [(f["rule"], f["measured"]) for f in _case(report)] == [
        ("case_chain", "case.chain"), ("case_at_outside", "case.effects.0")]
    assert all(f["severity"] == "warning" for f in _case(report))
    html = (ws / "subtitles" / FILM_A / "qc.html").read_text(encoding="utf-8")
    assert 'data-rule="case_at_outside"' in html and "liegt hinter dem Ende des Films" in html
    assert "case       2 to add: no chain; case.effects.0 past the end" in \
        casefilm(ws, "status", FILM_A).stdout


def test_missing_lunr_names_npm_ci(monkeypatch, tmp_path):
    from pipeline.catalogue import search
    from pipeline.errors import MissingAsset

    monkeypatch.setattr(search, "REPO", tmp_path)  # no node_modules here
    monkeypatch.setattr(search, "STATIC", tmp_path)
    monkeypatch.delenv(search.ENV, raising=False)
    with pytest.raises(MissingAsset) as e:
        search.library_files()
    assert "lunr.min.js not found" in str(e.value) and "npm ci" in str(e.value)
    assert e.value.exit_code == 3
    # a folder named by CASEFILM_LUNR_DIR is used first
    for name, npm_path in search.LIBRARIES.items():
        (tmp_path / "vendor").mkdir(exist_ok=True)
        (tmp_path / "vendor" / name).write_text("// " + npm_path)
    monkeypatch.setenv(search.ENV, str(tmp_path / "vendor"))
    assert set(search.library_files()) == set(search.LIBRARIES)
