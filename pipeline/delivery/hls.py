"""HLS playlists and WebVTT subtitle segments, written by us from measured figures.

ffmpeg 5.1 cuts the fMP4 segments; its own playlists lack AVERAGE-BANDWIDTH, FRAME-RATE,
I-frame playlists, AUTOSELECT/CHARACTERISTICS and X-TIMESTAMP-MAP, and its BANDWIDTH is
nominal. So every playlist here is written from the segment sizes and durations measured
after segmenting: BANDWIDTH = highest segment bitrate, AVERAGE-BANDWIDTH = total bits over
total duration (bit/s, container overhead included).

Writers take a text stream; only `pipeline.delivery.package` opens paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from .. import timecode
from ..models import Cue
from .model import IFrame, Segment

SDH_CHARACTERISTICS = ("public.accessibility.transcribes-spoken-dialog,"
                       "public.accessibility.describes-music-and-sound")
VERSION = 7  # fMP4 segments, EXT-X-MAP in media playlists


@dataclass
class Variant:
    uri: str  # media playlist, relative to the master
    iframe_uri: str
    bandwidth: int  # bit/s, measured peak
    average_bandwidth: int  # bit/s, measured average
    iframe_bandwidth: int
    iframe_average_bandwidth: int
    codecs: str
    video_codec: str
    width: int
    height: int
    fps: float


@dataclass
class SubtitleRendition:
    uri: str
    language: str  # BCP-47
    name: str  # shown in players' menus
    sdh: bool = True  # captions for the deaf and hard of hearing (speech + sounds)
    default: bool = False


def _q(s: str) -> str:
    return s.replace('"', "'").replace("\n", " ")


def write_master(out: TextIO, variants: list[Variant],
                 subtitles: SubtitleRendition | None = None) -> None:
    out.write(f"#EXTM3U\n#EXT-X-VERSION:{VERSION}\n#EXT-X-INDEPENDENT-SEGMENTS\n\n")
    group = ""
    if subtitles is not None:
        group = ',SUBTITLES="subs"'
        attrs = [
            'TYPE=SUBTITLES', 'GROUP-ID="subs"', f'NAME="{_q(subtitles.name)}"',
            f'LANGUAGE="{subtitles.language}"',
            f'DEFAULT={"YES" if subtitles.default else "NO"}', "AUTOSELECT=YES", "FORCED=NO",
        ]
        if subtitles.sdh:
            attrs.append(f'CHARACTERISTICS="{SDH_CHARACTERISTICS}"')
        attrs.append(f'URI="{subtitles.uri}"')
        out.write("#EXT-X-MEDIA:" + ",".join(attrs) + "\n\n")
    for v in variants:
        out.write(
            f"#EXT-X-STREAM-INF:BANDWIDTH={v.bandwidth},AVERAGE-BANDWIDTH={v.average_bandwidth},"
            f'CODECS="{v.codecs}",RESOLUTION={v.width}x{v.height},FRAME-RATE={v.fps:.3f}'
            f"{group}\n{v.uri}\n")
    out.write("\n")
    for v in variants:
        out.write(
            f"#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH={v.iframe_bandwidth},"
            f"AVERAGE-BANDWIDTH={v.iframe_average_bandwidth},"
            f'CODECS="{v.video_codec}",RESOLUTION={v.width}x{v.height},URI="{v.iframe_uri}"\n')


def target_duration(durations: list[float]) -> int:
    """EXT-X-TARGETDURATION: every EXTINF rounded to the nearest integer is at most this
    (RFC 8216 4.3.3.1), so 6.006 s segments (29.97 fps) keep a target of 6."""
    return max([1] + [int(d + 0.5) for d in durations])


def _head(out: TextIO, durations: list[float], extra: str = "") -> None:
    out.write(f"#EXTM3U\n#EXT-X-VERSION:{VERSION}\n"
              f"#EXT-X-TARGETDURATION:{target_duration(durations)}\n"
              f"#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n"
              f"{extra}")


def write_media(out: TextIO, segments: list[Segment], init: str = "init.mp4") -> None:
    """A rung's media playlist: the segments in order."""
    _head(out, [s.duration_s for s in segments], f'#EXT-X-MAP:URI="{init}"\n')
    for s in segments:
        out.write(f"#EXTINF:{s.duration_s:.6f},\n{s.file}\n")
    out.write("#EXT-X-ENDLIST\n")


