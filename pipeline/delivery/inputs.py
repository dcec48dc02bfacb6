"""What the export stage reads besides the programme: caption and chapter files.

Both are optional (a film may have no speech or no chapters); readers return None then.
Contracts (written by the subtitles and chapters stages):

    subtitles/<film>/captions.vtt, captions.srt, cues.json
        cues.json: read through `pipeline.captions.load_cues` (typed), provenance live from
                   `pipeline.captions.provenance` (auto | reviewed | approved)
    chapters/<film>/chapters.vtt, chapters.json, chapters.jsonld, ffmetadata.txt
        chapters.json: [{"start", "end" (ms), "title", "goals": [{id, text, level}],
                         "summary"}, ...] (or {"chapters": [...]})
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ManifestError
from ..models import Cue
from ..workspace import Film

CAPTION_FILES = ("captions.vtt", "captions.srt", "cues.json")
CHAPTER_FILES = ("chapters.vtt", "chapters.json", "chapters.jsonld", "ffmetadata.txt")


def existing(film: Film) -> dict[str, Path]:
    """name -> path of the caption and chapter files that exist, e.g. 'captions.vtt'."""
    out = {}
    for d, names in ((film.subtitles_dir, CAPTION_FILES), (film.chapters_dir, CHAPTER_FILES)):
        for n in names:
            p = d / n
            if p.is_file():
                out[n] = p
    return out


@dataclass
class TranscriptCue:
    start: int  # ms
    end: int
    text: str
    speaker: str | None  # display name
    kind: str = "speech"


@dataclass
class Captions:
    status: str  # auto | in_review | reviewed | approved | unknown
    provenance: dict
    cues: list[Cue] = field(default_factory=list)


def _load_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise ManifestError(path, "", f"unreadable: {e}") from None
    except json.JSONDecodeError as e:
        raise ManifestError(path, "", f"malformed JSON at line {e.lineno}: {e.msg}") from None


def read_captions(film: Film) -> Captions | None:
    """The film's cues (typed, from the captions package) and their live provenance."""
    from ..captions import load_cues, provenance  # noqa: PLC0415

    cs = load_cues(film)
    if cs is None:
        return None
    prov = provenance(film, film.manifest.language)
    cues = [Cue(start=c.start, end=c.end, lines=c.lines, speaker=c.speaker,
                speakers=c.speakers, kind=c.kind) for c in cs.cues]
    return Captions(status=prov["status"], provenance=prov, cues=cues)


def read_chapters(film: Film) -> list[dict]:
    """The chapters stage's chapters (typed, via `pipeline.didactics.load_chapters`) as
    dicts {index, start, end (ms), title, goals: [{id, text, level}], summary}; [] when the
    film has none."""
    from ..didactics import load_chapters  # noqa: PLC0415

    if not (film.chapters_dir / "chapters.json").exists():
        return []
    return [{"index": c.index, "start": c.start, "end": c.end, "title": c.title,
             "goals": [{"id": g.id, "text": g.text, "level": g.level} for g in c.goals],
             "summary": c.summary} for c in load_chapters(film).chapters]


def read_jsonld(path: Path | None) -> dict | None:
    if path is None:
        return None
    data = _load_json(path)
    if not isinstance(data, dict):
        raise ManifestError(path, "", "expected a JSON-LD object")
    return data


def ffmetadata_text(chapters: list[dict], title: str) -> str:
    """FFMETADATA1 for `-map_chapters` when chapters/ffmetadata.txt is absent."""
    def esc(s: str) -> str:
        for ch in ("\\", "=", ";", "#", "\n"):
            s = s.replace(ch, "\\" + ch)
        return s

    lines = [";FFMETADATA1", f"title={esc(title)}", ""]
    for ch in chapters:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={ch['start']}", f"END={ch['end']}",
                  f"title={esc(ch['title'])}", ""]
    return "\n".join(lines)
