"""The events of a run: the one typed stream an executor emits and every consumer reads.

An executor (serial, supervised processes, later Dask) turns paths into this stream; the run
record, the progress display and the terminal summary are consumers of it, as schemathesis's
report writers consume its engine's events. Events are frozen values, small enough to cross a
process boundary, and carry no live engine objects.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.core.results import PayloadResult


@dataclass(frozen=True, slots=True)
class RunStarted:
    """An executor (its registered kind) is about to validate on `jobs` processes; `total` is the
    number of payloads when the input is a sequence, None when it is a stream."""

    executor: str
    jobs: int
    total: int | None = None


@dataclass(frozen=True, slots=True)
class PayloadValidated:
    """One payload's result, `index` its place in the input (results arrive in input order)."""

    index: int
    result: PayloadResult


@dataclass(frozen=True, slots=True)
class RunFinished:
    """The executor has no more results: `payloads` were validated; `interrupted` when Ctrl-C
    stopped it before the input's end (the stream raises KeyboardInterrupt when asked for more).

    A consumer that stops reading gets no more events, this one included: a closed stream cannot
    yield; closing it stops the executor's workers at once.
    """

    payloads: int
    interrupted: bool = False


RunEvent = RunStarted | PayloadValidated | RunFinished
