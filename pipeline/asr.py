"""Speech recognition with openai-whisper.

The model is chosen from `--model`, film.yaml `transcript.model`, `CASEFILM_WHISPER_MODEL`,
else `small`; it is loaded once per run (RunOptions.cached). A model given as a path gets
the alignment heads of its name (`--model-name`, or the file's stem if that is a known
name), so word timestamps stay as good as when loading by name.
"""

from __future__ import annotations

import base64
import gzip
import os
import socket
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import MediaError, ModelUnavailable
from .models import Provenance, Segment, Transcript, Word
from .words import is_hallucination, spread_words

DEFAULT_MODEL = "small"
ENV_MODEL = "CASEFILM_WHISPER_MODEL"

@dataclass(frozen=True)
class ModelSpec:
    """Which Whisper model: a known name, or a checkpoint path (with its name if known)."""

    ref: str  # name or path as given
    name: str | None  # model name for alignment heads and provenance

    @property
    def is_path(self) -> bool:
        return os.sep in self.ref or self.ref.endswith((".pt", ".bin")) or Path(self.ref).exists()

    def describe(self) -> str:
        return f"{self.ref} ({self.name})" if self.is_path and self.name else self.ref


def resolve_model(cli_model: str | None, cli_name: str | None, manifest_model: str | None,
                  manifest_name: str | None) -> ModelSpec:
    ref = cli_model or manifest_model or os.environ.get(ENV_MODEL) or DEFAULT_MODEL
    name = cli_name or (manifest_name if not cli_model else None)
    spec = ModelSpec(ref, name)
    if not spec.is_path:
        return ModelSpec(ref, ref)
    if name is None:
        import whisper

        stem = Path(ref).stem
        name = stem if stem in whisper._ALIGNMENT_HEADS else None
        if name and not _fits(Path(ref), name):
            name = None  # a file merely named like a model: keep whisper's default heads
    return ModelSpec(ref, name)


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


def default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def download_root() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg) / "whisper"


def load_model(spec: ModelSpec, device: str | None = None):
    """Load a Whisper model, offline when cached; ModelUnavailable with a way out if not."""
    import whisper

    device = device or default_device()
    if spec.is_path:
        path = Path(spec.ref).expanduser()
        if not path.is_file():
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


def read_wav(path: Path) -> np.ndarray:
    """16-bit PCM mono WAV → float32 array in [-1, 1] (what whisper.transcribe takes)."""
    try:
        with wave.open(str(path), "rb") as w:
            if w.getsampwidth() != 2 or w.getnchannels() != 1:
                raise MediaError(path, "expected 16-bit mono PCM WAV")
            data = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as e:
        raise MediaError(path, f"unreadable WAV: {e}") from None
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0


@dataclass(frozen=True)
class AsrParams:
    language: str
    glossary: tuple[str, ...]
    beam_size: int | None = None
    temperature: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    condition_on_previous_text: bool = False  # avoids repetition loops (docs/asr.md)
    hallucination_silence_threshold: float | None = 2.0  # s; needs word timestamps

    def prompt(self) -> str | None:
        return ", ".join(self.glossary) + "." if self.glossary else None

    def kwargs(self, fp16: bool) -> dict:
        kw = dict(language=self.language, task="transcribe", word_timestamps=True,
                  initial_prompt=self.prompt(), carry_initial_prompt=bool(self.glossary),
                  condition_on_previous_text=self.condition_on_previous_text,
                  temperature=self.temperature, compression_ratio_threshold=2.4,
                  logprob_threshold=-1.0, no_speech_threshold=0.6,
                  hallucination_silence_threshold=self.hallucination_silence_threshold,
                  fp16=fp16, verbose=False)
        if self.beam_size:
            kw["beam_size"] = self.beam_size
        return kw


def params_for(manifest) -> AsrParams:
    """Decoding parameters from a film manifest (`transcript:` settings)."""
    ts = manifest.transcript
    temp = ts.temperature
    temperature = AsrParams.temperature if temp is None else (
        tuple(temp) if isinstance(temp, list) else (float(temp),))
    return AsrParams(language=manifest.language, glossary=tuple(manifest.glossary),
                     beam_size=ts.beam_size, temperature=temperature,
                     condition_on_previous_text=ts.condition_on_previous_text,
                     hallucination_silence_threshold=ts.hallucination_silence_threshold)


def transcribe(model, audio: np.ndarray, params: AsrParams, *, film: str, duration_ms: int,
               model_desc: str) -> tuple[Transcript, dict[str, int]]:
    """Run Whisper; return the typed transcript and counts of dropped segments by reason."""
    import torch
    import whisper

    fp16 = next(model.parameters()).device.type == "cuda"
    kw = params.kwargs(fp16)
    result = whisper.transcribe(model, audio, **kw)
    segments, dropped = from_whisper_segments(result.get("segments", []), duration_ms)
    prov = Provenance(
        backend="openai-whisper", model=model_desc,
        parameters={k: v for k, v in kw.items() if k not in ("verbose",)},
        status="auto",
        tool_versions={"openai-whisper": whisper.__version__, "torch": torch.__version__},
    )
    return Transcript(film=film, language=params.language, duration_ms=duration_ms,
                      segments=segments, provenance=prov), dropped


def _ms(t: float | None, limit: int) -> int:
    return max(0, min(limit, round(float(t or 0) * 1000)))


def from_whisper_segments(raw: list[dict], duration_ms: int) -> tuple[list[Segment], dict[str, int]]:
    """Whisper's segment dicts → typed segments.

    Times are clamped to [0, duration_ms] and made monotonic across the whole transcript
    (no word starts before the previous one ends); empty segments and known hallucinated
    lines are dropped; ids are renumbered from 0. Returns them with counts of what was dropped.
    """
    out: list[Segment] = []
    dropped = {"hallucinated": 0, "beyond_end": 0}
    floor = 0  # ms: nothing may start before this
    for seg in raw:
        text = (seg.get("text") or "").strip()
        if not text:
            continue
        if is_hallucination(text):
            dropped["hallucinated"] += 1
            continue
        words = []
        spoken = []  # the word strings as Whisper spells them, leading spaces included
        for w in seg.get("words") or []:
            wt = (w.get("word") or "").strip()
            if not wt:
                continue
            spoken.append(w["word"])
            ws = max(_ms(w.get("start"), duration_ms), floor)
            we = max(ws, _ms(w.get("end"), duration_ms))
            p = w.get("probability")
            words.append(Word(start=ws, end=we, text=wt,
                              probability=None if p is None else round(float(p), 4)))
            floor = we
        if words:  # the text is what the words say: captions are built from the words
            text = "".join(spoken).strip()
        start = words[0].start if words else max(_ms(seg.get("start"), duration_ms), floor)
        end = words[-1].end if words else max(start, _ms(seg.get("end"), duration_ms))
        if end <= start:
            end = min(duration_ms, start + 1)
            if end <= start:  # a segment squeezed to nothing at the very end
                dropped["beyond_end"] += 1
                continue
        if not words:  # no word timings from Whisper: spread the words over the segment
            words = spread_words(start, end, text)
        out.append(Segment(id=len(out), start=start, end=end, text=text, words=words))
        floor = end
    return out, dropped
