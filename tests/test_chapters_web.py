"""Chapter outputs as the web reads them: schema.org JSON-LD and WebVTT in Chromium."""

from __future__ import annotations

import json
import re

import pytest

from pipeline.didactics import load_chapters
from pipeline.didactics.writers import jsonld
from pipeline.workspace import Workspace
from tests.test_didactics_helpers import make_film, run_chapters

# Properties schema.org defines for each type we emit (a subset of each type's full list,
# taken from schema.org's type pages: Thing → CreativeWork → MediaObject → VideoObject,
# CreativeWork → Clip, Intangible → DefinedTerm / DefinedTermSet(CreativeWork), Audience).
SCHEMA = {
    "VideoObject": {"name", "inLanguage", "duration", "learningResourceType", "about",
                    "keywords", "audience", "hasPart", "teaches", "url", "description"},
    "Clip": {"name", "position", "startOffset", "endOffset", "url", "description", "teaches"},
    "DefinedTerm": {"name", "termCode", "inDefinedTermSet", "description"},
    "DefinedTermSet": {"name", "hasDefinedTerm", "description"},
    "Audience": {"audienceType"},
    "Organization": {"name"},
}


def check_node(node: dict, path: str = "$") -> list[str]:
    """Every object has a known @type and only properties schema.org gives that type."""
    problems = []
    t = node.get("@type")
    if t not in SCHEMA:
        return [f"{path}: unexpected @type {t!r}"]
    for key, val in node.items():
        if key.startswith("@"):
            continue
        if key not in SCHEMA[t]:
            problems.append(f"{path}.{key}: not a property of {t}")
        for i, v in enumerate(val if isinstance(val, list) else [val]):
            if isinstance(v, dict):
                problems += check_node(v, f"{path}.{key}[{i}]")
    return problems


def test_jsonld_is_schema_org(workspace):
    make_film(workspace)
    assert run_chapters(workspace)[0].error is None
    data = json.loads((workspace / "chapters/pflege/chapters.jsonld").read_text())
    cs = load_chapters(Workspace.resolve(workspace).film("pflege"))

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "VideoObject"
    assert check_node(data) == []
    assert data["name"] == cs.title and data["inLanguage"] == "de"
    assert re.fullmatch(r"PT(\d+H)?(\d+M)?(\d+(\.\d+)?S)?", data["duration"])
    assert data["duration"] == "PT2M30S"

    clips = data["hasPart"]
    assert [c["@type"] for c in clips] == ["Clip"] * len(cs.chapters)
    for clip, ch in zip(clips, cs.chapters):
        assert isinstance(clip["startOffset"], (int, float))
        assert isinstance(clip["endOffset"], (int, float))
        assert clip["startOffset"] == ch.start / 1000 and clip["endOffset"] == ch.end / 1000
        assert clip["startOffset"] < clip["endOffset"] <= cs.duration_ms / 1000
        assert clip["name"] == ch.title and clip["position"] == ch.index
        taught = clip.get("teaches", [])
        assert [t["termCode"] for t in taught] == [g.id for g in ch.goals]
        for term, goal in zip(taught, ch.goals):
            assert term["@type"] == "DefinedTerm" and term["name"] == goal.text
            tset = term["inDefinedTermSet"]
            assert tset["@type"] == "DefinedTermSet"
            if goal.defined_in == "catalogue":
                assert tset["name"] == "KI-Allianz Lernziele"
            else:
                assert tset["@id"] != "#lernziele"
    # the video as a whole teaches the union of its chapters' goals
    assert {t["termCode"] for t in data["teaches"]} == set(cs.goal_ids())


def test_jsonld_urls_when_player_url_given(workspace):
    make_film(workspace)
    run_chapters(workspace)
    cs = load_chapters(Workspace.resolve(workspace).film("pflege"))
    data = jsonld(cs, player_url="https://example.org/filme/pflege/")
    assert data["url"] == "https://example.org/filme/pflege/"
    assert [c["url"] for c in data["hasPart"]] == [
        "https://example.org/filme/pflege/#t=0", "https://example.org/filme/pflege/#t=40",
        "https://example.org/filme/pflege/#t=90"]
    assert check_node(data) == []


@pytest.mark.browser
def test_vtt_chapters_load_in_chromium(workspace, tmp_path):
    """Chromium parses chapters.vtt in a <track kind="chapters"> with the right cues."""
    from tests import media
    from tests.browser import chromium

    make_film(workspace, duration_ms=3000, chapters=[
        {"start": 0, "title": "Anfang <&> Ende"}, {"start": 1, "title": "Mitte --> Teil"},
        {"start": 2, "title": "Schluss"}])
    assert run_chapters(workspace)[0].error is None
    d = workspace / "chapters/pflege"
    media.video(d / "clip.mp4", 3, size="160x90", fps=10)
    (d / "page.html").write_text(
        '<!DOCTYPE html><html lang="de"><title>t</title><video src="clip.mp4" muted>'
        '<track kind="chapters" srclang="de" label="Kapitel" src="chapters.vtt" default>'
        '</video>', encoding="utf-8")
    with chromium() as browser:
        page = browser.new_page()
        page.goto((d / "page.html").as_uri())
        cues = page.evaluate("""() => new Promise((resolve, reject) => {
            const track = document.querySelector('track');
            const done = () => resolve(Array.from(track.track.cues).map(
                c => [c.startTime, c.endTime, c.getCueAsHTML().textContent, c.id]));
            if (track.readyState === 2) return done();
            track.addEventListener('load', done);
            track.addEventListener('error', () => reject('track error'));
            track.track.mode = 'hidden';
        })""")
    # what a player shows: the titles as written, entities decoded
    assert cues == [[0, 1, "Anfang <&> Ende", "chapter-1"],
                    [1, 2, "Mitte --> Teil", "chapter-2"],
                    [2, 3, "Schluss", "chapter-3"]]


@pytest.mark.browser
def test_companion_pdf(workspace):
    from tests.conftest import casefilm

    make_film(workspace)
    assert run_chapters(workspace)[0].error is None
    proc = casefilm(workspace, "chapters", "pdf", "pflege", check=True)
    pdf = workspace / "chapters/pflege/companion.pdf"
    assert str(pdf) in proc.stdout
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 5000
    assert not list(pdf.parent.glob(".tmp-*"))
    # once made, the stage keeps it current: printed anew (a new file replaced it)
    inode = pdf.stat().st_ino
    assert run_chapters(workspace, force=True)[0].error is None
    assert pdf.stat().st_ino != inode and pdf.read_bytes().startswith(b"%PDF-")
    rec = json.loads((workspace / ".casefilm/records/pflege/chapters.json").read_text())
    assert "chapters/pflege/companion.pdf" in rec["outputs"]
