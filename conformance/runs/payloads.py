"""Binding payloads to a run: a folder, a glob, a single file, or a manifest listing files.

A manifest is a `.txt`/`.lst` file with one path per line (`#` starts a comment), or a YAML file
with a `payloads:` list or a `cases:` list of `{file: ...}` (the fixture manifests of this project).
Paths in a manifest are relative to the manifest's folder. The result is sorted and free of
duplicates, so the same arguments bind the same payloads in the same order on every machine.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from conformance.core.errors import UsageError
from conformance.core.files import read_bounded
from conformance.core.limits import MANIFEST_MAX_BYTES
from conformance.core.yamlload import parse_yaml
from conformance.execution.batch import DEFAULT_PATTERNS, iter_payload_paths

MANIFEST_SUFFIXES = {".txt", ".lst", ".yaml", ".yml"}
_GLOB_CHARS = set("*?[")


def _from_manifest(path: Path) -> list[Path]:
    # A regular file, bounded, never blocking: a payload manifest may come from anywhere.
    raw = read_bounded(path, max_bytes=MANIFEST_MAX_BYTES, error=UsageError, what="payload manifest",
                       what_zh="载荷清单")
    base = path.parent
    if path.suffix in {".txt", ".lst"}:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UsageError(f"payload manifest is not UTF-8 (byte {exc.start})",
                             location=str(path)) from None
        names = [line.split("#", 1)[0].strip() for line in text.splitlines()]
        return [base / n for n in names if n]
    data: Any = parse_yaml(raw, where=str(path), error=UsageError, what="payload manifest")
    entries = None
    if isinstance(data, dict):
        entries = data.get("payloads", data.get("cases"))
    if not isinstance(entries, list):
        raise UsageError(f"{path}: a payload manifest needs a `payloads:` list or a `cases:` list")
    found: list[Path] = []
    for i, entry in enumerate(entries):
        name = entry.get("file") if isinstance(entry, dict) else entry
        if not isinstance(name, str) or not name:
            raise UsageError(f"{path}: entry {i + 1} names no file")
        found.append(base / name)
    return found


def _expand(spec: str, patterns: Sequence[str]) -> list[Path]:
    path = Path(spec)
    if path.is_file() and path.suffix.lower() in MANIFEST_SUFFIXES:
        listed = _from_manifest(path)
        missing = [str(p) for p in listed if not p.exists()]
        if missing:
            raise UsageError(f"{path}: listed payloads not found: {', '.join(missing[:5])}"
                             + (f" and {len(missing) - 5} more" if len(missing) > 5 else ""))
        return listed
    if path.exists():
        return list(iter_payload_paths([path], patterns))
    if _GLOB_CHARS & set(spec):
        matches = sorted(glob.glob(spec, recursive=True))
        return list(iter_payload_paths([Path(m) for m in matches], patterns))
    raise UsageError(f"no such payload file, folder or manifest: {spec}")


def bind_payloads(specs: Iterable[str], patterns: Sequence[str] = DEFAULT_PATTERNS) -> list[Path]:
    """Every payload the specs name, sorted; an empty set is a UsageError (nothing to test)."""
    specs = list(specs)
    if not specs:
        raise UsageError("no payloads bound: pass --conformance-payloads (a folder, glob or manifest)")
    bound: set[Path] = set()
    for spec in specs:
        bound.update(_expand(spec, patterns))
    if not bound:
        raise UsageError(f"no payloads found in {', '.join(specs)} "
                         f"(folders are searched for {' '.join(patterns)})")
    return sorted(bound, key=lambda p: p.as_posix())
