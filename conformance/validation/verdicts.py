"""Outcomes and verdicts of one payload, worked out from its findings by the requirements of its standard."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from conformance.core.findings import OUTCOME_RANK, Finding, Level, Outcome, Verdict
from conformance.standard.model import CheckKind, Requirement, Standard


class VerdictPlan:
    """What outcomes and verdicts need of one message type of one standard, worked out once.

    Every payload of the type then costs one pass over its findings and over the MUST
    requirements of each class, with no lookups in the standard.
    """

    __slots__ = ("_musts", "_template")

    def __init__(self, standard: Standard, message_type: str) -> None:
        # A requirement judged only on exchange logs (every check a conversation check) is untested
        # on one payload, never inapplicable: one message must not make a role class conformant.
        self._template = {rid: Outcome.UNTESTED if r.applies_to(message_type) or _on_logs_only(r)
                          else Outcome.INAPPLICABLE
                          for rid, r in standard.requirements.items()}
        self._musts = {cid: tuple(rid for rid in klass.requirements
                                  if standard.requirements[rid].level is Level.MUST)
                       for cid, klass in standard.classes.items()}

    def outcomes(self, findings: Iterable[Finding]) -> dict[str, Outcome]:
        """Outcome of every requirement: the worst of its findings; inapplicable to other types."""
        worst: dict[str, Outcome] = {}
        rank = OUTCOME_RANK
        for finding in findings:
            rid = finding.requirement_id
            if rid is None:
                continue
            current = worst.get(rid)
            if current is None or rank[finding.outcome] < rank[current]:
                worst[rid] = finding.outcome
        outcomes = dict(self._template)
        for rid, outcome in worst.items():
            # Only requirements that apply take their findings' outcome; others stay inapplicable.
            if outcomes.get(rid) is Outcome.UNTESTED:
                outcomes[rid] = outcome
        return outcomes

    def verdicts(self, outcomes: Mapping[str, Outcome]) -> dict[str, Verdict]:
        """Conformant when no MUST requirement of the class failed or stayed undecided.

        Passed and inapplicable MUST requirements are fine; a failed SHOULD is a warning only. A
        definite failure outranks an undecided one: the payload is then known not to conform.
        """
        # Most payloads pass everything: find what did not pass once, not once per class.
        open_ = {rid for rid, o in outcomes.items() if o is not _PASSED and o is not _INAPPLICABLE}
        verdicts: dict[str, Verdict] = {}
        for class_id, musts in self._musts.items():
            verdict = _CONFORMANT
            if open_:
                for rid in musts:
                    outcome = outcomes.get(rid, _UNTESTED)
                    if outcome is _FAILED:
                        verdict = _NOT_CONFORMANT
                        break
                    if outcome is _CANT_TELL or outcome is _UNTESTED:
                        verdict = _ERROR
            verdicts[class_id] = verdict
        return verdicts


def _on_logs_only(requirement: Requirement) -> bool:
    return bool(requirement.checks) and all(c.kind is CheckKind.CONVERSATION for c in requirement.checks)


# Enum members as module constants: hot loops then skip the class attribute look-up.
_PASSED, _FAILED, _CANT_TELL = Outcome.PASSED, Outcome.FAILED, Outcome.CANT_TELL
_UNTESTED, _INAPPLICABLE = Outcome.UNTESTED, Outcome.INAPPLICABLE
_CONFORMANT, _NOT_CONFORMANT, _ERROR = Verdict.CONFORMANT, Verdict.NOT_CONFORMANT, Verdict.ERROR


def requirement_outcomes(
    standard: Standard, message_type: str, findings: Iterable[Finding]
) -> dict[str, Outcome]:
    """Outcome of every requirement: the worst of its findings; inapplicable to other types."""
    return VerdictPlan(standard, message_type).outcomes(findings)


def class_verdicts(standard: Standard, outcomes: Mapping[str, Outcome]) -> dict[str, Verdict]:
    """Verdict per class (see VerdictPlan.verdicts); the class is what matters, not the type."""
    plan = VerdictPlan(standard, "")
    return plan.verdicts(outcomes)
