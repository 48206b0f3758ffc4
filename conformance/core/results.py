"""The result of one payload: the one value every executor yields, every record holds and every
report reads. Kept in core so that events, records and reports share it without the engine."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from conformance.core.findings import Finding, Outcome, Verdict

# Worst first, for summarising several class verdicts in one.
VERDICT_RANK = {Verdict.ERROR: 0, Verdict.NOT_CONFORMANT: 1, Verdict.CONFORMANT: 2}


@dataclass(frozen=True, slots=True)
class PayloadResult:
    """The result of one payload: findings, outcome per requirement, verdict per class."""

    name: str
    sha256: str | None
    size: int | None
    standard: str | None
    message_type: str | None
    findings: tuple[Finding, ...]
    outcomes: Mapping[str, Outcome] = field(default_factory=dict)
    verdicts: Mapping[str, Verdict] = field(default_factory=dict)
    verdict: Verdict = Verdict.ERROR
    target_class: str | None = None

    @property
    def processing_error(self) -> bool:
        return any(f.processing_error for f in self.findings)

    @property
    def conformant(self) -> bool:
        return self.verdict is Verdict.CONFORMANT

    def failures(self) -> tuple[Finding, ...]:
        """Findings that need the reader's attention (failed, cantTell, processing errors)."""
        return tuple(f for f in self.findings
                     if f.outcome in (Outcome.FAILED, Outcome.CANT_TELL) or f.processing_error)


def overall_verdict(verdicts: Mapping[str, Verdict], target_class: str | None) -> Verdict:
    """The verdict against the target class, or the worst over all classes when there is none."""
    if target_class is not None:
        return verdicts[target_class]
    if not verdicts:
        return Verdict.ERROR
    return min(verdicts.values(), key=VERDICT_RANK.__getitem__)
