"""Executors behind one interface: the same results in the same order, one event stream, no leftovers."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conformance.core.errors import ConformanceError, UsageError
from conformance.core.events import PayloadValidated, RunEvent, RunFinished, RunStarted
from conformance.core.findings import Verdict
from conformance.core.results import PayloadResult
from conformance.execution import executors, supervisor
from conformance.execution.batch import validate_paths
from conformance.execution.executors import (
    AUTO_JOBS,
    SerialExecutor,
    SupervisedExecutor,
    available_cpus,
    executor_for,
    executor_kinds,
    parse_jobs,
    register_executor,
    results_of,
    worker_count,
)
from conformance.execution.session import ValidationSession
from conformance.execution.supervisor import DEFAULT_BUDGET, UNLIMITED, ExecutionBudget, StreamedPayload
from tests.execution.test_batch import GOOD_JSON, GOOD_XML, _hang, _hostile


@pytest.fixture
def corpus(tmp_path: Path) -> list[Path]:
    """Nine payloads: conformant XML and JSON, and one that is neither (a processing error)."""
    paths = []
    for i in range(9):
        path = tmp_path / f"p{i}{'.txt' if i == 4 else GOOD_XML.suffix if i % 2 else GOOD_JSON.suffix}"
        path.write_bytes(b"neither" if i == 4 else (GOOD_XML if i % 2 else GOOD_JSON).read_bytes())
        paths.append(path)
    return paths


EXECUTORS = [SerialExecutor(), SupervisedExecutor(1), SupervisedExecutor(2)]


def _results(events: list[RunEvent]) -> list[PayloadResult]:
    return [e.result for e in events if isinstance(e, PayloadValidated)]


def test_every_executor_gives_the_same_results_in_input_order(session: ValidationSession,
                                                              corpus: list[Path]) -> None:
    runs = [_results(list(executor.run(session, iter(corpus)))) for executor in EXECUTORS]
    assert [r.name for r in runs[0]] == [str(p) for p in corpus]
    assert [r.verdict for r in runs[0]].count(Verdict.ERROR) == 1 and runs[0][4].processing_error
    assert runs[1] == runs[0] and runs[2] == runs[0]


@pytest.mark.parametrize("executor", EXECUTORS, ids=lambda e: f"{type(e).__name__}-{getattr(e, 'jobs', 1)}")
def test_the_stream_starts_once_counts_every_payload_in_order_and_finishes_once(
        session: ValidationSession, corpus: list[Path], executor: executors.Executor) -> None:
    events = list(executor.run(session, corpus))
    first, *validated, last = events
    kind = "serial" if isinstance(executor, SerialExecutor) else "supervised"
    workers = worker_count(getattr(executor, "jobs", 1), len(corpus))
    assert first == RunStarted(kind, workers, total=len(corpus))
    assert [e.index for e in validated if isinstance(e, PayloadValidated)] == list(range(len(corpus)))
    assert len(validated) == len(corpus)
    assert last == RunFinished(len(corpus), interrupted=False)


def test_a_stream_of_paths_has_no_total_known_in_advance(session: ValidationSession,
                                                         corpus: list[Path]) -> None:
    first = next(SerialExecutor().run(session, iter(corpus)))
    assert first == RunStarted("serial", 1, total=None)


def test_a_consumer_stopping_early_leaves_no_worker_behind(session: ValidationSession,
                                                           corpus: list[Path]) -> None:
    _hostile(session, {corpus[5].name: _hang})  # a worker busy for ever: only a kill stops it
    events = SupervisedExecutor(2).run(session, corpus)
    assert isinstance(next(events), RunStarted)
    assert isinstance(next(events), PayloadValidated)
    children = multiprocessing.active_children()
    assert len(children) == worker_count(2, len(corpus))  # 2, or 1 on a machine of one CPU
    executors.stop(events)
    assert not any(c.is_alive() for c in children)
    assert not multiprocessing.active_children()


def test_closing_the_results_closes_the_stream(session: ValidationSession, corpus: list[Path]) -> None:
    _hostile(session, {corpus[5].name: _hang})
    results = results_of(SupervisedExecutor(2).run(session, corpus))
    assert next(results).name == str(corpus[0])
    children = multiprocessing.active_children()
    assert children
    results.close()  # type: ignore[attr-defined]
    assert not any(c.is_alive() for c in children)


def _interrupt_at(session: ValidationSession, name: str) -> None:
    real = session.validate_path

    def validate_path(path: Path) -> PayloadResult:
        if path.name == name:
            raise KeyboardInterrupt
        return real(path)

    session.validate_path = validate_path  # type: ignore[method-assign]


def test_ctrl_c_in_this_process_finishes_the_stream_interrupted_then_raises(
        session: ValidationSession, corpus: list[Path]) -> None:
    _interrupt_at(session, corpus[3].name)
    events = SerialExecutor().run(session, corpus)
    seen = [next(events) for _ in range(5)]
    assert [type(e) for e in seen] == [RunStarted, *[PayloadValidated] * 3, RunFinished]
    assert seen[-1] == RunFinished(3, interrupted=True)
    with pytest.raises(KeyboardInterrupt):
        next(events)


def test_ctrl_c_is_not_lost_by_a_consumer_that_closes_after_the_last_event(
        session: ValidationSession, corpus: list[Path]) -> None:
    _interrupt_at(session, corpus[0].name)
    events = SerialExecutor().run(session, corpus)
    assert [next(events), next(events)] == [RunStarted("serial", 1, len(corpus)), RunFinished(0, True)]
    with pytest.raises(KeyboardInterrupt):
        executors.stop(events)


def test_ctrl_c_while_supervising_stops_the_workers_and_finishes_the_stream(
        session: ValidationSession, corpus: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    _hostile(session, {corpus[2].name: _hang})
    workers: list[multiprocessing.process.BaseProcess] = []

    def wait(*args: object, **kwargs: object) -> object:
        # Ctrl-C reaches the parent where it spends its time: waiting for the workers.
        workers.extend(multiprocessing.active_children())
        raise KeyboardInterrupt

    monkeypatch.setattr(supervisor, "wait", wait)
    events = SupervisedExecutor(1).run(session, corpus)
    seen: list[RunEvent] = []
    with pytest.raises(KeyboardInterrupt):
        seen.extend(events)
    assert seen[0] == RunStarted("supervised", 1, len(corpus))
    assert seen[-1] == RunFinished(len(seen) - 2, interrupted=True)
    assert len(workers) == 1 and not workers[0].is_alive()


def test_the_default_choice_is_supervised_unless_no_budget_is_asked_for() -> None:
    assert executor_for(1, UNLIMITED) == SerialExecutor()
    assert executor_for(1) == SupervisedExecutor(1, DEFAULT_BUDGET)
    assert executor_for(2, UNLIMITED) == SupervisedExecutor(2, UNLIMITED)
    assert executor_for(1, UNLIMITED, kind="supervised") == SupervisedExecutor(1, UNLIMITED)
    # --jobs auto is AUTO_JOBS (0), not one job: with no budget it still gets its workers.
    assert executor_for(executors.AUTO_JOBS, UNLIMITED) == SupervisedExecutor(executors.AUTO_JOBS, UNLIMITED)
    assert executor_kinds()[:2] == ("serial", "supervised")


def test_the_serial_executor_refuses_a_promise_it_cannot_keep() -> None:
    with pytest.raises(UsageError, match="no time or memory budget"):
        executor_for(1, ExecutionBudget(5.0, None), kind="serial")
    with pytest.raises(UsageError, match="one payload at a time"):
        executor_for(2, UNLIMITED, kind="serial")
    with pytest.raises(UsageError, match="no executor 'dask'; executors: serial, supervised"):
        executor_for(kind="dask")


@dataclass
class _Recording:
    """A third party's executor: the serial one, noting what it was given and what it emitted."""

    jobs: int
    budget: ExecutionBudget
    emitted: list[RunEvent] = field(default_factory=list)

    def run(self, session: ValidationSession, paths: Iterable[Path]) -> Iterator[RunEvent]:
        for event in SerialExecutor().run(session, paths):
            self.emitted.append(event)
            yield event


