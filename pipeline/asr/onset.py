"""Word edges refined against the audio, so that no word starts or ends inside silence.

Whisper's word timestamps come from cross-attention and are coarse at pauses: the first
word of a programme is often stamped at 0.0 s and swallows the lead-in silence, and the
first word after a pause starts early (the behaviour stable-ts and WhisperX correct).
Here speech regions are found in the ASR audio, by Silero VAD (the ONNX model
faster-whisper ships, run offline on the CPU) or by frame energy, and each word is moved:

- a word starting in silence starts at the next speech onset, if that comes before its end;
- a word starting shortly (`MAX_LATE_S`) after a speech onset that no earlier word reaches
  starts at that onset (Whisper also stamps first words late);
- a word ending in silence ends at the last speech offset, if that comes after its start;
- a word lying wholly in silence moves to the next speech onset when that lies before the
  next word's end and at most `MAX_EARLY_S` after the word (its duration kept, never past
  the region), else stays (the hallucination rules and caption QC judge it).

Times are seconds in the dicts both backends return; segment edges follow their words.
"""

from __future__ import annotations

import bisect

import numpy as np

from .audio import RATE

METHODS = ("vad", "energy", "off")
PAD_S = 0.03  # speech regions are widened by this much: a caption may lead its sound a little
MAX_LATE_S = 0.5  # a word starting this soon after an onset no other word covers starts there
MAX_EARLY_S = 1.0  # a word wholly in silence moves to speech starting at most this much later


def speech_regions(audio: np.ndarray, method: str = "vad", *, pad_s: float = PAD_S,
                   min_silence_s: float = 0.1) -> list[tuple[float, float]]:
    """Speech as (start, end) seconds in `audio` (16 kHz float32)."""
    if method == "vad":
        from faster_whisper.vad import VadOptions, get_speech_timestamps

        ts = get_speech_timestamps(audio, VadOptions(
            min_silence_duration_ms=int(min_silence_s * 1000), speech_pad_ms=int(pad_s * 1000)))
        return [(t["start"] / RATE, t["end"] / RATE) for t in ts]
    if method == "energy":
        return energy_regions(audio)
    raise ValueError(f"unknown onset method {method!r} (known: {', '.join(METHODS)})")


def energy_regions(audio: np.ndarray, hop: int = 160, margin_db: float = 15.0,
                   min_silence_s: float = 0.1) -> list[tuple[float, float]]:
    """Speech as frames louder than the noise floor (10th percentile) by `margin_db`,
    gaps shorter than `min_silence_s` closed."""
    m = len(audio) // hop
    if not m:
        return []
    f = audio[: m * hop].reshape(m, hop)
    db = 10 * np.log10(np.mean(f * f, axis=1) + 1e-10)
    floor = max(float(np.percentile(db, 10)), -90.0)
    loud = db > max(floor + margin_db, -60.0)
    regions: list[list[float]] = []
    i = 0
    while i < m:
        if loud[i]:
            j = i
            while j < m and loud[j]:
                j += 1
            a, b = i * hop / RATE - PAD_S, j * hop / RATE + PAD_S
            if regions and a - regions[-1][1] < min_silence_s:
                regions[-1][1] = b
            else:
                regions.append([max(0.0, a), b])
            i = j
        else:
            i += 1
    return [(a, b) for a, b in regions]


def refine(raw: list[dict], regions: list[tuple[float, float]]) -> list[dict]:
    """`raw` segments with their words' edges moved onto speech (see module doc)."""
    if not regions:
        return raw
    starts = [a for a, _ in regions]

    def region_at(t: float) -> int | None:
        i = bisect.bisect_right(starts, t) - 1
        return i if i >= 0 and t <= regions[i][1] else None

    def next_onset(t: float) -> int | None:
        i = bisect.bisect_right(starts, t)
        return i if i < len(regions) else None

    words = [w for seg in raw for w in (seg.get("words") or [])]
    for k, w in enumerate(words):
        s, e = float(w["start"]), float(w["end"])
        if region_at(s) is None:
            n = next_onset(s)
            if n is not None and regions[n][0] < e:
                s = regions[n][0]
            elif n is not None and _overlap(s, e, regions) == 0:
                limit = float(words[k + 1]["end"]) if k + 1 < len(words) else float("inf")
                if regions[n][0] < limit and regions[n][0] - e <= MAX_EARLY_S:
                    dur = e - s
                    s = regions[n][0]
                    e = min(s + dur, regions[n][1])
        r = region_at(s)
        prev_end = float(words[k - 1]["end"]) if k else -1.0
        if r is not None and prev_end <= regions[r][0] and s - regions[r][0] <= MAX_LATE_S:
            s = regions[r][0]  # nothing before it in this stretch of speech: it starts it
        if region_at(e) is None:
            i = bisect.bisect_right(starts, e) - 1  # the last region starting before e
            if i >= 0 and regions[i][1] > s:
                e = regions[i][1]
        w["start"], w["end"] = round(s, 3), round(max(s, e), 3)
    for seg in raw:
        ws = seg.get("words") or []
        if ws:
            seg["start"], seg["end"] = ws[0]["start"], ws[-1]["end"]
    return raw


def _overlap(s: float, e: float, regions: list[tuple[float, float]]) -> float:
    return sum(max(0.0, min(e, b) - max(s, a)) for a, b in regions)


GROUP_S = 30.0  # one Whisper window


def vad_regions(audio: np.ndarray, pad_s: float = 0.4,
                min_silence_s: float = 1.0) -> list[tuple[int, int]]:
    """Sample ranges of speech for `vad_filter` decoding: Silero VAD's regions, padded
    `pad_s`, gaps under `min_silence_s` closed."""
    n = len(audio)
    return [(max(0, int(a * RATE)), min(n, int(b * RATE)))
            for a, b in speech_regions(audio, "vad", pad_s=pad_s, min_silence_s=min_silence_s)]


def group_end(regions: list[tuple[int, int]], i: int, max_s: float = GROUP_S) -> int:
    """Index after the last region merged with region `i` into one decoding group: regions
    are merged while the group stays within one Whisper window."""
    j = i + 1
    while j < len(regions) and regions[j][1] - regions[i][0] <= max_s * RATE:
        j += 1
    return j
