"""The AD mix and the narration-only stem, in one ffmpeg process (ffmpeg-python graph).

Programme audio: exactly the main mix before its AAC encode, i.e. the programme's first
audio stream through `audio.loudness.normalise` with the same pass-1 measurement and
the film's loudness target and true-peak ceiling (film.yaml `export`). Under each narration
window [start, end) it is ducked by `duck_db` (default -12 dB); the gain ramps linearly
over `ramp_ms` (default 200 ms) just outside the window, down before its start and up
after its end, so the window itself is ducked in full and everything outside the windows
and ramps is the main audio sample for sample. Windows whose ramps would touch are merged
(the programme stays down between them instead of pumping).

How: the normalised programme is split at sample boundaries (48 kHz) into pieces with
`atrim`: untouched pieces pass as they are, window pieces get `volume` (the duck), ramp
pieces are the duck plus the rest faded (`afade`, linear) and summed (`amix`,
normalize=0); `concat` joins them again. Each narration is resampled to 48 kHz mono,
given its gain, placed with `adelay` (in samples) and centred (`pan`, the same signal at
unity on left and right); all narrations summed (`amix`, normalize=0) make the stem, and
the linear ones (not `extended`: the player pauses the film for those and plays them from
the stem) summed with the ducked programme make the AD mix. Both are FLAC 48 kHz stereo
(24 bit in s32, like the export's kept audio).

Narration gain: each clip is measured (EBU R128, as centred stereo) and brought to the
main mix's integrated target, limited so its own true peak stays 1 dB under the ceiling.
The AD mix is measured after it is written; if its true peak breaks the ceiling (a
narration over ducked programme), every narration is lowered by the missing gain
(`loudness.ceiling_gain`) and the mix made again (at most `loudness.MAX_CEILING_PASSES`
times); the programme is never touched, so it stays identical to the main mix.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import ffmpeg as ffmpeg_python  # ffmpeg-python (graph building), not pipeline.ffmpeg
from ffmpeg.nodes import FilterableStream, OutputStream
from pydantic import ValidationError

from .. import ffmpeg
from ..audio import AUDIO_RATE, PCM_OPTIONS, loudness
from ..audio.loudness import Loudness, LoudnormReport
from ..errors import ToolError
from ..fsutil import TMP_PREFIX, sha256_json, write_json
from ..models import Ms

SPS = AUDIO_RATE // 1000  # samples per ms
CLIP_HEADROOM_DB = 1.0  # a narration's own true peak stays this far under the ceiling


@dataclass(frozen=True)
class Narration:
    path: Path  # any audio ffmpeg reads
    start_ms: Ms
    duration_ms: Ms
    gain_db: float  # applied before mixing (loudness match + ceiling correction)
    clip_out: Path | None = None  # where to write the clip as mixed (WAV 48 kHz mono)
    linear: bool = True  # in the AD mix; False for an extended description (stem only)


def windows(narrations: list[tuple[Ms, Ms]], ramp_ms: Ms, duration_ms: Ms) -> list[tuple[Ms, Ms]]:
    """Ducked windows (start, end) in ms, sorted; windows whose ramps would meet merged."""
    out: list[list[int]] = []
    for a, b in sorted((max(0, s), min(duration_ms, e)) for s, e in narrations):
        if b <= a:
            continue
        if out and a - ramp_ms <= out[-1][1] + ramp_ms:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _piece(stream: FilterableStream, a: int, b: int | None) -> FilterableStream:
    kw = {"start_sample": a} if b is None else {"start_sample": a, "end_sample": b}
    return stream.filter("atrim", **kw).filter("asetpts", "PTS-STARTPTS")


def _ramp(piece: FilterableStream, down: bool, duck: float, n: int) -> FilterableStream:
    """Gain from 1 to `duck` (down) or `duck` to 1 over the piece's n samples, linear."""
    flat, fading = ffmpeg.fan_out(piece, 2, audio=True)
    fading = fading.filter("afade", type="out" if down else "in", start_sample=0,
                           nb_samples=max(1, n), curve="tri").filter("volume", volume=1 - duck)
    return ffmpeg_python.filter([flat.filter("volume", volume=duck), fading], "amix",
                                inputs=2, normalize=0, duration="longest")


