"""Cheap films for the lock and cluster tests: short lavfi clips with an imported SRT, so a
whole film (ingest → export) takes a second or two and no Whisper runs."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from tests import media
from tests.conftest import write_film

SRT = ("1\n00:00:00,200 --> 00:00:01,500\nGuten Tag.\n\n"
       "2\n00:00:01,600 --> 00:00:02,800\nWir planen Dienste.\n")


def clip(d: Path, seconds: float = 3, size: str = "320x180") -> Path:
    """`seconds` s of moving testsrc2 at `size` with a 440 Hz tone. Moving, so the rungs'
    encodes run into their VBV caps: the case in which libx264's default frame threads gave
    different bytes on every run (issue 19; see docs/delivery.md)."""
    return media.video(d / f"testsrc2-{size}-{seconds}.mp4", seconds, size=size,
                       source="testsrc2", tone=True)


def make_films(ws: Path, source: Path, ids: list[str], **extra) -> None:
    """Films `ids`, each with a copy of `source` as its one source and the imported SRT
    (and `extra` film.yaml keys)."""
    for fid in ids:
        raw = ws / "projects" / fid / "raw"
        raw.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, raw / "clip.mp4")
        (raw / "vendor.srt").write_text(SRT, encoding="utf-8")
        write_film(ws, fid, {"title": f"Film {fid}", "sources": [{"id": "a", "file": "raw/clip.mp4"}],
                             "transcript": {"import": "raw/vendor.srt"}, **extra})


# JSON keys that hold times (or the digest of a file that holds one): a cluster run and a
# sequential run differ in them and nowhere else
TIMES = {"created_at", "finished_at", "seconds", "transcript_sha256"}


def _strip(v):
    if isinstance(v, dict):
        return {k: _strip(x) for k, x in v.items() if k not in TIMES}
    if isinstance(v, list):
        return [_strip(x) for x in v]
    return v


def output_digests(ws: Path) -> dict[str, str]:
    """sha256 of every file a run wrote for people (transcripts, subtitles, chapters,
    exports), JSON files with their recorded times left out."""
    out = {}
    for top in ("projects", "subtitles", "chapters", "exports"):
        for p in sorted((ws / top).rglob("*")):
            if not p.is_file() or "raw" in p.relative_to(ws).parts:
                continue
            data = p.read_bytes()
            if p.suffix == ".json":
                data = json.dumps(_strip(json.loads(data)), sort_keys=True).encode()
            out[str(p.relative_to(ws))] = hashlib.sha256(data).hexdigest()
    return out


def records(ws: Path) -> dict[str, dict]:
    """Every stage record of the workspace, by 'film/stage'."""
    return {f"{p.parent.name}/{p.stem}": json.loads(p.read_text())
            for p in sorted((ws / ".casefilm" / "records").glob("*/*.json"))}


def temporaries(ws: Path) -> list[str]:
    return sorted(str(p.relative_to(ws)) for p in ws.rglob(".tmp-*"))
