"""The caption files of a film and their typed twin `cues.json`.

    subtitles/<film>/captions.vtt   WebVTT (voices, colours)      ← bound by a sign-off
    subtitles/<film>/captions.srt   SubRip                         ← bound by a sign-off
    subtitles/<film>/captions.ttml  TTML, EBU-TT-D                 ← bound by a sign-off
    subtitles/<film>/cues.json      CaptionSet: cues + provenance (for player, transcript, QC)
    subtitles/<film>/qc.html, qc.json, approval.json

`load(film)` reads cues.json; the export/player builds the interactive transcript from it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field

from ..fsutil import read_json
from ..models import Cue, ReviewStatus, Strict
from .profiles import Profile

if TYPE_CHECKING:  # imported by the captions package, which manifest reaches: no workspace
    from ..workspace import Film

CAPTION_FILES = {"vtt": "captions.vtt", "srt": "captions.srt", "ttml": "captions.ttml"}


class CaptionCue(Cue):
    """A cue as delivered, with what QC and the interactive transcript need."""

    index: int  # 1-based, as numbered in the SRT and QC report
    speaker_name: str | None = None
    colour: str | None = None  # SDH colour class of the first line's speaker
    first_word_ms: int | None = None  # start of the first spoken word (sync check)
    last_word_ms: int | None = None  # end of the last spoken word (trail check)
    word_count: int = 0


class SpeakerOut(Strict):
    id: str
    name: str
    colour: str


class CaptionProvenance(Strict):
    transcript_revision: int  # 0: machine original, n: review revision n
    transcript_status: ReviewStatus
    transcript_backend: str
    transcript_model: str | None = None  # the Whisper model that heard it (None: imported)
    editor: str | None = None
    transcript_sha256: str
    approval: dict | None = None  # the valid sign-off when these files were written


class CaptionSet(Strict):
    film: str
    language: str
    title: str
    profile: Profile
    fps: float
    duration_ms: int
    cuts_ms: list[int] = Field(default_factory=list)
    speakers: list[SpeakerOut] = Field(default_factory=list)
    provenance: CaptionProvenance
    cues: list[CaptionCue]


def cues_path(film: Film) -> Path:
    return film.subtitles_dir / "cues.json"


def caption_paths(film: Film) -> dict[str, Path]:
    return {k: film.subtitles_dir / v for k, v in CAPTION_FILES.items()}


def load(film: Film) -> CaptionSet | None:
    """The film's cues.json, or None when the subtitles stage has not run."""
    return load_path(cues_path(film))


def load_path(path: Path) -> CaptionSet | None:
    if not path.exists():
        return None
    return read_json(path, CaptionSet, "cues JSON")