def ducked(main: FilterableStream, wins: list[tuple[Ms, Ms]], duck_db: float,
           ramp_ms: Ms) -> FilterableStream:
    """`main` with every window ducked (see module doc); `main` itself when there are none."""
    if not wins:
        return main
    duck = 10 ** (duck_db / 20)
    r = ramp_ms * SPS
    cuts: list[tuple[int, int, str]] = []  # (first sample, end sample, kind)
    pos = 0
    for a_ms, b_ms in wins:
        a, b = a_ms * SPS, b_ms * SPS
        down = max(pos, a - r)
        if down > pos:
            cuts.append((pos, down, "keep"))
        if a > down:
            cuts.append((down, a, "down"))
        cuts.append((a, b, "duck"))
        pos = b
        up = b + r
        cuts.append((b, up, "up"))
        pos = up
    pieces_in = ffmpeg.fan_out(main, len(cuts) + 1, audio=True)
    pieces = []
    for (a, b, kind), s in zip(cuts, pieces_in):
        p = _piece(s, a, b)
        if kind == "duck":
            p = p.filter("volume", volume=duck)
        elif kind in ("down", "up"):
            p = _ramp(p, kind == "down", duck, b - a)
        pieces.append(p)
    pieces.append(_piece(pieces_in[-1], pos, None))  # the rest, to the end of the programme
    return ffmpeg_python.concat(*pieces, v=0, a=1)


def centred(path: Path, gain_db: float) -> FilterableStream:
    """A narration file as 48 kHz mono with `gain_db`, then the same signal left and right."""
    a = ffmpeg_python.input(str(path))["a:0"].filter("aresample", AUDIO_RATE)
    a = a.filter("aformat", channel_layouts="mono")
    return loudness.gain(a, gain_db)


def _stereo(mono: FilterableStream) -> FilterableStream:
    # "<" (gains renormalised to 1; one source: unity) since ffmpeg-python escapes "="
    return mono.filter("pan", "stereo|c0<c0|c1<c0")


def _summed(placed: list[FilterableStream], total: int) -> FilterableStream:
    """Placed narrations summed (mono), padded or cut to `total` samples; silence if none."""
    if placed:
        mono = placed[0] if len(placed) == 1 else ffmpeg_python.filter(
            placed, "amix", inputs=len(placed), normalize=0, duration="longest")
    else:
        mono = ffmpeg.source("anullsrc", r=AUDIO_RATE, cl="mono")
    return mono.filter("apad", whole_len=total).filter("atrim", end_sample=total)


def programme_audio(media: Path | None, duration_ms: Ms, target_i: float, target_tp: float,
                    pass1: LoudnormReport | None) -> FilterableStream:
    """The main mix before its encode (`loudness.normalise`), or digital silence of the
    programme's length when it has no audio."""
    if media is None:
        return ffmpeg.source("anullsrc", r=AUDIO_RATE, cl="stereo").filter(
            "atrim", end_sample=duration_ms * SPS)
    return loudness.normalise(ffmpeg_python.input(str(media))["a:0"], target_i, target_tp, pass1)


def graph(main: FilterableStream, narrations: list[Narration], duration_ms: Ms,
          duck_db: float, ramp_ms: Ms, mix_out: Path, stem_out: Path) -> list[OutputStream]:
    """Every output of the one process: the AD mix, the stem, and each clip as mixed."""
    total = duration_ms * SPS
    flac = {"format": "flac", "ar": AUDIO_RATE, "ac": 2, **PCM_OPTIONS}
    outs: list[OutputStream] = []
    placed, linear = [], []
    for nar in narrations:
        mono = centred(nar.path, nar.gain_db)
        if nar.clip_out is not None:
            mono, to_clip = ffmpeg.fan_out(mono, 2, audio=True)
            outs.append(to_clip.output(str(nar.clip_out), format="wav", acodec="pcm_s16le",
                                       ar=AUDIO_RATE, ac=1))
        at = mono.filter("adelay", delays=f"{nar.start_ms * SPS}S", all=1)
        if nar.linear:
            at, to_linear = ffmpeg.fan_out(at, 2, audio=True)
            linear.append(to_linear)
        placed.append(at)
    stem = _stereo(_summed(placed, total))
    # an extended description is spoken while the player pauses the film (from the stem):
    # a linear mix cannot pause, so it carries only the descriptions that fit in time
    wins = windows([(n.start_ms, n.start_ms + n.duration_ms) for n in narrations if n.linear],
                   ramp_ms, duration_ms)
    to_mix = _stereo(_summed(linear, total))
    prog = ducked(main, wins, duck_db, ramp_ms)
    mix = ffmpeg_python.filter([prog, to_mix], "amix", inputs=2, normalize=0, duration="first")
    mix = mix.filter("aformat", channel_layouts="stereo")
    outs += [mix.output(str(mix_out), **flac), stem.output(str(stem_out), **flac)]
    return outs


