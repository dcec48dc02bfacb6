"""The edit as OpenTimelineIO, and through the OTIO adapters as CMX 3600 EDL, FCP 7 XML
(Premiere, Resolve) and FCPXML (Final Cut Pro); and reading an NLE's edit list back.

    exports/<film>/roughcut.otio     OTIO JSON: tracks V1 and A1, one clip per select
    exports/<film>/roughcut.edl      CMX 3600 (the adapter writes the video track; reels
                                     are the source ids, at most 8 characters)
    exports/<film>/roughcut.xml      FCP 7 XML (xmeml): video and audio track
    exports/<film>/roughcut.fcpxml   FCPXML 1.x

Clips are named by their source id, their media references point at the raw source files
(absolute file:// URLs) and their source ranges are in the source's own timecode: a
source file with a start timecode (a `timecode` tag, as cameras write) keeps it, so the
NLE finds the same frames. Times are whole frames at the edit's rate: a select's in point
is the frame containing its first word's start, its out point the frame after its last
word's end. Title cards become gaps of their duration named by their title (an NLE puts
its own title there).
"""

from __future__ import annotations

import math
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import opentimelineio as otio
from opentimelineio.opentime import RationalTime, TimeRange

from .. import ffmpeg
from ..compose.model import Card, Shot, Timeline
from ..errors import ManifestError, ToolError
from ..fsutil import write_text

# suffix -> (OTIO adapter, name used in messages)
FORMATS = {".otio": ("otio_json", "OTIO"), ".edl": ("cmx_3600", "CMX 3600 EDL"),
           ".xml": ("fcp_xml", "FCP 7 XML"), ".fcpxml": ("fcpx_xml", "FCPXML")}
EXPORT_SUFFIXES = (".otio", ".edl", ".xml", ".fcpxml")
REEL_LEN = 8  # CMX 3600 reel names


def frames_in(ms: int, fps: float) -> int:
    """The frame containing `ms`."""
    return math.floor(ms * fps / 1000 + 1e-9)


def frames_out(ms: int, fps: float) -> int:
    """The first frame after `ms` (an out point including the frame `ms` falls in)."""
    return math.ceil(ms * fps / 1000 - 1e-9)


def to_ms(t: RationalTime) -> int:
    return round(t.to_seconds() * 1000)


def file_url(path: Path | str) -> str:
    return Path(path).resolve().as_uri()


def url_path(url: str) -> Path | None:
    """The local path of a media reference URL (file:// URL or a plain path)."""
    if not url:
        return None
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme in ("", "file"):
        return Path(urllib.request.url2pathname(parsed.path if parsed.scheme else url))
    return None


@dataclass(frozen=True)
class SourceClock:
    """A source file's start timecode (frames at `fps`) and its duration."""

    start_frames: int
    duration_ms: int
    timecode: str | None


def source_clock(path: Path, fps: float) -> SourceClock:
    """The start timecode (a `timecode` tag of the format or a stream, as cameras and NLE
    renders write it) and the duration of the source file at `path`."""
    try:
        data = ffmpeg.probe_json(path, "-show_format", "-show_streams")
    except ToolError as e:
        raise ManifestError(path, "", f"not readable as media: {e.tail()}") from None
    tags = [(data.get("format") or {}).get("tags") or {}] + [
        s.get("tags") or {} for s in data.get("streams", [])]
    tc = next((t["timecode"] for t in tags if t.get("timecode")), None)
    start = 0
    if tc:
        try:
            start = otio.opentime.from_timecode(tc.replace(";", ":"), fps).to_frames()
        except ValueError:
            tc, start = None, 0
    dur = float((data.get("format") or {}).get("duration") or 0)
    return SourceClock(int(start), round(dur * 1000), tc)


def _range(start_frames: int, dur_frames: int, fps: float) -> TimeRange:
    return TimeRange(RationalTime(start_frames, fps), RationalTime(dur_frames, fps))


