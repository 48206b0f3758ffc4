"""Executors: how a session's payloads get validated, behind one interface emitting one event stream.

An executor turns paths into the typed events of `conformance.core.events`: `RunStarted` first,
one `PayloadValidated` per payload in input order, `RunFinished` last. Where the work happens
(this process, supervised worker processes, later a Dask cluster) is the executor's business
alone; every consumer (the batch API, the run record, the progress display) reads only the
events. Executors are registered by kind, so a new one is a registration, not a new branch in
`validate_paths`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sized
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from conformance.core.errors import ConformanceError, UsageError
from conformance.core.events import PayloadValidated, RunEvent, RunFinished, RunStarted
from conformance.core.results import PayloadResult
from conformance.execution.session import ValidationSession
from conformance.execution.supervisor import DEFAULT_BUDGET, ExecutionBudget, supervise

SERIAL = "serial"
SUPERVISED = "supervised"


class Executor(Protocol):
    """Validates paths with a session and reports what happens as events."""

    def run(self, session: ValidationSession, paths: Iterable[Path]) -> Iterator[RunEvent]:
        """RunStarted, a PayloadValidated per path in input order, RunFinished; closing the
        iterator early (it is a generator) stops the work at once."""
        ...


# Builds an executor of one kind for `jobs` processes and a per-payload budget.
ExecutorFactory = Callable[[int, ExecutionBudget], Executor]


@dataclass(frozen=True, slots=True)
class SerialExecutor:
    """In this process, one payload after another, with no budget: a hang in native code cannot
    be stopped here, so it is chosen only when the caller asked for no budget at all."""

    def run(self, session: ValidationSession, paths: Iterable[Path]) -> Iterator[RunEvent]:
        """The event stream of validating `paths` here."""
        return _events(SERIAL, 1, _total(paths), map(session.validate_path, paths))


@dataclass(frozen=True, slots=True)
class SupervisedExecutor:
    """On `jobs` supervised worker processes, each payload within `budget` (execution/supervisor.py)."""

    jobs: int = 1
    budget: ExecutionBudget = DEFAULT_BUDGET

    def run(self, session: ValidationSession, paths: Iterable[Path]) -> Iterator[RunEvent]:
        """The event stream of validating `paths` on the workers."""
        jobs = max(1, self.jobs)
        return _events(SUPERVISED, jobs, _total(paths), supervise(session, paths, jobs=jobs,
                                                                  budget=self.budget))


def _serial(jobs: int, budget: ExecutionBudget) -> Executor:
    if jobs > 1 or not budget.unlimited:
        # Pretending to honour --jobs or a budget in this process would be a promise not kept.
        raise UsageError("the serial executor validates in this process, one payload at a time and "
                         "with no time or memory budget; use the supervised executor")
    return SerialExecutor()


_KINDS: dict[str, ExecutorFactory] = {SERIAL: _serial, SUPERVISED: SupervisedExecutor}


def register_executor(kind: str, factory: ExecutorFactory) -> None:
    """Make `factory` the executor of `kind` (where a Dask executor will register); no kind twice."""
    if kind in _KINDS:
        raise ConformanceError(f"executor {kind!r} is registered twice")
    _KINDS[kind] = factory


def executor_kinds() -> tuple[str, ...]:
    """The registered kinds of executor, in the order they were registered."""
    return tuple(_KINDS)


def executor_for(jobs: int = 1, budget: ExecutionBudget = DEFAULT_BUDGET, *,
                 kind: str | None = None) -> Executor:
    """The executor of `kind`; by default supervised, serial only for one job with no budget at all.

    One job is supervised too: safety by default costs a fork and a pipe
    (benchmarks/bench_validate.py).
    """
    if kind is None:
        kind = SERIAL if jobs <= 1 and budget.unlimited else SUPERVISED
    factory = _KINDS.get(kind)
    if factory is None:
        raise UsageError(f"no executor {kind!r}; executors: {', '.join(_KINDS)}")
    return factory(jobs, budget)


def results_of(events: Iterator[RunEvent]) -> Iterator[PayloadResult]:
    """The results carried by an event stream, in its order; closing this closes the stream."""
    try:
        for event in events:
            if isinstance(event, PayloadValidated):
                yield event.result
    finally:
        stop(events)


def stop(events: Iterator[object]) -> None:
    """End a stream its consumer leaves early: its workers stop now, not when it is collected."""
    close = getattr(events, "close", None)
    if close is not None:
        close()


def _total(paths: Iterable[Path]) -> int | None:
    return len(paths) if isinstance(paths, Sized) else None


def _events(kind: str, jobs: int, total: int | None, results: Iterator[PayloadResult]) -> Iterator[RunEvent]:
    """The event stream around `results`, which are in input order."""
    yield RunStarted(kind, jobs, total)
    count = 0
    try:
        for result in results:
            yield PayloadValidated(count, result)
            count += 1
    except KeyboardInterrupt:
        # Ctrl-C arrived while the executor was working (its workers are stopped by now): the
        # consumer still sees the run end, then the interruption when it asks for more.
        with contextlib.suppress(GeneratorExit):  # the consumer stopped at this last event:
            yield RunFinished(count, interrupted=True)  # Ctrl-C must not be lost with it
        raise
    finally:
        stop(results)
    yield RunFinished(count)
