"""Typed audio-description data shared by the describe stage and the export.

The describe stage reads `projects/<film>/descriptions.yaml` (human-made, never written by
a machine except through the review page's revisions), voices each description (a recorded
narration in `projects/<film>/descriptions/<n>.*` wins, otherwise a synthetic draft), mixes
and writes an `AdTrack` to `ad_track_path(film)`. The export reads that record only: it
never looks at descriptions.yaml or the narration files itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from ..models import Ms, Strict

if TYPE_CHECKING:  # the path helpers only read Film's folders; no workspace import, so the
    from ..workspace import Film  # captions sign-off can use them (tests/test_imports.py)

VoiceKind = Literal["recorded", "espeak-ng", "piper"]


class Description(Strict):
    """One authored description as kept in descriptions.yaml (`at` parsed to ms)."""

    at_ms: Ms = Field(ge=0)
    text: str = Field(min_length=1)
    extended: bool = False  # the player pauses the film while it is spoken
    # added by the describe stage: a recorded narration named in descriptions.yaml
    # (relative to the film dir), instead of descriptions/<n>.* (which follows renumbering)
    narration: str | None = None


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
    # added by the describe stage (all optional, so the export may ignore them):
    clip: str | None = None  # the narration as mixed: WAV 48 kHz mono, at mix gain (absolute)
    gap_ms: Ms = 0  # the pause in speech from start_ms to the next speech or sound
    estimated_ms: Ms = 0  # words / narration rate (what the describer's script shows)


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
    # added by the describe stage (optional for readers):
    ramp_ms: int = 0  # linear gain ramps just outside each narration window
    mix_sha256: str = ""
    narration_sha256: str = ""
    vtt_sha256: str = ""
    target_lufs: float | None = None  # the main mix's target and ceiling (film.yaml export)
    ceiling_dbtp: float | None = None
    mix_lufs: float | None = None  # measured on the AD mix FLAC (ebur128)
    mix_true_peak_dbtp: float | None = None
    narration_gain_db: float = 0.0  # ceiling correction applied to every narration (<= 0)
    transcript: str = ""  # file name of the transcript revision the gaps came from


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


# --- added by the describe stage ----------------------------------------------------------


def revisions_dir(film: Film) -> Path:
    """Every earlier state of descriptions.yaml saved from the review page (NNNN.yaml)."""
    return narrations_dir(film) / "revisions"


def mix_path(film: Film) -> Path:
    return work_dir(film) / "ad-mix.flac"


def narration_path(film: Film) -> Path:
    return work_dir(film) / "ad-narration.flac"


def clips_dir(film: Film) -> Path:
    return work_dir(film) / "clips"


def acceptance_path(film: Film) -> Path:
    """Reviewers' acceptances of synthetic draft voices (human-made, never machine-written)."""
    return film.subtitles_dir / "ad-voices.json"


def script_paths(film: Film) -> tuple[Path, Path]:
    """The describer's script: HTML and DOCX."""
    d = film.subtitles_dir
    return d / "descriptions-script.html", d / "descriptions-script.docx"
