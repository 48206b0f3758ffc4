"""Executors: how a session's payloads get validated, behind one interface emitting one event stream.

An executor turns paths into the typed events of `conformance.core.events`: `RunStarted` first,
one `PayloadValidated` per payload in input order, `RunFinished` last. Where the work happens
(this process, supervised worker processes, later a Dask cluster) is the executor's business
alone; every consumer (the batch API, the run record, the progress display) reads only the
events. Executors are registered by kind, so a new one is a registration, not a new branch in
`validate_paths`.

How many workers: never more than the CPUs this process may run on, nor than the payloads, whatever
is asked (`worker_count`); `RunStarted.jobs` says how many there really are, so a consumer can tell
the user when a request was cut. `--jobs auto` (`AUTO_JOBS`) asks for as many as help.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Callable, Iterable, Iterator, Sized
from dataclasses import dataclass
from typing import Final, Protocol

from conformance.core.errors import ConformanceError, UsageError
from conformance.core.events import PayloadValidated, RunEvent, RunFinished, RunStarted
from conformance.core.results import PayloadResult
from conformance.execution.session import ValidationSession
from conformance.execution.supervisor import (
    BATCH,
    DEFAULT_BUDGET,
    ExecutionBudget,
    PayloadInput,
    supervise,
    validate_input,
)

SERIAL = "serial"
SUPERVISED = "supervised"
# `--jobs auto`: one worker per CPU available, never more than the payloads. 0, as `xz -T0` and
# `zstd -T0` spell "as many threads as cores", so that a job count stays an int through every layer.
AUTO_JOBS: Final = 0


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, as taskset and cgroup cpusets set it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def worker_count(jobs: int, payloads: int | None = None, cpus: int | None = None) -> int:
    """Workers for a request of `jobs` (AUTO_JOBS: as many as help): at most the CPUs and the payloads.

    More processes than CPUs only share them (and each holds a compiled session in memory); more
    than payloads sit idle. No payloads, no worker.
    """
    cpus = available_cpus() if cpus is None else max(1, cpus)
    count = cpus if jobs <= AUTO_JOBS else min(jobs, cpus)
    return count if payloads is None else min(count, payloads)


def parse_jobs(text: str) -> int:
    """`auto` (or 0) as AUTO_JOBS, else an integer of at least 1; ValueError otherwise."""
    value = text.strip().lower()
    if value == "auto":
        return AUTO_JOBS
    number = int(value)  # ValueError for anything else
    if number < 0:
        raise ValueError(f"jobs must be 'auto' or at least 1, not {text!r}")
    return number


class Executor(Protocol):
    """Validates paths with a session and reports what happens as events."""

    def run(self, session: ValidationSession, paths: Iterable[PayloadInput]) -> Iterator[RunEvent]:
        """RunStarted, a PayloadValidated per path in input order, RunFinished; closing the
        iterator early (it is a generator) stops the work at once."""
        ...


# Builds an executor of one kind for `jobs` processes (AUTO_JOBS or at least 1) and a per-payload budget.
ExecutorFactory = Callable[[int, ExecutionBudget], Executor]


@dataclass(frozen=True, slots=True)
class SerialExecutor:
    """In this process, one payload after another, with no budget: a hang in native code cannot
    be stopped here, so it is chosen only when the caller asked for no budget at all."""

    def run(self, session: ValidationSession, paths: Iterable[PayloadInput]) -> Iterator[RunEvent]:
        """The event stream of validating `paths` here."""
        results = (validate_input(session, item) for item in paths)
        return _events(SERIAL, 1, _total(paths), results)


@dataclass(frozen=True, slots=True)
class SupervisedExecutor:
    """On `jobs` supervised worker processes (AUTO_JOBS: as many as help), each payload within
    `budget` (execution/supervisor.py); never more workers than CPUs or payloads."""

    jobs: int = 1
    budget: ExecutionBudget = DEFAULT_BUDGET

    def run(self, session: ValidationSession, paths: Iterable[PayloadInput]) -> Iterator[RunEvent]:
        """The event stream of validating `paths` on the workers."""
        return self._stream(session, paths)

    def _stream(self, session: ValidationSession, paths: Iterable[PayloadInput]) -> Iterator[RunEvent]:
        # A generator, so that the look-ahead below happens when the consumer starts reading.
        most = worker_count(self.jobs)
        items, count = _look_ahead(paths, most * BATCH)
        jobs = worker_count(self.jobs, count)
        yield from _events(SUPERVISED, jobs, _total(paths),
                           supervise(session, items, jobs=jobs, budget=self.budget, total=count))


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
    (benchmarks/bench_validate.py). `jobs` is AUTO_JOBS or at least 1.
    """
    if kind is None:
        kind = SERIAL if jobs == 1 and budget.unlimited else SUPERVISED
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


def _total(paths: Iterable[PayloadInput]) -> int | None:
    return len(paths) if isinstance(paths, Sized) else None


def _look_ahead(paths: Iterable[PayloadInput], limit: int) -> tuple[Iterable[PayloadInput], int | None]:
    """The same items, and how many there are when a sequence, or a stream ending within `limit`.

    Reading `limit` items of a stream ahead (a few folder entries) is what lets a short stream get
    as many workers as it has payloads, not as many as were asked for.
    """
    total = _total(paths)
    if total is not None:
        return paths, total
    stream = iter(paths)
    head = list(itertools.islice(stream, limit))
    if len(head) < limit:
        return head, len(head)
    return itertools.chain(head, stream), None


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
