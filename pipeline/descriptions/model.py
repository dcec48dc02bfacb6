"""Typed audio-description data shared by the describe stage and the export.

The describe stage reads `projects/<film>/descriptions.yaml` (human-made, never written by
a machine except through the review page's revisions), voices each description (a recorded
narration in `projects/<film>/descriptions/<n>.*` wins, otherwise a synthetic draft), mixes
and writes an `AdTrack` to `ad_track_path(film)`. The export reads that record only: it
never looks at descriptions.yaml or the narration files itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from ..models import Ms, Strict
from ..workspace import Film

VoiceKind = Literal["recorded", "espeak-ng", "piper"]


class Description(Strict):
    """One authored description as kept in descriptions.yaml (`at` parsed to ms)."""

    at_ms: Ms = Field(ge=0)
    text: str = Field(min_length=1)
    extended: bool = False  # the player pauses the film while it is spoken


class Voice(Strict):
    """Which narration was used for one description, and whether it may be delivered."""

    kind: VoiceKind
    source: str  # recorded: file path relative to the film dir; synthetic: engine + voice
    sha256: str  # digest of the narration audio actually mixed
    accepted_by: str | None = None  # reviewer who accepted a synthetic draft voice

    @property
    def draft(self) -> bool:
        return self.kind != "recorded" and self.accepted_by is None


class PlacedDescription(Strict):
    """A description as voiced: where its narration sits in programme time."""

    n: int = Field(ge=1)  # 1-based, in time order; names descriptions/<n>.wav
    start_ms: Ms = Field(ge=0)
    end_ms: Ms  # start + spoken length
    text: str
    extended: bool = False
    voice: Voice
    overlap_ms: Ms = 0  # spoken length running into speech (0 when it fits)


class AdTrack(Strict):
    """The describe stage's result, read by the export (paths absolute)."""

    film: str
    language: str  # BCP 47, as the programme's
    descriptions: list[PlacedDescription]
    vtt: str  # subtitles/<film>/descriptions.vtt (WebVTT, kind="descriptions")
    mix: str  # AD mix: programme ducked under narration, loudness as the main mix (FLAC, 48 kHz stereo)
    narration: str  # narration-only stem (FLAC, 48 kHz stereo, narration centred)
    duck_db: float  # programme attenuation under narration
    digest: str  # digest of descriptions.yaml (or the revision) the track was made from


def descriptions_path(film: Film) -> Path:
    return film.dir / "descriptions.yaml"


def narrations_dir(film: Film) -> Path:
    return film.dir / "descriptions"


def work_dir(film: Film) -> Path:
    return film.cache_dir / "ad"


def ad_track_path(film: Film) -> Path:
    return work_dir(film) / "ad.json"


def vtt_path(film: Film) -> Path:
    return film.subtitles_dir / "descriptions.vtt"