# --- measurements (cached by content) ----------------------------------------------------


def _cached(cache: Path, key: str, make):
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    if key in data:
        return data[key]
    value = make()
    data[key] = value
    write_json(cache, data)
    return value


def pass1(cache: Path, media: Path, media_sha256: str, target_i: float, target_tp: float,
          duration_ms: Ms) -> LoudnormReport | None:
    """The programme's loudnorm pass 1 (the export's own measurement, same call), or None
    when the programme is silent (then, as in the export, no gain is applied)."""
    key = sha256_json(["pass1", media_sha256, target_i, target_tp, ffmpeg.version()])

    def make():
        report, _ = loudness.measure(media, target_i, target_tp, duration_ms)
        return report.model_dump()

    try:
        rep = LoudnormReport.model_validate(_cached(cache, key, make))
    except ValidationError:
        rep = LoudnormReport.model_validate(make())
    return None if loudness.is_silent(rep) else rep


def clip_loudness(cache: Path, path: Path, sha256: str) -> Loudness:
    """EBU R128 figures of a narration as it is mixed (48 kHz, centred stereo, no gain)."""
    key = sha256_json(["clip", sha256, ffmpeg.version()])

    def make():
        g = loudness.ebur128(_stereo(centred(path, 0.0))).output("-", format="null")
        return loudness.parse_ebur128(ffmpeg.run_graph(g, loglevel="info")).model_dump()

    return Loudness.model_validate(_cached(cache, key, make))


def clip_gain(m: Loudness, target_i: float, ceiling: float) -> float:
    """Gain (dB) that brings a narration to the target, its true peak under the ceiling."""
    if m.integrated_lufs is None:
        return 0.0
    g = target_i - m.integrated_lufs
    if m.true_peak_dbtp is not None:
        g = min(g, ceiling - CLIP_HEADROOM_DB - m.true_peak_dbtp)
    return round(g, 2)


@dataclass(frozen=True)
class MixResult:
    after: Loudness  # the AD mix as written
    correction_db: float  # applied to every narration to hold the ceiling (<= 0)
    passes: int


def make(main_args: tuple, narrations: list[Narration], duration_ms: Ms, duck_db: float,
         ramp_ms: Ms, ceiling: float, mix_out: Path, stem_out: Path) -> MixResult:
    """Write the AD mix, the stem and the clips (atomically: under `.tmp-` names, renamed
    when the mix holds the ceiling). `main_args`: `programme_audio`'s arguments."""
    def tmp(p: Path) -> Path:
        return p.with_name(f"{TMP_PREFIX}{os.getpid()}-{p.name}")

    finals = [mix_out, stem_out, *(n.clip_out for n in narrations if n.clip_out)]
    for p in finals:
        p.parent.mkdir(parents=True, exist_ok=True)
    correction, passes = 0.0, 0
    try:
        while True:
            staged = [Narration(n.path, n.start_ms, n.duration_ms,
                                round(n.gain_db + correction, 2),
                                tmp(n.clip_out) if n.clip_out else None, n.linear)
                      for n in narrations]
            ffmpeg.run_graph(*graph(programme_audio(*main_args), staged, duration_ms, duck_db,
                                    ramp_ms, tmp(mix_out), tmp(stem_out)),
                             duration_ms=duration_ms, desc="audio description: mixing")
            after = loudness.measure_file(tmp(mix_out))
            step = loudness.ceiling_gain(after.true_peak_dbtp, ceiling)
            if step >= 0 or not narrations:
                break
            if passes == loudness.MAX_CEILING_PASSES:
                raise ToolError(["ffmpeg", "amix"], 0,
                                f"the AD mix's true peak stays at {after.true_peak_dbtp} dBTP, "
                                f"above the ceiling of {ceiling} dBTP after {passes} corrections")
            correction, passes = round(correction + step, 2), passes + 1
        for p in finals:
            os.chmod(tmp(p), 0o644)
            os.replace(tmp(p), p)
    finally:
        for p in finals:
            tmp(p).unlink(missing_ok=True)
    return MixResult(after, correction, passes)
