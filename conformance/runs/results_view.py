"""What one generated test sees: a requirement's outcomes over every payload of the run.

The engine validates each payload once per session; a test per requirement reads that run. The
outcome maps onto pytest without losing meaning: a MUST failure fails the test with a readable
report (no traceback); a SHOULD or MAY failure passes with a warning, as it leaves a payload
conformant; an undecided outcome (cantTell, untested) is an error; a requirement inapplicable to
every payload is skipped with the reason.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from conformance.core.findings import Outcome
from conformance.records.cases import Case, iter_payload_cases
from conformance.records.record import RequirementRecord, RunRecord
from conformance.reports.bilingual import lines
from conformance.reports.fix_first import failing_requirements
from conformance.reports.labels import describe_location, label, level_label, outcome_label

MAX_PAYLOADS_SHOWN = 20


@dataclass(frozen=True, slots=True)
class RequirementOutcomes:
    """One requirement of a run with its outcome on each payload."""

    requirement: RequirementRecord
    cases: tuple[Case, ...]  # this requirement on each payload, in record order

    def with_outcome(self, *outcomes: Outcome) -> list[Case]:
        """The cases with one of `outcomes`, in record order."""
        return [c for c in self.cases if c.outcome in outcomes]


def _describe(case: Case, lang: str) -> list[str]:
    lines = [f"  {case.payload.name}: {outcome_label(case.outcome, lang)}"]
    colon = label("colon", lang)
    for finding in case.findings:
        where = describe_location(finding.location, lang)
        lines.append(f"    - {finding.message.get(lang)}" + (f" ({where})" if where else ""))
        if finding.excerpt:
            lines.extend("        " + line for line in finding.excerpt.rstrip("\n").splitlines())
        if finding.hint is not None:
            lines.append(f"      {label('how-to-fix', lang)}{colon}{finding.hint.get(lang)}")
    return lines


def report_text(outcomes: RequirementOutcomes, entries: list[Case], verb: str, lang: str = "en") -> str:
    """The text a person reads for a requirement that failed or could not be decided.

    `verb` is "failed" or "could not be decided"; in English both statements are shown (one when
    they are the same, as in a bundle imported in one language), in Chinese the Chinese one alone."""
    requirement = outcomes.requirement
    head = [label("requirement-report", lang, id=requirement.id, level=level_label(requirement.level, lang),
                  verb=label(verb, lang), count=len(entries), total=len(outcomes.cases))]
    statements = ([line.text for line in lines(requirement.statement, ("en", "zh"))] if lang == "en"
                  else [requirement.statement.get(lang)])
    head += [f"  {s}" for s in statements] + [f"  <{requirement.uri}>"]
    body: list[str] = []
    for entry in entries[:MAX_PAYLOADS_SHOWN]:
        body.extend(_describe(entry, lang))
    if len(entries) > MAX_PAYLOADS_SHOWN:
        body.append("  " + label("more-payloads", lang, count=len(entries) - MAX_PAYLOADS_SHOWN))
    return "\n".join(head + body)


class RunView:
    """Index of a run record by requirement, built once per process."""

    def __init__(self, record: RunRecord) -> None:
        self.record = record
        # The same cells the JUnit and EARL writers count, regrouped by requirement.
        per_requirement: dict[str, list[Case]] = defaultdict(list)
        for _, cases in iter_payload_cases(record):
            for case in cases:
                per_requirement[case.requirement.id].append(case)
        self._requirements = {r.id: RequirementOutcomes(r, tuple(per_requirement[r.id]))
                              for r in record.requirements}

    def __contains__(self, requirement_id: object) -> bool:
        return requirement_id in self._requirements

    def requirement(self, requirement_id: str) -> RequirementOutcomes:
        """The outcomes of one requirement in scope (KeyError for any other)."""
        return self._requirements[requirement_id]

    def failing(self) -> list[RequirementOutcomes]:
        """Requirements that failed on at least one payload, worst first (`failing_order`)."""
        return [self._requirements[r.id] for r in failing_requirements(self.record)]
