"""HLS playlists and WebVTT subtitle segments, written by us from measured figures.

ffmpeg 5.1 cuts the fMP4 segments; its own playlists lack AVERAGE-BANDWIDTH, FRAME-RATE,
I-frame playlists, AUTOSELECT/CHARACTERISTICS and X-TIMESTAMP-MAP, and its BANDWIDTH is
nominal. So every playlist here is written from the segment sizes and durations measured
after segmenting: BANDWIDTH = highest segment bitrate, AVERAGE-BANDWIDTH = total bits over
total duration (bit/s, container overhead included).

Writers take a text stream; only `pipeline.delivery.package` opens paths. The WebVTT
segments are written by the one subtitle layer (`pipeline.subtitle_io`) from typed cues.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from .. import subtitle_io
from ..models import Cue
from .model import IFrame, Segment

DESCRIBES_VIDEO = "public.accessibility.describes-video"
AUDIO_GROUP = "aud"
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


@dataclass
class AudioRendition:
    """An EXT-X-MEDIA TYPE=AUDIO entry. `uri` None: the audio muxed into the variants
    (the main mix, as the encode segments it); else an audio-only media playlist."""

    name: str  # shown in players' menus
    language: str  # BCP-47
    uri: str | None = None
    default: bool = False
    autoselect: bool = True
    describes_video: bool = False  # audio description (Apple: describes-video)
    peak_bps: int = 0  # measured, for the variants' BANDWIDTH (0 when muxed in)
    average_bps: int = 0


def _q(s: str) -> str:
    return s.replace('"', "'").replace("\n", " ")


def write_master(out: TextIO, variants: list[Variant],
                 subtitles: SubtitleRendition | None = None,
                 audio: list[AudioRendition] | None = None) -> None:
    """The master playlist. With `audio` (the main mix muxed into the variants plus an
    audio-description rendition), every variant names the audio group and its BANDWIDTH
    and AVERAGE-BANDWIDTH add the largest rendition's measured figures (RFC 8216 4.3.4.2:
    the largest sum over any playable combination of renditions)."""
    out.write(f"#EXTM3U\n#EXT-X-VERSION:{VERSION}\n#EXT-X-INDEPENDENT-SEGMENTS\n\n")
    group = ""
    extra_peak = extra_avg = 0
    if audio:
        group += f',AUDIO="{AUDIO_GROUP}"'
        extra_peak = max(a.peak_bps for a in audio)
        extra_avg = max(a.average_bps for a in audio)
        for a in audio:
            attrs = ["TYPE=AUDIO", f'GROUP-ID="{AUDIO_GROUP}"', f'NAME="{_q(a.name)}"',
                     f'LANGUAGE="{a.language}"', f'DEFAULT={"YES" if a.default else "NO"}',
                     f'AUTOSELECT={"YES" if a.autoselect else "NO"}', 'CHANNELS="2"']
            if a.describes_video:
                attrs.append(f'CHARACTERISTICS="{DESCRIBES_VIDEO}"')
            if a.uri is not None:
                attrs.append(f'URI="{a.uri}"')
            out.write("#EXT-X-MEDIA:" + ",".join(attrs) + "\n")
        out.write("\n")
    if subtitles is not None:
        group += ',SUBTITLES="subs"'
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
            f"#EXT-X-STREAM-INF:BANDWIDTH={v.bandwidth + extra_peak},"
            f"AVERAGE-BANDWIDTH={v.average_bandwidth + extra_avg},"
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


def split_cues(cues: list[Cue], bounds: list[tuple[int, int]]) -> list[list[Cue]]:
    """The cues of each segment: a cue goes into every segment it overlaps (RFC 8216 3.5),
    unchanged (times stay programme times; X-TIMESTAMP-MAP maps them)."""
    return [[c for c in cues if c.start < seg_end and c.end > seg_start]
            for seg_start, seg_end in bounds]


def timestamp_map(mpegts: int) -> str:
    """The WebVTT header line that ties cue time 0 to MPEG-TS time `mpegts` (90 kHz)."""
    return f"X-TIMESTAMP-MAP=MPEGTS:{mpegts},LOCAL:00:00:00.000"


def write_vtt_segment(out: TextIO, cues: list[Cue], mpegts: int,
                      meta: subtitle_io.Meta | None = None) -> None:
    """One WebVTT segment: `WEBVTT`, X-TIMESTAMP-MAP, then `cues` as the subtitle layer
    writes them (identifiers, settings and voices of `meta` kept; no NOTE or STYLE)."""
    meta = meta or subtitle_io.Meta()
    seg_meta = subtitle_io.Meta(speaker_names=meta.speaker_names, colours=meta.colours,
                                header=[timestamp_map(mpegts)])
    subtitle_io.write(cues, out, "vtt", seg_meta)
