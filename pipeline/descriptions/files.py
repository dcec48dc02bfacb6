"""The audio-description files a sign-off binds (`signoff.approval`), apart from
the captions: what exists of descriptions.yaml, descriptions.vtt, the AD mix and the
narration stem, and their sha256 (media through the workspace's digest cache, so status
and QC do not hash a FLAC twice). Imports only the contract, so the sign-off can use it
without pulling in the mixer."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .model import descriptions_path, mix_path, narration_path, vtt_path

if TYPE_CHECKING:
    from ..workspace import Film

AD_FILE_NAMES = ("descriptions.yaml", "descriptions.vtt", "ad-mix.flac", "ad-narration.flac")


def ad_files(film: Film) -> dict[str, Path]:
    """name -> path of the AD files that exist."""
    paths = dict(zip(AD_FILE_NAMES, (descriptions_path(film), vtt_path(film), mix_path(film),
                                     narration_path(film))))
    return {n: p for n, p in paths.items() if p.is_file()}


def ad_checksums(film: Film) -> dict[str, str]:
    """sha256 of each AD file that exists."""
    try:
        return {n: film.ws.digests.digest(p) for n, p in ad_files(film).items()}
    except OSError:
        return {}
