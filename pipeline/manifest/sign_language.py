"""film.yaml `sign_language:`: a German Sign Language (DGS) interpreter for the film.

    sign_language:
      file: raw/dgs_interpreter.mov   # the interpreter's recording (raw footage, read only)
      offset: "00:00"                 # where in the programme the recording starts (default 0)
      crop: {x: 1280, y: 0, width: 640, height: 720}   # optional: the interpreter's region

Also the facts the export, the QC report and the catalogue share about it: where the
rendition lands in an export, and the BITV 2.0 (Anlage 2, Teil 2) figures a DGS video must
meet. What needs the recording or the programme (the file, its video stream, the offset
inside the programme, the crop inside the frame) is checked in preflight
(`pipeline.delivery.signlang_check`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from .. import timecode
from ..models import Ms, Strict

# BITV 2.0 Anlage 2 Teil 2 (and the broadcasters' practice): at least 320 x 240 pixels
# (width x height) and 25 frames per second
BITV_MIN_WIDTH = 320
BITV_MIN_HEIGHT = 240
BITV_MIN_FPS = 25.0
LANGUAGE = "gsg"  # BCP-47 / ISO 639-3: Deutsche Gebärdensprache


def meets_bitv(width: int, height: int, fps: float) -> bool:
    """True when a DGS video of width x height pixels at fps meets BITV's figures."""
    return width >= BITV_MIN_WIDTH and height >= BITV_MIN_HEIGHT and fps >= BITV_MIN_FPS - 0.01


def rendition_mp4(film_id: str) -> str:
    """The sign-language rendition's MP4, relative to exports/<film>/."""
    return f"media/{film_id}-dgs.mp4"


HLS_DIR = "hls/dgs"  # its own HLS stream (index.m3u8, init.mp4, seg_NNNNN.m4s)


class Crop(Strict):
    """The interpreter's region of the recording, in the recording's pixels."""

    x: int = Field(default=0, ge=0)
    y: int = Field(default=0, ge=0)
    width: int = Field(ge=2)
    height: int = Field(ge=2)


class SignLanguageSettings(Strict):
    file: Path  # relative to the film folder, or absolute; never modified
    offset: Ms = Field(default=0, ge=0)  # programme time (ms) of the recording's first frame
    crop: Crop | None = None

    @field_validator("offset", mode="before")
    @classmethod
    def _tc(cls, v: Any) -> int:
        return timecode.parse(v)
