"""One engine pass over the bound payloads: the run every generated test reads.

Each payload is read, parsed and validated exactly once per session, on `jobs` processes, and
accumulated into the canonical run results (`conformance.records.run_results`). Every event of
the executor also goes to `on_event` (the plugin hands it to `pytest_conformance_event`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from conformance.core.evaluation import EvaluationContext
from conformance.core.events import PayloadValidated, RunEvent
from conformance.execution.executors import executor_for, stop
from conformance.execution.session import ValidationSession
from conformance.execution.supervisor import DEFAULT_BUDGET, ExecutionBudget
from conformance.records.record import RunRecord, Subject
from conformance.records.run_results import RunResults
from conformance.standard.model import Standard
from conformance.validation.documents.payload import DEFAULT_MAX_BYTES


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
    on_event: Callable[[RunEvent], None] | None = None,
    clock: Callable[[], str] = utc_now,
    seed: int = 0,
) -> RunRecord:
    """Validate every payload against `standard` and return the record of the run.

    Rules that read the clock or random numbers see the recorded `started` time and `seed`, so a
    rerun given the same two gives the same findings.
    """
    started = clock()
    evaluation = EvaluationContext(now=datetime.fromisoformat(started.replace("Z", "+00:00")), seed=seed)
    session = ValidationSession([standard], class_id=class_id, max_bytes=max_bytes, evaluation=evaluation)
    results = RunResults(standard, class_id, subject=subject, suite_hash=suite_hash, seed=seed)
    events = executor_for(jobs, budget).run(session, payloads)
    try:
        for event in events:
            if isinstance(event, PayloadValidated):
                results.add(event.result)
            if on_event is not None:
                on_event(event)
    finally:
        stop(events)  # also when `on_event` raises: no worker outlives the pass
    return results.record(started=started, finished=clock())