def test_an_executor_registered_by_name_is_used(session: ValidationSession, corpus: list[Path],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(executors, "_KINDS", dict(executors._KINDS))  # the registration ends here
    made: list[_Recording] = []

    def factory(jobs: int, budget: ExecutionBudget) -> _Recording:
        made.append(_Recording(jobs, budget))
        return made[-1]

    register_executor("recording", factory)
    assert "recording" in executor_kinds()
    budget = ExecutionBudget(7.0, None)
    results = list(validate_paths(session, corpus, jobs=3, budget=budget, executor="recording"))
    (executor,) = made
    assert (executor.jobs, executor.budget) == (3, budget)
    assert results == _results(executor.emitted) and len(results) == len(corpus)
    assert isinstance(executor.emitted[-1], RunFinished)
    with pytest.raises(ConformanceError, match="registered twice"):
        register_executor("supervised", factory)


@pytest.mark.parametrize(("jobs", "payloads", "cpus", "workers"), [
    (AUTO_JOBS, None, 4, 4),   # auto: one per CPU
    (AUTO_JOBS, 1, 4, 1),      # one payload, one job
    (AUTO_JOBS, 0, 4, 0),      # nothing to do, no process
    (8, None, 2, 2),           # never more than the CPUs, whatever is asked
    (8, 3, 16, 3),             # never more than the payloads
    (3, None, 8, 3),
    (1, 500, 8, 1),
])
def test_never_more_workers_than_cpus_or_payloads(jobs: int, payloads: int | None, cpus: int,
                                                  workers: int) -> None:
    assert worker_count(jobs, payloads, cpus) == workers


def test_the_cpus_are_the_ones_this_process_may_run_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(executors.os, "sched_getaffinity", lambda pid: {3}, raising=False)
    monkeypatch.setattr(executors.os, "cpu_count", lambda: 64)
    assert available_cpus() == 1 and worker_count(AUTO_JOBS) == 1
    monkeypatch.delattr(executors.os, "sched_getaffinity")
    assert available_cpus() == 64


@pytest.mark.parametrize(("text", "jobs"), [("auto", AUTO_JOBS), (" AUTO ", AUTO_JOBS), ("0", AUTO_JOBS),
                                            ("3", 3)])
def test_jobs_are_auto_or_a_number(text: str, jobs: int) -> None:
    assert parse_jobs(text) == jobs


@pytest.mark.parametrize("text", ["-1", "many", "", "9" * 5000])
def test_other_jobs_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_jobs(text)


def _count_workers(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    started: list[object] = []
    real = supervisor._Worker

    def worker(*args: object) -> object:
        started.append(real(*args))
        return started[-1]

    monkeypatch.setattr(supervisor, "_Worker", worker)
    return started


@pytest.mark.parametrize(("count", "asked", "cpus", "workers"), [
    (1, AUTO_JOBS, 8, 1), (3, 8, 8, 3), (5, AUTO_JOBS, 2, 2), (0, 4, 4, 0), (40, 8, 3, 3)])
def test_a_stream_gets_no_more_workers_than_it_has_payloads(
        session: ValidationSession, corpus: list[Path], monkeypatch: pytest.MonkeyPatch,
        count: int, asked: int, cpus: int, workers: int) -> None:
    monkeypatch.setattr(executors, "available_cpus", lambda: cpus)
    started = _count_workers(monkeypatch)
    paths = (corpus * 5)[:count]
    events = list(SupervisedExecutor(asked).run(session, iter(paths)))
    assert events[0] == RunStarted("supervised", workers, total=None)  # a stream: no total promised
    assert len(started) == workers  # and not one process more was started
    assert [r.name for r in _results(events)] == [str(p) for p in paths]
    assert events[-1] == RunFinished(count)


def test_a_short_input_is_spread_over_every_worker(session: ValidationSession, corpus: list[Path],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(executors, "available_cpus", lambda: 3)
    started = _count_workers(monkeypatch)
    given: list[int] = []
    real_send = supervisor._send

    def send(worker: object, batch: list[object]) -> None:
        given.append(len(batch))
        real_send(worker, batch)  # type: ignore[arg-type]

    monkeypatch.setattr(supervisor, "_send", send)
    results = list(validate_paths(session, corpus[:5], jobs=AUTO_JOBS))
    assert len(started) == 3 and sorted(given) == [1, 2, 2]  # not 4 on one worker and 1 on another
    assert [r.name for r in results] == [str(p) for p in corpus[:5]]


@pytest.mark.parametrize("executor", EXECUTORS, ids=lambda e: f"{type(e).__name__}-{getattr(e, 'jobs', 1)}")
def test_a_payload_read_already_is_validated_as_its_file(session: ValidationSession, corpus: list[Path],
                                                         executor: executors.Executor) -> None:
    streamed = StreamedPayload("<stdin>", corpus[1].read_bytes())
    too_big = StreamedPayload("<stdin>", b"", over_limit=100)
    first, second, third = _results(list(executor.run(session, [corpus[1], streamed, too_big])))
    assert second.name == "<stdin>" and second.sha256 == first.sha256
    assert (second.outcomes, second.verdict, second.message_type) == (first.outcomes, first.verdict,
                                                                     first.message_type)
    assert third.name == "<stdin>" and third.verdict is Verdict.ERROR and third.processing_error
    assert third.findings[0].message.en == "payload is over the limit of 100 bytes"
    assert "100" in third.findings[0].message.zh
