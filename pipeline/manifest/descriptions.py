"""film.yaml `descriptions`: how audio descriptions are fitted, voiced and mixed.

Every figure is documented in docs/audio-description.md.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from ..models import Strict

# German narration, words per second: a working assumption of 2-2.5 w/s
# (reference/audio-description.md); casefilm uses the middle, overridable per film and
# per `casefilm descriptions gaps --rate`. A voice clip's measured length always wins.
DEFAULT_RATE_WPS = 2.2
DEFAULT_MIN_GAP_MS = 1000  # shorter pauses are not listed as gaps (not even 2 words fit)
DEFAULT_DUCK_DB = -12.0  # programme attenuation under a narration
DEFAULT_RAMP_MS = 200  # linear gain ramps before and after each narration
DEFAULT_ESPEAK_VOICE = "de"


class DescriptionSettings(Strict):
    rate_wps: float = Field(default=DEFAULT_RATE_WPS, gt=0.5, le=6)
    min_gap_ms: int = Field(default=DEFAULT_MIN_GAP_MS, ge=100, le=60000)
    duck_db: float = Field(default=DEFAULT_DUCK_DB, ge=-40, le=-1)
    ramp_ms: int = Field(default=DEFAULT_RAMP_MS, ge=10, le=2000)
    espeak_voice: str = Field(default=DEFAULT_ESPEAK_VOICE, min_length=1)
    piper_model: Path | None = None  # a piper voice model (.onnx): used instead of espeak-ng
