"""Many payloads: walking folders in a stable order and validating on several processes.

Paths stream through; results come back in input order and are not kept here, so memory does
not grow with the number of payloads.
"""

from __future__ import annotations

import fnmatch
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from pathlib import Path

from conformance.engine.results import PayloadResult
from conformance.engine.session import ValidationSession
from conformance.spec.manifest import load_standard

DEFAULT_PATTERNS = ("*.xml", "*.json")


def iter_payload_paths(paths: Iterable[Path], patterns: Sequence[str] = DEFAULT_PATTERNS) -> Iterator[Path]:
    """Named files as given; folders walked in sorted order for files matching `patterns`.

    Hidden files and folders are skipped and symlinked folders are not followed (no loops).
    """
    lowered = tuple(p.lower() for p in patterns)
    for path in paths:
        if not path.is_dir():
            yield path
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                if any(fnmatch.fnmatchcase(name.lower(), p) for p in lowered):
                    yield Path(dirpath) / name


_worker_session: ValidationSession | None = None


def _init_worker(folders: tuple[Path, ...], class_id: str | None, message_type: str | None,
                 max_bytes: int) -> None:
    global _worker_session
    standards = [load_standard(folder) for folder in folders]
    _worker_session = ValidationSession(standards, class_id=class_id, message_type=message_type,
                                        max_bytes=max_bytes)


def _work(path: Path) -> PayloadResult:
    assert _worker_session is not None
    return _worker_session.validate_path(path)


def validate_paths(
    session: ValidationSession, paths: Iterable[Path], *, jobs: int = 1, chunksize: int | None = None
) -> Iterator[PayloadResult]:
    """Validate every path with `session` (or a copy of it in each of `jobs` worker processes)."""
    if jobs <= 1:
        for path in paths:
            yield session.validate_path(path)
        return
    global _worker_session
    folders = tuple(s.root for s in session.standards)
    # fork starts workers fast on Linux; elsewhere the platform default is the safe choice.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    context = multiprocessing.get_context(method)
    initializer: Callable[..., None] | None = _init_worker
    initargs: tuple[object, ...] = (folders, session.class_id, session.message_type, session.max_bytes)
    if method == "fork" and session.fork_safe:
        # Forked workers inherit the session already compiled here: no second compile per worker.
        _worker_session = session
        initializer, initargs = None, ()
    if chunksize is None:
        # Big chunks keep the parent's share of the CPU small (the pool's per-task overhead is
        # paid in the parent, on the cores the workers need); a known small batch is still split.
        chunksize = max(1, min(64, len(paths) // (jobs * 4))) if isinstance(paths, Sized) else 64
    try:
        with context.Pool(jobs, initializer=initializer, initargs=initargs) as pool:
            yield from pool.imap(_work, paths, chunksize=chunksize)
    finally:
        _worker_session = None
