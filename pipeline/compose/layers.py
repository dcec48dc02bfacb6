"""Overlay layers composed with moviepy: title and end cards, lower thirds, captions.

Each layer is a moviepy clip placed in output time (`Overlay`). `rasterise` turns all of
them into the one overlay track the encoder lays over the picture: a PNG (RGBA, straight
alpha) per *state* of the overlay — a state lasts until any layer starts or ends, and a
fade is one state per frame — listed with their durations in an ffconcat file. ffmpeg
reads that list as one sparse RGBA stream and its `overlay` filter always shows the latest
state, so moviepy composes a few hundred frames for a five-minute cut while ffmpeg decodes,
scales, overlays and encodes every frame (see `roughcut.py`). States change half a frame
before the frame they belong to, so rounding in the concat demuxer's timestamps can never
move a caption by a frame.

Sizes and positions are fractions of the frame, so the same layers serve a 1280×720 rough
cut, a 720×1280 clip and a 320×180 test render. `SafeArea` keeps captions and inserts
clear of the margins a platform covers with its own controls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from . import mpy

WHITE = (255, 255, 255)
CARD_BG = (18, 28, 48)  # dark blue-grey card background
INSERT_BG = (18, 28, 48, 215)  # lower-third bar
CAPTION_BG = (0, 0, 0, 178)  # caption box: 70 % black behind white text
ACCENT = (240, 180, 40)


@dataclass(frozen=True)
class SafeArea:
    """Margins (fractions of width/height) a layer must stay inside."""

    top: float = 0.05
    bottom: float = 0.08
    left: float = 0.05
    right: float = 0.05


@dataclass(frozen=True)
class Style:
    """Type sizes (fractions of the frame's shorter side) and the safe area of one output."""

    size: tuple[int, int]  # (width, height), even numbers
    safe: SafeArea = field(default_factory=SafeArea)
    caption: float = 0.047  # caption type size
    title: float = 0.075
    subtitle: float = 0.042
    name: float = 0.048
    role: float = 0.034

    def px(self, frac: float) -> int:
        return max(8, round(min(self.size) * frac))

    @property
    def caption_width(self) -> int:
        """Pixels a caption line may span: the safe area's width."""
        w = self.size[0]
        return int(w * (1 - self.safe.left - self.safe.right))

    def chars_per_line(self, limit: int) -> int:
        """How many characters of caption type fit the safe width (DejaVu Sans averages
        about 0.55 em per character of German text), never more than `limit` (the
        profile's figure)."""
        return max(10, min(limit, int(self.caption_width / (0.55 * self.px(self.caption)))))


@dataclass
class Layer:
    """A composed overlay element: an RGBA image (straight alpha) and where its top-left
    corner sits in the frame (px)."""

    image: Image.Image
    x: int = 0
    y: int = 0


@dataclass
class Overlay:
    """One layer in output time (ms); `fade_ms` fades it in and out."""

    start_ms: int
    end_ms: int
    layer: Layer
    fade_ms: int = 0
    kind: str = "caption"


def _rgba(clip) -> Image.Image:
    """The first frame of a moviepy clip with its mask, as an RGBA image."""
    rgb = clip.get_frame(0).astype(np.uint8)
    if clip.mask is None:
        alpha = np.full(rgb.shape[:2], 255, np.uint8)
    else:
        alpha = np.clip(clip.mask.get_frame(0) * 255 + 0.5, 0, 255).astype(np.uint8)
    return Image.fromarray(np.dstack([rgb, alpha]))


def _text(text: str, px: int, *, bold: bool = False, color=WHITE, bg=None,
          margin: tuple[int, int] | None = None, align: str = "center"):
    # moviepy's label size cuts descenders (g, p, y) without a vertical margin
    return mpy.TextClip(font=mpy.font(bold), text=text, font_size=px, color=color,
                        bg_color=bg, margin=margin or (2, max(2, px // 4)), text_align=align,
                        transparent=True, duration=1)


def _fit_width(clip, max_w: int):
    if clip.size[0] <= max_w:
        return clip
    return clip.resized(width=max_w)


def card(lines: list[str], style: Style) -> Layer:
    """An opaque full-frame card: the first line as title, the others below it."""
    w, h = style.size
    parts = [_text(lines[0], style.px(style.title), bold=True)]
    parts += [_text(t, style.px(style.subtitle)) for t in lines[1:]]
    parts = [_fit_width(p, int(w * 0.9)) for p in parts]
    gap = style.px(0.03)
    total = sum(p.size[1] for p in parts) + gap * (len(parts) - 1)
    y = (h - total) // 2
    placed = [mpy.ColorClip((w, h), color=CARD_BG, duration=1)]
    rule_w = max(2, w // 12)
    for i, p in enumerate(parts):
        placed.append(p.with_position(((w - p.size[0]) // 2, y)))
        y += p.size[1] + gap
        if i == 0:  # an accent rule under the title
            placed.append(mpy.ColorClip((rule_w, max(2, h // 180)), color=ACCENT, duration=1)
                          .with_position(((w - rule_w) // 2, y - gap // 2)))
    return Layer(_rgba(mpy.CompositeVideoClip(placed, size=(w, h))))


def caption_zone(style: Style, lines: int = 2) -> int:
    """Height (px) reserved at the bottom of the safe area for `lines` caption lines."""
    return int(lines * style.px(style.caption) * 1.35 + style.px(0.03))


def lower_third(name: str, role: str | None, style: Style) -> Layer:
    """Name (bold) and role on a bar at the left edge of the safe area, above the zone
    captions use, so the two never overlap."""
    w, h = style.size
    pad = style.px(0.02)
    parts = [_text(name, style.px(style.name), bold=True, align="left")]
    if role:
        parts.append(_text(role, style.px(style.role), color=(225, 225, 225), align="left"))
    max_w = int(w * (1 - style.safe.left - style.safe.right))
    parts = [_fit_width(p, max_w - 3 * pad) for p in parts]
    bar_w = max(p.size[0] for p in parts) + 3 * pad
    bar_h = sum(p.size[1] for p in parts) + 2 * pad
    layers = [mpy.ColorClip((bar_w, bar_h), color=INSERT_BG[:3], duration=1)
              .with_opacity(INSERT_BG[3] / 255),
              mpy.ColorClip((max(2, pad // 3), bar_h), color=ACCENT, duration=1)]
    ty = pad
    for p in parts:
        layers.append(p.with_position((2 * pad, ty)))
        ty += p.size[1]
    x = int(w * style.safe.left)
    y = int(h * (1 - style.safe.bottom) - caption_zone(style) - bar_h)
    return Layer(_rgba(mpy.CompositeVideoClip(layers, size=(bar_w, bar_h))), x, y)


def caption(lines: list[str], style: Style) -> Layer:
    """Caption lines, white on a 70 % black box, centred at the bottom of the safe area."""
    w, h = style.size
    px = style.px(style.caption)
    text = _fit_width(_text("\n".join(lines), px, margin=(2, max(2, px // 4))),
                      style.caption_width - px)
    # the box is drawn here, not by TextClip: its bg_color misses the last line's descent
    bw, bh = text.size[0] + px, text.size[1] + px // 2
    box = mpy.ColorClip((bw, bh), color=CAPTION_BG[:3], duration=1).with_opacity(
        CAPTION_BG[3] / 255)
    comp = mpy.CompositeVideoClip([box, text.with_position((px // 2, px // 6))], size=(bw, bh))
    x = int(w * style.safe.left) + (style.caption_width - bw) // 2
    y = int(h * (1 - style.safe.bottom)) - bh
    return Layer(_rgba(comp), x, y)


# --- rasterising ------------------------------------------------------------------------

def _frame_of(ms: int, fps: float) -> int:
    return round(ms * fps / 1000)


def rasterise(overlays: list[Overlay], style: Style, fps: float, frames: int,
              workdir: Path) -> Path:
    """Write the overlay track of a cut `frames` long into `workdir`: PNG states and
    `overlay.ffconcat`; return the ffconcat path (ffmpeg: `-f concat -safe 0 -i`)."""
    workdir.mkdir(parents=True, exist_ok=True)
    w, h = style.size
    spans = []  # (first frame, end frame, overlay, fade frames)
    for o in overlays:
        a, b = _frame_of(o.start_ms, fps), _frame_of(o.end_ms, fps)
        a, b = max(0, a), min(frames, b)
        if b > a:
            spans.append((a, b, o, min(_frame_of(o.fade_ms, fps), (b - a) // 2)))
    cuts = {0, frames}
    for a, b, _o, fade in spans:
        cuts |= {a, b}
        cuts |= set(range(a, a + fade)) | set(range(b - fade, b))
    bounds = sorted(c for c in cuts if 0 <= c <= frames)
    clear = workdir / "clear.png"
    Image.new("RGBA", (w, h), (0, 0, 0, 0)).save(clear, compress_level=1)
    cache: dict[tuple, Path] = {}
    entries: list[tuple[Path, int]] = []  # (png, frames)
    for k, (f0, f1) in enumerate(zip(bounds, bounds[1:])):
        active = [(i, a, b, o, fade) for i, (a, b, o, fade) in enumerate(spans) if a <= f0 < b]
        if not active:
            png = clear
        else:
            key = tuple((i, _fade_step(f0, a, b, fade)) for i, a, b, _o, fade in active)
            png = cache.get(key)
            if png is None:
                png = workdir / f"state-{len(cache):05d}.png"
                _compose([(o.layer, _alpha(f0, a, b, fade)) for _i, a, b, o, fade in active],
                         (w, h)).save(png, compress_level=1)
                cache[key] = png
        if entries and entries[-1][0] == png:
            entries[-1] = (png, entries[-1][1] + f1 - f0)
        else:
            entries.append((png, f1 - f0))
    lines = ["ffconcat version 1.0"]
    pos = 0
    for n, (png, count) in enumerate(entries):
        # each state begins half a frame early (never before 0): see the module docstring
        start = max(0.0, (pos - 0.5) / fps) if n else 0.0
        end = (pos + count - 0.5) / fps
        lines += [f"file '{png.name}'", f"duration {end - start:.6f}"]
        pos += count
    path = workdir / "overlay.ffconcat"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _fade_step(f: int, a: int, b: int, fade: int) -> int:
    if fade and f < a + fade:
        return f - a
    if fade and f >= b - fade:
        return fade + (f - (b - fade))
    return -1


def _alpha(f: int, a: int, b: int, fade: int) -> float:
    if not fade:
        return 1.0
    if f < a + fade:
        return (f - a + 1) / (fade + 1)
    if f >= b - fade:
        return (b - f) / (fade + 1)
    return 1.0


def _compose(layers: list[tuple[Layer, float]], size: tuple[int, int]) -> Image.Image:
    """The composed layers over a transparent frame, each at its opacity (0..1)."""
    canvas = Image.new("RGBA", size, (0, 0, 0, 0))
    for layer, opacity in layers:
        img = layer.image
        if opacity < 1.0:
            img = img.copy()
            img.putalpha(img.getchannel("A").point(lambda v: round(v * opacity)))
        canvas.alpha_composite(img, dest=(max(0, layer.x), max(0, layer.y)))
    return canvas
