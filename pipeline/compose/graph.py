"""The ffmpeg graph of a cut: decode and trim each select, fit its picture, join with
short audio crossfades, lay the overlay track over it, encode H.264/AAC.

Built with ffmpeg-python and run through `pipeline.ffmpeg.run_graph` (the one call site).
Every shot is its own input, opened with an input seek (`-ss` before `-i`: ffmpeg seeks to
the keyframe before and decodes accurately from there), so a select deep into an hour of
footage costs the same as one at its start.

Audio joins: each item's audio is cut with a handle of `XFADE_MS / 2` on both sides
(taken from the source where it has material there, silence where it does not), and
neighbours are joined with `acrossfade` of `XFADE_MS`. The crossfade overlaps exactly the
two handles, so it is centred on the picture cut and audio stays in sync to the sample;
the outer handles are trimmed off at the ends. Video cuts are hard.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ffmpeg as ffmpeg_python  # ffmpeg-python (graph building), not pipeline.ffmpeg
from ffmpeg.nodes import FilterableStream, OutputStream

from .. import ffmpeg
from ..audio import AUDIO_KBPS, AUDIO_RATE
from ..models import MediaInfo
from .layout import Layout, Placed
from .model import Card, Shot

XFADE_MS = 80  # audio crossfade at every join (two 40 ms handles)
CRF = 23
PRESET = "veryfast"  # a viewing copy: encode speed over size


@dataclass(frozen=True)
class Picture:
    """How a source picture is fitted into the output frame: `fit` scales it into the
    frame and pads (letter/pillar box, nothing lost); `fill` crops it to the frame's
    aspect ratio first — horizontally at `crop_x` (0 left edge … 0.5 centre … 1 right
    edge), vertically centred — and scales it to the frame."""

    width: int
    height: int
    mode: str = "fit"  # "fit" | "fill"
    crop_x: float = 0.5


def probe_sources(lay: Layout) -> dict[str, MediaInfo]:
    """What ffprobe says of each source used (MediaError names a file that is missing or
    not media)."""
    out: dict[str, MediaInfo] = {}
    for p in lay.shots():
        path = p.item.source_path
        if path not in out:
            out[path] = ffmpeg.media_info(Path(path), sha256="")
    return out


def _picture(v: FilterableStream, pic: Picture, fps: float) -> FilterableStream:
    w, h = pic.width, pic.height
    if pic.mode == "fill":
        # crop to the output's aspect, keeping the larger dimension's full extent
        cw = f"min(iw,ih*{w}/{h})"
        ch = f"min(ih,iw*{h}/{w})"
        x = f"(iw-{cw})*{pic.crop_x:.4f}"
        v = v.filter("crop", w=cw, h=ch, x=x, y=f"(ih-{ch})/2")
        v = v.filter("scale", w=w, h=h, flags="bicubic")
    else:
        v = v.filter("scale", w=w, h=h, force_original_aspect_ratio="decrease",
                     flags="bicubic")
        v = v.filter("pad", w=w, h=h, x="(ow-iw)/2", y="(oh-ih)/2", color="black")
    return v.filter("setsar", "1")


def _shot_input(p: Placed, handle_s: float):
    """One input per shot, from `handle_s` before its in-point (or the source's start)
    to `handle_s` after its out-point; returns (input, seconds of material before the
    in-point)."""
    s: Shot = p.item  # type: ignore[assignment]
    src_in = s.src_in_ms / 1000
    pre = min(handle_s, src_in)
    inp = ffmpeg_python.input(s.source_path, ss=f"{src_in - pre:.6f}",
                              t=f"{pre + p.seconds + handle_s:.6f}")
    return inp, pre


def _shot_video(p: Placed, inp, pre: float, pic: Picture, fps: float) -> FilterableStream:
    v = (inp["v:0"].filter("trim", start=f"{pre:.6f}").filter("setpts", "PTS-STARTPTS")
         .filter("fps", fps=fps))
    v = _picture(v, pic, fps).filter("format", "yuv420p")
    # a source that ends early is held on its last frame; then exactly p.frames frames
    v = v.filter("tpad", stop_mode="clone", stop_duration=f"{p.seconds:.3f}")
    return v.filter("trim", end_frame=p.frames).filter("setpts", "PTS-STARTPTS")


def _card_video(p: Placed, pic: Picture, fps: float) -> FilterableStream:
    v = ffmpeg.source("color", c="black", s=f"{pic.width}x{pic.height}", r=fps,
                      d=f"{p.seconds + 1 / fps:.3f}")
    return (v.filter("format", "yuv420p").filter("setsar", "1")
            .filter("trim", end_frame=p.frames).filter("setpts", "PTS-STARTPTS"))


def _silence(seconds: float) -> FilterableStream:
    return (ffmpeg.source("anullsrc", r=AUDIO_RATE, cl="stereo")
            .filter("atrim", duration=f"{seconds:.6f}"))


def _shot_audio(p: Placed, inp, pre: float, handle_s: float) -> FilterableStream:
    """The shot's audio, `p.seconds` long plus a handle of `handle_s` on each side (silence
    where the source has no material)."""
    total = p.seconds + 2 * handle_s
    a = (inp["a:0"].filter("aresample", AUDIO_RATE)
         .filter("aformat", sample_fmts="fltp", channel_layouts="stereo")
         .filter("asetpts", "PTS-STARTPTS"))
    if handle_s - pre > 1e-6:
        a = a.filter("adelay", delays=f"{round((handle_s - pre) * 1000)}", all=1)
    return (a.filter("apad", whole_dur=f"{total:.6f}").filter("atrim", end=f"{total:.6f}")
            .filter("asetpts", "PTS-STARTPTS"))


def streams(lay: Layout, pic: Picture, sources: dict[str, MediaInfo],
            overlay: Path | None) -> tuple[FilterableStream, FilterableStream]:
    """(video, audio) of the whole cut: items joined, the overlay track on top."""
    fps = lay.fps
    handle = XFADE_MS / 2000
    vs, auds = [], []
    for p in lay.placed:
        if isinstance(p.item, Card):
            vs.append(_card_video(p, pic, fps))
            auds.append(_silence(p.seconds + 2 * handle))
            continue
        inp, pre = _shot_input(p, handle)
        vs.append(_shot_video(p, inp, pre, pic, fps))
        has_audio = sources[p.item.source_path].audio is not None
        auds.append(_shot_audio(p, inp, pre, handle) if has_audio
                    else _silence(p.seconds + 2 * handle))
    video = vs[0] if len(vs) == 1 else ffmpeg_python.concat(*vs, v=1, a=0)
    audio = auds[0]
    for nxt in auds[1:]:
        audio = ffmpeg_python.filter([audio, nxt], "acrossfade", d=f"{2 * handle:.6f}",
                                     c1="tri", c2="tri")
    end = lay.frames / fps
    audio = (audio.filter("atrim", start=f"{handle:.6f}", end=f"{handle + end:.6f}")
             .filter("asetpts", "PTS-STARTPTS"))
    if overlay is not None:
        ovl = ffmpeg_python.input(str(overlay), f="concat", safe=0)["v:0"]
        video = ffmpeg_python.overlay(video, ovl, eof_action="repeat", format="auto")
        # the overlay filter may emit one frame for an overlay state past the main end
        video = (video.filter("trim", end_frame=lay.frames).filter("setpts", "PTS-STARTPTS")
                 .filter("format", "yuv420p"))
    return video, audio


def encode(video: FilterableStream, audio: FilterableStream, out: Path, fps: float, *,
           preset: str = PRESET, crf: int = CRF) -> OutputStream:
    """H.264 (High, yuv420p, a keyframe every 2 s) and AAC-LC 48 kHz stereo in MP4."""
    return ffmpeg_python.output(
        video, audio, str(out), vcodec="libx264", preset=preset, crf=crf,
        pix_fmt="yuv420p", r=fps, g=round(2 * fps), acodec="aac",
        audio_bitrate=f"{AUDIO_KBPS}k", ar=AUDIO_RATE, ac=2, movflags="+faststart",
        f="mp4")
