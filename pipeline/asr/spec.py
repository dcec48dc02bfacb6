"""Which speech recogniser and model: backend, a model name or path, its name if known.

The model comes from `--model`, film.yaml `transcript.model`, `CASEFILM_WHISPER_MODEL`,
else `small`; the backend from `--backend`, film.yaml `transcript.backend`, else
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

DEFAULT_MODEL = "small"
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
    def is_path(self) -> bool:
        return os.sep in self.ref or self.ref.endswith((".pt", ".bin")) or Path(self.ref).exists()

    @property
    def is_ct2_dir(self) -> bool:
        return self.is_path and (Path(self.ref).expanduser() / "model.bin").is_file()

    def describe(self) -> str:
        return f"{self.ref} ({self.name})" if self.is_path and self.name else self.ref


def resolve_model(cli_model: str | None, cli_name: str | None, manifest_model: str | None,
                  manifest_name: str | None, backend: str | None = None,
                  compute_type: str | None = None) -> ModelSpec:
    backend = backend or DEFAULT_BACKEND
    ref = cli_model or manifest_model or os.environ.get(ENV_MODEL) or DEFAULT_MODEL
    name = cli_name or (manifest_name if not cli_model else None)
    spec = ModelSpec(ref, name, backend, compute_type)
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

    if not spec.is_path:
        return
    path = Path(spec.ref).expanduser()
    if spec.backend == "faster-whisper" and not (path / "model.bin").is_file():
        raise ModelUnavailable(spec.name or path.name, f"{path} is not a CTranslate2 model "
                               "directory (no model.bin)", spec.backend)
    if spec.backend != "faster-whisper" and not (path.is_file() or spec.is_ct2_dir):
        raise ModelUnavailable(spec.name or path.stem, f"checkpoint {path} not found")
