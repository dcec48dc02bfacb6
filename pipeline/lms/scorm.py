"""SCORM 1.2: one SCO that is the export's player page with the quiz around it.

The SCO page is the export's own `index.html` (the player's template and `player.js`,
not a copy of them) with four well-delimited additions: the quiz section and the pause
prompt before the side panels, `assets/sco.css`, the quiz data and `assets/sco.js` before
`</body>`. Two subtractions keep every request inside the package: the page plays the
progressive MP4 the export already names as its fallback (no HLS, no hls.js), and its
download list offers only the files the package carries.

Why MP4 alone: the web package's HLS ladder holds every rung twice (MP4 and fMP4
segments), several times the fallback rung's size; an LMS serves a SCO's files as they
are, with range requests, so one progressive MP4 plays and seeks like on file://, and
upload limits of Moodle and ILIAS (often 50–250 MB) stay reachable for a 20-minute film.

`imsmanifest.xml` (IMS CP 1.1.2 + ADL CP 1.2 + IMS MD 1.2.1): title, description and
language in LOM, each learning goal as an "Educational Objective" classification, the
mastery score on the item when the film has a quiz, every file of the package listed.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from .. import i18n, templating
from ..errors import ManifestError
from ..workspace import Film
from .model import GoalEntry, QuizEntry
from .source import PAGE_DATA, ExportView

CP = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
IMSMD = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML = "http://www.w3.org/XML/1998/namespace"
SCHEMA_LOCATION = (f"{CP} imscp_rootv1p1p2.xsd {IMSMD} imsmd_rootv1p2p1.xsd "
                   f"{ADLCP} adlcp_rootv1p2.xsd")

STATIC = Path(__file__).resolve().parent.parent / "static"
SCO_ASSETS = {"assets/sco.js": STATIC / "sco.js", "assets/sco.css": STATIC / "sco.css"}
TEMPLATE = "sco_quiz.html.j2"

_HLS_JS = '<script src="assets/hls.min.js"></script>'
_PANELS = '<div class="panels">'
_CSS = '<link rel="stylesheet" href="assets/player.css">'
_DOWNLOAD = re.compile(r'\s*<li><a href="([^"]+)" download>[^<]*</a></li>')
_REF = re.compile(r'\b(?:src|href|poster)="([^"]*)"')


def source_files() -> list[Path]:
    """Files of casefilm that shape the SCO (digested into the build key)."""
    return [*SCO_ASSETS.values(), templating.TEMPLATES / TEMPLATE,
            i18n.LOCALE_DIR / "de" / "lms.yaml", Path(__file__)]


def strings(lang: str) -> dict[str, str]:
    return i18n.strings("lms", lang)


def _script_json(data) -> str:
    """JSON safe inside <script> (no '</', no '<!--')."""
    return (json.dumps(data, ensure_ascii=False)
            .replace("</", "<\\/").replace("<!--", "<\\!--"))


def _once(page: str, anchor: str, repl: str, where: Path) -> str:
    n = page.count(anchor)
    if n != 1:
        raise ManifestError(where, "", f"the player page has {n} × {anchor!r} where the SCO "
                            f"needs exactly one (re-export with this casefilm: `casefilm export`)")
    return page.replace(anchor, repl)


def sco_page(page: str, where: Path, *, quiz: list[QuizEntry], goals: list[GoalEntry],
             mastery: int, completion: int, lang: str) -> tuple[str, set[str]]:
    """The SCO's index.html from the export's player page, and the package-relative paths
    it refers to (page links and the media the player script loads)."""
    m = PAGE_DATA.search(page)
    if m is None:
        raise ManifestError(where, "", "the player page has no casefilm-data script")
    data = json.loads(m.group(2))
    data["hls"] = None  # MP4 alone (module doc)
    page = page[:m.start(2)] + _script_json(data) + page[m.end(2):]
    if _HLS_JS in page:
        page = _once(page, _HLS_JS, "", where)
    media = {data["mp4"]}
    if data.get("ad"):
        media |= {p for p in (data["ad"].get("mp4"), data["ad"].get("narration")) if p}
    # downloads: the package carries one rendition (and its AD variant), not the ladder
    page = _DOWNLOAD.sub(lambda d: "" if d.group(1).startswith("media/") and
                         html.unescape(d.group(1)) not in media else d.group(0), page)
    s = strings(lang)
    section = templating.render(TEMPLATE, s=s, questions=quiz, mastery=mastery,
                                completion=completion)
    page = _once(page, _PANELS, section + _PANELS, where)
    page = _once(page, _CSS, _CSS + '\n<link rel="stylesheet" href="assets/sco.css">', where)
    quiz_data = {
        "mastery": mastery, "completion": completion, "durationMs": data["durationMs"],
        "questions": [{"n": q.n, "id": q.id, "atMs": q.at_ms, "chapter": q.chapter,
                       "chapterTitle": q.chapter_title, "text": q.text, "answers": q.answers,
                       "correct": q.correct} for q in quiz],
        "goals": [{"id": g.id, "questions": g.questions} for g in goals],
        "strings": s,
    }
    tail = (f'<script type="application/json" id="casefilm-quiz">{_script_json(quiz_data)}'
            f'</script>\n<script src="assets/sco.js"></script>\n</body>')
    page = _once(page, "</body>", tail, where)
    refs = {html.unescape(r) for r in _REF.findall(page)}
    refs |= media | {t["src"] for t in data.get("thumbs", [])}
    local = {r.split("#")[0] for r in refs
             if r and not r.startswith("#") and not re.match(r"^[a-z][a-z0-9+.-]*:", r, re.I)}
    return page, local


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs) -> ET.Element:
    e = ET.SubElement(parent, tag, {k.replace("__", ":"): v for k, v in attrs.items()})
    if text is not None:
        e.text = text
    return e


def _langstring(parent: ET.Element, tag: str, text: str, lang: str) -> None:
    wrap = _sub(parent, f"{{{IMSMD}}}{tag}")
    _sub(wrap, f"{{{IMSMD}}}langstring", text, **{f"{{{XML}}}lang": lang})


def description(film: Film) -> str:
    m = film.manifest
    parts = [x for x in (m.organisation, m.industry) if x]
    return f"{m.title} ({', '.join(parts)})" if parts else m.title


def manifest_xml(film: Film, files: list[str], goals: list[GoalEntry],
                 mastery: int | None) -> str:
    """imsmanifest.xml: one organization, one item, one SCO resource listing `files`."""
    m = film.manifest
    lang = m.language
    for prefix, uri in (("", CP), ("adlcp", ADLCP), ("imsmd", IMSMD), ("xsi", XSI)):
        ET.register_namespace(prefix, uri)
    root = ET.Element(f"{{{CP}}}manifest", {"identifier": f"casefilm-{film.id}",
                                            "version": "1.0",
                                            f"{{{XSI}}}schemaLocation": SCHEMA_LOCATION})
    meta = _sub(root, f"{{{CP}}}metadata")
    _sub(meta, f"{{{CP}}}schema", "ADL SCORM")
    _sub(meta, f"{{{CP}}}schemaversion", "1.2")
    lom = _sub(meta, f"{{{IMSMD}}}lom")
    general = _sub(lom, f"{{{IMSMD}}}general")
    _langstring(general, "title", m.title, lang)
    _sub(general, f"{{{IMSMD}}}language", lang)
    _langstring(general, "description", description(film), lang)
    for g in goals:
        cl = _sub(lom, f"{{{IMSMD}}}classification")
        purpose = _sub(cl, f"{{{IMSMD}}}purpose")
        _langstring(purpose, "source", "LOMv1.0", "x-none")
        _langstring(purpose, "value", "Educational Objective", "x-none")
        _langstring(cl, "description", f"{g.id}: {g.text}", lang)
    orgs = _sub(root, f"{{{CP}}}organizations", default="org")
    org = _sub(orgs, f"{{{CP}}}organization", identifier="org")
    _sub(org, f"{{{CP}}}title", m.title)
    item = _sub(org, f"{{{CP}}}item", identifier="item-film", identifierref="sco",
                isvisible="true")
    _sub(item, f"{{{CP}}}title", m.title)
    if mastery is not None:
        _sub(item, f"{{{ADLCP}}}masteryscore", str(mastery))
    res = _sub(_sub(root, f"{{{CP}}}resources"), f"{{{CP}}}resource", identifier="sco",
               type="webcontent", href="index.html", **{f"{{{ADLCP}}}scormtype": "sco"})
    for f in files:
        _sub(res, f"{{{CP}}}file", href=f)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def contents(film: Film, view: ExportView, quiz: list[QuizEntry], goals: list[GoalEntry]
             ) -> tuple[dict[str, str], dict[str, Path]]:
    """The package: text members (name -> text) and files from the export or casefilm
    (name -> path). Every file the page refers to must be an artifact of the export."""
    m = film.manifest
    page_art = view.require("index.html")
    page_path = view.dir / page_art.path
    q = m.quiz
    page, refs = sco_page(page_path.read_text(encoding="utf-8"), page_path, quiz=quiz,
                          goals=goals, mastery=q.mastery if q else 80,
                          completion=q.completion if q else 90, lang=m.language)
    files: dict[str, Path] = {}
    for rel in sorted(refs):
        if rel in SCO_ASSETS:
            files[rel] = SCO_ASSETS[rel]
        elif rel != "index.html":
            files[rel] = view.dir / view.require(rel).path
    names = sorted(["index.html", *files])
    xml = manifest_xml(film, names, goals, q.mastery if q and q.questions else None)
    return {"imsmanifest.xml": xml, "index.html": page}, files
