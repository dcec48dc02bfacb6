"""Two-pass loudness normalisation (ffmpeg `loudnorm`), EBU R128 measurement (`ebur128`)
and the true-peak ceiling check of the encoded audio.

Pass 1 (`measure`) reads the programme audio once: loudnorm's measurement JSON, and
`ebur128` for the record. Pass 2 (`normalise`) is a chain inside the one encode process:
loudnorm with the measured values and `linear=true`. AAC encoding can put the true peak
above what the limiter let through, so the encoded track is decoded again (`measure_file`,
audio only) and, when it breaks the ceiling, re-encoded from the normalised PCM the encode
kept with the missing `gain` (pipeline/delivery/encode.py). Loudness values are LUFS, true peaks dBTP, ranges LU, gains dB.

Chains are ffmpeg-python streams: each function takes the audio stream and returns the
filtered one, so the same chain serves the ladder encode and an audio-only re-encode.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import ffmpeg as ffmpeg_python  # ffmpeg-python (graph building), not pipeline.ffmpeg
from ffmpeg.nodes import FilterableStream, OutputStream

from pydantic import ConfigDict

from .. import ffmpeg
from ..errors import ToolError
from ..models import Strict
from . import AUDIO_RATE



class Loudness(Strict):
    """EBU R128 figures of one measurement (None: not measurable, e.g. digital silence)."""

    integrated_lufs: float | None
    true_peak_dbtp: float | None
    lra_lu: float | None


class LoudnormReport(Strict):
    """The JSON block ffmpeg's `loudnorm` prints (values as it prints them, strings)."""

    model_config = ConfigDict(extra="ignore")

    input_i: str
    input_tp: str
    input_lra: str
    input_thresh: str
    output_i: str
    output_tp: str
    output_lra: str
    output_thresh: str
    normalization_type: str
    target_offset: str


LRA_TARGET = 11.0  # LU; loudnorm's default, set explicitly
CEILING_MARGIN_DB = 0.1  # extra gain reduction per correction, below ebur128's 0.1 dB print step
MAX_CEILING_PASSES = 3


def _num(s) -> float | None:
    try:
        v = float(s)
    except (TypeError, ValueError):
        return None
    return None if v != v or v in (float("inf"), float("-inf")) else round(v, 2)


def parse_loudnorm(stderr: str) -> LoudnormReport:
    """The last JSON block loudnorm printed (print_format=json)."""
    idx = stderr.rfind("[Parsed_loudnorm")
    if idx < 0:
        raise ValueError("no loudnorm report in ffmpeg output")
    start = stderr.index("{", idx)
    end = stderr.index("}", start)
    return LoudnormReport.model_validate(json.loads(stderr[start:end + 1]))


_EBU = {
    "integrated_lufs": re.compile(r"Integrated loudness:\s*I:\s*(-?[\d.]+|-?inf)\s*LUFS", re.S),
    "lra_lu": re.compile(r"Loudness range:\s*LRA:\s*(-?[\d.]+)\s*LU", re.S),
    "true_peak_dbtp": re.compile(r"True peak:\s*Peak:\s*(-?[\d.]+|-?inf)\s*dBFS", re.S),
}


def parse_ebur128(stderr: str) -> Loudness:
    """Figures of the last ebur128 summary in `stderr`."""
    idx = stderr.rfind("Summary:")
    if idx < 0:
        raise ValueError("no ebur128 summary in ffmpeg output")
    tail = stderr[idx:]
    vals = {k: (_num(m.group(1)) if (m := rx.search(tail)) else None) for k, rx in _EBU.items()}
    return Loudness(**vals)


def stereo(audio: FilterableStream) -> FilterableStream:
    """Shared head of measurement and application: loudness is measured on what is encoded
    (stereo), so a mono programme is not 3 LU off after the upmix."""
    return audio.filter("aformat", channel_layouts="stereo")


def ebur128(audio: FilterableStream) -> FilterableStream:
    """EBU R128 meter with true peak (4x oversampled); its summary goes to the log."""
    return audio.filter("ebur128", peak="true", framelog="verbose")


