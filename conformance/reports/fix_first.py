"""What a vendor should fix first in a run that did not pass, read from the record alone.

Processing errors come first: a payload that could not be parsed or recognised was never judged,
so every requirement on it is undecided and its real failures are hidden until it is fixed. Then
the failing requirements, worst first: by level (MUST, SHOULD, MAY), then by the number of payloads
failing them (a fix that clears many payloads first), then by id so that the order is total.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from conformance.core.findings import Finding, Level, Outcome, Verdict
from conformance.core.ordering import NaturalKey, natural_key
from conformance.core.results import PayloadResult
from conformance.records.record import RequirementRecord, RunRecord

# Processing errors listed by name; a run of 10,000 unparsable files says how many it leaves out.
PROCESSING_ERROR_LIMIT = 100
LEVEL_RANK = {level: rank for rank, level in enumerate(Level)}


def failing_order(requirement: RequirementRecord) -> tuple[int, int, NaturalKey]:
    """Worst first: level, then payloads failing (most first), then the id with numbers as numbers.

    The one order of failing requirements, in the HTML report and in the terminal summary alike."""
    return LEVEL_RANK[requirement.level], -requirement.counts[Outcome.FAILED], natural_key(requirement.id)


@dataclass(frozen=True, slots=True)
class ProcessingError:
    """A payload that could not be judged: its 1-based `index`, first processing error and their count."""

    index: int
    payload: PayloadResult
    first: Finding
    count: int


def processing_errors(record: RunRecord) -> Iterator[ProcessingError]:
    """Every payload of `record` with a processing error, in record order (lazily)."""
    for index, payload in enumerate(record.payloads, 1):
        errors = [f for f in payload.findings if f.processing_error]
        if errors:
            yield ProcessingError(index, payload, errors[0], len(errors))


def failing_requirements(record: RunRecord) -> list[RequirementRecord]:
    """The requirements failed on at least one payload, worst first (`failing_order`)."""
    return sorted((r for r in record.requirements if r.counts[Outcome.FAILED]), key=failing_order)


@dataclass(frozen=True, slots=True)
class FailingRequirement:
    """A requirement failed by `payloads` payloads; `first` is the 1-based index of the first one."""

    requirement: RequirementRecord
    payloads: int
    first: int | None


@dataclass(frozen=True, slots=True)
class FixFirst:
    """The processing errors (the first `PROCESSING_ERROR_LIMIT` of them) and the failing requirements."""

    processing_errors: tuple[ProcessingError, ...]
    processing_errors_total: int
    requirements: tuple[FailingRequirement, ...]


def _first_failures(record: RunRecord, wanted: set[str]) -> dict[str, int]:
    # Findings are what a record keeps of a payload, so this reads failures only, not every outcome.
    first: dict[str, int] = {}
    for index, payload in enumerate(record.payloads, 1):
        for finding in payload.findings:
            rid = finding.requirement_id
            if rid in wanted and rid not in first and finding.outcome is Outcome.FAILED:
                first[rid] = index
        if len(first) == len(wanted):
            break
    return first


def fix_first(record: RunRecord) -> FixFirst | None:
    """What to fix first in `record`; None for a conformant run or one with nothing to list."""
    if record.verdict is Verdict.CONFORMANT:
        return None
    errors: list[ProcessingError] = []
    total = 0
    for error in processing_errors(record):
        total += 1
        if len(errors) < PROCESSING_ERROR_LIMIT:
            errors.append(error)
    failing = failing_requirements(record)
    first = _first_failures(record, {r.id for r in failing})
    requirements = tuple(FailingRequirement(r, r.counts[Outcome.FAILED], first.get(r.id)) for r in failing)
    if not errors and not requirements:
        return None
    return FixFirst(tuple(errors), total, requirements)
