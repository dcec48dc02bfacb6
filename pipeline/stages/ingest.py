"""Stage 'ingest': check every source, record what it is, build the programme and ASR audio.

Raw footage is only ever read. The programme is the `master` when given; else the single
source as it is (when no audio channel must be picked); else the sources joined in manifest
order after normalising them to one size, frame rate and audio format (in the film cache).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import ffmpeg as ffmpeg_python  # ffmpeg-python (graph building), not pipeline.ffmpeg

from .. import ffmpeg
from ..errors import ManifestError, MediaError
from ..fsutil import atomic_path, sha256_json, write_text
from ..models import MediaInfo, Programme, SourceSpan
from ..programme import programme_path
from ..workspace import Film
from .base import Context, Plan, Result, Stage

ASR_RATE = 16_000  # Hz, what Whisper consumes
# output options of the joined programme (ffmpeg option name without the dash -> value)
MEZZANINE = {"c:v": "libx264", "preset": "veryfast", "crf": "16", "pix_fmt": "yuv420p",
             "c:a": "aac", "b:a": "192k", "ar": "48000", "ac": "2", "movflags": "+faststart"}


@dataclass(frozen=True)
class IngestInputs:
    """What planning found: manifest field ("sources.0.file", "master") -> the file it
    names (resolved). Their digests are the plan's `inputs` under the same keys."""

    files: dict[str, Path]


def _files(film: Film) -> list[tuple[str, Path]]:
    m = film.manifest
    out = [(f"sources.{i}.file", film.resolve_media(s.file)) for i, s in enumerate(m.sources)]
    if m.master is not None:
        out.append(("master", film.resolve_media(m.master)))
    return out


def check_files(film: Film) -> None:
    """Every source and the master exist, are regular files and not empty."""
    for field, path in _files(film):
        ffmpeg.check_file(path, field)


def _digest(ctx: Context, field: str, path: Path) -> str:
    ffmpeg.check_file(path, field)  # the same check as check_files (preflight)
    return ctx.digest(path)


def plan(ctx: Context) -> Plan[IngestInputs]:
    m = ctx.film.manifest
    files = dict(_files(ctx.film))
    inputs = {field: _digest(ctx, field, path) for field, path in files.items()}
    params = {
        "sources": sha256_json([s.model_dump(mode="json") for s in m.sources]),
        "master": str(m.master) if m.master else None,
        "mezzanine": MEZZANINE, "asr_rate": ASR_RATE,
    }
    return Plan(inputs, params, IngestInputs(files))


def _probe(plan: Plan[IngestInputs], field: str) -> MediaInfo:
    """ffprobe the file of manifest `field`, its digest the one planning computed."""
    try:
        return ffmpeg.media_info(plan.data.files[field], plan.inputs[field])
    except MediaError as e:
        raise MediaError(e.file, e.reason, field=field) from None