def to_otio(tl: Timeline, clocks: dict[str, SourceClock] | None = None,
            quotes: dict[int, str] | None = None) -> otio.schema.Timeline:
    """The timeline as OTIO: a video and an audio track with the same cuts."""
    fps = tl.fps
    clocks = clocks or {}
    out = otio.schema.Timeline(name=f"{tl.title}: Rohschnitt")
    out.global_start_time = RationalTime(0, fps)
    out.metadata["casefilm"] = {"film": tl.film, "fps": fps}
    for name, kind in (("V1", otio.schema.TrackKind.Video), ("A1", otio.schema.TrackKind.Audio)):
        track = otio.schema.Track(name=name, kind=kind)
        for item in tl.items:
            if isinstance(item, Card):
                gap = otio.schema.Gap(name=item.lines[0], source_range=_range(
                    0, max(1, round(item.duration_ms * fps / 1000)), fps))
                gap.metadata["casefilm"] = {"card": list(item.lines)}
                track.append(gap)
                continue
            clock = clocks.get(item.source_id) or SourceClock(0, 0, None)
            a, b = frames_in(item.src_in_ms, fps), frames_out(item.src_out_ms, fps)
            ref = otio.schema.ExternalReference(target_url=file_url(item.source_path))
            if clock.duration_ms:
                ref.available_range = _range(clock.start_frames,
                                             frames_out(clock.duration_ms, fps), fps)
            clip = otio.schema.Clip(name=item.source_id, media_reference=ref,
                                    source_range=_range(clock.start_frames + a, max(1, b - a), fps))
            clip.metadata["casefilm"] = {"select": item.select, "source": item.source_id,
                                         **({"text": quotes[item.select]}
                                            if quotes and item.select in quotes else {})}
            clip.metadata["cmx_3600"] = {"reel": item.source_id[:REEL_LEN]}
            track.append(clip)
        out.tracks.append(track)
    return out


def record_offset(track: otio.schema.Track) -> RationalTime:
    """What to add to a child's `range_in_parent()` for its programme time.

    The EDL reader starts a track at its first event (a leading gap becomes a negative
    track start); NLE sequences start on a whole hour (00:00:00:00, or 01:00:00:00 as
    Premiere and Resolve do), which is programme time 0."""
    rate = track.source_range.start_time.rate if track.source_range else 25.0
    first = -track.source_range.start_time if track.source_range else RationalTime(0, rate)
    hour = RationalTime(math.floor(first.to_seconds() / 3600 + 1e-9) * 3600 * rate, rate)
    return first - hour


def write(timeline: otio.schema.Timeline, path: Path) -> Path:
    """Write `timeline` to `path` through the adapter its suffix names, atomically."""
    adapter, _ = FORMATS[path.suffix.lower()]
    kw = {"rate": timeline.metadata.get("casefilm", {}).get("fps") or 25} if adapter == "cmx_3600" else {}
    text = otio.adapters.write_to_string(timeline, adapter, **kw)
    return write_text(path, text)


def read(path: Path, fps: float) -> otio.schema.Timeline:
    """An edit list from an NLE (OTIO, EDL, FCP 7 XML, FCPXML by suffix) as one OTIO
    timeline; `fps` is the rate of an EDL (which does not carry one). Every failure is one
    ManifestError naming the file."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ManifestError(path, "", "unsupported edit list (use .otio, .edl, .xml for FCP 7 "
                            "XML or .fcpxml)", path.suffix)
    adapter, what = fmt
    if not path.is_file():
        raise ManifestError(path, "", "file not found" if not path.exists() else "not a regular file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ManifestError(path, "", f"not a readable {what} file: not UTF-8 text "
                            f"({e.reason} at byte {e.start})") from None
    kw = {"rate": fps} if adapter == "cmx_3600" else {}
    try:
        result = otio.adapters.read_from_string(text, adapter, **kw)
    except Exception as e:  # noqa: BLE001  the adapters raise anything on bad input
        detail = " ".join(str(e).split())[:200] or type(e).__name__
        raise ManifestError(path, "", f"not a readable {what} file: {detail}") from None
    if isinstance(result, otio.schema.SerializableCollection):
        timelines = [t for t in result.find_children(descended_from_type=otio.schema.Timeline)] \
            if hasattr(result, "find_children") else [t for t in result if isinstance(t, otio.schema.Timeline)]
        if not timelines:
            raise ManifestError(path, "", f"no sequence/timeline in this {what} file")
        result = timelines[0]
    if not isinstance(result, otio.schema.Timeline):
        raise ManifestError(path, "", f"not a timeline but a {type(result).__name__}")
    return result


def export(film, resolved=None) -> list[Path]:
    """Write the film's paper edit as exports/<film>/roughcut.{otio,edl,xml,fcpxml}."""
    from .resolve import load_edit, resolve  # noqa: PLC0415  (resolve imports nothing from here)

    edit = load_edit(film)
    resolved = resolved or resolve(film, edit)
    tl = resolved.timeline
    clocks = {s.source_id: source_clock(Path(s.source_path), tl.fps)
              for s in tl.items if isinstance(s, Shot)}
    quotes = {i + 1: e.text for i, e in edit.shots() if e.text}
    ot = to_otio(tl, clocks, quotes)
    return [write(ot, film.export_dir / f"roughcut{suffix}") for suffix in EXPORT_SUFFIXES]
