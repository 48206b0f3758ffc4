"""Content hashes as the project writes them everywhere: `sha256:<64 lowercase hex digits>`."""

from __future__ import annotations

import hashlib


def sha256_digest(data: bytes) -> str:
    """The labelled SHA-256 of `data` (payloads, rule files, suite files, results, certificates)."""
    return "sha256:" + hashlib.sha256(data).hexdigest()
