"""Reading a file the tool did not write: a regular file, of bounded size, never blocking.

Payloads, bundle artefacts, certificates and revocation lists all come through here. A FIFO, a
device (`/dev/zero`) or a socket is refused before a byte is read, and the check is made on the
opened descriptor, so a path swapped between check and read cannot slip a FIFO in.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from conformance.core.errors import ConformanceError, PayloadError
from conformance.core.limits import MIB


def _refuse(error: type[ConformanceError], path: Path | str, en: str, zh: str) -> ConformanceError:
    if issubclass(error, PayloadError):
        return error(en, message_zh=zh, location=str(path))
    return error(en, location=str(path))


def over_limit(error: type[ConformanceError], where: Path | str, max_bytes: int, *, what: str = "file",
               what_zh: str = "文件") -> ConformanceError:
    """The refusal of something read past `max_bytes`, in the words of every bounded read."""
    return _refuse(error, where, f"{what} is over the limit of {max_bytes} bytes",
                   f"{what_zh}超过上限 {max_bytes} 字节")


def _read_to_limit(read: Callable[[int], bytes], max_bytes: int, first: int = MIB) -> bytes | None:
    """Everything `read` gives up to `max_bytes`, asking for `first` bytes and then a MiB at a time;
    None once past the limit (one byte past it is all that is read)."""
    chunks: list[bytes] = []
    size = 0
    want = first
    while size <= max_bytes:
        # Never ask for the whole budget at once: read(n) allocates n bytes up front.
        chunk = read(min(want, max_bytes + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        want = MIB
    return None if size > max_bytes else b"".join(chunks)


def read_bounded_stream(stream: BinaryIO, *, max_bytes: int, error: type[ConformanceError],
                        what: str = "file", what_zh: str = "文件", name: str = "<stream>") -> bytes:
    """The bytes of a stream of at most `max_bytes`, or `error` (located at `name`) once past them."""
    data = _read_to_limit(stream.read, max_bytes)
    if data is None:
        raise over_limit(error, name, max_bytes, what=what, what_zh=what_zh)
    return data


def read_bounded(path: Path | str, *, max_bytes: int, error: type[ConformanceError],
                 what: str = "file", what_zh: str = "文件") -> bytes:
    """The bytes of a regular file of at most `max_bytes`, or `error` (located at the path) saying why not."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        # O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one.
        fd = os.open(path, flags)
    except IsADirectoryError:
        raise _refuse(error, path, f"is a directory, not a {what}", f"这是目录，不是{what_zh}") from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise _refuse(error, path, f"cannot read {what}: {reason}", f"无法读取{what_zh}：{reason}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise _refuse(error, path, f"is a directory, not a {what}", f"这是目录，不是{what_zh}")
        if not stat.S_ISREG(info.st_mode):
            # FIFOs and devices would block or never end: never read them.
            raise _refuse(error, path, "not a regular file", "不是普通文件")
        if info.st_size > max_bytes:
            raise _refuse(error, path, f"{what} is {info.st_size} bytes, over the limit of {max_bytes} bytes",
                          f"{what_zh}大小 {info.st_size} 字节，超过上限 {max_bytes} 字节")
        # Ask for the size fstat() gave, then a MiB at a time if the file grew since, to the limit.
        data = _read_to_limit(lambda n: os.read(fd, n), max_bytes, first=info.st_size + 1)
        if data is None:
            raise over_limit(error, path, max_bytes, what=what, what_zh=what_zh)
        return data
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise _refuse(error, path, f"cannot read {what}: {reason}", f"无法读取{what_zh}：{reason}") from None
    finally:
        os.close(fd)
