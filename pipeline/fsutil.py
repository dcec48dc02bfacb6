"""Atomic outputs and content digests.

Every file casefilm produces appears under its final name only when complete: it is
written to a temporary name in the same directory and renamed (rename(2) is atomic on one
filesystem). Temporary names start with `.tmp-` so a later run can sweep leftovers of a
killed one.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import ManifestError

TMP_PREFIX = ".tmp-"


@contextlib.contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """Yield a temporary path beside `final`; on success rename it to `final`."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=final.suffix, dir=final.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, final)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_text(final: Path) -> Iterator[io.TextIOBase]:
    """Open a text stream whose content appears at `final` only if the block succeeds."""
    with atomic_path(final) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())


def write_text(final: Path, text: str) -> Path:
    with atomic_text(final) as fh:
        fh.write(text)
    return Path(final)


def write_json(final: Path, data: object) -> Path:
    return write_text(final, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n")


M = TypeVar("M", bound=BaseModel)


def read_json(path: Path, model: type[M], what: str = "JSON") -> M:
    """A structured JSON file casefilm wrote (a transcript, cues.json, chapters.json …)
    read as `model`; every failure is one ManifestError naming the file and the field
    (`write_json`'s counterpart)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(path, "", "file not found") from None
    except UnicodeDecodeError as e:
        raise ManifestError(path, "", f"not UTF-8 text ({e.reason} at byte {e.start})") from None
    try:
        return model.model_validate_json(text)
    except ValidationError as e:
        raise ManifestError.from_validation(path, e) from None
    except ValueError as e:
        raise ManifestError(path, "", f"not a {what} file: {e}") from None


def copy_atomic(src: Path, final: Path) -> Path:
    """Hard-link (cheap, same content) or copy `src` to `final`, atomically. Nothing to do
    when `final` already is `src` (the same inode: rename(2) would be a no-op)."""
    if Path(final).exists() and os.path.samefile(src, final):
        return Path(final)
    with atomic_path(final) as tmp:
        tmp.unlink()
        try:
            os.link(src, tmp)
        except OSError:
            shutil.copyfile(src, tmp)
    return Path(final)


def sweep_temporaries(directory: Path) -> int:
    """Remove `.tmp-*` leftovers of an interrupted run below `directory`."""
    n = 0
    if directory.exists():
        for p in directory.rglob(TMP_PREFIX + "*"):
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
            n += 1
    return n


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_text(text: str) -> str:
    return sha256_bytes(text.encode("utf-8"))


def sha256_json(data: object) -> str:
    return sha256_text(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str))


class DigestCache:
    """sha256 of files, remembered by (size, mtime_ns, inode) so large media is hashed once.

    A writer that already knows a file's digest (it hashed the bytes while writing or
    reading them, or links a file whose digest it recorded) says so with `remember`, so
    nobody reads the file again to hash it."""

    def __init__(self, store: Path):
        self.store = store
        try:
            self._data: dict[str, list] = json.loads(store.read_text())
        except (OSError, ValueError):
            self._data = {}
        self._dirty = False

    def digest(self, path: Path) -> str:
        path = Path(path)
        st = path.stat()
        key = str(path.resolve())
        stamp = [st.st_size, st.st_mtime_ns, st.st_ino]
        hit = self._data.get(key)
        if hit and hit[:3] == stamp:
            return hit[3]
        d = sha256_file(path)
        self._data[key] = stamp + [d]
        self._dirty = True
        return d

    def remember(self, path: Path, digest: str) -> None:
        """Record `digest` as the sha256 of `path` as it is now on disk."""
        path = Path(path)
        st = path.stat()
        self._data[str(path.resolve())] = [st.st_size, st.st_mtime_ns, st.st_ino, digest]
        self._dirty = True

    def save(self) -> None:
        if self._dirty:
            write_json(self.store, self._data)
            self._dirty = False
