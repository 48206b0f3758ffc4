"""The registry of checks a bundle may name: ours, listed in one table, and those of installed
distributions, declared in the entry-point group `egov_conformance.checks`.

A distribution declares its checks in its `pyproject.toml`:

    [project.entry-points."egov_conformance.checks"]
    acme-id = "acme_checks.ids:acme_id"

where `acme_id` is made by `builtin_check("acme-id", ...)`. Entry points are read only when a
bundle names a check that is not ours, so bundles that use only our checks never pay for them; a
third-party check may not reuse one of our names, and must be a check object under its own name.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import threading
from collections.abc import Mapping
from types import MappingProxyType

from conformance.core.errors import ConformanceError, SpecError
from conformance.validation.checks.check import BuiltinCheck

ENTRY_POINT_GROUP = "egov_conformance.checks"

# The modules that ship our checks, each exporting them as `CHECKS`; imported on first use.
BUILTIN_MODULES = (
    "conformance.validation.checks._codes",
    "conformance.validation.checks._descriptors",
    "conformance.validation.checks._formats",
    "conformance.validation.checks._identifiers",
)

_REGISTERED: dict[str, BuiltinCheck] = {}  # ours, then any `register`ed in this process
_BUILTINS_LOADED = False
_THIRD_PARTY: dict[str, BuiltinCheck] = {}  # loaded from entry points, by name
_ENTRY_POINTS: tuple[importlib.metadata.EntryPoint, ...] | None = None
_LOADING = threading.Lock()


def _registered() -> dict[str, BuiltinCheck]:
    global _BUILTINS_LOADED
    if not _BUILTINS_LOADED:
        with _LOADING:  # two threads asking first must not register our checks twice
            if not _BUILTINS_LOADED:
                for module_name in BUILTIN_MODULES:
                    for check in importlib.import_module(module_name).CHECKS:
                        _add(check)
                _BUILTINS_LOADED = True
    return _REGISTERED


def _add(check: BuiltinCheck) -> None:
    if not isinstance(check, BuiltinCheck):
        raise ConformanceError(f"{check!r} is not a check; make it with builtin_check")
    if check.name in _REGISTERED:
        raise ConformanceError(f"built-in check {check.name!r} is registered twice")
    _REGISTERED[check.name] = check


def register(check: BuiltinCheck) -> BuiltinCheck:
    """Add `check` to this process's registry (an application embedding the engine); a
    distribution declares its checks in the entry-point group instead. Returns the check."""
    _registered()
    _add(check)
    return check


def get_check(name: str) -> BuiltinCheck:
    """The check `name`, ours or a third party's; SpecError listing the known names when there is none."""
    found = _registered().get(name)
    if found is not None:
        return found
    found = _THIRD_PARTY.get(name)
    if found is not None:
        return found
    declared = [ep for ep in _entry_points() if ep.name == name]
    if not declared:
        known = ", ".join(sorted({*_REGISTERED, *(ep.name for ep in _entry_points())}))
        raise SpecError(f"unknown built-in check {name!r}; known checks: {known}")
    if len(declared) > 1:
        raise SpecError(f"check {name!r} is declared more than once: "
                        + "; ".join(_describe(ep) for ep in declared))
    found = _THIRD_PARTY[name] = _load(declared[0])
    return found


def all_checks() -> Mapping[str, BuiltinCheck]:
    """Every check, ours and those of installed distributions, sorted by name; SpecError when an
    installed one is refused."""
    checks = dict(_registered())
    for ep in _entry_points():
        if ep.name in _REGISTERED:  # never looked up (ours wins), but refused: it would mislead
            raise SpecError(f"{_describe(ep)}: {ep.name!r} is the name of a built-in check; "
                            "choose another")
        checks[ep.name] = get_check(ep.name)
    return MappingProxyType(dict(sorted(checks.items())))


def clear_cache() -> None:
    """Forget the entry points read so far and the checks loaded from them: the next lookup reads
    them again (after a distribution was installed, and in tests)."""
    global _ENTRY_POINTS
    _ENTRY_POINTS = None
    _THIRD_PARTY.clear()
    importlib.invalidate_caches()


def _entry_points() -> tuple[importlib.metadata.EntryPoint, ...]:
    global _ENTRY_POINTS
    if _ENTRY_POINTS is None:
        _ENTRY_POINTS = tuple(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))
    return _ENTRY_POINTS


def _describe(ep: importlib.metadata.EntryPoint) -> str:
    dist = ep.dist
    owner = f"distribution {dist.name} {dist.version}" if dist is not None else "an unknown distribution"
    return f"entry point {ep.name} = {ep.value} of {owner} (group {ENTRY_POINT_GROUP})"


def _load(ep: importlib.metadata.EntryPoint) -> BuiltinCheck:
    """The check an entry point declares, refused (SpecError) unless it is one under its own name."""
    where = _describe(ep)
    try:
        loaded = ep.load()
    except Exception as exc:  # third-party code: whatever it raises, the bundle cannot run
        raise SpecError(f"{where}: cannot be loaded: {type(exc).__name__}: {exc}") from exc
    if not isinstance(loaded, BuiltinCheck):
        raise SpecError(f"{where}: loads a {type(loaded).__name__}, not a check; make it with "
                        "conformance.validation.checks.builtin_check")
    if loaded.name != ep.name:
        raise SpecError(f"{where}: loads the check {loaded.name!r}, not {ep.name!r}")
    return loaded
