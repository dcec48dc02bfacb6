"""The demo end to end with the tiny random Whisper, as a new user would run it.

Done-when of issue 2: `CASEFILM_WHISPER_MODEL=<checkpoint> casefilm demo DIR` leaves an
index.html, MP4s that are h264 + aac with moov before mdat, and WebVTT captions and
chapters that Chromium loads into <track> elements with the cue counts the JSON reports;
a second run does no work; touching a chapter title redoes chapters and export packaging
but no transcription and no video encode.
"""

from __future__ import annotations

import json
import re
import struct
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.browser import chromium
from tests.conftest import REPO, casefilm

FILM = "ki-dienstplanung"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory, tiny_model) -> tuple[Path, subprocess.CompletedProcess]:
    root = tmp_path_factory.mktemp("demo")
    ws = root / "Demo Arbeitsbereich"  # a space and an umlaut-free name with a space
    p = casefilm(root, "demo", str(ws), env={"CASEFILM_WHISPER_MODEL": str(tiny_model)},
                 timeout=1800)
    assert p.returncode == 0, p.stderr[-3000:]
    assert "Demo finished" in p.stdout
    return ws, p


@pytest.fixture(scope="module")
def demo(demo_run) -> Path:
    return demo_run[0]


def top_level_boxes(path: Path) -> list[str]:
    boxes, off = [], 0
    with open(path, "rb") as fh:
        while True:
            fh.seek(off)
            head = fh.read(16)
            if len(head) < 8:
                return boxes
            size, kind = struct.unpack(">I4s", head[:8])
            if size == 1:
                size = struct.unpack(">Q", head[8:16])[0]
            boxes.append(kind.decode("latin-1"))
            if size == 0:
                return boxes
            off += size


def test_demo_package(demo):
    export = demo / "exports" / FILM
    assert (export / "index.html").is_file()
    mp4s = sorted(export.rglob("*.mp4"))
    assert mp4s, "renditions exist"
    for mp4 in mp4s:
        info = json.loads(subprocess.run(
            ["ffprobe", "-v", "error", "-show_streams", "-of", "json", mp4],
            capture_output=True, text=True, check=True).stdout)
        codecs = {s["codec_type"]: s["codec_name"] for s in info["streams"]
                  if s["codec_type"] in ("video", "audio")}
        if "video" in codecs:
            assert codecs["video"] == "h264", mp4
        if mp4.parent == export:  # progressive downloads: both streams, fast start
            assert codecs == {"video": "h264", "audio": "aac"}, mp4
            boxes = top_level_boxes(mp4)
            assert boxes.index("moov") < boxes.index("mdat"), (mp4, boxes)
    manifest = json.loads((export / "manifest.json").read_text())
    listed = json.dumps(manifest)
    assert "index.html" in listed


def test_demo_writes_what_the_readme_names(demo_run):
    """Every `casefilm-demo/…` path the README shows exists after the demo, among them the
    caption QC report and the coverage report, and the demo prints where they are."""
    ws, p = demo_run
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    named = sorted(set(re.findall(r"casefilm-demo/([\w./<>-]+[\w/])", readme)))
    assert "subtitles/ki-dienstplanung/qc.html" in named and "reports/coverage.html" in named
    for rel in named:
        assert (ws / rel).exists(), f"README names casefilm-demo/{rel}, the demo has none"
    qc = json.loads((ws / "subtitles" / FILM / "qc.json").read_text())
    assert qc["film"] == FILM and qc["summary"]["cues"] > 0
    assert FILM in (ws / "reports" / "coverage.html").read_text(encoding="utf-8")
    for path in (ws / "subtitles" / FILM / "qc.html", ws / "reports" / "coverage.html"):
        assert str(path) in p.stdout, p.stdout


