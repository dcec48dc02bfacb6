"""Social clips: `clips:` in film.yaml → `exports/<film>/clips/<id>-<format>.mp4` + `.srt`.

A clip is a chapter of the film (or a range of it) cut from the programme — what ingest
made of the master or the joined sources — between a title card (film title,
organisation) and an end card (film title, organisation, the clip's link). Per format
(`9x16`, `1x1`, `16x9`) the picture is reframed: cropped to the format's aspect ratio at
the clip's crop position (centre by default) and scaled. Captions are the film's own cues
(`subtitles/<film>/cues.json`) inside the range, re-broken for the larger type under the
film's caption profile (`cues.refit`) and burned in inside the platform's safe area; the
same cues go into a sidecar SRT beside each clip (the subtitle layer's writer). The audio
is normalised to −14 LUFS integrated (true peak ≤ −1 dBTP) with the delivery stage's
two-pass loudnorm (`pipeline.delivery.loudness`): pass 1 measures the clip's own joined
audio, pass 2 runs inside the one encode process.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import ffmpeg, timecode
from ..captions import store
from ..captions.profiles import effective
from ..audio import loudness
from ..errors import ManifestError, Pending, StageOrderError
from ..fsutil import atomic_path
from ..manifest import Clip, FilmManifest
from ..models import Cue, Programme
from ..programme import load_programme
from ..subtitle_io import Meta, save
from ..workspace import Film
from . import cues as cue_rules
from . import graph, layers
from .layout import Layout, layout
from .model import Card, Shot, Timeline

TITLE_MS = 2000
END_MS = 3000
TARGET_LUFS = -14.0  # the loudness streaming platforms normalise to
TARGET_TP = -1.0  # dBTP
SHORT_SIDE = 720  # pixels of the shorter side: 9x16 → 720×1280, 1x1 → 720×720

# (width, height) ratio, caption type size (fraction of the shorter side), safe area.
# Safe areas (fractions of the frame kept clear of platform controls): 9x16 after Meta's
# Reels guidance (top 14 %, bottom 35 %, sides 6 %) with TikTok's right-hand buttons
# (15 %); 1x1 the feed's 6 % on every side; 16x9 EBU title-safe 5 % plus a bottom margin
# for the player's controls (docs/compose.md).
FORMATS: dict[str, tuple[tuple[int, int], float, layers.SafeArea]] = {
    "9x16": ((9, 16), 0.062, layers.SafeArea(top=0.14, bottom=0.35, left=0.06, right=0.15)),
    "1x1": ((1, 1), 0.058, layers.SafeArea(top=0.06, bottom=0.08, left=0.06, right=0.06)),
    "16x9": ((16, 9), 0.055, layers.SafeArea(top=0.05, bottom=0.12, left=0.05, right=0.05)),
}


def frame_size(fmt: str, short_side: int = SHORT_SIDE) -> tuple[int, int]:
    (rw, rh), _px, _safe = FORMATS[fmt]
    s = short_side - short_side % 2
    long = round(s * max(rw, rh) / min(rw, rh))
    long += long % 2
    return (s, long) if rw < rh else (long, s) if rw > rh else (s, s)


def style_for(fmt: str, short_side: int = SHORT_SIDE) -> layers.Style:
    _ratio, px, safe = FORMATS[fmt]
    return layers.Style(frame_size(fmt, short_side), safe=safe, caption=px, title=0.08,
                        subtitle=0.045)


def clip_range(m: FilmManifest, index: int, duration_ms: int, file: Path | str) -> tuple[int, int]:
    """Film time [start, end) ms of clip `index`; ManifestError (naming film.yaml, the clip
    and the field) when it lies outside the film."""
    c = m.clips[index]
    at, name = f"clips.{index}", f"clip {c.id!r}"
    if c.chapter is not None:
        k = m.chapter_index(c.chapter)
        start = m.chapters[k].start
        end = m.chapters[k + 1].start if k + 1 < len(m.chapters) else duration_ms
        if start >= duration_ms:
            raise ManifestError(file, f"{at}.chapter", f"{name}: chapter {c.chapter!r} starts "
                                f"at {timecode.short(start)}, after the film's end "
                                f"({timecode.short(duration_ms)})")
        return start, min(end, duration_ms)
    assert c.start is not None and c.end is not None
    if c.start >= duration_ms:
        raise ManifestError(file, f"{at}.start", f"{name}: starts at {timecode.short(c.start)}, "
                            f"after the film's end ({timecode.short(duration_ms)})")
    if c.end > duration_ms:
        raise ManifestError(file, f"{at}.end", f"{name}: ends at {timecode.short(c.end)}, past "
                            f"the film's end ({timecode.short(duration_ms)})")
    return c.start, c.end


def clip_timeline(m: FilmManifest, film_id: str, clip: Clip, programme: Programme,
                  start: int, end: int) -> Timeline:
    """Title card, the range of the programme, end card."""
    org = [m.organisation] if m.organisation else []
    return Timeline(film=film_id, title=m.title, organisation=m.organisation,
                    fps=programme.fps or 25.0, items=[
                        Card(lines=[m.title, *org], duration_ms=TITLE_MS),
                        Shot(select=1, source_id="programme", source_path=programme.media,
                             src_in_ms=start, src_out_ms=end),
                        Card(lines=[m.title, *org, *([clip.link] if clip.link else [])],
                             duration_ms=END_MS)])


@dataclass
class ClipOutput:
    clip: str
    format: str
    video: Path
    srt: Path
    width: int
    height: int
    duration_ms: int
    cues: list[Cue]
    loudness_lufs: float | None = None
    true_peak_dbtp: float | None = None


@dataclass
class ClipResult:
    clip: str
    start_ms: int
    end_ms: int
    outputs: list[ClipOutput] = field(default_factory=list)


def render_clip(m: FilmManifest, film_id: str, index: int, programme: Programme,
                cues: list[Cue], outdir: Path, *, manifest_path: Path | str = "film.yaml",
                short_side: int = SHORT_SIDE, preset: str = graph.PRESET,
                report=lambda msg: None) -> ClipResult:
    """Every format of clip `index` into `outdir`; each file appears atomically."""
    clip = m.clips[index]
    start, end = clip_range(m, index, programme.duration_ms, manifest_path)
    tl = clip_timeline(m, film_id, clip, programme, start, end)
    lay = layout(tl, title_card=False)
    sources = graph.probe_sources(lay)
    profile = effective(m.subtitles, manifest_path)
    names = frozenset(s.name.split()[0].lower() for s in m.speakers if s.name.split())
    measured = None
    if programme.has_audio:
        _v, audio = graph.streams(lay, graph.Picture(64, 64), sources, None)
        pass1, _before = loudness.measure_audio(audio, TARGET_LUFS, TARGET_TP, lay.duration_ms)
        measured = None if loudness.is_silent(pass1) else pass1
    result = ClipResult(clip.id, start, end)
    for fmt in clip.formats:
        style = style_for(fmt, short_side)
        narrowed = profile.model_copy(
            update={"chars_per_line": style.chars_per_line(profile.chars_per_line)})
        clip_cues = cue_rules.refit(cues, start, end, lay.placed[1].start_ms, narrowed,
                                    lay.fps, names)
        w, h = style.size
        stem = f"{clip.id}-{fmt}"
        video_path = outdir / f"{stem}.mp4"
        with tempfile.TemporaryDirectory(prefix="casefilm-clip-") as tmp:
            ovl = _overlays(lay, style, clip_cues)
            concat = layers.rasterise(ovl, style, lay.fps, lay.frames, Path(tmp))
            video, audio = graph.streams(lay, graph.Picture(w, h, "fill", clip.crop), sources,
                                         concat)
            audio = loudness.normalise(audio, TARGET_LUFS, TARGET_TP, measured)
            with atomic_path(video_path) as part:
                ffmpeg.run_graph(graph.encode(video, audio, part, lay.fps, preset=preset),
                                 duration_ms=lay.duration_ms, desc=f"clip {stem}")
        srt = save(outdir / f"{stem}.srt", clip_cues, "srt",
                   Meta(language=m.language, title=m.title,
                        speaker_names={s.id: s.name for s in m.speakers}))
        after = loudness.measure_file(video_path) if programme.has_audio else None
        result.outputs.append(ClipOutput(
            clip.id, fmt, video_path, srt, w, h, lay.duration_ms, clip_cues,
            after.integrated_lufs if after else None, after.true_peak_dbtp if after else None))
        report(f"clip {stem}: {w}×{h}, {lay.duration_ms / 1000:.1f} s, {len(clip_cues)} "
               f"captions" + (f", {after.integrated_lufs} LUFS" if after else ""))
    return result


def _overlays(lay: Layout, style: layers.Style, cues: list[Cue]) -> list[layers.Overlay]:
    out = [layers.Overlay(p.start_ms, p.end_ms, layers.card(p.item.lines, style), kind="card")
           for p in lay.placed if isinstance(p.item, Card)]
    out += [layers.Overlay(c.start, c.end, layers.caption(c.lines, style)) for c in cues]
    return out


def clips_dir(film: Film) -> Path:
    return film.export_dir / "clips"


def render_film(film: Film, only: list[str] | None = None, *, short_side: int = SHORT_SIDE,
                report=lambda msg: None) -> list[ClipResult]:
    """The film's clips (all, or those named in `only`), after ingest and subtitles.

    Every clip's range and every name in `only` is checked before the first encode, so a
    bad clip stops the command with nothing written."""
    m = film.manifest
    ids = [c.id for c in m.clips]
    if not m.clips:
        raise ManifestError(film.manifest_path, "clips", "no clips defined in film.yaml")
    for name in only or []:
        if name not in ids:
            raise ManifestError(film.manifest_path, "clips", f"no clip {name!r} "
                                f"(clips: {', '.join(ids)})")
    try:
        programme = load_programme(film)
    except Pending as e:
        raise StageOrderError(film.id, "clips", e.missing) from None
    cs = store.load(film)
    if cs is None:
        raise StageOrderError(film.id, "clips", "subtitles (no cues.json yet)")
    chosen = [i for i, c in enumerate(m.clips) if not only or c.id in only]
    for i in chosen:
        clip_range(m, i, programme.duration_ms, film.manifest_path)
    return [render_clip(m, film.id, i, programme, list(cs.cues), clips_dir(film),
                        manifest_path=film.manifest_path, short_side=short_side,
                        report=report) for i in chosen]
