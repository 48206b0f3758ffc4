"""The values a Schematron run produces: what an assertion is, how it failed, the whole report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree


@dataclass(frozen=True, slots=True)
class AssertionInfo:
    """One `assert` or `report` of a compiled rule set, as written in the Schematron source.

    `text` is the static message with `value-of`/`name` shown as `{expression}`.
    `flag` and `role` fall back to those of the enclosing rule when the assertion has none.
    """

    id: str
    kind: str
    test: str
    flag: str | None
    role: str | None
    rule_id: str | None
    rule_context: str
    pattern_id: str | None
    text: str


@dataclass(frozen=True, slots=True)
class SchematronFailure:
    """A failed `assert` or a fired `report` on one node of a document."""

    assertion_id: str
    kind: str
    flag: str | None
    role: str | None
    location: str
    line: int | None
    text: str
    diagnostics: tuple[str, ...]
    test: str


@dataclass(frozen=True)
class SchematronReport:
    """Everything one run of a rule set says about one document; `svrl` is the raw SVRL."""

    failures: tuple[SchematronFailure, ...]
    # Keys of assertions whose rule fired at least once: "fired and no failure" means passed,
    # "never fired" means inapplicable.
    fired_assertions: frozenset[str]
    # The SVRL as libxslt left it (a tree) or as Saxon wrote it (bytes); serialised on demand,
    # since most callers only need the values above.
    svrl_source: Any = field(repr=False, compare=False)

    @property
    def svrl(self) -> bytes:
        """The SVRL document as bytes."""
        source = self.svrl_source
        return source if isinstance(source, bytes) else bytes(etree.tostring(source))

    @property
    def valid(self) -> bool:
        """True when no assertion failed and no report fired."""
        return not self.failures
