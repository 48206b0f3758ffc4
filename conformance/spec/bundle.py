"""Files of a standard bundle: paths that stay inside the bundle, and the bundle's content hash."""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath

from conformance.core.errors import BundlePathError

# Bundle files that never count towards the content hash (editor and tool droppings).
_IGNORED_PARTS = {"__pycache__", ".git", ".DS_Store"}


def resolve_inside(root: Path, relative: str, *, where: str) -> Path:
    """Resolve `relative` against bundle `root`; refuse anything that would leave the bundle.

    Refused: absolute paths, drive letters, backslashes (ambiguous across systems), `..` steps that
    climb out, and symlinks whose target lies outside the bundle.
    """
    pure = PurePosixPath(relative)
    if (
        not relative
        or pure.is_absolute()
        or "\\" in relative
        or ":" in pure.parts[0]
        or "\x00" in relative
    ):
        raise BundlePathError(f"artefact path {relative!r} must be a relative POSIX path", location=where)
    base = root.resolve()
    target = (base / pure).resolve()
    if not target.is_relative_to(base):
        raise BundlePathError(
            f"artefact path {relative!r} leaves the bundle folder {base}", location=where
        )
    return target


def content_hash(root: Path) -> str:
    """SHA-256 over every file of the bundle (relative path and bytes), in a stable order."""
    digest = hashlib.sha256()
    base = root.resolve()
    files = sorted(
        p for p in base.rglob("*")
        if p.is_file() and not _IGNORED_PARTS.intersection(p.relative_to(base).parts)
    )
    for path in files:
        rel = path.relative_to(base).as_posix().encode()
        data = path.read_bytes()
        digest.update(len(rel).to_bytes(4, "big") + rel + len(data).to_bytes(8, "big"))
        digest.update(data)
    return "sha256:" + digest.hexdigest()
