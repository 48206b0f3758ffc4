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

from conformance.core.findings import OUTCOME_RANK, Outcome

MAX_PAYLOADS_SHOWN = 20


class RequirementFailed(AssertionError):
    """A requirement failed on some payloads; `str()` is the whole report pytest shows."""


class RequirementUndecided(Exception):
    """A requirement could not be decided on some payloads (processing errors)."""


class ConformanceWarning(UserWarning):
    """A SHOULD or MAY requirement failed: the payload still conforms, the vendor should know."""


@dataclass(frozen=True, slots=True)
class PayloadOutcome:
    payload: str
    outcome: Outcome
    findings: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True, slots=True)
class RequirementRun:
    id: str
    uri: str
    level: str
    statement: Mapping[str, str]
    outcome: Outcome
    payloads: tuple[PayloadOutcome, ...]

    def with_outcome(self, *outcomes: Outcome) -> list[PayloadOutcome]:
        return [p for p in self.payloads if p.outcome in outcomes]


def _excerpt_lines(excerpt: str) -> list[str]:
    return ["        " + line for line in excerpt.rstrip("\n").splitlines()]


def _describe(entry: PayloadOutcome) -> list[str]:
    lines = [f"  {entry.payload}: {entry.outcome.value}"]
    for finding in entry.findings:
        loc = finding.get("location", {})
        where = ", ".join(x for x in (
            f"line {loc['line']}" if "line" in loc else "",
            loc.get("xpath") or loc.get("pointer") or "") if x)
        lines.append(f"    - {finding['message']['en']}" + (f" ({where})" if where else ""))
        if finding.get("excerpt"):
            lines.extend(_excerpt_lines(finding["excerpt"]))
        if finding.get("hint"):
            lines.append(f"      how to fix: {finding['hint']['en']}")
    return lines


def report_text(run: RequirementRun, entries: list[PayloadOutcome], verb: str) -> str:
    """The text a person reads for a requirement that failed or could not be decided."""
    head = [f"{run.id} ({run.level}) {verb} on {len(entries)} of {len(run.payloads)} payloads",
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
        per_requirement: dict[str, list[PayloadOutcome]] = defaultdict(list)
        scope = [r["id"] for r in document["requirements"]]
        for payload in document["payloads"]:
            outcomes = payload["outcomes"]
            by_req: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
            for finding in payload["findings"]:
                by_req[finding.get("requirement") or ""].append(finding)
            # A payload that could not be processed has no outcomes: its processing errors (with
            # no requirement) are what every requirement has to say about it.
            unprocessed = not outcomes
            for rid in scope:
                outcome = Outcome(outcomes[rid]) if rid in outcomes else (
                    Outcome.CANT_TELL if unprocessed else Outcome.UNTESTED)
                findings = by_req.get(rid, []) + (by_req.get("", []) if unprocessed else [])
                per_requirement[rid].append(PayloadOutcome(payload["name"], outcome, tuple(findings)))
        self._runs = {
            r["id"]: RequirementRun(r["id"], r["uri"], r["level"], r["statement"], Outcome(r["outcome"]),
                                    tuple(per_requirement[r["id"]]))
            for r in document["requirements"]}

    def __contains__(self, requirement_id: object) -> bool:
        return requirement_id in self._runs

    def requirement(self, requirement_id: str) -> RequirementRun:
        return self._runs[requirement_id]

    def worst(self, requirement_id: str) -> Outcome:
        run = self._runs[requirement_id]
        return min((p.outcome for p in run.payloads), key=OUTCOME_RANK.__getitem__,
                   default=Outcome.UNTESTED)
