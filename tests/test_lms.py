"""`casefilm lms`: the SCORM 1.2 zip (imsmanifest.xml valid against the SCORM 1.2 XSDs,
every file listed, the SCO page referring only to files inside), the H5P Interactive
Video content (valid against its semantics.json), rebuilds only on changed inputs,
listing in manifest.json, text stays text; film.yaml `quiz:` errors (one line each,
before any stage)."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from pathlib import Path

import pytest
import yaml
from lxml import etree

from tests.conftest import casefilm
from tests.h5p_semantics import check
from tests.test_export_support import FILM, build_film

DATA = Path(__file__).parent / "data"
MARKUP_Q = "Was entlastet die <b>KI</b> & wen?"
MARKUP_A = "Die Einsatzplanung <i>im</i> Pflegedienst"
QUIZ = {"mastery": 50, "completion": 80, "questions": [
    {"chapter": 1, "text": MARKUP_Q, "answers": [MARKUP_A, "Die Buchhaltung", "Den Fuhrpark"]},
    {"chapter": "mitbestimmung", "text": "Wer redet bei der Einführung mit?",
     "answers": ["Der Betriebsrat", "Niemand"]}]}
CHAPTERS = [{"start": 0, "title": "Ausgangslage", "goals": ["LZ1"]},
            {"start": 6, "title": "Mitbestimmung", "id": "mitbestimmung", "goals": ["LZ2"]}]


def set_film(ws: Path, **keys) -> None:
    p = ws / "projects" / FILM / "film.yaml"
    m = yaml.safe_load(p.read_text(encoding="utf-8"))
    m.update(keys)
    p.write_text(yaml.safe_dump(m, allow_unicode=True, sort_keys=False), encoding="utf-8")


def lms_film(ws: Path, quiz: dict = QUIZ) -> Path:
    """The export tests' film (10 s, 2 chapters, captions) with `CHAPTERS` and `quiz` in
    film.yaml, exported (rungs 360p, 234p), then `casefilm lms` in both formats."""
    (ws / "projects").mkdir(parents=True)
    build_film(ws)
    set_film(ws, chapters=CHAPTERS, quiz=quiz)
    casefilm(ws, "export", FILM, check=True)
    casefilm(ws, "lms", FILM, "--format", "scorm12", "--format", "h5p", check=True)
    return ws


@pytest.fixture(scope="module")
def lms_ws(tmp_path_factory) -> Path:
    return lms_film(tmp_path_factory.mktemp("lms") / "ws")


def scorm_zip(ws: Path) -> Path:
    return ws / "exports" / FILM / "lms" / f"{FILM}-scorm12.zip"


def h5p_file(ws: Path) -> Path:
    return ws / "exports" / FILM / "lms" / f"{FILM}.h5p"


class _Published(etree.Resolver):
    """Two defects of the schemas as ADL and IMS published them, which libxml2 (XSD 1.0)
    refuses; the files on disk stay byte for byte as published, they are read with:
    - ims_xml.xsd: without its default-namespace binding to the XML namespace (forbidden
      by Namespaces in XML 1.0; "xml namespace URI cannot be the default namespace"); the
      binding is unused, the file names only xsd: types;
    - imsmd_rootv1p2p1.xsd: its `grp.any` wildcard as ##other instead of ##any: after the
      optional imsmd elements of a sequence, ##any breaks XSD 1.0's Unique Particle
      Attribution ("content model is not determinist"). XSD 1.1 lets the declared element
      win over the wildcard; ##other is stricter than that reading (an imsmd element must
      match its declaration), so a document valid here is valid as the schema means it."""

    FIXES = {"ims_xml.xsd": (' xmlns="http://www.w3.org/XML/1998/namespace"', ""),
             "imsmd_rootv1p2p1.xsd": ('namespace="##any"', 'namespace="##other"')}

    def resolve(self, url, pubid, context):
        name = url.rsplit("/", 1)[-1]
        if name in self.FIXES:
            text = (DATA / "scorm12" / name).read_text(encoding="utf-8-sig")
            old, new = self.FIXES[name]
            assert old in text, (name, old)
            return self.resolve_string(text.replace(old, new), context)
        return None


def scorm_schema() -> etree.XMLSchema:
    """The SCORM 1.2 CAM schemas (IMS CP 1.1.2, ADL CP 1.2, IMS MD 1.2.1) in one set."""
    d = DATA / "scorm12"
    parser = etree.XMLParser()
    parser.resolvers.add(_Published())
    driver = f"""<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema"
        targetNamespace="urn:casefilm:test-driver">
      <xsd:import namespace="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
                  schemaLocation="{(d / 'imscp_rootv1p1p2.xsd').as_uri()}"/>
      <xsd:import namespace="http://www.adlnet.org/xsd/adlcp_rootv1p2"
                  schemaLocation="{(d / 'adlcp_rootv1p2.xsd').as_uri()}"/>
      <xsd:import namespace="http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
                  schemaLocation="{(d / 'imsmd_rootv1p2p1.xsd').as_uri()}"/>
    </xsd:schema>"""
    return etree.XMLSchema(etree.fromstring(driver.encode(), parser, base_url=d.as_uri() + "/"))


def test_manifest_valid_against_scorm12_xsds_and_lists_every_file(lms_ws):
    with zipfile.ZipFile(scorm_zip(lms_ws)) as zf:
        names = set(zf.namelist())
        xml = zf.read("imsmanifest.xml")
    schema = scorm_schema()
    doc = etree.fromstring(xml)
    assert schema.validate(doc), schema.error_log
    ns = {"cp": "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
          "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2",
          "md": "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"}
    res = doc.find("cp:resources/cp:resource", ns)
    assert res.get("{http://www.adlnet.org/xsd/adlcp_rootv1p2}scormtype") == "sco"
    assert res.get("href") == "index.html"
    listed = {f.get("href") for f in res.findall("cp:file", ns)}
    assert listed == names - {"imsmanifest.xml"}
    assert doc.findtext("cp:organizations/cp:organization/cp:item/adlcp:masteryscore",
                        namespaces=ns) == "50"
    goals = [e.text for e in doc.iterfind(".//md:classification/md:description/md:langstring", ns)]
    assert goals == ["LZ1: Beschreiben, wie KI die Einsatzplanung entlastet",
                     "LZ2: Die Rolle des Betriebsrats erklären"]
    # MP4 alone: one rendition, no HLS, no hls.js
    assert not any(n.startswith("hls/") or n.endswith("hls.min.js") for n in names)
    assert [n for n in names if n.endswith(".mp4")] == [f"media/{FILM}-360p.mp4"]


def test_xsd_check_can_fail(lms_ws):
    with zipfile.ZipFile(scorm_zip(lms_ws)) as zf:
        doc = etree.fromstring(zf.read("imsmanifest.xml"))
    res = doc.find("{http://www.imsproject.org/xsd/imscp_rootv1p1p2}resources/"
                   "{http://www.imsproject.org/xsd/imscp_rootv1p1p2}resource")
    res.set("{http://www.adlnet.org/xsd/adlcp_rootv1p2}scormtype", "lesson")
    assert not scorm_schema().validate(doc)


def test_sco_page_refers_only_to_files_inside_and_keeps_text_as_text(lms_ws):
    with zipfile.ZipFile(scorm_zip(lms_ws)) as zf:
        names = set(zf.namelist())
        page = zf.read("index.html").decode()
        xml = zf.read("imsmanifest.xml").decode()
    refs = set(re.findall(r'\b(?:src|href|poster)="([^"#][^"]*)"', page))
    assert refs and refs <= names, refs - names
    data = json.loads(re.search(r'id="casefilm-data">(.*?)</script>', page, re.S).group(1))
    assert data["hls"] is None and data["mp4"] in names
    assert all(t["src"] in names for t in data["thumbs"])
    # markup from film.yaml is text: escaped in the page, never live
    assert "<b>KI</b>" not in page.split('id="casefilm-quiz"')[0]
    assert "Was entlastet die &lt;b&gt;KI&lt;/b&gt; &amp; wen?" in page
    assert "<legend>" in page and 'type="radio"' in page
    assert "<b>" not in xml
    # the export's own page is untouched and still offers HLS
    export_page = (lms_ws / "exports" / FILM / "index.html").read_text()
    assert "hls/master.m3u8" in export_page and "casefilm-quiz" not in export_page


def test_h5p_content_valid_against_interactive_video_semantics(lms_ws):
    with zipfile.ZipFile(h5p_file(lms_ws)) as zf:
        names = set(zf.namelist())
        content = json.loads(zf.read("content/content.json"))
        h5p = json.loads(zf.read("h5p.json"))
    semantics = json.loads((DATA / "h5p" / "interactive-video-1.27-semantics.json").read_text())
    assert check(semantics, content) == []
    assert h5p["mainLibrary"] == "H5P.InteractiveVideo"
    assert {"machineName": "H5P.InteractiveVideo", "majorVersion": 1, "minorVersion": 27} \
        in h5p["preloadedDependencies"]
    assert not any(n.startswith("H5P.") for n in names)  # libraries left out
    iv = content["interactiveVideo"]
    video = iv["video"]["files"][0]["path"]
    assert f"content/{video}" in names
    tracks = iv["video"]["textTracks"]["videoTrack"]
    assert [t["kind"] for t in tracks] == ["captions"]
    assert f"content/{tracks[0]['track']['path']}" in names
    assert [(b["time"], b["label"]) for b in iv["assets"]["bookmarks"]] == [
        (0, "Ausgangslage"), (6, "Mitbestimmung")]
    inter = iv["assets"]["interactions"]
    assert [i["duration"]["from"] for i in inter] == [6, 9]  # chapter 1's end; the film's end - 1 s
    assert all(i["pause"] for i in inter)
    first = inter[0]["action"]
    assert first["library"] == "H5P.SingleChoiceSet 1.11"
    choice = first["params"]["choices"][0]
    assert choice["question"] == "<p>Was entlastet die &lt;b&gt;KI&lt;/b&gt; &amp; wen?</p>"
    assert choice["answers"][0] == "<p>Die Einsatzplanung &lt;i&gt;im&lt;/i&gt; Pflegedienst</p>"


def test_semantics_check_can_fail():
    semantics = json.loads((DATA / "h5p" / "interactive-video-1.27-semantics.json").read_text())
    bad = {"interactiveVideo": {"video": {"files": []}, "assets": {"interactions": [
        {"action": {"library": "H5P.Unknown 9.9", "params": {}}, "duration": {"from": "x"}}]},
        "colour": 1}}
    problems = check(semantics, bad)
    assert any("H5P.Unknown 9.9" in p for p in problems)
    assert any(p.startswith("interactiveVideo.colour") for p in problems)
    assert any("duration.from: expected a number" in p for p in problems)


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_listed_in_manifest_rebuilt_only_on_change_and_kept_by_export(tmp_path):
    ws = lms_film(tmp_path / "ws")
    exp = ws / "exports" / FILM
    z, h = scorm_zip(ws), h5p_file(ws)

    def listed():
        arts = json.loads((exp / "manifest.json").read_text())["artifacts"]
        return {a["path"]: (a["role"], a["sha256"], a["size"]) for a in arts
                if a["path"].startswith("lms/")}

    assert listed() == {f"lms/{z.name}": ("scorm-package", sha(z), z.stat().st_size),
                        f"lms/{h.name}": ("h5p-package", sha(h), h.stat().st_size)}
    assert "matches manifest.json" in casefilm(ws, "verify-export", FILM, check=True).stdout
    status = casefilm(ws, "status", FILM).stdout
    assert "manifest.json modified" not in status
    assert re.search(r"lms\s+done\s+scorm12: ", status) and re.search(r"lms\s+done\s+h5p: ", status)
    before = (z.stat().st_mtime_ns, h.stat().st_mtime_ns)
    again = casefilm(ws, "lms", FILM, "--format", "scorm12", "--format", "h5p", check=True)
    assert again.stdout.count("up to date") == 2
    assert (z.stat().st_mtime_ns, h.stat().st_mtime_ns) == before
    # the same inputs give the same bytes
    old = sha(z)
    casefilm(ws, "lms", FILM, "--force", check=True)
    assert sha(z) == old
    # a quiz change rebuilds both; the listing follows
    quiz = {**QUIZ, "mastery": 100}
    set_film(ws, quiz=quiz)
    assert re.search(r"lms\s+stale\s+scorm12: an input changed \(casefilm lms ",
                     casefilm(ws, "status", FILM).stdout)
    out = casefilm(ws, "lms", FILM, "--format", "scorm12", "--format", "h5p", check=True).stdout
    assert "up to date" not in out
    with zipfile.ZipFile(z) as zf:
        assert "<adlcp:masteryscore>100</adlcp:masteryscore>" in zf.read("imsmanifest.xml").decode()
    assert listed()[f"lms/{z.name}"][1] == sha(z)
    # an export keeps the packages and their listing
    casefilm(ws, "export", FILM, "--force", check=True)
    assert z.is_file() and listed()[f"lms/{z.name}"][1] == sha(z)


def test_lms_without_export_is_one_line(workspace):
    build_film(workspace)
    proc = casefilm(workspace, "lms", FILM)
    assert proc.returncode == 2
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "casefilm export" in errors[0], proc.stderr


# --- film.yaml quiz: one line naming the field, before any stage --------------------------

BAD = {
    "no answers": ({"chapter": 1, "text": "Warum?", "answers": []},
                   "quiz.questions.0.answers", "no answers"),
    "one answer": ({"chapter": 1, "text": "Warum?", "answers": ["Darum"]},
                   "quiz.questions.0.answers", "only one answer"),
    "duplicate answer": ({"chapter": 1, "text": "Warum?", "answers": ["Darum", "Weil", " darum "]},
                         "quiz.questions.0.answers", "duplicate answer"),
    "unknown chapter number": ({"chapter": 3, "text": "Warum?", "answers": ["A", "B"]},
                               "quiz.questions.0.chapter", "no chapter 3"),
    "unknown chapter id": ({"chapter": "schluss", "text": "Warum?", "answers": ["A", "B"]},
                           "quiz.questions.0.chapter", "unknown chapter 'schluss'"),
    "empty text": ({"chapter": 1, "text": " ", "answers": ["A", "B"]},
                   "quiz.questions.0.text", "question text is empty"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_quiz_is_one_line_before_any_stage(workspace, case):
    question, field, words = BAD[case]
    build_film(workspace)
    set_film(workspace, chapters=CHAPTERS, quiz={"questions": [question]})
    proc = casefilm(workspace, "run", FILM)
    assert proc.returncode == 2, proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, proc.stderr
    assert f"film.yaml: {field}: " in errors[0] and words in errors[0], errors[0]
    assert "ingest: running" not in proc.stderr
    assert not (workspace / ".casefilm" / "records" / FILM).exists()


def test_quiz_answers_shuffled_deterministically():
    from pipeline.manifest.quiz import QuizQuestion

    q = QuizQuestion(chapter=1, text="Warum?", answers=["A", "B", "C", "D"])
    assert q.order() == q.order() and sorted(q.order()) == [0, 1, 2, 3]
    assert QuizQuestion(chapter=2, text="Warum?", answers=["A", "B", "C", "D"]).order() == q.order()


def test_h5p_descriptions_track_and_no_quiz_valid(workspace):
    """With text descriptions the H5P video carries them as a `descriptions` track; a
    film without questions has no interactions and needs no SingleChoiceSet."""
    from pipeline.lms import h5p
    from pipeline.workspace import Workspace
    from tests.conftest import write_film
    from tests.test_export_support import manifest

    write_film(workspace, FILM, manifest())
    film = Workspace(workspace).film(FILM)
    tracks = [{"label": "Untertitel", "kind": "captions", "srcLang": "de",
               "track": {"path": "files/captions.vtt", "mime": "text/vtt"}},
              {"label": "Audiodeskription (Text)", "kind": "descriptions", "srcLang": "de",
               "track": {"path": "files/descriptions.vtt", "mime": "text/vtt"}}]
    content = h5p.content_json(film, 10000, "videos/f.mp4", tracks, [(0, "A & <B>")], [])
    semantics = json.loads((DATA / "h5p" / "interactive-video-1.27-semantics.json").read_text())
    assert check(semantics, content) == []
    iv = content["interactiveVideo"]
    assert [t["kind"] for t in iv["video"]["textTracks"]["videoTrack"]] == ["captions",
                                                                            "descriptions"]
    assert iv["assets"]["interactions"] == []
    assert iv["assets"]["bookmarks"] == [{"time": 0, "label": "A & <B>"}]
    deps = {d["machineName"] for d in h5p.h5p_json(film, False)["preloadedDependencies"]}
    assert "H5P.SingleChoiceSet" not in deps


def test_sco_page_with_audio_description_refers_to_its_files(lms_ws):
    """With an audio description the SCO needs the AD variant of its rendition and the
    narration stem (the player's MP4 path to AD), and offers the AD variant for download."""
    from pipeline.lms import scorm
    from pipeline.lms.source import PAGE_DATA

    page_path = lms_ws / "exports" / FILM / "index.html"
    page = page_path.read_text(encoding="utf-8")
    m = PAGE_DATA.search(page)
    data = json.loads(m.group(2))
    data["ad"] = {"mp4": f"media/{FILM}-360p-ad.mp4", "narration": f"audio/{FILM}-narration.flac",
                  "hls": True, "status": "recorded", "descriptions": []}
    page = page[:m.start(2)] + json.dumps(data) + page[m.end(2):]
    page = page.replace("</ul>\n  </section>\n\n  <section class=\"panel keyboard\"",
                        f'<li><a href="media/{FILM}-360p-ad.mp4" download>AD</a></li>\n'
                        "</ul>\n  </section>\n\n  <section class=\"panel keyboard\"", 1)
    assert f"{FILM}-360p-ad.mp4\" download" in page
    out, refs = scorm.sco_page(page, page_path, quiz=[], goals=[], mastery=80, completion=90,
                               lang="de")
    assert {f"media/{FILM}-360p-ad.mp4", f"audio/{FILM}-narration.flac"} <= refs
    assert f'href="media/{FILM}-360p-ad.mp4" download' in out
    assert f'href="media/{FILM}-234p.mp4"' not in out  # the other rung is not in the package
