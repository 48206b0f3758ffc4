"""The cells of a run: one requirement on one payload, as JUnit test cases and EARL assertions see them.

A record holds a payload's outcomes and its findings separately; the writers need them joined.
The outcome of a cell follows `RunResults.add` exactly (a payload without outcomes could not be
processed: cantTell; a requirement missing from the outcomes was not tested), so that counting the
cells of a record gives the counts it carries.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from conformance.core.findings import Finding, Level, Outcome
from conformance.core.results import PayloadResult
from conformance.records.record import RequirementRecord, RunRecord


@dataclass(frozen=True, slots=True)
class Case:
    """One requirement (of the record's `requirements`) on one payload (of its `payloads`)."""

    payload: PayloadResult
    requirement: RequirementRecord
    outcome: Outcome
    # Findings about this requirement; for an undecided cell without any, the payload's processing
    # errors that concern no single requirement (they are why nothing could be decided).
    findings: tuple[Finding, ...]

    @property
    def level(self) -> Level:
        return self.requirement.level


def payload_cases(payload: PayloadResult, requirements: Sequence[RequirementRecord]) -> list[Case]:
    """The cells of one payload, in the order of the record's requirements."""
    outcomes = payload.outcomes
    by_requirement: dict[str | None, list[Finding]] = {}
    for finding in payload.findings:
        by_requirement.setdefault(finding.requirement_id, []).append(finding)
    general = tuple(by_requirement.get(None, ()))
    cases = []
    for requirement in requirements:
        rid = requirement.id
        if rid in outcomes:
            outcome = outcomes[rid]
        else:
            outcome = Outcome.CANT_TELL if not outcomes else Outcome.UNTESTED
        own = tuple(by_requirement.get(rid, ()))
        findings = own or (general if outcome is Outcome.CANT_TELL else ())
        cases.append(Case(payload, requirement, outcome, findings))
    return cases


def iter_payload_cases(record: RunRecord) -> Iterator[tuple[PayloadResult, list[Case]]]:
    """Each payload with its cells, in the order of the record (lazily: one payload at a time)."""
    for payload in record.payloads:
        yield payload, payload_cases(payload, record.requirements)