def test_tracks_load_in_chromium(demo):
    cues = json.loads((demo / "subtitles" / FILM / "cues.json").read_text())["cues"]
    chapters = json.loads((demo / "chapters" / FILM / "chapters.json").read_text())
    n_chapters = len(chapters["chapters"] if isinstance(chapters, dict) else chapters)
    assert cues and n_chapters == 3
    url = (demo / "exports" / FILM / "index.html").as_uri()
    with chromium() as browser:
        page = browser.new_page()
        page.goto(url)
        counts = page.evaluate("""async () => {
            const v = document.querySelector('video');
            const out = {};
            for (const t of v.textTracks) t.mode = 'hidden';
            const deadline = Date.now() + 10000;
            while (Date.now() < deadline) {
                const ready = [...v.textTracks].every(t => t.cues && t.cues.length > 0);
                if (ready) break;
                await new Promise(r => setTimeout(r, 100));
            }
            for (const t of v.textTracks) out[t.kind] = t.cues ? t.cues.length : -1;
            return out;
        }""")
    assert counts.get("captions", counts.get("subtitles")) == len(cues)
    assert counts["chapters"] == n_chapters


def test_second_run_does_nothing(demo):
    records = sorted((demo / ".casefilm" / "records" / FILM).glob("*.json"))
    before = {p.name: p.read_text() for p in records}
    p = casefilm(demo, "run", "--all", check=True)
    assert "nothing to do" in p.stderr or "already up to date" in p.stderr
    assert "running" not in p.stderr
    assert {p.name: p.read_text() for p in records} == before
    status = casefilm(demo, "status", check=True).stdout
    for stage in ("ingest", "transcribe", "subtitles", "chapters", "export"):
        assert f"{stage:<11}done" in status, status


def test_demo_catalogue_compares_two_films(demo):
    """The catalogue (cat20): both demo films, of different sectors, and nothing to redo."""
    index = (demo / "exports" / "catalogue" / "index.html").read_text(encoding="utf-8")
    assert index.count('class="film-card"') == 2
    assert "data-sector='[\"pflege\"]'" in index and "data-sector='[\"handwerk\"]'" in index
    assert (demo / "exports" / "catalogue" / "compare.html").is_file()
    assert "nothing to do" in casefilm(demo, "catalogue", check=True).stdout


def test_chapter_title_change_redoes_only_chapters_and_packaging(demo):
    film_yaml = demo / "projects" / FILM / "film.yaml"
    m = yaml.safe_load(film_yaml.read_text())
    m["chapters"][1]["title"] = "Der Vorschlag der KI"
    film_yaml.write_text(yaml.safe_dump(m, allow_unicode=True, sort_keys=False))
    renditions = demo / ".casefilm" / "cache" / FILM / "renditions"
    encoded = {p: p.stat().st_mtime_ns for p in renditions.rglob("*") if p.is_file()}
    assert encoded
    status = casefilm(demo, "status", FILM, check=True).stdout
    assert "chapters   stale" in status
    p = casefilm(demo, "run", FILM, check=True)
    ran = [ln.split("]")[1].split(":")[0].strip() for ln in p.stderr.splitlines()
           if ": running" in ln]
    assert ran == ["chapters", "export"], p.stderr
    assert "no video encode" in p.stderr
    assert {p: p.stat().st_mtime_ns for p in renditions.rglob("*") if p.is_file()} == encoded
    vtt = (demo / "exports" / FILM).rglob("chapters*.vtt")
    assert any("Der Vorschlag der KI" in f.read_text() for f in vtt)


def test_demo_without_a_model_says_how_to_get_one(tmp_path):
    p = casefilm(tmp_path, "demo", str(tmp_path / "d"),
                 env={"CASEFILM_WHISPER_MODEL": str(tmp_path / "missing.pt")})
    assert p.returncode == 4
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: Whisper model")
    assert "CASEFILM_WHISPER_MODEL" in lines[0] and "--model" in lines[0]
    assert not (tmp_path / "d").exists()


def test_demo_has_a_sign_language_interpreter(demo):
    """The demo's generated interpreter (issue 18): a rendition meeting the BITV figures,
    the player's button, and a DGS line in `casefilm status`."""
    export = demo / "exports" / FILM
    sl = json.loads((export / "manifest.json").read_text())["sign_language"]
    assert sl["meets_bitv"] and (sl["width"], sl["height"]) == (426, 480)
    assert (export / sl["mp4"]).is_file() and (export / sl["hls"]).is_file()
    assert 'id="btn-dgs"' in (export / "index.html").read_text(encoding="utf-8")
    status = casefilm(demo, "status", FILM, check=True).stdout
    assert re.search(r"DGS\s+rendition 426x480 25 fps \(meets BITV\)", status), status
