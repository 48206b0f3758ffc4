"""One writer at a time: an advisory lock on a file beside the one being changed.

A revocation list (or a verifier's record of the lists it has seen) is read, extended and written
back; two processes doing that at once would each write a list without the other's entry. The
lock is `flock(2)` on `NAME.lock` beside `NAME`, not on `NAME` itself, because `NAME` is replaced by
a rename (so a crash never leaves half a file) and a lock on the old inode would not hold the new
one. The kernel drops the lock when its process ends, however it ends, so a killed process never
leaves a stale lock; the empty lock file stays (removing it would let a third process lock a new
inode while a second still holds the old one).
"""

from __future__ import annotations

import fcntl
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conformance.core.errors import Busy, UsageError


def lock_path(target: Path) -> Path:
    """The lock file of `target`: `NAME.lock` in the same folder."""
    return target.with_name(f"{target.name}.lock")


@contextmanager
def exclusive(target: Path, *, wait: bool = True, what: str = "file") -> Iterator[None]:
    """Hold the lock of `target` for the block; with `wait=False`, Busy if another process has it."""
    path = lock_path(target)
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        raise UsageError(f"{path}: cannot lock the {what}: {exc.strerror or exc}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UsageError(f"{path}: cannot lock the {what}: the lock file is not a regular file")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise Busy(f"{target}: the {what} is in use by another process (it holds {path})") from None
        except OSError as exc:
            raise UsageError(f"{path}: cannot lock the {what}: {exc.strerror or exc}") from None
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
