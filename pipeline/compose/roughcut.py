"""The rough cut: `Timeline` → `exports/<film>/roughcut.mp4`.

The selects in edit order with an opening title card (film title, organisation; unless
the edit opens with a card of its own), a lower third (name, role from film.yaml) the
first time each speaker appears, and, when asked, the selected words as burned-in
captions under the film's caption profile. moviepy composes the cards, lower thirds and
captions (`layers.py`); ffmpeg decodes, joins, overlays and encodes in one process
(`graph.py`). 720p by default (any 16:9 height); sources of another aspect ratio are
fitted with black bars.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .. import ffmpeg
from ..captions.profiles import Profile, effective
from ..fsutil import atomic_path
from ..manifest import Speaker
from ..models import Cue
from . import cues as cue_rules
from . import graph, layers
from .layout import Layout, layout, lower_thirds
from .model import Card, Timeline

FADE_MS = 240  # lower thirds fade in and out


@dataclass
class Rendered:
    path: Path
    width: int
    height: int
    duration_ms: int
    cues: list[Cue]
    lower_thirds: int
    seconds_overlay: float  # wall time composing overlay states with moviepy
    seconds_encode: float  # wall time of the ffmpeg process (decode, join, overlay, encode)
    states: int  # overlay states composed
    selects: int = 0


def size_for(height: int) -> tuple[int, int]:
    """16:9 frame of `height` lines, both sides even."""
    h = height - height % 2
    w = round(h * 16 / 9)
    return w + w % 2, h


def overlays(lay: Layout, style: layers.Style, speakers: dict[str, Speaker],
             cues: list[Cue]) -> list[layers.Overlay]:
    out = []
    for p in lay.placed:
        if isinstance(p.item, Card):
            out.append(layers.Overlay(p.start_ms, p.end_ms, layers.card(p.item.lines, style),
                                      kind="card"))
    for lt in lower_thirds(lay, speakers):
        out.append(layers.Overlay(lt.start_ms, lt.end_ms,
                                  layers.lower_third(lt.name, lt.role, style), FADE_MS,
                                  kind="lower_third"))
    for c in cues:
        out.append(layers.Overlay(c.start, c.end, layers.caption(c.lines, style)))
    return out


def render(timeline: Timeline, out: Path, *, speakers: dict[str, Speaker],
           profile: Profile | None = None, height: int = 720,
           preset: str = graph.PRESET, names: frozenset[str] = frozenset()) -> Rendered:
    """Render the rough cut of `timeline` to `out` (atomically). With `profile`, the
    selected words are burned in as captions made under that caption profile."""
    lay = layout(timeline)
    w, h = size_for(height)
    style = layers.Style((w, h))
    sources = graph.probe_sources(lay)
    cues: list[Cue] = []
    if profile is not None:
        narrowed = profile.model_copy(
            update={"chars_per_line": style.chars_per_line(profile.chars_per_line)})
        cues = cue_rules.for_layout(lay, narrowed, names)
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="casefilm-cut-") as tmp:
        ovl = overlays(lay, style, speakers, cues)
        concat = layers.rasterise(ovl, style, lay.fps, lay.frames, Path(tmp))
        states = len(list(Path(tmp).glob("state-*.png")))
        t1 = time.monotonic()
        video, audio = graph.streams(lay, graph.Picture(w, h, "fit"), sources, concat)
        with atomic_path(out) as part:
            ffmpeg.run_graph(graph.encode(video, audio, part, lay.fps, preset=preset),
                             duration_ms=lay.duration_ms, desc="rough cut")
        t2 = time.monotonic()
    return Rendered(out, w, h, lay.duration_ms, cues,
                    sum(1 for o in ovl if o.kind == "lower_third"), t1 - t0, t2 - t1, states,
                    len(lay.shots()))


def render_film(film, timeline: Timeline, *, captions: bool = False,
                height: int = 720) -> Rendered:
    """`exports/<film>/roughcut.mp4` of `timeline` (the film's paper edit), with the
    speakers of film.yaml and, with `captions`, its caption profile."""
    m = film.manifest
    profile = effective(m.subtitles, film.manifest_path) if captions else None
    names = frozenset(s.name.split()[0].lower() for s in m.speakers if s.name.split())
    return render(timeline, film.export_dir / "roughcut.mp4",
                  speakers={s.id: s for s in m.speakers}, profile=profile, height=height,
                  names=names)
