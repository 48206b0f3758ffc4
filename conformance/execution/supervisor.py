"""Worker processes under a supervisor: no payload can stop a run, however it hangs or grows.

Native code (libxml2, libxslt, SaxonC, the `re` engine) does not return to Python while it runs,
so no signal handler or in-process timer can stop it. The only stop that always works is from
outside: the parent gives payloads to worker processes, watches each payload's wall clock and each
worker's resident memory, and kills a worker that overruns. That payload becomes a processing error
(cantTell, verdict error), a fresh worker takes the rest, and every result comes back in input
order. A worker that dies on its own (a segfault, `os._exit`) is handled the same way.

Cheap enough for every run: paths go to a worker in small batches and results come back in chunks
(one pipe message per chunk, not per payload); the worker marks the payload it is on in two shared
doubles (index, start time), which is all the parent needs to enforce a deadline.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from conformance.core.errors import ConformanceError, PayloadError
from conformance.core.files import over_limit
from conformance.core.limits import (
    PAYLOAD_MAX_ATTEMPTS,
    PAYLOAD_SECONDS,
    RESULTS_MAX_AHEAD,
    SUPERVISOR_POLL_SECONDS,
    WORKER_MAX_MIB,
)
from conformance.core.results import PayloadResult
from conformance.core.text import Text
from conformance.execution.session import SessionRecipe, ValidationSession, budget_result, error_result
from conformance.validation.documents.payload import Payload

# Paths per message to a worker (small, so that a short batch is still shared by every worker),
# results per message back (or fewer, after FLUSH_SECONDS): the pipe then costs a few microseconds
# a payload. A worker holds up to WINDOW payloads, more than a chunk, so it is never idle while its
# results travel. Results not yet sent when a worker is killed are validated again elsewhere.
BATCH = 4
CHUNK = 8
WINDOW = 24
FLUSH_SECONDS = 0.05
_IDLE = -1.0
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True, slots=True)
class StreamedPayload:
    """A payload the parent read from a stream (standard input), sent to a worker by value.

    A stream cannot be read again by a fresh worker after a kill, so the bytes travel with the task;
    `over_limit` is the size budget the stream exceeded (its bytes were then not kept).
    """

    name: str
    data: bytes
    over_limit: int | None = None


# What an executor validates: a file it reads itself, or bytes read already.
PayloadInput = Path | StreamedPayload


def validate_input(session: ValidationSession, item: PayloadInput) -> PayloadResult:
    """One payload's result, whichever way it arrives; never raises for anything the payload does."""
    if isinstance(item, Path):
        return session.validate_path(item)
    if item.over_limit is not None:
        # Refused in the words, and with the finding source, of a file over --max-bytes.
        refusal = over_limit(PayloadError, item.name, item.over_limit, what="payload", what_zh="报文")
        return error_result(item.name, None, refusal)
    return session.validate_payload(Payload(name=item.name, data=item.data))


def input_name(item: PayloadInput) -> str:
    """The name results give the payload: the path as given, or the stream's name (`<stdin>`)."""
    return item.name if isinstance(item, StreamedPayload) else str(item)


@dataclass(frozen=True, slots=True)
class ExecutionBudget:
    """Per-payload wall clock and per-worker resident memory; None (or 0) means no limit."""

    seconds: float | None = PAYLOAD_SECONDS
    memory_mib: int | None = WORKER_MAX_MIB

    @classmethod
    def of(cls, seconds: float | None = PAYLOAD_SECONDS, memory_mib: int | None = WORKER_MAX_MIB
           ) -> ExecutionBudget:
        """From command-line values, where 0 means no limit."""
        return cls(seconds or None, memory_mib or None)

    @property
    def unlimited(self) -> bool:
        return self.seconds is None and self.memory_mib is None


DEFAULT_BUDGET = ExecutionBudget()
UNLIMITED = ExecutionBudget(None, None)


@dataclass(frozen=True, slots=True)
class _WorkerPlan:
    """What every worker of one supervisor starts from, handed to each worker process explicitly.

    Forked, a worker inherits `session` as it is in the parent (nothing is pickled), so the
    standards compiled there are not compiled again; spawned, it gets only the small `recipe`.
    """

    session: ValidationSession | None  # the parent's compiled session, when workers are forked
    recipe: SessionRecipe
    inherit: bool  # forked: `session` (or at least its loaded standards) is the parent's

    def worker_session(self) -> ValidationSession:
        """The session a worker validates with: the inherited one, or one compiled again for it."""
        session = self.session
        if session is not None and session.fork_safe:
            return session
        # SaxonC's runtime threads do not survive fork: compile again, from the inherited model.
        return self.recipe.build(session.standards if self.inherit and session is not None else None)


@dataclass(slots=True)
class _Task:
    index: int
    path: PayloadInput
    attempts: int = 0


