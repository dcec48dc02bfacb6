"""The one place moviepy is imported, with ffmpeg pinned to the system's.

moviepy 2.x reads `FFMPEG_BINARY` when `moviepy.config` is first imported; by default it
would use the ffmpeg binary bundled with imageio-ffmpeg (another build, another version).
This module sets `FFMPEG_BINARY` (and imageio's `IMAGEIO_FFMPEG_EXE`) to the ffmpeg on
PATH — /usr/bin/ffmpeg on Debian — before moviepy loads, so the two can never disagree.
casefilm uses moviepy only to *compose frames* (text, cards, lower thirds) in memory; it
never asks moviepy to read or write a media file (`write_videofile`, `VideoFileClip`), so
all decoding and encoding stays in `pipeline/ffmpeg.py`.

Fonts come from Debian's fonts-dejavu-core (`FONT`, `FONT_BOLD`); a missing font is a
`MissingTool` naming that package.
"""

from __future__ import annotations

import os
from pathlib import Path

from .. import ffmpeg
from ..errors import MissingTool

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"


def _pin_ffmpeg() -> str:
    exe = ffmpeg._binary("ffmpeg")
    os.environ["FFMPEG_BINARY"] = exe
    os.environ["IMAGEIO_FFMPEG_EXE"] = exe
    return exe


FFMPEG_EXE = _pin_ffmpeg()

import moviepy  # noqa: E402  (after FFMPEG_BINARY is set)
import moviepy.config  # noqa: E402
from moviepy import ColorClip, CompositeVideoClip, TextClip, VideoClip, vfx  # noqa: E402,F401

if moviepy.config.FFMPEG_BINARY != FFMPEG_EXE:  # imported elsewhere before us: say so
    raise RuntimeError(f"moviepy uses {moviepy.config.FFMPEG_BINARY}, not {FFMPEG_EXE}; "
                       "import moviepy only through pipeline.compose.mpy")

VERSION = moviepy.__version__


def font(bold: bool = False) -> str:
    path = FONT_BOLD if bold else FONT
    if not path.is_file():
        raise MissingTool(str(path), "fonts-dejavu-core", "for title cards and captions")
    return str(path)
