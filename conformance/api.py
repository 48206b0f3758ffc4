"""The Python API: what `conform validate` and `conform standards` do, as functions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from os import PathLike
from pathlib import Path

from conformance.core.errors import UsageError
from conformance.core.limits import PAYLOAD_SECONDS, WORKER_MAX_MIB
from conformance.core.results import PayloadResult
from conformance.execution.batch import DEFAULT_PATTERNS, iter_payload_paths, validate_paths
from conformance.execution.session import ValidationSession
from conformance.execution.supervisor import ExecutionBudget
from conformance.standard.catalog import Catalog
from conformance.standard.manifest import load_standard as _load_bundle
from conformance.standard.model import BUNDLE_MANIFEST, Standard
from conformance.validation.documents.payload import DEFAULT_MAX_BYTES

StrPath = str | PathLike[str]


def catalog(standards_path: Sequence[StrPath] | None = None) -> Catalog:
    """The standards found under `standards_path` (default: the usual places, see Catalog)."""
    return Catalog([Path(p) for p in standards_path] if standards_path else None)


def load_standard(ref: str, *, standards_path: Sequence[StrPath] | None = None) -> Standard:
    """A standard by `ID[@VERSION]`, or by the path of a bundle folder."""
    path = Path(ref)
    if (path / BUNDLE_MANIFEST).is_file():
        return _load_bundle(path)
    return catalog(standards_path).load(ref)


def session(
    standard: str | Standard | None = None,
    *,
    class_id: str | None = None,
    message_type: str | None = None,
    standards_path: Sequence[StrPath] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ValidationSession:
    """A compiled session: one standard, or every known standard when `standard` is None."""
    if isinstance(standard, Standard):
        standards: list[Standard] = [standard]
    elif standard is not None:
        standards = [load_standard(standard, standards_path=standards_path)]
    else:
        found = catalog(standards_path)
        standards = list(found.load_all())
        if not standards:
            raise UsageError(f"no standards found; searched {found.where()}. Pass --standards-path "
                             "or set CONFORMANCE_STANDARDS_PATH")
    return ValidationSession(standards, class_id=class_id, message_type=message_type,
                             max_bytes=max_bytes)


def validate(
    paths: Iterable[StrPath],
    *,
    standard: str | Standard | None = None,
    class_id: str | None = None,
    message_type: str | None = None,
    jobs: int = 1,
    standards_path: Sequence[StrPath] | None = None,
    patterns: Sequence[str] = DEFAULT_PATTERNS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float | None = PAYLOAD_SECONDS,
    max_memory: int | None = WORKER_MAX_MIB,
) -> Iterator[PayloadResult]:
    """Validate files and folders; yields one PayloadResult per payload, in a stable order.

    With no `standard`, each payload's standard, version and message type are recognised.
    Payloads run in supervised worker processes, as with `conform validate`: one that takes more
    than `timeout` seconds, or whose worker grows past `max_memory` MiB, is stopped and reported as
    a processing error (None or 0: no limit).
    """
    given = [Path(p) for p in paths]
    missing = [str(p) for p in given if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    compiled = session(standard, class_id=class_id, message_type=message_type,
                       standards_path=standards_path, max_bytes=max_bytes)
    return validate_paths(compiled, iter_payload_paths(given, patterns), jobs=jobs,
                          budget=ExecutionBudget.of(timeout, max_memory))
