"""Offline round trip through the real CLI: `casefilm transcript export` → edit in a
"word processor" (here: Python) → `casefilm transcript import` realigns and saves a
revision. Bad files fail with one line naming the file and place, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from pipeline import transcripts
from pipeline.workspace import Workspace
from tests.conftest import casefilm
from tests.test_review_common import FILM, make_film


@pytest.fixture
def film(workspace):
    return make_film(workspace)


def reload(film):
    return Workspace.resolve(film.ws.root).film(film.id)


def disk(film) -> dict:
    return {p.name: p.read_bytes() for p in sorted(film.transcript_dir.rglob("*.json"))}


def check_realigned(film, before, new_word="KI.", seg=1, idx=4, others=(0, 2)):
    """The import made revision 1; unchanged words kept times exactly; the corrected
    word lies between its neighbours."""
    after = transcripts.current(reload(film))
    assert after.revision == 1 and after.parent == 0
    assert after.provenance.backend == "review" and after.provenance.status == "in_review"
    old, new = before.segments[seg].words, after.segments[seg].words
    assert new[idx].text == new_word
    assert new[:idx] == old[:idx]
    assert new[idx - 1].end <= new[idx].start <= new[idx].end
    for k in others:  # segments the edit did not touch: identical words
        assert before.segments[k].words == after.segments[k].words
    return after


def test_txt_round_trip(film, workspace):
    before = transcripts.current(film)
    out = workspace / "case.txt"
    r = casefilm(workspace, "transcript", "export", FILM, "--format", "txt", "-o", str(out), check=True)
    assert "revision 0" in r.stderr
    text = out.read_text(encoding="utf-8")
    assert "film: case · revision: 0" in text and "| Anna Beispiel]" in text
    edited = text.replace("mit Kai.", "mit KI.")
    # change a speaker and split the last segment with a new marker
    edited = edited.replace("Der Betriebsrat war dabei.", "Der Betriebsrat\n[Anna Beispiel]\nwar dabei.")
    out.write_text(edited, encoding="utf-8")
    r = casefilm(workspace, "transcript", "import", FILM, str(out), "--editor", "Anna", check=True)
    assert "saved revision 1 by Anna" in r.stderr
    after = check_realigned(film, before, others=(0,))
    assert [s.speaker for s in after.segments] == ["anna", "ben", "ben", "anna"]
    assert [w for s in after.segments[2:] for w in s.words] == before.segments[2].words
    # importing the same file again: it names revision 0, now stale -> refused, exit 5
    snap = disk(film)
    r = casefilm(workspace, "transcript", "import", FILM, str(out), "--editor", "Anna")
    assert r.returncode == 5 and "based on revision 0" in r.stderr and disk(film) == snap


def test_docx_round_trip(film, workspace):
    before = transcripts.current(film)
    out = workspace / "case.docx"
    casefilm(workspace, "transcript", "export", FILM, "-o", str(out), check=True)  # format from suffix
    d = docx.Document(str(out))
    hits = [p for p in d.paragraphs if p.text == "Wir planen Dienste mit Kai."]
    assert len(hits) == 1
    hits[0].text = "Wir planen Dienste mit KI."
    d.save(str(out))
    casefilm(workspace, "transcript", "import", FILM, str(out), "--editor", "Ben", check=True)
    after = check_realigned(film, before)
    assert after.provenance.editor == "Ben" and after.provenance.parameters["via"] == "import:docx"


def test_srt_round_trip(film, workspace):
    before = transcripts.current(film)
    out = workspace / "case.srt"
    casefilm(workspace, "transcript", "export", FILM, "--format", "srt", "-o", str(out), check=True)
    text = out.read_text(encoding="utf-8")
    assert text.startswith("1\n00:00:00,200 --> 00:00:02,900\nGuten Tag")
    out.write_text(text.replace("mit Kai.", "mit KI."), encoding="utf-8")
    casefilm(workspace, "transcript", "import", FILM, str(out), "--editor", "Anna", check=True)
    after = check_realigned(film, before)
    assert [s.speaker for s in after.segments] == [s.speaker for s in before.segments]


def test_vtt_import_with_voice_and_sound(film, workspace):
    f = workspace / "edit.vtt"
    f.write_text("WEBVTT\n\n00:00:00.200 --> 00:00:02.900\n<v Ben Muster>Guten Tag, ich bin Anna aus Stuttgart.\n\n"
                 "00:00:03.000 --> 00:00:04.900\n*Musik*\n\n"
                 "00:00:05.000 --> 00:00:06.500\nDer Betriebsrat war dabei &amp; zufrieden.\n", encoding="utf-8")
    casefilm(workspace, "transcript", "import", FILM, str(f), "--editor", "Anna", check=True)
    t = transcripts.current(reload(film))
    assert [s.kind for s in t.segments] == ["speech", "sound", "speech"]
    assert t.segments[0].speaker == "ben" and t.segments[1].text == "Musik"
    assert (t.segments[1].start, t.segments[1].end) == (3000, 4900)
    assert t.segments[2].text == "Der Betriebsrat war dabei & zufrieden."


def test_unchanged_import_writes_no_revision(film, workspace):
    out = workspace / "case.txt"
    casefilm(workspace, "transcript", "export", FILM, "--format", "txt", "-o", str(out), check=True)
    r = casefilm(workspace, "transcript", "import", FILM, str(out), "--editor", "Anna", check=True)
    assert "no changes" in r.stderr and transcripts.revision_numbers(film) == []


BAD = [
    ("other.txt", "# casefilm transcript · film: other · revision: 0\n\n[00:00:00.200 – 00:00:02.900 | Anna Beispiel]\nHallo\n",
     "film 'other'"),
    ("spk.txt", "# casefilm transcript · film: case · revision: 0\n\n[00:00:00.200 – 00:00:02.900 | Zoe]\nHallo\n",
     "line 3: unknown speaker"),
    ("none.txt", "just some text\nwithout markers\n", "no segment markers"),
    ("sound.txt", "[*Musik*]\nla la\n", "line 1: a sound event needs its times"),
    ("under.txt", "[00:00:03.000 – 00:00:04.000 | *Musik*]\nla la\n", "text under a sound event"),
    ("bin.txt", b"\xff\xfe\x00bad", "not UTF-8"),
    ("broken.docx", b"PK\x03\x04 not really a zip", "not a readable DOCX"),
    ("broken.srt", "1\n00:00:01,000 --> nonsense\nHallo\n", "line 2: malformed SRT timing line"),
    ("notes.odt", "whatever", "unknown transcript format"),
]


@pytest.mark.parametrize("name,content,fragment", BAD, ids=[b[0] for b in BAD])
def test_bad_import_files_fail_cleanly(film, workspace, name, content, fragment):
    f = workspace / name
    f.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    snap = disk(film)
    r = casefilm(workspace, "transcript", "import", FILM, str(f), "--editor", "Anna")
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and name in lines[0]
    assert fragment in lines[0], lines[0]
    assert "Traceback" not in r.stderr and disk(film) == snap


def test_missing_file_and_missing_editor(film, workspace):
    r = casefilm(workspace, "transcript", "import", FILM, str(workspace / "nope.txt"), "--editor", "A")
    assert r.returncode == 2 and "nope.txt: file not found" in r.stderr
    out = workspace / "case.srt"
    casefilm(workspace, "transcript", "export", FILM, "--format", "srt", "-o", str(out), check=True)
    out.write_text(out.read_text().replace("Kai", "KI"))
    r = casefilm(workspace, "transcript", "import", FILM, str(out), "--editor", " ")
    assert r.returncode == 2 and "editor" in r.stderr and transcripts.revision_numbers(film) == []


def test_export_before_transcribe_says_what_is_missing(workspace):
    from tests.conftest import write_film
    from tests.test_review_common import MANIFEST

    write_film(workspace, "empty", MANIFEST)
    r = casefilm(workspace, "transcript", "export", "empty", "--format", "txt")
    assert r.returncode == 2 and "needs a transcript" in r.stderr
    assert not list(Path(workspace).glob("empty.*"))