def _even(n: float) -> int:
    return max(2, int(n) // 2 * 2)


def _display_size(info: MediaInfo) -> tuple[int, int]:
    v = info.video
    assert v and v.width and v.height
    return (v.height, v.width) if v.rotation in (90, 270) else (v.width, v.height)


def _join_size(infos: list[MediaInfo], max_height: int) -> tuple[int, int, float]:
    """Frame size and rate of the joined programme: the largest source (display size),
    at most `max_height` high, even; the first known frame rate (else 25)."""
    sized = [_display_size(i) for i in infos if i.video]
    w = max((s[0] for s in sized), default=1280)
    h = max((s[1] for s in sized), default=720)
    if h > max_height:
        w, h = w * max_height / h, max_height
    fps = next((i.video.fps for i in infos if i.video and i.video.fps), None) or 25.0
    return _even(w), _even(h), round(fps, 3)


def join_graph(files: list[Path], infos: list[MediaInfo], channels: list[int | None],
               out: Path, max_height: int):
    """The ffmpeg-python output that normalises the sources (`files`, their `infos` and
    optional voice `channels`, 1-based) to one size, rate and audio format and
    concatenates them into `out`. A file listed twice is opened and decoded once (split).
    Sources without video become black, without audio silence, of their duration."""
    w, h, fps = _join_size(infos, max_height)
    opened = {f: ffmpeg_python.input(str(f)) for f in files}
    uses = Counter(files)
    videos = {f: ffmpeg.fan_out(opened[f]["v:0"], uses[f], audio=False)
              for f, i in zip(files, infos) if i.video}
    audios = {f: ffmpeg.fan_out(opened[f]["a:0"], uses[f], audio=True)
              for f, i in zip(files, infos) if i.audio}
    parts = []
    for f, info, ch in zip(files, infos, channels):
        d = f"{info.duration_ms / 1000:.3f}"
        if info.video:
            v = (videos[f].pop(0)
                 .filter("scale", w=w, h=h, force_original_aspect_ratio="decrease")
                 .filter("pad", w=w, h=h, x="(ow-iw)/2", y="(oh-ih)/2")
                 .filter("setsar", 1).filter("fps", fps=fps).filter("format", "yuv420p")
                 .filter("tpad", stop_mode="clone", stop_duration=d)
                 .filter("trim", duration=d).filter("setpts", "PTS-STARTPTS"))
        else:
            v = ffmpeg.source("color", c="black", s=f"{w}x{h}", r=fps, d=d).filter("format", "yuv420p")
        if info.audio:
            a = audios[f].pop(0)
            a = (a.filter("pan", args=f"stereo|c0=c{ch - 1}|c1=c{ch - 1}") if ch
                 else a.filter("aformat", channel_layouts="stereo"))
            a = (a.filter("aresample", 48000).filter("apad").filter("atrim", duration=d)
                 .filter("asetpts", "PTS-STARTPTS"))
        else:
            a = ffmpeg.source("anullsrc", r=48000, cl="stereo").filter("atrim", duration=d)
        parts += [v, a]
    joined = ffmpeg_python.concat(*parts, v=1, a=1).node
    return ffmpeg_python.output(joined[0], joined[1], str(out), format="mp4", **MEZZANINE)


def _join(ctx: Context, infos: list[MediaInfo], out: Path, max_height: int) -> None:
    """Normalise and concatenate the sources into one mezzanine file, decoding each once."""
    m = ctx.film.manifest
    files = [ctx.film.resolve_media(s.file) for s in m.sources]
    total = sum(i.duration_ms for i in infos)
    with atomic_path(out) as tmp:
        ffmpeg.run_graph(join_graph(files, infos, [s.audio_channel for s in m.sources], tmp,
                                    max_height),
                         duration_ms=total, desc=f"{ctx.film.id}: joining sources")


def _asr_audio(ctx: Context, media: Path, out: Path, duration_ms: int) -> None:
    """16 kHz mono 16-bit WAV of the programme's first audio stream (channels mixed)."""
    with atomic_path(out) as tmp:
        ffmpeg.run(["-i", media, "-map", "0:a:0", "-ac", "1", "-ar", str(ASR_RATE),
                    "-c:a", "pcm_s16le", "-f", "wav", tmp],
                   duration_ms=duration_ms, desc=f"{ctx.film.id}: extracting audio")


PROXY_HEIGHT = 540
PROXY_WHEN_BITRATE = 8_000_000  # bit/s: above this (or above 720p, or not H.264) make a proxy


def _needs_proxy(info: MediaInfo) -> bool:
    v = info.video
    return bool(v) and (v.codec != "h264" or (v.height or 0) > 720 or v.pix_fmt != "yuv420p"
                        or (info.bit_rate or 0) > PROXY_WHEN_BITRATE)


def _proxy(ctx: Context, media: Path, out: Path, duration_ms: int) -> None:
    """A light copy for the review page: 540p H.264, fast start, AAC stereo."""
    with atomic_path(out) as tmp:
        ffmpeg.run_graph(proxy_graph(media, tmp), duration_ms=duration_ms,
                         desc=f"{ctx.film.id}: review proxy")


def proxy_graph(media: Path, out: Path):
    """The ffmpeg-python output of the review proxy: at most PROXY_HEIGHT high, H.264,
    fast start, AAC stereo (when the programme has audio)."""
    src = ffmpeg_python.input(str(media))
    video = src["v:0"].filter("scale", w=-2, h=f"min({PROXY_HEIGHT},ih)")
    return ffmpeg_python.output(video, src["a:0?"], str(out), format="mp4", **{
        "c:v": "libx264", "preset": "veryfast", "crf": "28", "pix_fmt": "yuv420p",
        "c:a": "aac", "b:a": "96k", "ac": "2", "movflags": "+faststart"})


def run(ctx: Context, plan: Plan[IngestInputs]) -> Result:
    film, m = ctx.film, ctx.film.manifest
    notes: list[str] = []
    infos: list[MediaInfo] = []
    for i, src in enumerate(m.sources):
        field = f"sources.{i}.file"
        info = _probe(plan, field)
        if src.audio_channel:
            if not info.audio:
                raise ManifestError(film.manifest_path, f"sources.{i}.audio_channel",
                                    f"{src.file} has no audio stream", src.audio_channel)
            if src.audio_channel > (info.audio.channels or 1):
                raise ManifestError(film.manifest_path, f"sources.{i}.audio_channel",
                                    f"{src.file} has only {info.audio.channels} audio channel(s)",
                                    src.audio_channel)
        infos.append(info)
    master = _probe(plan, "master") if m.master else None
    # decode checks: everything that becomes the programme is decoded in full below or here
    for i, info in enumerate(infos):
        try:
            ffmpeg.check_decodes(Path(info.path), info, tail_only=master is not None)
        except MediaError as e:
            raise MediaError(e.file, e.reason, field=f"sources.{i}.file") from None
    if master:
        try:
            ffmpeg.check_decodes(Path(master.path), master)
        except MediaError as e:
            raise MediaError(e.file, e.reason, field="master") from None

    outputs: list[Path] = []
    film.cache_dir.mkdir(parents=True, exist_ok=True)
    spans: list[SourceSpan] = []
    if master:
        prog_info = master
        media = Path(master.path)
    elif len(infos) == 1 and not m.sources[0].audio_channel and infos[0].video:
        prog_info = infos[0]
        media = Path(infos[0].path)
    else:
        media = film.cache_dir / "programme.mp4"
        _join(ctx, infos, media, m.export.max_height)
        prog_info = ffmpeg.media_info(media, ctx.digest(media))
        outputs.append(media)
    if not master:
        t = 0
        for src, info in zip(m.sources, infos):
            spans.append(SourceSpan(id=src.id, start=t, end=t + info.duration_ms,
                                    speaker=src.speaker, has_audio=info.audio is not None))
            t += info.duration_ms
        silent = [s.id for s in spans if not s.has_audio]
        if silent and len(silent) < len(spans):
            notes.append(f"sources without audio (silent in the programme): {', '.join(silent)}")
    has_audio = (master.audio is not None) if master else any(s.has_audio for s in spans)
    if not prog_info.video:
        raise MediaError(media, "the programme has no video stream",
                         field="master" if master else "sources")
    asr = None
    if has_audio:
        asr = film.cache_dir / "asr.wav"
        _asr_audio(ctx, media, asr, prog_info.duration_ms)
        outputs.append(asr)
    else:
        notes.append("no audio stream in any source: the film has no speech to transcribe")
    proxy = None
    if _needs_proxy(prog_info):
        proxy = film.cache_dir / "proxy.mp4"
        _proxy(ctx, media, proxy, prog_info.duration_ms)
        outputs.append(proxy)
    w, h = _display_size(prog_info)
    programme = Programme(
        film=film.id, media=str(media), media_sha256=prog_info.sha256,
        duration_ms=prog_info.duration_ms, width=w, height=h,
        fps=prog_info.video.fps or 25.0, has_audio=has_audio,
        asr_audio=str(asr) if asr else None, proxy=str(proxy) if proxy else None,
        sources=infos, spans=spans, master=master,
    )
    outputs.append(write_text(programme_path(film), programme.model_dump_json(indent=1) + "\n"))
    notes.append(f"programme {prog_info.duration_ms / 1000:.1f} s, {w}x{h} @ {programme.fps:g} fps"
                 f" from {'the master' if master else f'{len(infos)} source(s)'}")
    return Result(outputs=outputs, notes=notes, versions={"ffmpeg": ffmpeg.version()})


STAGE = Stage("ingest", plan, run, summary="Check sources, build the programme and ASR audio.",
              check_files=check_files)
