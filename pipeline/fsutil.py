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
import threading
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
def atomic_dir(final: Path) -> Iterator[Path]:
    """Yield a temporary directory beside `final`; on success rename it to `final`.
    FileExistsError (and nothing of ours left) when `final` appeared meanwhile."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=final.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o755)
        try:
            os.rename(tmp, final)
        except OSError as e:
            if final.is_dir():
                raise FileExistsError(final) from e
            raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextlib.contextmanager
def cache_entry(final: Path, prune: bool = True) -> Iterator[Path]:
    """Yield an empty temporary directory beside `final` (a cache entry named by its key);
    on success it replaces `final` (an older, incomplete or unreadable one included) and,
    with `prune`, every other finished entry of that cache folder is removed
    (`prune_cache`: a cache keeps the current entry only). On failure nothing of it is
    left."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f"{TMP_PREFIX}{final.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if prune:
        prune_cache(final.parent, keep=final.name)


def prune_cache(root: Path, keep: str) -> None:
    """Remove the finished entries of the cache folder `root` other than `keep`. `.tmp-`
    directories belong to running or killed work; the runner sweeps those of killed ones."""
    for d in Path(root).iterdir():
        if d.is_dir() and d.name != keep and not d.name.startswith(TMP_PREFIX):
            shutil.rmtree(d, ignore_errors=True)


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


def read_cached(path: Path, model: type[M]) -> M | None:
    """A cache entry casefilm wrote (an encode's meta.json …) read as `model`; None when it
    is missing, unreadable or of another version, so the caller makes it anew."""
    try:
        return model.model_validate_json(Path(path).read_text(encoding="utf-8"))
    except (ValueError, OSError):  # pydantic's ValidationError is a ValueError
        return None


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


@contextlib.contextmanager
def flocked(path: Path) -> Iterator[None]:
    """Hold an exclusive flock(2) on `path` (created if needed) for the block: the way
    processes sharing a workspace, on one machine or on a network file system with locks,
    take turns at a shared file. The lock dies with the process."""
    import fcntl

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class DigestCache:
    """sha256 of files, remembered by (size, mtime_ns, inode) so large media is hashed once.

    A writer that already knows a file's digest (it hashed the bytes while writing or
    reading them, or links a file whose digest it recorded) says so with `remember`, so
    nobody reads the file again to hash it.

    Safe with concurrent writers (runs on other films, cluster workers): `save` merges the
    entries this object added into what is on disk now, under a lock on `<store>.lock`, so
    no process drops another's entries; the file itself is replaced atomically. An entry
    is only ever used when size, mtime and inode still match, so an entry another process
    wrote is as good as one's own."""

    def __init__(self, store: Path):
        self.store = store
        self._data: dict[str, list] = self._read()
        self._changed: set[str] = set()
        self._guard = threading.Lock()

    def _read(self) -> dict[str, list]:
        try:
            data = json.loads(self.store.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _put(self, key: str, entry: list) -> None:
        with self._guard:
            self._data[key] = entry
            self._changed.add(key)

    def digest(self, path: Path) -> str:
        path = Path(path)
        st = path.stat()
        key = str(path.resolve())
        stamp = [st.st_size, st.st_mtime_ns, st.st_ino]
        hit = self._data.get(key)
        if hit and hit[:3] == stamp:
            return hit[3]
        d = sha256_file(path)
        self._put(key, stamp + [d])
        return d

    def remember(self, path: Path, digest: str) -> None:
        """Record `digest` as the sha256 of `path` as it is now on disk."""
        path = Path(path)
        st = path.stat()
        self._put(str(path.resolve()), [st.st_size, st.st_mtime_ns, st.st_ino, digest])

    def save(self) -> None:
        """Merge this object's new entries into the store (see the class doc)."""
        with self._guard:
            if not self._changed:
                return
            mine = {k: self._data[k] for k in self._changed}
            self._changed = set()
        try:
            with flocked(self.store.with_name(self.store.name + ".lock")):
                disk = self._read()
                disk.update(mine)
                write_json(self.store, disk)
        except BaseException:
            with self._guard:
                self._changed |= mine.keys()
            raise
        with self._guard:
            self._data = {**disk, **{k: self._data[k] for k in self._changed}}
