"""Which speech recogniser and model: backend, a model name or path, its name if known.

The model comes from `--model`, film.yaml `transcript.model`, `CASEFILM_WHISPER_MODEL`,
else the best model already in the backend's cache (`AUTO_MODELS`, looked up without
network), else the bundled Whisper base (`asr.bundled`, also asked for by the name
`bundled`); the backend from `--backend`, film.yaml `transcript.backend`, else
openai-whisper. A model given as a path keeps the alignment heads of its name
(`--model-name`, or the file's stem if that is a known name), so word timestamps stay as
good as when loading by name. A CTranslate2 model directory (faster-whisper's format) is a
path for either backend: openai-whisper gets it converted once (`asr.convert`).
"""

from __future__ import annotations

import base64
import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import bundled
from .cache import cache_home

DEFAULT_MODEL = bundled.KEYWORD  # when no better model is cached
AUTO_MODELS = ("large-v3", "large-v3-turbo", "medium", "small")  # best first
DRAFT_MODELS = ("tiny", "tiny.en", "base", "base.en")  # captions from these need a review
DELIVERY_MODEL = "large-v3-turbo"  # what docs and notes recommend for delivery
ENV_MODEL = "CASEFILM_WHISPER_MODEL"
BACKENDS = ("openai-whisper", "faster-whisper")
DEFAULT_BACKEND = "openai-whisper"


@dataclass(frozen=True)
class ModelSpec:
    """Which Whisper model: a known name, or a checkpoint path (with its name if known)."""

    ref: str  # name or path as given
    name: str | None  # model name for alignment heads and provenance
    backend: str = DEFAULT_BACKEND
    compute_type: str | None = None  # faster-whisper: int8 on CPU unless set

    @property
    def bundled(self) -> bool:
        return self.ref == bundled.KEYWORD

    @property
    def is_path(self) -> bool:
        if self.bundled:
            return False
        return os.sep in self.ref or self.ref.endswith((".pt", ".bin")) or Path(self.ref).exists()

    @property
    def is_ct2_dir(self) -> bool:
        return self.is_path and (Path(self.ref).expanduser() / "model.bin").is_file()

    def describe(self) -> str:
        if self.bundled:
            return bundled.LABEL
        return f"{self.ref} ({self.name})" if self.is_path and self.name else self.ref


def cached(name: str, backend: str) -> bool:
    """Whether the model `name` is in `backend`'s download cache (no network is used)."""
    if backend == "faster-whisper":
        from faster_whisper.utils import download_model

        try:
            download_model(name, local_files_only=True,
                           cache_dir=str(cache_home() / "faster-whisper"))
        except Exception:  # huggingface_hub's "not in the cache" errors vary by version
            return False
        return True
    return (cache_home() / "whisper" / f"{name}.pt").is_file()  # whisper._MODELS' file names


def best_present(backend: str) -> str:
    """The best of `AUTO_MODELS` in the cache, else `bundled` (never downloads)."""
    return next((n for n in AUTO_MODELS if cached(n, backend)), bundled.KEYWORD)


def is_draft(model: str | None) -> bool:
    """Whether a transcript's `provenance.model` (`ModelSpec.describe()`: "small",
    "/path/x.pt (tiny.en)", "base (bundled)") is a draft-quality model: tiny or base."""
    if not model:
        return False
    name = model[model.rfind("(") + 1:-1] if model.endswith(")") else model
    return name in DRAFT_MODELS or name == bundled.KEYWORD


def draft_note(model: str | None) -> str | None:
    """For a transcript's `provenance.model`: a note (English, for `casefilm status`) when
    the model is draft quality, naming the model to use for delivery."""
    if not is_draft(model):
        return None
    return (f"a draft-quality model: for delivery transcribe again with a larger one "
            f"(--model {DELIVERY_MODEL}, or small/medium) or have every caption reviewed")


def resolve_model(cli_model: str | None, cli_name: str | None, manifest_model: str | None,
                  manifest_name: str | None, backend: str | None = None,
                  compute_type: str | None = None) -> ModelSpec:
    backend = backend or DEFAULT_BACKEND
    ref = cli_model or manifest_model or os.environ.get(ENV_MODEL) or best_present(backend)
    name = cli_name or (manifest_name if not cli_model else None)
    spec = ModelSpec(ref, name, backend, compute_type)
    if spec.bundled:
        return ModelSpec(ref, bundled.NAME, backend, compute_type)
    if not spec.is_path:
        return ModelSpec(ref, ref, backend, compute_type)
    if name is None and backend == "openai-whisper" and not spec.is_ct2_dir:
        import whisper

        stem = Path(ref).stem
        name = stem if stem in whisper._ALIGNMENT_HEADS else None
        if name and not _fits(Path(ref), name):
            name = None  # a file merely named like a model: keep whisper's default heads
    return ModelSpec(ref, name, backend, compute_type)


def _fits(path: Path, name: str) -> bool:
    """Whether the checkpoint at `path` has the layer/head counts of model `name`.

    Memory-maps the checkpoint, so only its small `dims` entry is read, not the weights."""
    import torch
    import whisper

    try:
        heads = np.frombuffer(gzip.decompress(base64.b85decode(whisper._ALIGNMENT_HEADS[name])),
                              dtype=bool)
        dims = torch.load(path, map_location="cpu", weights_only=False, mmap=True)["dims"]
        return heads.size == dims["n_text_layer"] * dims["n_text_head"]
    except Exception:  # unreadable here: load_model will report it properly
        return True


def check(spec: ModelSpec) -> None:
    """What can be known about a model without loading it (preflight): a model given as a
    path exists, in the form its backend needs. ModelUnavailable (exit 4) if not."""
    from ..errors import ModelUnavailable

    if spec.bundled:
        bundled.wheel_dirs()  # installed? (assembling and checking wait for the load)
        return
    if not spec.is_path:
        return
    path = Path(spec.ref).expanduser()
    if spec.backend == "faster-whisper" and not (path / "model.bin").is_file():
        raise ModelUnavailable(spec.name or path.name, f"{path} is not a CTranslate2 model "
                               "directory (no model.bin)", spec.backend)
    if spec.backend != "faster-whisper" and not (path.is_file() or spec.is_ct2_dir):
        raise ModelUnavailable(spec.name or path.stem, f"checkpoint {path} not found")
