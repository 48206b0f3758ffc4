"""Reading payloads from disk with limits, and telling XML from JSON before parsing."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from conformance.core.digests import sha256_digest
from conformance.core.errors import PayloadError

DEFAULT_MAX_BYTES = 64 * 1024 * 1024

_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32-BE"),
    (b"\xff\xfe\x00\x00", "UTF-32-LE"),
    (b"\xef\xbb\xbf", "UTF-8"),
    (b"\xfe\xff", "UTF-16-BE"),
    (b"\xff\xfe", "UTF-16-LE"),
)


@dataclass(frozen=True, slots=True)
class Payload:
    """The bytes of one payload and where they came from."""

    name: str
    data: bytes

    @property
    def sha256(self) -> str:
        return sha256_digest(self.data)


def read_payload(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Payload:
    """Read a regular file of at most `max_bytes`; anything else is a PayloadError."""
    name = str(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        raise PayloadError(f"cannot read payload: {exc.strerror or exc}",
                           message_zh=f"无法读取报文：{exc.strerror or exc}", location=name) from exc
    if stat.S_ISDIR(info.st_mode):
        raise PayloadError("is a directory, not a payload file", message_zh="这是目录，不是报文文件",
                           location=name)
    if not stat.S_ISREG(info.st_mode):
        # FIFOs and devices would block or never end: never open them.
        raise PayloadError("not a regular file", message_zh="不是普通文件", location=name)
    if info.st_size > max_bytes:
        raise PayloadError(
            f"payload is {info.st_size} bytes, over the limit of {max_bytes} bytes (--max-bytes)",
            message_zh=f"报文大小 {info.st_size} 字节，超过上限 {max_bytes} 字节（--max-bytes）",
            location=name,
        )
    try:
        with open(path, "rb") as handle:
            # Ask for the size stat() gave, not the limit: read(n) allocates n bytes up front.
            data = handle.read(info.st_size + 1)
            if len(data) > info.st_size:  # the file grew since stat(): read on, to the limit
                data += handle.read(max_bytes + 1 - len(data))
    except OSError as exc:
        raise PayloadError(f"cannot read payload: {exc.strerror or exc}",
                           message_zh=f"无法读取报文：{exc.strerror or exc}", location=name) from exc
    if len(data) > max_bytes:  # the file grew while we looked at it
        raise PayloadError(f"payload is over the limit of {max_bytes} bytes", location=name,
                           message_zh=f"报文超过上限 {max_bytes} 字节")
    return Payload(name=name, data=data)


def detect_bom(data: bytes) -> str | None:
    """The encoding a byte-order mark announces, or None."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def sniff_syntax(data: bytes) -> str | None:
    """'xml', 'json' or None, from the first significant character (after any BOM)."""
    encoding = detect_bom(data)
    if encoding and encoding != "UTF-8":
        try:
            head = data[:256].decode(encoding.lower().replace("-", "_"), "ignore")
        except LookupError:
            return None
        head = head.lstrip("\ufeff \t\r\n")
    else:
        head = (data[3:64] if encoding else data[:64]).lstrip(b" \t\r\n").decode("latin-1")
    if head.startswith("<"):
        return "xml"
    if head[:1] in ("{", "["):
        return "json"
    return None
