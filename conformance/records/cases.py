"""The cells of a run: one requirement on one payload, as JUnit test cases and EARL assertions see them.

Run results store a payload's outcomes and its findings separately; the writers need them joined.
The outcome of a cell follows `RunResults.add` exactly (a payload without outcomes could not be
processed: cantTell; a requirement missing from the outcomes was not tested), so that counting the
cells of a document gives the counts it carries.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from conformance.core.findings import Location, Outcome

Document = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Case:
    """One requirement (an entry of `requirements`) on one payload (an entry of `payloads`)."""

    payload: Mapping[str, Any]
    requirement: Mapping[str, Any]
    outcome: Outcome
    # Findings about this requirement; for an undecided cell without any, the payload's processing
    # errors that concern no single requirement (they are why nothing could be decided).
    findings: tuple[Mapping[str, Any], ...]

    @property
    def level(self) -> str:
        return str(self.requirement["level"])


def payload_cases(payload: Mapping[str, Any], requirements: Sequence[Mapping[str, Any]]) -> list[Case]:
    """The cells of one payload, in the order of the document's requirements."""
    outcomes: Mapping[str, str] = payload["outcomes"]
    by_requirement: dict[str | None, list[Mapping[str, Any]]] = {}
    for finding in payload["findings"]:
        by_requirement.setdefault(finding["requirement"], []).append(finding)
    general = tuple(by_requirement.get(None, ()))
    cases = []
    for requirement in requirements:
        rid = requirement["id"]
        if rid in outcomes:
            outcome = Outcome(outcomes[rid])
        else:
            outcome = Outcome.CANT_TELL if not outcomes else Outcome.UNTESTED
        own = tuple(by_requirement.get(rid, ()))
        findings = own or (general if outcome is Outcome.CANT_TELL else ())
        cases.append(Case(payload, requirement, outcome, findings))
    return cases


def iter_payload_cases(document: Document) -> Iterator[tuple[Mapping[str, Any], list[Case]]]:
    """Each payload with its cells, in the order of the document (lazily: one payload at a time)."""
    requirements = document["requirements"]
    for payload in document["payloads"]:
        yield payload, payload_cases(payload, requirements)


def describe_location(location: Mapping[str, Any] | None) -> str:
    """"line 4, column 2; /env:Envelope/env:Id" and the like; empty when nothing is known."""
    if not location:
        return ""
    return Location(line=location.get("line"), column=location.get("column"),
                    xpath=location.get("xpath"), pointer=location.get("pointer")).describe()
