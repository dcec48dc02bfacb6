"""Shared helpers for the review tests (no tests here): a film with a programme video and
a machine transcript whose word times are known.

The film `case` has speakers anna and ben and a glossary; its transcript (revision 0,
status auto) has three segments:

    0  anna  "Guten Tag, ich bin Anna aus Stuttgart."   words at 0.2 s … 2.6 s
    1  ben   "Wir planen Dienste mit Kai."               words at 3.0 s … 4.6 s ("Kai" p=0.21)
    2  ben   "Der Betriebsrat war dabei."               words at 5.0 s … 6.4 s

Each word lasts 300 ms and words start 400 ms apart, so there is a 100 ms gap between
neighbours. The programme video (when asked for) is a 7 s 320x180 lavfi clip with a tone.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pipeline import transcripts
from pipeline.models import Programme, Provenance, Segment, Transcript, Word
from pipeline.workspace import Workspace
from tests import media
from tests.conftest import write_film

FILM = "case"
DURATION_MS = 7000
MANIFEST = {
    "title": "KI in der Dienstplanung",
    "language": "de",
    "speakers": [{"id": "anna", "name": "Anna Beispiel", "role": "Pflegedienstleitung"},
                 {"id": "ben", "name": "Ben Muster"}],
    "glossary": ["KI", "Betriebsrat", "Dienstplan"],
    "sources": [{"id": "a", "file": "raw/a.mp4", "speaker": "anna"}],
}
TEXTS = [("anna", 200, "Guten Tag, ich bin Anna aus Stuttgart."),
         ("ben", 3000, "Wir planen Dienste mit Kai."),
         ("ben", 5000, "Der Betriebsrat war dabei.")]
LOW = {"Kai.": 0.21, "bin": 0.4}  # word text -> probability; all others 0.95


def machine_transcript(texts=TEXTS, film: str = FILM) -> Transcript:
    segs = []
    for i, (spk, t0, text) in enumerate(texts):
        words = [Word(start=t0 + 400 * k, end=t0 + 400 * k + 300, text=w, probability=LOW.get(w, 0.95))
                 for k, w in enumerate(text.split())]
        segs.append(Segment(id=i, start=words[0].start, end=words[-1].end, text=text,
                            words=words, speaker=spk))
    return Transcript(film=film, duration_ms=DURATION_MS, segments=segs,
                      provenance=Provenance(backend="openai-whisper", model="small"))


def make_film(ws_root: Path, *, clip: Path | None = None, transcript: Transcript | None = None):
    """Write the film (manifest, asr.json, programme.json if `clip`) and return its Film.

    The manifest's source raw/a.mp4 is the clip (hard link) when one is given, else a
    placeholder file, so stages that digest their sources can plan."""
    d = write_film(ws_root, FILM, MANIFEST)
    raw = d / "raw" / "a.mp4"
    raw.parent.mkdir(exist_ok=True)
    if clip is not None:
        try:
            os.link(clip, raw)
        except OSError:
            shutil.copyfile(clip, raw)
    else:
        raw.write_bytes(b"placeholder: this film's media is never ingested in these tests")
    ws = Workspace.resolve(ws_root)
    film = ws.film(FILM)
    transcripts.write_machine(film, transcript or machine_transcript())
    if clip is not None:
        write_programme(film, clip)
    return film


def write_programme(film, clip: Path) -> None:
    prog = Programme(film=film.id, media=str(clip), media_sha256="0" * 64, duration_ms=DURATION_MS,
                     width=320, height=180, fps=25.0, has_audio=True, asr_audio=None,
                     sources=[], spans=[])
    film.cache_dir.mkdir(parents=True, exist_ok=True)
    (film.cache_dir / "programme.json").write_text(prog.model_dump_json(), encoding="utf-8")


def make_clip(directory: Path) -> Path:
    """7 s, 320x180, 25 fps H.264 testsrc2 with a 440 Hz AAC tone, keyframe every second."""
    return media.video(directory / "programme.mp4", 7, size="320x180", tone=True)
