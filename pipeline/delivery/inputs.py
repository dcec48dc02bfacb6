"""What the export stage reads besides the programme: caption, chapter and AD files.

All are optional (a film may have no speech, no chapters, no audio description). Contracts
(written by the subtitles, chapters and describe stages), read through their packages' own
typed loaders:

    subtitles/<film>/captions.vtt, captions.srt, cues.json
        cues.json: `pipeline.captions.load_cues` -> CaptionSet; the captions' standing now
                   (LiveProvenance) is handed in by the caller (the export stage asks
                   `pipeline.signoff.provenance`, which knows the sign-off)
    chapters/<film>/chapters.vtt, chapters.json, chapters.jsonld, ffmetadata.txt
        chapters.json: `pipeline.didactics.load_chapters` -> ChapterSet
        chapters.jsonld: the schema.org VideoObject the player page completes; an open
                         JSON-LD document, so it stays a dict
    .casefilm/cache/<film>/ad/ad.json (`pipeline.descriptions.model.AdTrack`)
        the AD mix and narration stem (FLAC) and subtitles/<film>/descriptions.vtt it
        names; the export never reads descriptions.yaml or the narration clips itself
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..captions import CaptionSet, LiveProvenance, load_cues
from ..didactics import load_chapters
from ..descriptions.model import AdTrack, ad_track_path
from ..didactics.model import ChapterEntry, ChapterSet
from ..errors import ManifestError
from ..fsutil import read_json
from ..workspace import Film

# the captions' standing now (auto / reviewed / approved), given the film and its cues
Standing = Callable[[Film, CaptionSet], LiveProvenance]

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


@dataclass(frozen=True)
class ExportSources:
    files: dict[str, Path]  # existing(film)
    captions: CaptionSet | None  # None: the subtitles stage made no cues.json
    provenance: LiveProvenance | None  # with captions
    chapters: ChapterSet | None  # None: no chapters.json
    jsonld: dict | None
    ad: AdTrack | None = None  # None: no audio description (no ad.json)

    @property
    def chapter_list(self) -> list[ChapterEntry]:
        return self.chapters.chapters if self.chapters is not None else []


def read(film: Film, standing: Standing) -> ExportSources:
    """Every input of the export besides the programme (raises ManifestError naming the
    file and field of a bad one); `standing(film, cues)` gives the captions' provenance."""
    files = existing(film)
    captions = load_cues(film)
    prov = standing(film, captions) if captions is not None else None
    chapters = load_chapters(film) if "chapters.json" in files else None
    return ExportSources(files=files, captions=captions, provenance=prov, chapters=chapters,
                        jsonld=_read_jsonld(files.get("chapters.jsonld")), ad=read_ad(film))


AD_FILES = ("mix", "narration", "vtt")  # AdTrack fields naming files the export delivers


def read_ad(film: Film) -> AdTrack | None:
    """The describe stage's AdTrack, or None when the film has none (or it describes
    nothing); a malformed record or
    a file it names that is missing raises ManifestError naming ad.json and the field."""
    path = ad_track_path(film)
    if not path.is_file():
        return None
    track = read_json(path, AdTrack, "audio-description track")
    for name in AD_FILES:
        value = getattr(track, name)
        if not Path(value).is_file():
            raise ManifestError(path, name, "file not found (run the describe stage again)",
                                value)
    return track if track.descriptions else None  # nothing described: no AD track


def _read_jsonld(path: Path | None) -> dict | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise ManifestError(path, "", f"unreadable: {e}") from None
    except json.JSONDecodeError as e:
        raise ManifestError(path, "", f"malformed JSON at line {e.lineno}: {e.msg}") from None
    if not isinstance(data, dict):
        raise ManifestError(path, "", "expected a JSON-LD object")
    return data


def ffmetadata_text(chapters: list[ChapterEntry], title: str) -> str:
    """FFMETADATA1 for `-map_chapters` when chapters/ffmetadata.txt is absent."""
    def esc(s: str) -> str:
        for ch in ("\\", "=", ";", "#", "\n"):
            s = s.replace(ch, "\\" + ch)
        return s

    lines = [";FFMETADATA1", f"title={esc(title)}", ""]
    for ch in chapters:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={ch.start}", f"END={ch.end}",
                  f"title={esc(ch.title)}", ""]
    return "\n".join(lines)
