"""The reading-speed chart of the QC report (an inline SVG in `templates/qc.html.j2`,
rendered by `pipeline.signoff.qc`).

The chart is computed here (coordinates in SVG user units); the template only places it.
Each point carries `data-cue`, `data-value` and `data-flagged`, so a test can compare the
picture with qc.json.
"""

from __future__ import annotations

import math

from .. import timecode

W, H = 960, 260  # chart size in SVG units
ML, MR, MT, MB = 56, 16, 16, 40  # margins


def chart(result) -> dict:
    c = result.chart
    points = c.points
    limit = c.limit
    duration = max(c.duration_ms, max((p.t_ms for p in points), default=0), 1)
    finite = [p.value for p in points if math.isfinite(p.value)]
    top = max([limit * 1.5, *finite]) * 1.05
    pw, ph = W - ML - MR, H - MT - MB

    def x(ms):
        return round(ML + pw * ms / duration, 1)

    def y(v):
        v = v if math.isfinite(v) else top
        return round(MT + ph * (1 - min(v, top) / top), 1)

    ticks_x = []
    step = _nice_step(duration / 60000 / 8) * 60000
    t = 0.0
    while t <= duration:
        ticks_x.append({"x": x(t), "label": timecode.short(int(t))})
        t += step
    ticks_y = [{"y": y(v), "label": f"{v:g}"} for v in _y_ticks(top)]
    return {
        "w": W, "h": H, "left": ML, "right": W - MR, "top": MT, "bottom": H - MB,
        "limit_y": y(limit), "limit": limit,
        "points": [{"cue": p.cue, "x": x(p.t_ms), "y": y(p.value), "value": p.value,
                    "flagged": p.flagged, "time": timecode.vtt(p.t_ms)} for p in points],
        "ticks_x": ticks_x, "ticks_y": ticks_y,
    }


def _nice_step(raw: float) -> float:
    for s in (0.25, 0.5, 1, 2, 5, 10, 15, 30, 60):
        if raw <= s:
            return s
    return 120


def _y_ticks(top: float) -> list[float]:
    step = _nice_step(top / 5) if top > 5 else 1
    out, v = [], 0.0
    while v <= top:
        out.append(round(v, 2))
        v += step
    return out
