"""Finding standard bundles on disk: `<root>/<standard-id>/<version>/standard.yaml`."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from conformance.core.errors import StandardNotFound, UsageError
from conformance.standard.manifest import load_standard
from conformance.standard.model import BUNDLE_MANIFEST, Standard

ENV_VAR = "CONFORMANCE_STANDARDS_PATH"
_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$")


def version_key(version: str) -> tuple[int, int, int, int, tuple[str, ...]]:
    """Sort key for semantic versions: a pre-release sorts before its release."""
    m = _SEMVER.match(version)
    if not m:
        return (-1, -1, -1, -1, (version,))
    major, minor, patch, pre = m.groups()
    return (int(major), int(minor), int(patch), 0 if pre else 1, tuple((pre or "").split(".")))


def searched_roots() -> tuple[Path, ...]:
    """Where standards live unless told otherwise, in order: $CONFORMANCE_STANDARDS_PATH, ./standards,
    the bundled ones; whether they exist or not (a `Catalog` keeps those that do, and names all of
    them when nothing is found)."""
    roots: list[Path] = []
    env = os.environ.get(ENV_VAR)
    if env:
        roots.extend(Path(p) for p in env.split(os.pathsep) if p)
    roots.append(Path.cwd() / "standards")
    roots.extend(bundled_roots())
    unique: list[Path] = []
    for r in roots:
        resolved = r.resolve()
        if resolved not in unique:
            unique.append(resolved)
    return tuple(unique)


def bundled_roots() -> tuple[Path, ...]:
    """Where the standards shipped with the tool are: inside an installed wheel, the package
    `conformance.bundled` (the top-level `standards/` folder, mapped by pyproject.toml); in a source
    checkout or an editable install, `standards/` beside the package."""
    here = Path(__file__).resolve().parents[1]
    return (here / "bundled", here.parent / "standards")


@dataclass(frozen=True, slots=True)
class BundleRef:
    id: str
    version: str
    folder: Path


def parse_ref(ref: str) -> tuple[str, str | None]:
    """Split `ID[@VERSION]`."""
    standard_id, _, version = ref.partition("@")
    if not standard_id:
        raise UsageError(f"not a standard reference: {ref!r} (expected ID or ID@VERSION)")
    return standard_id, version or None


class Catalog:
    """The standard bundles found under some root folders, loaded on demand and cached."""

    def __init__(self, roots: Sequence[Path] | None = None) -> None:
        self.searched = tuple(Path(r).resolve() for r in roots) if roots is not None else searched_roots()
        self.roots = tuple(r for r in self.searched if r.is_dir())

    def where(self) -> str:
        """The folders searched, for messages: each marked when it does not exist."""
        return ", ".join(f"{r}" + ("" if r.is_dir() else " (does not exist)") for r in self.searched) \
            or "no folders"

    def bundles(self) -> list[BundleRef]:
        """Every bundle, sorted by id then version (first root wins on duplicates)."""
        found: dict[tuple[str, str], BundleRef] = {}
        for root in self.roots:
            for manifest in sorted(root.glob(f"*/*/{BUNDLE_MANIFEST}")):
                folder = manifest.parent
                key = (folder.parent.name, folder.name)
                found.setdefault(key, BundleRef(id=key[0], version=key[1], folder=folder))
        return sorted(found.values(), key=lambda b: (b.id, version_key(b.version)))

    def resolve(self, ref: str) -> BundleRef:
        """The bundle for `ID[@VERSION]`; without a version, the highest one."""
        standard_id, version = parse_ref(ref)
        candidates = [b for b in self.bundles() if b.id == standard_id]
        if not candidates:
            known = sorted({b.id for b in self.bundles()})
            raise StandardNotFound(
                f"no standard {standard_id!r}; available: {', '.join(known) or 'none'} "
                f"(searched {self.where()})"
            )
        if version is None:
            return candidates[-1]
        for b in candidates:
            if b.version == version:
                return b
        raise StandardNotFound(
            f"standard {standard_id!r} has no version {version!r}; available: "
            + ", ".join(b.version for b in candidates)
        )

    def load(self, ref: str) -> Standard:
        return _load_cached(self.resolve(ref).folder)

    def load_all(self) -> Iterable[Standard]:
        for b in self.bundles():
            yield _load_cached(b.folder)


@lru_cache(maxsize=64)
def _load_cached(folder: Path) -> Standard:
    return load_standard(folder)
