"""What film.yaml `sign_language:` and the file system show before any stage works.

`check(film)` raises the first problem as one `MediaError` or `ManifestError` naming the
field: the recording missing, empty or not a regular file (`sign_language.file`), a
recording without a video stream (`sign_language.file`), a crop outside the recording's
frame (`sign_language.crop`), an offset at or past the end of the programme
(`sign_language.offset`). The programme's length is the ingest result when there is one,
else what ffprobe says of the master, else the sum of the sources (which is what ingest
will make of them).
"""

from __future__ import annotations

from pathlib import Path

from .. import ffmpeg, timecode
from ..errors import CasefilmError, ManifestError, MediaError, Pending
from ..manifest.sign_language import SignLanguageSettings
from ..models import MediaInfo
from ..workspace import Film

FIELD = "sign_language"


def recording_path(film: Film, sl: SignLanguageSettings) -> Path:
    return film.resolve_media(sl.file)


def probe_recording(film: Film, sl: SignLanguageSettings) -> MediaInfo:
    """ffprobe's view of the interpreter's recording; MediaError (naming the field) when it
    is missing, empty, not media or has no video stream."""
    path = recording_path(film, sl)
    ffmpeg.check_file(path, f"{FIELD}.file")
    try:
        info = ffmpeg.media_info(path, sha256="")
    except MediaError as e:
        raise MediaError(path, e.reason, field=f"{FIELD}.file") from None
    if info.video is None:
        raise MediaError(path, "no video stream: the interpreter's recording must be a video",
                         field=f"{FIELD}.file")
    return info


def display_size(info: MediaInfo) -> tuple[int, int]:
    """Width and height of the recording's frames as ffmpeg decodes them (rotated upright
    when the file carries a 90/270 degree display matrix, as phones write it)."""
    v = info.video
    assert v is not None and v.width and v.height
    return (v.height, v.width) if v.rotation in (90, 270) else (v.width, v.height)


def recording_ms(info: MediaInfo) -> int:
    """Length of the recording's video (the file's length when the stream has none)."""
    return (info.video.duration_ms if info.video else None) or info.duration_ms


def programme_duration_ms(film: Film) -> int | None:
    """The programme's length: ingest's result, else the master's, else the sources' sum
    (None when a file cannot be probed; ingest reports that one)."""
    from ..programme import load_programme  # noqa: PLC0415

    try:
        return load_programme(film).duration_ms
    except (Pending, CasefilmError, ValueError):
        pass
    m = film.manifest
    files = [m.master] if m.master is not None else [s.file for s in m.sources]
    try:
        return sum(ffmpeg.media_info(film.resolve_media(f), sha256="").duration_ms
                   for f in files)
    except CasefilmError:
        return None


def check(film: Film) -> MediaInfo | None:
    """Raise the first problem of `sign_language:` (see module doc); return the probed
    recording (None: the film has no interpreter)."""
    sl = film.manifest.sign_language
    if sl is None:
        return None
    info = probe_recording(film, sl)
    if sl.crop is not None:
        c, (w, h) = sl.crop, display_size(info)
        if c.x + c.width > w or c.y + c.height > h:
            raise ManifestError(
                film.manifest_path, f"{FIELD}.crop",
                f"the region {c.width}x{c.height} at ({c.x}, {c.y}) lies outside the "
                f"recording's {w}x{h} frame")
    duration = programme_duration_ms(film)
    if duration is not None and sl.offset >= duration:
        raise ManifestError(
            film.manifest_path, f"{FIELD}.offset",
            f"the interpreter would start at {timecode.short(sl.offset)}, at or after the end "
            f"of the programme ({timecode.short(duration)})")
    return info
