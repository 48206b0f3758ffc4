"""What one generated test sees: a requirement's outcomes over every payload of the run.

The engine validates each payload once per session; a test per requirement reads that run. The
outcome maps onto pytest without losing meaning: a MUST failure fails the test with a readable
report (no traceback); a SHOULD or MAY failure passes with a warning, as it leaves a payload
conformant; an undecided outcome (cantTell, untested) is an error; a requirement inapplicable to
every payload is skipped with the reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance.core.findings import Outcome
from conformance.records.cases import Case, describe_location, iter_payload_cases

MAX_PAYLOADS_SHOWN = 20


@dataclass(frozen=True, slots=True)
class RequirementRun:
    id: str
    uri: str
    level: str
    statement: Mapping[str, str]
    outcome: Outcome
    cases: tuple[Case, ...]  # this requirement on each payload, in document order

    def with_outcome(self, *outcomes: Outcome) -> list[Case]:
        return [c for c in self.cases if c.outcome in outcomes]


def _describe(case: Case) -> list[str]:
    lines = [f"  {case.payload['name']}: {case.outcome.value}"]
    for finding in case.findings:
        where = describe_location(finding.get("location"))
        lines.append(f"    - {finding['message']['en']}" + (f" ({where})" if where else ""))
        if finding.get("excerpt"):
            lines.extend("        " + line for line in finding["excerpt"].rstrip("\n").splitlines())
        if finding.get("hint"):
            lines.append(f"      how to fix: {finding['hint']['en']}")
    return lines


def report_text(run: RequirementRun, entries: list[Case], verb: str) -> str:
    """The text a person reads for a requirement that failed or could not be decided."""
    head = [f"{run.id} ({run.level}) {verb} on {len(entries)} of {len(run.cases)} payloads",
            f"  {run.statement['en']}", f"  {run.statement['zh']}", f"  <{run.uri}>"]
    body: list[str] = []
    for entry in entries[:MAX_PAYLOADS_SHOWN]:
        body.extend(_describe(entry))
    if len(entries) > MAX_PAYLOADS_SHOWN:
        body.append(f"  ... and {len(entries) - MAX_PAYLOADS_SHOWN} more payloads (see the reports)")
    return "\n".join(head + body)


class RunView:
    """Index of a run-results document by requirement, built once per process."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        # The same cells the JUnit and EARL writers count, regrouped by requirement.
        per_requirement: dict[str, list[Case]] = defaultdict(list)
        for _, cases in iter_payload_cases(document):
            for case in cases:
                per_requirement[case.requirement["id"]].append(case)
        self._runs = {
            r["id"]: RequirementRun(r["id"], r["uri"], r["level"], r["statement"], Outcome(r["outcome"]),
                                    tuple(per_requirement[r["id"]]))
            for r in document["requirements"]}

    def __contains__(self, requirement_id: object) -> bool:
        return requirement_id in self._runs

    def requirement(self, requirement_id: str) -> RequirementRun:
        return self._runs[requirement_id]