class _Worker:
    """One worker process, its pipe, the payloads it holds (in order) and its shared slot."""

    def __init__(self, context: Any, plan: _WorkerPlan) -> None:
        self.conn, child = context.Pipe()
        # [index of the payload being validated, or -1; its start on the monotonic clock]
        self.slot = context.RawArray(ctypes.c_double, 2)
        self.slot[0] = _IDLE
        self.process = context.Process(target=_serve, args=(child, self.slot, plan),
                                       daemon=True, name="conformance-worker")
        self.process.start()
        child.close()  # ours is closed, so the worker's death is an EOF here
        self.tasks: deque[_Task] = deque()
        self.started_any = False

    def current(self) -> tuple[_Task | None, float]:
        """The payload the worker is on and when it began it, or (None, 0) between payloads."""
        index, since = self.slot[0], self.slot[1]
        if index == _IDLE:
            return None, 0.0
        for task in self.tasks:
            if task.index == index:
                return task, since
        return None, 0.0

    def rss_mib(self) -> float:
        try:
            with open(f"/proc/{self.process.pid}/statm", "rb") as statm:
                return int(statm.read().split()[1]) * _PAGE / (1024 * 1024)
        except (OSError, ValueError, IndexError):
            return 0.0

    def stop(self, *, kill: bool) -> None:
        if kill:
            with contextlib.suppress(OSError):
                self.process.kill()
        else:
            with contextlib.suppress(OSError, ValueError):
                self.conn.send(None)
        self.process.join(None if kill else 5)
        if self.process.is_alive():  # it did not stop when asked: it is stuck in a payload
            self.process.kill()
            self.process.join()
        self.conn.close()


