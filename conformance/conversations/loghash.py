"""The content hash of an exchange log: what a certificate names as the evidence of a conversation.

SHA-256 over a sequence of records, one per file in this order: exchange.json, events.jsonl, then
each body in event order. A record is the file's name (its path in the log, UTF-8), then its bytes,
each preceded by its length as 8 bytes big-endian, so no two different logs give the same input
(moving a byte from one file to the next, or renaming a body, changes the hash). Files of the folder
that no event names are not part of the log and not hashed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def _record(name: str, data: bytes) -> bytes:
    encoded = name.encode("utf-8")
    return len(encoded).to_bytes(8, "big") + encoded + len(data).to_bytes(8, "big")


class LogHasher:
    """Feed the files of a log in order (manifest, events, bodies), then read `hexdigest`."""

    def __init__(self) -> None:
        self._sha = hashlib.sha256()

    def add(self, name: str, data: bytes) -> None:
        """Add one file of the log, as a record (name, bytes)."""
        self._sha.update(_record(name, data))
        self._sha.update(data)

    def digest(self) -> str:
        """The labelled hash, as the project writes every content hash: `sha256:<hex>`."""
        return "sha256:" + self._sha.hexdigest()


def log_content_hash(manifest: bytes, events: bytes, bodies: Iterable[tuple[str, bytes]]) -> str:
    """The content hash of a log given its files' bytes (bodies as (name, bytes), in event order)."""
    hasher = LogHasher()
    hasher.add("exchange.json", manifest)
    hasher.add("events.jsonl", events)
    for name, data in bodies:
        hasher.add(name, data)
    return hasher.digest()
