"""The openai-whisper backend: loading checkpoints by name or path, and decoding."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import numpy as np

from ..errors import ModelUnavailable
from . import bundled, convert
from .cache import cache_home
from .params import AsrParams
from .spec import ModelSpec

NAME = "openai-whisper"
SEED = 0  # of the sampling at fallback temperatures, set before every decoding call


def download_root() -> Path:
    return cache_home() / "whisper"


def default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def load(spec: ModelSpec, device: str | None = None):
    """Load a Whisper model, offline when cached; ModelUnavailable with a way out if not."""
    import whisper

    device = device or default_device()
    if spec.bundled or spec.is_path:
        path = bundled.model_dir() if spec.bundled else Path(spec.ref).expanduser()
        heads = None
        if spec.bundled or spec.is_ct2_dir:  # a CTranslate2 directory: convert it once
            heads = convert.alignment_heads(path)
            path = convert.converted(path, download_root() / "converted",
                                     bundled.FILES["model.bin"][1] if spec.bundled else None)
        elif not path.is_file():
            raise ModelUnavailable(spec.name or path.stem, f"checkpoint {path} not found")
        try:
            model = whisper.load_model(str(path), device=device)
        except Exception as e:  # torch raises many types for a bad file
            raise ModelUnavailable(spec.name or path.stem,
                                   f"{path} is not a Whisper checkpoint: {type(e).__name__}: {e}"
                                   ) from None
        if spec.name in whisper._ALIGNMENT_HEADS:
            try:
                model.set_alignment_heads(whisper._ALIGNMENT_HEADS[spec.name])
            except RuntimeError:
                raise ModelUnavailable(spec.name, f"{path} does not have the shape of "
                                       f"Whisper '{spec.name}'; give the right --model-name"
                                       ) from None
        elif heads:
            mask = convert.alignment_mask(heads, model.dims.n_text_layer, model.dims.n_text_head)
            model.register_buffer("alignment_heads", mask.to(model.device), persistent=False)
        return model
    if spec.ref not in whisper.available_models():
        raise ModelUnavailable(spec.ref, "not a Whisper model name "
                               f"(known: {', '.join(whisper.available_models())})")
    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(30)
    try:
        return whisper.load_model(spec.ref, device=device, download_root=str(download_root()))
    except (OSError, RuntimeError, ValueError) as e:
        cached = download_root() / os.path.basename(whisper._MODELS[spec.ref])
        why = "not cached" if not cached.exists() else "cached file unusable"
        raise ModelUnavailable(spec.ref, f"{why} in {download_root()} and the download failed: "
                                         f"{type(e).__name__}") from None
    finally:
        socket.setdefaulttimeout(old)


def compute_type(model) -> str:
    return "float16" if next(model.parameters()).device.type == "cuda" else "float32"


def decode(model, audio: np.ndarray, params: AsrParams) -> tuple[list[dict], dict]:
    """Whisper's segment dicts for `audio` and the keywords it was called with."""
    import torch
    import whisper

    kw = params.kwargs(compute_type(model) == "float16")
    with torch.random.fork_rng(devices=[]):  # the caller's random state stays as it was
        torch.manual_seed(SEED)  # a fallback temperature samples the same on every run
        result = whisper.transcribe(model, audio, **kw)
    return result.get("segments", []), keywords(params, model)


def keywords(params: AsrParams, model) -> dict:
    """The `transcribe()` keywords as recorded in the provenance (plus `vad_filter`)."""
    kw = params.kwargs(compute_type(model) == "float16")
    return {**{k: v for k, v in kw.items() if k != "verbose"}, "vad_filter": params.vad_filter}


def versions() -> dict[str, str]:
    import torch
    import whisper

    return {"openai-whisper": whisper.__version__, "torch": torch.__version__}
