"""Reading payloads from disk with limits, and telling XML from JSON before parsing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from conformance.core.digests import sha256_digest
from conformance.core.errors import PayloadError
from conformance.core.files import read_bounded
from conformance.core.limits import PAYLOAD_MAX_BYTES

DEFAULT_MAX_BYTES = PAYLOAD_MAX_BYTES

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
    data = read_bounded(path, max_bytes=max_bytes, error=PayloadError, what="payload", what_zh="报文")
    return Payload(name=str(path), data=data)


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