def write_iframes(out: TextIO, iframes: list[IFrame], init: str = "init.mp4") -> None:
    """A rung's I-frame playlist: one IDR (with its moof) per segment, as a byte range."""
    _head(out, [f.duration_s for f in iframes], f'#EXT-X-I-FRAMES-ONLY\n#EXT-X-MAP:URI="{init}"\n')
    for f in iframes:
        out.write(f"#EXTINF:{f.duration_s:.6f},\n"
                  f"#EXT-X-BYTERANGE:{f.length}@{f.offset}\n{f.file}\n")
    out.write("#EXT-X-ENDLIST\n")


def write_subtitle_playlist(out: TextIO, segments: list[tuple[str, float]]) -> None:
    """segments: [(uri, duration_s)]."""
    _head(out, [d for _, d in segments])
    for uri, d in segments:
        out.write(f"#EXTINF:{d:.6f},\n{uri}\n")
    out.write("#EXT-X-ENDLIST\n")


def mpegts_of(first_pts_s: float) -> int:
    """90 kHz MPEG-TS time of programme time 0 in the media segments."""
    return round(first_pts_s * 90000)


def segment_bounds(durations: list[float]) -> list[tuple[int, int]]:
    """[(start_ms, end_ms)] of consecutive segments of the given durations (s)."""
    out, t = [], 0.0
    for d in durations:
        out.append((round(t * 1000), round((t + d) * 1000)))
        t += d
    return out


def write_vtt_segment(out: TextIO, cue_blocks: list[str], mpegts: int) -> None:
    """One WebVTT segment: header with X-TIMESTAMP-MAP, then the given cue blocks."""
    out.write(f"WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:{mpegts},LOCAL:00:00:00.000\n\n")
    for block in cue_blocks:
        out.write(block.rstrip("\n") + "\n\n")


def vtt_cue_blocks(vtt_text: str) -> list[tuple[int, int, str]]:
    """(start_ms, end_ms, block text) of each cue of a WebVTT file, in file order.

    Header, NOTE, STYLE and REGION blocks are skipped; cue text stays verbatim (already
    escaped by the subtitles stage), so voice tags and positioning survive."""
    blocks = vtt_text.replace("\r\n", "\n").replace("\r", "\n").split("\n\n")
    out = []
    for b in blocks[1:]:
        b = b.strip("\n")
        if not b or b.startswith(("NOTE", "STYLE", "REGION")):
            continue
        lines = b.split("\n")
        idx = next((i for i, ln in enumerate(lines) if "-->" in ln), None)
        if idx is None:
            continue
        start_s, _, rest = lines[idx].partition("-->")
        end_s = rest.strip().split()[0]
        try:
            start, end = timecode.parse(start_s.strip()), timecode.parse(end_s)
        except ValueError:
            continue
        out.append((start, end, b))
    return out


def split_cues(cues: list[tuple[int, int, str]], bounds: list[tuple[int, int]]) -> list[list[str]]:
    """Cue blocks for each segment: a cue goes into every segment it overlaps."""
    return [[b for s, e, b in cues if s < seg_end and e > seg_start] for seg_start, seg_end in bounds]


def cues_to_blocks(cues: list[Cue]) -> list[tuple[int, int, str]]:
    """Fallback when only cues.json exists: plain cue blocks (text escaped)."""
    from ..captions.writers import vtt_escape  # noqa: PLC0415

    return [(c.start, c.end, f"{timecode.vtt(c.start)} --> {timecode.vtt(c.end)}\n"
             + "\n".join(vtt_escape(ln) for ln in c.lines)) for c in cues]
