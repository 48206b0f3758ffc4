"""Findings: the frozen values validators yield, and the verdicts derived from them.

Outcomes use the W3C EARL vocabulary so that reports can carry them unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from conformance.core.text import Text


class Outcome(StrEnum):
    """EARL outcome of one requirement on one payload."""

    PASSED = "passed"
    FAILED = "failed"
    CANT_TELL = "cantTell"
    INAPPLICABLE = "inapplicable"
    UNTESTED = "untested"


# Worst first: when several findings speak to one requirement, the worst one decides.
OUTCOME_RANK: dict[Outcome, int] = {
    Outcome.FAILED: 0,
    Outcome.CANT_TELL: 1,
    Outcome.UNTESTED: 2,
    Outcome.PASSED: 3,
    Outcome.INAPPLICABLE: 4,
}


class Severity(StrEnum):
    """How much a failure matters: from the requirement's RFC 2119 level or a rule's flag."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Level(StrEnum):
    """RFC 2119 requirement level."""

    MUST = "MUST"
    SHOULD = "SHOULD"
    MAY = "MAY"

    @property
    def severity(self) -> Severity:
        return {Level.MUST: Severity.ERROR, Level.SHOULD: Severity.WARNING}.get(self, Severity.INFO)


class Verdict(StrEnum):
    """Verdict of a payload (or a run) against a conformance class."""

    CONFORMANT = "conformant"
    NOT_CONFORMANT = "not-conformant"
    # A processing error means nothing can be concluded: never conformant.
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Location:
    """Where in a payload: line/column (1-based) plus an XPath (XML) or a JSON pointer (JSON).

    In an exchange log, `event` is the sequence number of the event, and line, XPath or pointer
    are inside that event's body.
    """

    line: int | None = None
    column: int | None = None
    xpath: str | None = None
    pointer: str | None = None
    event: int | None = None

    def describe(self) -> str:
        parts = [f"event {self.event}"] if self.event is not None else []
        if self.line is not None:
            parts.append(f"line {self.line}" + (f", column {self.column}" if self.column else ""))
        if self.xpath:
            parts.append(self.xpath)
        if self.pointer is not None:
            parts.append(f"pointer {self.pointer or '/'}")
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class Finding:
    """One statement about one requirement on one payload.

    `requirement_id` is None only for processing errors that concern no single requirement (an
    unparsable payload). `source` names what produced it: "xsd", "json-schema",
    "schematron:<assert id>", "json-rule:<rule id>", "check:<name>", "parser", "engine".
    """

    requirement_id: str | None
    outcome: Outcome
    severity: Severity
    message: Text
    source: str
    location: Location | None = None
    processing_error: bool = False
    hint: Text | None = None
    excerpt: str | None = None
