"""One writer per film: a lock file per film in the workspace.

`.casefilm/locks/<film>.lock` is locked with flock(2) while a process works on the film,
and holds, as JSON, who that is: owner (user), host, pid, the time the lock was taken and
what the holder is doing (`purpose`, e.g. "casefilm run"). The kernel's lock, not the
file's existence, is what excludes a second writer, so a holder killed with `kill -9` can
never leave a lock behind: its flock goes with the process. What it does leave is its
description in the file, and that is how a take-over is recognised and reported: a lock
acquired while the file still describes a holder means that holder ended without
releasing (it died); the new holder says whose lock it took over.

On a network file system the same holds as long as the file system supports locks
(NFSv4, or NFSv3 with lockd: Linux maps flock onto them); a dead machine's lock is freed
when its lease expires (NFSv4: about 90 s).

The file is never deleted (deleting a locked file lets a third process lock a new inode
while the second still holds the old one); a clean release empties it.

Within one process flock already excludes a second open of the same file; a registry of
the films this process holds makes that explicit and cheap (`FilmLocked` at once).
"""

from __future__ import annotations

import errno
import fcntl
import getpass
import json
import os
import socket
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from .errors import FilmLocked
from .models import utcnow

LOCK_DIR = "locks"
POLL_S = 0.25  # how often a waiting process tries again

_held: set[str] = set()  # lock files this process holds
_held_guard = threading.Lock()


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held) a film's lock."""

    owner: str
    host: str
    pid: int
    since: str  # ISO 8601 UTC, when the lock was taken
    purpose: str = ""

    def describe(self) -> str:
        what = f", {self.purpose}" if self.purpose else ""
        return f"{self.owner}@{self.host} pid {self.pid} since {self.since}{what}"

    @classmethod
    def me(cls, purpose: str) -> "Holder":
        try:
            owner = getpass.getuser()
        except (KeyError, OSError):
            owner = str(os.getuid())
        return cls(owner, socket.gethostname(), os.getpid(), utcnow(), purpose)

    @classmethod
    def parse(cls, text: str) -> "Holder | None":
        if not text.strip():
            return None
        try:
            d = json.loads(text)
            return cls(str(d["owner"]), str(d["host"]), int(d["pid"]), str(d["since"]),
                       str(d.get("purpose", "")))
        except (ValueError, KeyError, TypeError):
            return Holder("?", "?", 0, "?", "unreadable lock description")


def lock_path(state_dir: Path, film_id: str) -> Path:
    return Path(state_dir) / LOCK_DIR / f"{film_id}.lock"


def read_holder(path: Path) -> Holder | None:
    """The description in a lock file (None: empty or missing, i.e. released)."""
    try:
        return Holder.parse(Path(path).read_text(encoding="utf-8"))
    except OSError:
        return None


def holder_now(state_dir: Path, film_id: str) -> Holder | None:
    """Who holds the film's lock right now (None: nobody). Asks the kernel with a shared,
    non-blocking flock that is dropped at once; the file is not written."""
    path = lock_path(state_dir, film_id)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return read_holder(path) or Holder("?", "?", 0, "?", "starting")
        return None
    finally:
        os.close(fd)


class FilmLock:
    """The lock of one film, held from `acquire` to `release` (or the `with` block).

    `took_over` is the holder whose lock this one took over (it had died holding it),
    None after a clean hand-over."""

    def __init__(self, state_dir: Path, film_id: str, purpose: str = "casefilm run"):
        self.film = film_id
        self.path = lock_path(state_dir, film_id)
        self.purpose = purpose
        self.fd: int | None = None
        self.took_over: Holder | None = None

    def try_acquire(self) -> bool:
        """Take the lock if it is free; False (and nothing changed) if another holds it."""
        key = str(self.path.absolute())
        with _held_guard:
            if key in _held:
                return False
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as e:
                os.close(fd)
                if e.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    return False
                raise
            _held.add(key)
        self.fd = fd
        self.took_over = Holder.parse(os.pread(fd, 1 << 16, 0).decode("utf-8", "replace"))
        me = json.dumps(asdict(Holder.me(self.purpose)), sort_keys=True).encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, me + b"\n", 0)
        os.fsync(fd)
        return True

    def acquire(self, *, wait: bool = True, report: Callable[[str], None] | None = None,
                timeout: float | None = None) -> "FilmLock":
        """Take the lock, waiting while another process holds it (reported once, naming
        the holder) unless `wait` is False; `FilmLocked` when it cannot be had (not
        waiting, or not within `timeout` seconds). A take-over of a dead holder's lock is
        reported."""
        deadline = None if timeout is None else time.monotonic() + timeout
        said = False
        while not self.try_acquire():
            holder = read_holder(self.path)
            if not wait or (deadline is not None and time.monotonic() >= deadline):
                raise FilmLocked(self.film, self.path, holder.describe() if holder else None)
            if report and not said:
                who = holder.describe() if holder else "another process"
                report(f"waiting: the film is locked by {who} ({self.path.name})")
                said = True
            time.sleep(POLL_S)
        if report and self.took_over is not None:
            report(f"lock: took over the lock of {self.took_over.describe()}: "
                   f"that process ended without releasing it")
        return self

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            os.ftruncate(self.fd, 0)  # a clean release: nobody to report as taken over
        finally:
            with _held_guard:
                _held.discard(str(self.path.absolute()))
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> "FilmLock":
        if self.fd is None:
            self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
