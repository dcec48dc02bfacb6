"""Shared fixtures of the export tests (no tests here).

`export_ws` builds, once per session, a workspace with one film whose inputs are written
by hand to the contracts of the upstream stages: a programme (10 s 640x360 testsrc2 with
espeak-ng speech), captions (4 cues, provenance "reviewed") and chapters (2 chapters with
learning goals), and runs `casefilm export` on it with the rungs 360p and 234p at preset
veryfast (small and quick; the default rung selection is tested on its own).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from tests import media
from tests.conftest import casefilm, write_film

FILM = "ki-pflege"
DURATION_S = 10
TITLE = "KI in der Dienstplanung"

CUES = [
    {"start": 500, "end": 2600, "lines": ["Willkommen zu unserem Film", "über Dienstplanung."], "speaker": "anna"},
    {"start": 2800, "end": 4900, "lines": ["Die KI entlastet", "die Einsatzplanung."], "speaker": "anna"},
    {"start": 6100, "end": 7800, "lines": ["[Musik]"], "kind": "sound"},
    {"start": 8000, "end": 9600, "lines": ["Der Betriebsrat & die <Pflege>."], "speaker": "ben"},
]
CHAPTERS = [
    {"start": 0, "end": 6000, "title": "Ausgangslage",
     "goals": [{"id": "LZ1", "text": "Beschreiben, wie KI die Einsatzplanung entlastet", "level": "verstehen"}],
     "summary": "Warum der Dienstplan drückt."},
    {"start": 6000, "end": 10000, "title": "Mitbestimmung",
     "goals": [{"id": "LZ2", "text": "Die Rolle des Betriebsrats erklären", "level": "verstehen"}],
     "summary": None},
]


def sha256(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def probe(path: Path, *args: str) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", *args, str(path)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def vtt_ts(ms: int) -> str:
    h, rem = divmod(ms, 3600000)
    m, rem = divmod(rem, 60000)
    s, milli = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{milli:03d}"


def write_programme(ws: Path, film: str, clip: Path, *, width=640, height=360, fps=25.0,
                    has_audio=True) -> None:
    from pipeline.models import Programme

    dur = float(probe(clip, "-show_format")["format"]["duration"])
    prog = Programme(film=film, media=str(clip), media_sha256=sha256(clip),
                     duration_ms=round(dur * 1000), width=width, height=height, fps=fps,
                     has_audio=has_audio, asr_audio=None, sources=[], spans=[])
    cache = ws / ".casefilm" / "cache" / film
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "programme.json").write_text(prog.model_dump_json(indent=2), encoding="utf-8")


def write_captions(ws: Path, film: str, cues=CUES, status="reviewed") -> None:
    d = ws / "subtitles" / film
    d.mkdir(parents=True, exist_ok=True)

    def esc(s):
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    vtt = ["WEBVTT", ""]
    srt = []
    for i, c in enumerate(cues, 1):
        voice = f"<v {c['speaker'].title()}>" if c.get("speaker") else ""
        vtt += [f"{vtt_ts(c['start'])} --> {vtt_ts(c['end'])}",
                *[voice + esc(ln) for ln in c["lines"]], ""]
        srt += [str(i), f"{vtt_ts(c['start']).replace('.', ',')} --> {vtt_ts(c['end']).replace('.', ',')}",
                *c["lines"], ""]
    (d / "captions.vtt").write_text("\n".join(vtt), encoding="utf-8")
    (d / "captions.srt").write_text("\n".join(srt), encoding="utf-8")
    from pipeline.captions import profiles
    from pipeline.captions.store import CaptionCue, CaptionProvenance, CaptionSet

    cs = CaptionSet(
        film=film, language="de", title=TITLE, profile=profiles.get("de-web"), fps=25.0,
        duration_ms=max(c["end"] for c in cues),
        provenance=CaptionProvenance(transcript_revision=1 if status != "auto" else 0,
                                     transcript_status=status, transcript_backend="review",
                                     editor="Anna" if status != "auto" else None,
                                     transcript_sha256="0" * 64),
        cues=[CaptionCue(index=i, **c) for i, c in enumerate(cues, 1)])
    (d / "cues.json").write_text(cs.model_dump_json(), encoding="utf-8")


def write_chapters(ws: Path, film: str, chapters=CHAPTERS) -> None:
    """All chapter files, written by the chapters package's own writers from one ChapterSet."""
    from pipeline.didactics.model import ChapterEntry, ChapterSet, GoalRef
    from pipeline.didactics.writers import write_all

    d = ws / "chapters" / film
    d.mkdir(parents=True, exist_ok=True)
    cs = ChapterSet(film=film, title=TITLE, duration_ms=max(c["end"] for c in chapters),
                    catalogue_name="Lernziele",
                    chapters=[ChapterEntry(index=i, start=c["start"], end=c["end"],
                                           title=c["title"], summary=c.get("summary"),
                                           goals=[GoalRef(**g) for g in c.get("goals", [])])
                              for i, c in enumerate(chapters, 1)])
    write_all(cs, d)


def manifest(rungs=(360, 234), preset="veryfast", **export) -> dict:
    return {
        "title": TITLE, "language": "de", "organisation": "Pflegedienst Beispiel gGmbH",
        "speakers": [{"id": "anna", "name": "Anna Beispiel"}, {"id": "ben", "name": "Ben Muster"}],
        "learning_goals": [{"id": "LZ1", "text": "Beschreiben, wie KI die Einsatzplanung entlastet"},
                           {"id": "LZ2", "text": "Die Rolle des Betriebsrats erklären"}],
        "sources": [{"id": "main", "file": "raw/main.mp4"}],
        "export": {"rungs": list(rungs), "preset": preset, **export},
    }


def make_clip(out: Path, seconds: float = DURATION_S, size: str = "640x360") -> Path:
    """testsrc2 at `size`, 25 fps, with espeak-ng German speech (mono, quiet) padded to length."""
    wav = media.speak("Willkommen. Die künstliche Intelligenz entlastet die Einsatzplanung "
                      "im Pflegedienst. Der Betriebsrat redet mit.", out.with_suffix(".wav"))
    media.video(out, seconds, size=size, audio=wav)
    return out


def build_film(ws: Path, film: str = FILM, *, captions=True, chapters=True, **kw) -> Path:
    raw = write_film(ws, film, manifest(**kw)) / "raw"
    raw.mkdir(exist_ok=True)
    clip = make_clip(raw / "main.mp4")
    write_programme(ws, film, clip)
    if captions:
        write_captions(ws, film)
    if chapters:
        write_chapters(ws, film)
    return clip


@pytest.fixture(scope="session")
def export_ws(tmp_path_factory) -> Path:
    # a path with a space, an umlaut and quotes: every tool call must survive it
    ws = tmp_path_factory.mktemp("export") / "ws Prüfung 'a' \"b\""
    (ws / "projects").mkdir(parents=True)
    build_film(ws)
    casefilm(ws, "export", FILM, check=True)
    return ws
