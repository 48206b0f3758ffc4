"""Batches under the supervisor: every payload gets a result, in input order, whatever one does.

The hostile stand-ins run for real in the forked worker: the session's `validate_path` is replaced
on the instance the worker inherits, by code that loops in C (`sum` over a range never returns to
the interpreter, so no signal handler could stop it), touches memory, or kills its own process.
"""

from __future__ import annotations

import faulthandler
import io
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Generator
from pathlib import Path
from types import SimpleNamespace

import pytest

from conformance.core.findings import Outcome, Verdict
from conformance.core.results import PayloadResult
from conformance.execution import supervisor
from conformance.execution.batch import STDIN, iter_payload_inputs, read_stream, validate_paths
from conformance.execution.session import ValidationSession
from conformance.execution.supervisor import UNLIMITED, ExecutionBudget, StreamedPayload, _blame, _Task
from tests.conftest import ENVELOPE_FIXTURES

GOOD_XML = ENVELOPE_FIXTURES / "xml" / "conformant-full.xml"
GOOD_JSON = ENVELOPE_FIXTURES / "json" / "conformant-full.json"


@pytest.fixture
def corpus(tmp_path: Path) -> list[Path]:
    """Twelve good payloads with distinct names, XML and JSON."""
    paths = []
    for i in range(12):
        source = GOOD_XML if i % 2 else GOOD_JSON
        path = tmp_path / f"p{i:02d}{source.suffix}"
        path.write_bytes(source.read_bytes())
        paths.append(path)
    return paths


def _hostile(session: ValidationSession, act: dict[str, Callable[[], object]]) -> None:
    """Payloads whose file name is a key of `act` run that instead (in the worker that gets them)."""
    real = session.validate_path

    def validate_path(path: Path) -> PayloadResult:
        action = act.get(path.name)
        if action is not None:
            action()
        return real(path)

    session.validate_path = validate_path  # type: ignore[method-assign]


def _hang() -> None:
    sum(range(10**18))  # in C from start to end: signals are never looked at


def _segfault() -> None:
    faulthandler.disable()  # pytest's handler would print the worker's stack: not what is tested
    os.kill(os.getpid(), signal.SIGSEGV)


def _rss_mib() -> float:
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _check(results: list[PayloadResult], paths: list[Path], errors: dict[int, str]) -> None:
    """One result per path, in order; the ones in `errors` a processing error saying so."""
    assert [r.name for r in results] == [str(p) for p in paths]
    for i, result in enumerate(results):
        if i in errors:
            assert result.verdict is Verdict.ERROR and result.processing_error, result
            (finding,) = result.findings
            assert finding.outcome is Outcome.CANT_TELL
            assert errors[i] in finding.message.en, finding.message.en
            assert finding.message.zh
        else:
            assert result.verdict is Verdict.CONFORMANT, result.failures()


@pytest.mark.parametrize("jobs", [1, 2])
def test_supervised_results_equal_in_process_results(session: ValidationSession, corpus: list[Path],
                                                     jobs: int) -> None:
    alone = list(validate_paths(session, corpus, budget=UNLIMITED))
    supervised = list(validate_paths(session, iter(corpus), jobs=jobs))
    assert supervised == alone
    _check(supervised, corpus, {})


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_payload_hanging_in_native_code_is_stopped_and_the_run_goes_on(
        session: ValidationSession, corpus: list[Path], jobs: int) -> None:
    _hostile(session, {corpus[3].name: _hang, corpus[8].name: _hang})
    start = time.monotonic()
    results = list(validate_paths(session, corpus, jobs=jobs, budget=ExecutionBudget(1.0, None)))
    elapsed = time.monotonic() - start
    _check(results, corpus, {3: "exceeded the time budget of 1 s", 8: "exceeded the time budget of 1 s"})
    assert elapsed < 15, elapsed


def test_a_worker_growing_past_its_memory_budget_is_stopped(session: ValidationSession,
                                                            corpus: list[Path]) -> None:
    budget = int(_rss_mib()) + 300  # a forked worker starts with the parent's resident pages

    def grow() -> None:
        hoard = []
        for _ in range(150):  # 3 GB at most, should the budget not hold
            hoard.append(b"\x01" * (20 * 2**20))
            time.sleep(0.002)

    _hostile(session, {corpus[5].name: grow})
    results = list(validate_paths(session, corpus, jobs=2, budget=ExecutionBudget(None, budget)))
    _check(results, corpus, {5: f"exceeded the memory budget of {budget} MiB"})


