"""Many payloads: walking folders in a stable order and validating them with an executor.

Paths stream through; results come back in input order and are not kept here, so memory does
not grow with the number of payloads. Which executor runs them is `execution/executors.py`'s
choice (worker processes under `execution/supervisor.py` unless no budget is asked for).
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from conformance.core.results import PayloadResult
from conformance.execution.executors import executor_for, results_of
from conformance.execution.session import ValidationSession
from conformance.execution.supervisor import DEFAULT_BUDGET, ExecutionBudget

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


def validate_paths(
    session: ValidationSession, paths: Iterable[Path], *, jobs: int = 1,
    budget: ExecutionBudget = DEFAULT_BUDGET, executor: str | None = None,
) -> Iterator[PayloadResult]:
    """Validate every path with `session`, on `jobs` supervised worker processes, in input order.

    Each payload has `budget` (wall clock, worker memory): a payload that overruns it, or whose
    worker dies, gets a processing-error result and the run goes on. One job is supervised too:
    safety by default costs a fork and a pipe (benchmarks/bench_validate.py). Only with no budget
    at all does one job validate in this process, where a hang in native code cannot be stopped.
    `executor` names a registered kind of executor instead of that choice.
    """
    yield from results_of(executor_for(jobs, budget, kind=executor).run(session, paths))
