"""Speech recognition: openai-whisper or faster-whisper, one typed transcript either way.

`resolve_model` picks backend and model (see `spec`; by default the best cached model,
else the bundled Whisper base of `bundled`), `load_model` loads it once per run
(the stage caches it in RunOptions), `params_for` turns film.yaml into decoding settings,
`transcribe` decodes an array and `transcribe_file` a WAV, in chunks cut at silences when
it is long, resumable after a kill (`chunks`). Both backends' segments go through the same
onset refinement (`onset`), clamping and hallucination rules (`segments`), and the same
provenance fields: backend, model, compute type, parameters, tool versions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..errors import InputError
from ..models import Provenance, Transcript
from ..words import is_hallucination
from . import chunks, faster_backend, onset, whisper_backend
from .audio import RATE, read_wav
from .params import AsrParams, params_for
from .segments import from_whisper_segments
from .spec import (BACKENDS, DEFAULT_BACKEND, DEFAULT_MODEL, DELIVERY_MODEL, ENV_MODEL, ModelSpec,
                   draft_note, is_draft, resolve_model)
from .whisper_backend import default_device, download_root

__all__ = ["AsrParams", "BACKENDS", "DEFAULT_BACKEND", "DEFAULT_MODEL", "DELIVERY_MODEL",
           "ENV_MODEL", "Loaded", "ModelSpec", "default_device", "download_root", "draft_note",
           "from_whisper_segments", "is_draft",
           "is_hallucination", "load_model", "params_for", "read_wav", "resolve_model",
           "transcribe", "transcribe_file"]

_BACKENDS = {"openai-whisper": whisper_backend, "faster-whisper": faster_backend}


@dataclass(eq=False)
class Loaded:
    """A loaded model with its backend."""

    spec: ModelSpec
    model: Any
    backend: str

    @property
    def compute_type(self) -> str:
        return _BACKENDS[self.backend].compute_type(self.model)

    def parameters(self):  # the openai-whisper model's, for code that asks for its device
        return self.model.parameters()


def load_model(spec: ModelSpec, device: str | None = None) -> Loaded:
    """Load the model of `spec` with its backend; ModelUnavailable (exit 4) if it cannot."""
    if spec.backend not in _BACKENDS:
        raise InputError(f"unknown ASR backend {spec.backend!r} (known: {', '.join(BACKENDS)})")
    return Loaded(spec, _BACKENDS[spec.backend].load(spec, device), spec.backend)


def _loaded(model) -> Loaded:
    if isinstance(model, Loaded):
        return model
    return Loaded(ModelSpec("?", None), model, DEFAULT_BACKEND)  # a bare openai-whisper model


def _plain(raw: list[dict], offset_s: float) -> list[dict]:
    """Segment dicts reduced to what casefilm keeps (JSON-able), shifted by `offset_s`."""
    def t(x):
        return round(float(x or 0) + offset_s, 3)

    return [{"start": t(s.get("start")), "end": t(s.get("end")), "text": s.get("text") or "",
             "words": [{"word": w.get("word") or "", "start": t(w.get("start")),
                        "end": t(w.get("end")),
                        "probability": None if w.get("probability") is None
                        else round(float(w["probability"]), 4)}
                       for w in (s.get("words") or [])]}
            for s in raw]


def _decode_speech(loaded: Loaded, audio: np.ndarray, params: AsrParams,
                   offset_s: float) -> list[dict]:
    """`vad_filter`: decode only speech. Silero VAD's regions are merged into groups of at
    most one Whisper window and each group is decoded alone, so silence and noise between
    them are never decoded. When Whisper stops before a group's last regions (tiny models
    end a window early), decoding goes on from the first region no word reached."""
    backend = _BACKENDS[loaded.backend]
    regions = onset.vad_regions(audio)
    raw: list[dict] = []
    i = 0
    while i < len(regions):
        j = onset.group_end(regions, i)
        a, b = regions[i][0], regions[j - 1][1]
        got = _plain(backend.decode(loaded.model, audio[a:b], params)[0],
                     offset_s + a / RATE)
        raw += got
        reached = [k for k in range(i, j) for s in got for w in s["words"]
                   if (w["end"] - offset_s) * RATE > regions[k][0]
                   and (w["start"] - offset_s) * RATE < regions[k][1]]
        i = max(reached) + 1 if reached and max(reached) + 1 < j else j
    return raw


def decode_chunk(loaded: Loaded, audio: np.ndarray, params: AsrParams,
                 offset_s: float = 0.0) -> tuple[list[dict], dict]:
    """One stretch of audio decoded and its word edges refined; times in seconds from
    the start of the recording. Returns the segment dicts and the backend's keywords."""
    backend = _BACKENDS[loaded.backend]
    if params.vad_filter:
        raw = _decode_speech(loaded, audio, params, offset_s)
        kw = backend.keywords(params, loaded.model)
    else:
        got, kw = backend.decode(loaded.model, audio, params)
        raw = _plain(got, offset_s)
    if params.onset != "off" and len(audio):
        regions = [(a + offset_s, b + offset_s)
                   for a, b in onset.speech_regions(audio, params.onset)]
        raw = onset.refine(raw, regions)
    return raw, kw