@pytest.mark.parametrize(("end", "said"), [
    (lambda: _segfault(), "ended (SIGSEGV)"),
    (lambda: os.kill(os.getpid(), signal.SIGKILL), "ended (SIGKILL)"),
    (lambda: os._exit(3), "ended (exit code 3)"),
])
def test_a_worker_that_dies_costs_only_its_payload(session: ValidationSession, corpus: list[Path],
                                                   end: Callable[[], None], said: str) -> None:
    _hostile(session, {corpus[0].name: end, corpus[11].name: end})
    results = list(validate_paths(session, corpus, jobs=2))
    _check(results, corpus, {0: said, 11: said})


def test_results_are_not_held_far_ahead_of_a_slow_payload(session: ValidationSession, corpus: list[Path],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """While payload 0 hangs, the other worker gets no payload beyond the reorder window."""
    monkeypatch.setattr(supervisor, "RESULTS_MAX_AHEAD", 4)
    seen: list[int] = []
    original = supervisor._Feed.take

    def take(feed: supervisor._Feed, count: int) -> list[_Task]:
        batch = original(feed, count)
        seen.extend(t.index - feed.next_out for t in batch)
        return batch

    monkeypatch.setattr(supervisor._Feed, "take", take)
    _hostile(session, {corpus[0].name: _hang})
    results = list(validate_paths(session, corpus, jobs=2, budget=ExecutionBudget(1.0, None)))
    _check(results, corpus, {0: "time budget"})
    assert max(seen) < 4


def test_a_worker_dying_between_payloads_has_its_payloads_tried_again_then_reported() -> None:
    worker = SimpleNamespace(tasks=deque([_Task(0, Path("a")), _Task(1, Path("b"), attempts=1)]))
    retry: deque[_Task] = deque()
    done: dict[int, PayloadResult] = {}
    _blame(worker, None, retry, done, supervisor._death(-9))  # type: ignore[arg-type]
    assert [t.index for t in retry] == [0] and retry[0].attempts == 1
    assert "ended (SIGKILL)" in done[1].findings[0].message.en


def test_abandoning_the_results_stops_every_worker(session: ValidationSession, corpus: list[Path]) -> None:
    _hostile(session, {corpus[6].name: _hang})
    results = validate_paths(session, corpus, jobs=2)
    assert isinstance(results, Generator)
    start = time.monotonic()
    next(results)  # from the worker that does not hang
    assert time.monotonic() - start < 10
    children = supervisor.multiprocessing.active_children()
    assert children
    results.close()  # what an exception in the caller, or Ctrl-C, does to the generator
    assert not any(c.is_alive() for c in children)


class _Endless(io.RawIOBase):
    """A stream that never ends (`yes | conform validate -`), counting the bytes asked for."""

    def __init__(self) -> None:
        self.given = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        assert 0 < size <= 1024 * 1024, "never the whole budget at once, never unbounded"
        self.given += size
        return b"y" * size


def test_a_stream_is_read_within_the_size_budget() -> None:
    assert read_stream(io.BytesIO(b"<a/>"), max_bytes=4) == StreamedPayload("<stdin>", b"<a/>")
    endless = _Endless()
    payload = read_stream(endless, max_bytes=3 * 1024 * 1024)  # type: ignore[arg-type]
    assert payload == StreamedPayload("<stdin>", b"", over_limit=3 * 1024 * 1024)
    assert endless.given == 3 * 1024 * 1024 + 1  # one byte past the budget, and no more


def test_dash_is_standard_input_at_its_place_in_the_order(corpus: list[Path]) -> None:
    folder = corpus[0].parent
    inputs = list(iter_payload_inputs([corpus[0], STDIN, folder], stdin=io.BytesIO(b"{}")))
    assert inputs[:2] == [corpus[0], StreamedPayload("<stdin>", b"{}")]
    assert inputs[2:] == sorted(corpus)
    # Without a stream to read, `-` is a path like any other (the API never reads our stdin).
    assert list(iter_payload_inputs([STDIN])) == [STDIN]


def test_a_streamed_payload_stopped_in_its_worker_keeps_its_name() -> None:
    done: dict[int, PayloadResult] = {}
    task = _Task(0, StreamedPayload("<stdin>", b"<a/>"))
    worker = SimpleNamespace(tasks=deque([task]))
    _blame(worker, task, deque(), done, supervisor.Text.same("stopped"))  # type: ignore[arg-type]
    assert done[0].name == "<stdin>" and done[0].processing_error