def supervise(session: ValidationSession, paths: Iterable[PayloadInput], *, jobs: int = 1,
              budget: ExecutionBudget = DEFAULT_BUDGET, total: int | None = None) -> Iterator[PayloadResult]:
    """Validate `paths` on at most `jobs` supervised workers; one result per path, in input order.

    A worker is started only when there is a payload for it (no idle processes for a short input);
    `total`, when the caller knows it, spreads a short input evenly over the workers.
    """
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    context = multiprocessing.get_context(method)
    # Forked workers inherit the session compiled here (no second compile) unless it holds SaxonC,
    # whose runtime threads do not survive fork: those compile again, from the inherited model.
    inherit = method == "fork"
    plan = _WorkerPlan(session if inherit else None, session.recipe(), inherit)
    workers: list[_Worker] = []
    feed = _Feed(paths)
    done: dict[int, PayloadResult] = {}
    jobs = max(1, jobs)
    size = BATCH if total is None else max(1, min(BATCH, -(-total // jobs)))
    try:
        while True:
            while len(workers) < jobs:  # a first batch for each worker started
                batch = feed.take(size)
                if not batch:
                    break
                workers.append(_Worker(context, plan))
                _send(workers[-1], batch)
            hungry = [w for w in workers if len(w.tasks) < WINDOW]
            while hungry:  # a batch each in turn
                for worker in list(hungry):
                    batch = feed.take(size)
                    if not batch:
                        hungry = []
                        break
                    _send(worker, batch)
                    if len(worker.tasks) >= WINDOW:
                        hungry.remove(worker)
            while feed.next_out in done:
                yield done.pop(feed.next_out)
                feed.next_out += 1
            busy = [w for w in workers if w.tasks]
            if not busy:
                if feed.finished:
                    return
                continue
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], _wake_in(busy, budget))
            for i, worker in enumerate(workers):
                if worker.tasks and _collect(worker, ready, done, feed.retry, budget):
                    workers[i] = _Worker(context, plan)
    finally:
        # Ctrl-C, an error of the caller, or the end: no worker outlives the run.
        for worker in workers:
            worker.stop(kill=not feed.finished or bool(worker.tasks))


def _send(worker: _Worker, batch: list[_Task]) -> None:
    worker.tasks.extend(batch)
    with contextlib.suppress(OSError):  # a dead worker: its sentinel says so in the main loop
        worker.conn.send([(t.index, t.path) for t in batch])


class _Feed:
    """Payloads to hand out: retried ones first, then the input, never too far ahead of the output."""

    def __init__(self, paths: Iterable[PayloadInput]) -> None:
        self._source = enumerate(paths)
        self._ahead: _Task | None = None
        self._exhausted = False
        self.retry: deque[_Task] = deque()
        self.next_out = 0  # index of the next result to give back

    @property
    def finished(self) -> bool:
        return self._exhausted and self._ahead is None and not self.retry

    def take(self, count: int) -> list[_Task]:
        batch: list[_Task] = []
        while self.retry and len(batch) < count:
            batch.append(self.retry.popleft())
        while len(batch) < count:
            if self._ahead is None:
                item = None if self._exhausted else next(self._source, None)
                if item is None:
                    self._exhausted = True
                    break
                self._ahead = _Task(*item)
            if self._ahead.index >= self.next_out + RESULTS_MAX_AHEAD:
                break  # one payload is slow: hold the rest back rather than pile up results
            batch.append(self._ahead)
            self._ahead = None
        return batch


def _wake_in(busy: list[_Worker], budget: ExecutionBudget) -> float:
    """Seconds until the parent must look again: the nearest deadline, the memory poll, or soon."""
    wake = SUPERVISOR_POLL_SECONDS if budget.memory_mib is not None else 0.5
    if budget.seconds is not None:
        now = time.monotonic()
        for worker in busy:
            task, since = worker.current()
            if task is not None:
                wake = min(wake, since + budget.seconds - now)
    return max(0.0, wake)


def _collect(worker: _Worker, ready: list[Any], done: dict[int, PayloadResult], retry: deque[_Task],
             budget: ExecutionBudget) -> bool:
    """Take the worker's results; kill it on an overrun; True when it must be replaced."""
    dead = worker.process.sentinel in ready
    if worker.conn in ready or dead:
        try:
            while worker.conn.poll():
                message = worker.conn.recv()
                if isinstance(message, str):
                    raise ConformanceError(f"a worker process could not start: {message}")
                for result in message:
                    done[worker.tasks.popleft().index] = result
        except (EOFError, OSError):
            dead = True
    task, since = worker.current()
    if dead:
        worker.process.join()
        _blame(worker, task, retry, done, _death(worker.process.exitcode))
        worker.conn.close()
        return True
    if task is None:
        return False
    if budget.seconds is not None and time.monotonic() - since > budget.seconds:
        worker.stop(kill=True)
        _blame(worker, task, retry, done, Text(
            en=f"exceeded the time budget of {budget.seconds:g} s (--timeout); stopped",
            zh=f"超出时间预算 {budget.seconds:g} 秒（--timeout），已停止"))
        return True
    if budget.memory_mib is not None:
        used = worker.rss_mib()
        if used > budget.memory_mib:
            worker.stop(kill=True)
            _blame(worker, task, retry, done, Text(
                en=f"exceeded the memory budget of {budget.memory_mib} MiB (--max-memory; "
                   f"the worker reached {used:.0f} MiB); stopped",
                zh=f"超出内存预算 {budget.memory_mib} MiB（--max-memory，进程已用 {used:.0f} MiB），已停止"))
            return True
    return False


def _blame(worker: _Worker, task: _Task | None, retry: deque[_Task], done: dict[int, PayloadResult],
           message: Text) -> None:
    """The payload the worker was on gets `message`; the others it held go to a fresh worker.

    Validated payloads whose results had not been sent yet are validated again: results do not
    depend on which process made them.
    """
    for held in reversed(worker.tasks):
        if task is None:
            held.attempts += 1  # nothing to blame: each payload it held is suspect once more
        if held is task or held.attempts >= PAYLOAD_MAX_ATTEMPTS:
            done[held.index] = budget_result(input_name(held.path), message)
        else:
            retry.appendleft(held)
    worker.tasks.clear()


def _death(exitcode: int | None) -> Text:
    if exitcode is not None and exitcode < 0:
        try:
            how = signal.Signals(-exitcode).name
        except ValueError:
            how = f"signal {-exitcode}"
    else:
        how = f"exit code {exitcode}"
    return Text(en=f"the worker process validating this payload ended ({how}); no result",
                zh=f"验证此报文的工作进程意外结束（{how}），没有结果")


def _serve(conn: Connection, slot: Any, plan: _WorkerPlan) -> None:
    """A worker: validate the batches of paths the parent sends, send results back in chunks."""
    # Ctrl-C reaches the whole process group: the parent decides, and kills us (no tracebacks).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    try:
        session = plan.worker_session()
    except Exception as exc:  # the parent compiled the same session: unlikely, but say why
        conn.send(f"{type(exc).__name__}: {exc}"[:2000])
        return
    clock = time.monotonic
    pending: list[PayloadResult] = []
    flushed = clock()
    while True:
        try:
            batch = conn.recv()
        except (EOFError, OSError):
            return
        if batch is None:
            return
        for index, path in batch:
            slot[1] = clock()
            slot[0] = index
            result = validate_input(session, path)
            slot[0] = _IDLE
            pending.append(result)
            if len(pending) >= CHUNK or clock() - flushed > FLUSH_SECONDS:
                conn.send(pending)
                pending = []
                flushed = clock()
        if pending and not conn.poll():
            conn.send(pending)
            pending = []
            flushed = clock()


def _die_with_parent() -> None:
    """On Linux, the kernel kills this worker if the parent dies, even by SIGKILL: no orphans."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