def _loudnorm(audio: FilterableStream, target_i: float, target_tp: float, **measured):
    return audio.filter("loudnorm", I=target_i, TP=target_tp, LRA=LRA_TARGET,
                        print_format="json", **measured)


def measuring(audio: FilterableStream, target_i: float, target_tp: float) -> OutputStream:
    """Pass 1 of any audio stream: ebur128 and measuring loudnorm, decoded to nothing (the
    reports go to the log)."""
    return _loudnorm(ebur128(stereo(audio)), target_i, target_tp).output("-", format="null")


def measure_graph(media: Path, target_i: float, target_tp: float) -> OutputStream:
    """Pass 1 as a graph: the first audio stream of `media` through `measuring`."""
    return measuring(ffmpeg_python.input(str(media))["a:0"], target_i, target_tp)


def measure(media: Path, target_i: float, target_tp: float,
            duration_ms: int) -> tuple[LoudnormReport, Loudness]:
    """Pass 1: loudnorm's measurement and the ebur128 figures of the programme audio."""
    return measure_audio(ffmpeg_python.input(str(media))["a:0"], target_i, target_tp,
                         duration_ms)


def measure_audio(audio: FilterableStream, target_i: float, target_tp: float,
                  duration_ms: int) -> tuple[LoudnormReport, Loudness]:
    """Pass 1 of an audio stream built elsewhere (e.g. a social clip's joined audio)."""
    stderr = ffmpeg.run_graph(measuring(audio, target_i, target_tp),
                              duration_ms=duration_ms, desc="loudness: measuring")
    try:
        return parse_loudnorm(stderr), parse_ebur128(stderr)
    except (ValueError, json.JSONDecodeError) as e:
        raise ToolError(["ffmpeg", "loudnorm"], 0, f"could not read the loudness report: {e}") from None


def is_silent(m: LoudnormReport) -> bool:
    """True when pass 1 found no gated loudness at all (digital silence, or below -70 LUFS)."""
    v = _num(m.input_i)
    return v is None or v <= -70.0


def normalise(audio: FilterableStream, target_i: float, target_tp: float,
              m: LoudnormReport | None) -> FilterableStream:
    """Pass 2 chain: linear loudnorm with the pass-1 values (`m`; None for a silent
    programme: no gain), back to 48 kHz stereo."""
    a = stereo(audio)
    if m is not None:
        a = _loudnorm(a, target_i, target_tp, measured_I=m.input_i, measured_TP=m.input_tp,
                      measured_LRA=m.input_lra, measured_thresh=m.input_thresh,
                      offset=m.target_offset, linear="true")
    # the layout is pinned again after resampling: without it ffmpeg 5.1 cannot negotiate
    # the channel layout of the lossless (FLAC) branch beside the AAC one (measured on a
    # joined programme: "Cannot select channel layout … aresample … asplit")
    return stereo(a.filter("aresample", AUDIO_RATE))


def gain(audio: FilterableStream, db: float) -> FilterableStream:
    """`audio` changed by `db` decibels (the ceiling correction, <= 0)."""
    return audio.filter("volume", volume=f"{db:.2f}dB")


def measure_file_graph(path: Path) -> OutputStream:
    """The first audio stream of `path` through ebur128 (true peak), decoded to nothing."""
    return ebur128(ffmpeg_python.input(str(path))["a:0"]).output("-", format="null")


def measure_file(path: Path) -> Loudness:
    """ebur128 figures (true peak included) of the first audio stream of an encoded file.
    Decodes only the audio."""
    return parse_ebur128(ffmpeg.run_graph(measure_file_graph(path), loglevel="info"))


def ceiling_gain(measured_tp: float | None, ceiling: float) -> float:
    """Gain (dB, <= 0) that brings a measured true peak back under `ceiling`, with a margin
    below ebur128's print resolution; 0 when it already holds."""
    if measured_tp is None or measured_tp <= ceiling:
        return 0.0
    return round(ceiling - measured_tp - CEILING_MARGIN_DB, 2)
