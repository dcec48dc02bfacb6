"""The faster-whisper backend (CTranslate2): models by name or directory, int8 on CPU."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import numpy as np

from ..errors import ModelUnavailable
from . import bundled
from .cache import cache_home
from .params import AsrParams
from .spec import ModelSpec

NAME = "faster-whisper"
SEED = 0  # of the sampling at fallback temperatures, set before every decoding call
COMPUTE_TYPES = ("default", "auto", "int8", "int8_float32", "int8_float16", "int8_bfloat16",
                 "int16", "float16", "bfloat16", "float32")


def download_root() -> Path:
    return cache_home() / "faster-whisper"


def cpu_threads() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def load(spec: ModelSpec, device: str | None = None):
    """A `faster_whisper.WhisperModel`: from a directory, or by name from the cache (one
    download attempt with network); ModelUnavailable with a way out if neither works."""
    import ctranslate2
    from faster_whisper import WhisperModel
    from faster_whisper.utils import available_models

    device = device or ("cuda" if ctranslate2.get_cuda_device_count() else "cpu")
    ctype = spec.compute_type or ("int8" if device == "cpu" else "float16")
    if ctype not in COMPUTE_TYPES:
        raise ModelUnavailable(spec.describe(), f"unknown compute type {ctype!r} "
                               f"(known: {', '.join(COMPUTE_TYPES)})", NAME)
    kw = dict(device=device, compute_type=ctype, cpu_threads=cpu_threads())
    if spec.bundled or spec.is_path:
        path = bundled.model_dir() if spec.bundled else Path(spec.ref).expanduser()
        if not (path / "model.bin").is_file():
            raise ModelUnavailable(spec.name or path.name,
                                   f"{path} is not a CTranslate2 model directory "
                                   "(no model.bin)", NAME)
        try:
            return WhisperModel(str(path), **kw)
        except Exception as e:  # CTranslate2 raises RuntimeError/ValueError for bad files
            raise ModelUnavailable(spec.name or path.name, f"{path} could not be loaded: "
                                   f"{type(e).__name__}: {e}", NAME) from None
    if spec.ref not in available_models():
        raise ModelUnavailable(spec.ref, "not a faster-whisper model name "
                               f"(known: {', '.join(available_models())})", NAME)
    root = str(download_root())
    try:
        return WhisperModel(spec.ref, download_root=root, local_files_only=True, **kw)
    except Exception:
        pass
    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(30)
    try:
        return WhisperModel(spec.ref, download_root=root, **kw)
    except Exception as e:  # huggingface_hub raises many types offline
        raise ModelUnavailable(spec.ref, f"not cached in {root} and the download failed: "
                                         f"{type(e).__name__}", NAME) from None
    finally:
        socket.setdefaulttimeout(old)


def compute_type(model) -> str:
    return model.model.compute_type


def decode(model, audio: np.ndarray, params: AsrParams) -> tuple[list[dict], dict]:
    """Segment dicts in openai-whisper's shape and the keywords faster-whisper got."""
    import ctranslate2

    kw = params.faster_kwargs()
    ctranslate2.set_random_seed(SEED)  # a fallback temperature samples the same on every run
    segments, _info = model.transcribe(audio, **kw, vad_filter=False)
    out = []
    for s in segments:  # a generator: decoding happens here
        out.append({"start": s.start, "end": s.end, "text": s.text,
                    "words": [{"word": w.word, "start": w.start, "end": w.end,
                               "probability": w.probability} for w in (s.words or [])]})
    return out, keywords(params, model)


def keywords(params: AsrParams, model) -> dict:
    return {**params.faster_kwargs(), "vad_filter": params.vad_filter}


def versions() -> dict[str, str]:
    import ctranslate2
    import faster_whisper

    return {"faster-whisper": faster_whisper.__version__, "ctranslate2": ctranslate2.__version__}