def _provenance(loaded: Loaded, kw: dict, params: AsrParams, model_desc: str,
                extra: dict | None = None) -> Provenance:
    return Provenance(
        backend=loaded.backend, model=model_desc, compute_type=loaded.compute_type,
        parameters={**kw, "onset": params.onset, **(extra or {})}, status="auto",
        tool_versions=_BACKENDS[loaded.backend].versions())


def transcribe(model, audio: np.ndarray, params: AsrParams, *, film: str, duration_ms: int,
               model_desc: str) -> tuple[Transcript, dict[str, int]]:
    """Decode `audio` in one piece; the typed transcript and counts of dropped segments."""
    loaded = _loaded(model)
    raw, kw = decode_chunk(loaded, audio, params)
    segments, dropped = from_whisper_segments(raw, duration_ms)
    return Transcript(film=film, language=params.language, duration_ms=duration_ms,
                      segments=segments,
                      provenance=_provenance(loaded, kw, params, model_desc)), dropped


def transcribe_file(wav: Path, params: AsrParams, model, *, film: str, duration_ms: int,
                    model_desc: str, report: Callable[[str], None] | None = None,
                    resume_dir: Path | None = None, audio_digest: str | None = None
                    ) -> tuple[Transcript, dict[str, int]]:
    """Decode the WAV at `wav` chunk by chunk (`chunks.plan`), reporting each chunk;
    with `resume_dir` (and the audio's digest) finished chunks are kept there and a later
    call resumes after the last one."""
    loaded = _loaded(model)
    spans = chunks.plan(Path(wav), params.chunk_s)
    store = None
    if resume_dir is not None and audio_digest:
        store = chunks.Store(resume_dir, chunks.key(audio_digest, {
            "backend": loaded.backend, "model": model_desc, "compute_type": loaded.compute_type,
            "params": repr(params)}))
    raw: list[dict] = []
    kw: dict = {}
    for i, span in enumerate(spans):
        got = store.load(i, span) if store else None
        where = f"{span[0] / RATE / 60:.1f}–{span[1] / RATE / 60:.1f} min"
        if got is None:
            got, kw = decode_chunk(loaded, read_wav(Path(wav), *span), params, span[0] / RATE)
            if store:
                store.save(i, span, got)
            note = "done"
        else:
            note = "kept from an earlier run"
        if report and len(spans) > 1:
            report(f"chunk {i + 1}/{len(spans)} ({where}) {note}")
        raw.extend(got)
    if not kw:  # every chunk came from the store: the keywords are the backend's as always
        kw = _BACKENDS[loaded.backend].keywords(params, loaded.model)
    segments, dropped = from_whisper_segments(raw, duration_ms)
    extra = {"chunks": len(spans), "chunk_s": params.chunk_s} if len(spans) > 1 else None
    t = Transcript(film=film, language=params.language, duration_ms=duration_ms,
                   segments=segments, provenance=_provenance(loaded, kw, params, model_desc, extra))
    return t, dropped  # the caller clears `resume_dir` once the transcript is written
