"""One engine pass over the bound payloads: the run every generated test reads.

Each payload is read, parsed and validated exactly once per session, on `jobs` processes, and
accumulated into the canonical run results (`conformance.records.run_results`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance.core.evaluation import EvaluationContext
from conformance.execution.batch import validate_paths
from conformance.execution.session import ValidationSession
from conformance.execution.supervisor import DEFAULT_BUDGET, ExecutionBudget
from conformance.records.run_results import RunResults, Subject
from conformance.standard.model import Standard
from conformance.validation.documents.payload import DEFAULT_MAX_BYTES

Progress = Callable[[int, int], None]


def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def execute_run(
    standard: Standard,
    class_id: str | None,
    payloads: Sequence[Path],
    *,
    jobs: int = 1,
    subject: Subject | None = None,
    suite_hash: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    budget: ExecutionBudget = DEFAULT_BUDGET,
    progress: Progress | None = None,
    clock: Callable[[], str] = utc_now,
    seed: int = 0,
) -> dict[str, Any]:
    """Validate every payload against `standard` and return the run-results document.

    Rules that read the clock or random numbers see the recorded `started` time and `seed`, so a
    rerun given the same two gives the same findings.
    """
    started = clock()
    evaluation = EvaluationContext(now=datetime.fromisoformat(started.replace("Z", "+00:00")), seed=seed)
    session = ValidationSession([standard], class_id=class_id, max_bytes=max_bytes, evaluation=evaluation)
    results = RunResults(standard, class_id, subject=subject, suite_hash=suite_hash, seed=seed)
    total = len(payloads)
    for done, result in enumerate(validate_paths(session, payloads, jobs=jobs, budget=budget), start=1):
        results.add(result)
        if progress is not None:
            progress(done, total)
    return results.to_dict(started=started, finished=clock())
