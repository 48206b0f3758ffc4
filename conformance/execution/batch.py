"""Many payloads: walking folders in a stable order and validating them with an executor.

Paths stream through; results come back in input order and are not kept here, so memory does
not grow with the number of payloads. Which executor runs them is `execution/executors.py`'s
choice (worker processes under `execution/supervisor.py` unless no budget is asked for).

`-` among the paths is standard input: read here, in the parent, bounded by the payload size budget,
and sent to a worker by value (a killed worker's payload is retried elsewhere, and a stream cannot be
read twice); its results are named `<stdin>`.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from conformance.conversations.log import EVENTS_NAME as LOG_EVENTS
from conformance.conversations.log import MANIFEST_NAME as LOG_MANIFEST
from conformance.core.errors import PayloadError
from conformance.core.files import read_bounded_stream
from conformance.core.results import PayloadResult
from conformance.execution.executors import executor_for, results_of
from conformance.execution.session import ValidationSession
from conformance.execution.supervisor import DEFAULT_BUDGET, ExecutionBudget, PayloadInput, StreamedPayload
from conformance.validation.documents.payload import DEFAULT_MAX_BYTES

DEFAULT_PATTERNS = ("*.xml", "*.json")
STDIN = Path("-")
STDIN_NAME = "<stdin>"


def read_stream(stream: BinaryIO, *, max_bytes: int = DEFAULT_MAX_BYTES,
                name: str = STDIN_NAME) -> StreamedPayload:
    """The bytes of a stream as one payload; past `max_bytes` reading stops and the payload is
    marked over the limit (a processing error, as a file over --max-bytes is)."""
    try:
        data = read_bounded_stream(stream, max_bytes=max_bytes, error=PayloadError, name=name,
                                   what="payload", what_zh="报文")
    except PayloadError:
        # The worker words the refusal (`validate_input`): only the limit travels with the task.
        return StreamedPayload(name, b"", over_limit=max_bytes)
    return StreamedPayload(name, data)


def iter_payload_inputs(paths: Iterable[Path], patterns: Sequence[str] = DEFAULT_PATTERNS, *,
                        stdin: BinaryIO | None = None,
                        max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[PayloadInput]:
    """As `iter_payload_paths`, with `-` read from `stdin` (when given) at its place in the order."""
    for path in paths:
        if stdin is not None and path == STDIN:
            yield read_stream(stdin, max_bytes=max_bytes)
        else:
            yield from iter_payload_paths((path,), patterns)


def iter_payload_paths(paths: Iterable[Path], patterns: Sequence[str] = DEFAULT_PATTERNS) -> Iterator[Path]:
    """Named files as given; folders walked in sorted order for files matching `patterns`.

    Hidden files and folders are skipped and symlinked folders are not followed (no loops). A
    folder holding an exchange log's manifest is one payload (the recorded conversation): it is
    yielded itself, and its bodies are not payloads of their own.
    """
    lowered = tuple(p.lower() for p in patterns)
    for path in paths:
        if not path.is_dir():
            yield path
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            # A log's manifest, or its events alone (a recorder that never closed it: reported
            # as an incomplete log, never walked as loose payloads).
            if LOG_MANIFEST in filenames or LOG_EVENTS in filenames:
                dirnames[:] = []
                yield Path(dirpath)
                continue
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                if any(fnmatch.fnmatchcase(name.lower(), p) for p in lowered):
                    yield Path(dirpath) / name


def validate_paths(
    session: ValidationSession, paths: Iterable[PayloadInput], *, jobs: int = 1,
    budget: ExecutionBudget = DEFAULT_BUDGET, executor: str | None = None,
) -> Iterator[PayloadResult]:
    """Validate every path with `session`, on `jobs` supervised worker processes (`AUTO_JOBS`:
    as many as help; never more than CPUs or payloads), in input order.

    Each payload has `budget` (wall clock, worker memory): a payload that overruns it, or whose
    worker dies, gets a processing-error result and the run goes on. One job is supervised too:
    safety by default costs a fork and a pipe (benchmarks/bench_validate.py). Only with no budget
    at all does one job validate in this process, where a hang in native code cannot be stopped.
    `executor` names a registered kind of executor instead of that choice.
    """
    yield from results_of(executor_for(jobs, budget, kind=executor).run(session, paths))
