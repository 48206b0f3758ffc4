"""Schematron rules of an XML message type: each assertion a requirement names, failed or quiet."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping

from conformance.core.errors import RuleError
from conformance.core.evaluation import EvaluationContext
from conformance.core.findings import Finding, Outcome
from conformance.core.text import Text
from conformance.standard.model import Requirement
from conformance.validation.documents.excerpt import Excerpts
from conformance.validation.documents.jsondoc import JsonDocument
from conformance.validation.documents.xmldoc import XmlDocument
from conformance.validation.documents.xpaths import readable_xpath
from conformance.validation.schematron import CompiledSchematron, LineFinder, compile_schematron
from conformance.validation.sources.binding import MessageTypeBinding
from conformance.validation.sources.findings import broken_rules, quiet


class SchematronSource:
    """The message type's Schematron files, compiled once, run only when a requirement names one of
    their assertions."""

    def __init__(self, schematrons: tuple[CompiledSchematron, ...],
                 rule_requirements: Mapping[str, tuple[Requirement, ...]], *,
                 namespaces: Mapping[str, str], evaluation: EvaluationContext) -> None:
        self.schematrons = schematrons
        self._rule_reqs = rule_requirements
        self._namespaces = namespaces
        self._evaluation = evaluation
        # Per file, the assertion ids requirements name, in the order of the manifest.
        self._wanted = tuple(
            (compiled, [rid for rid in rule_requirements if rid in compiled.assertions])
            for compiled in schematrons)

    @classmethod
    def build(cls, binding: MessageTypeBinding, evaluation: EvaluationContext) -> SchematronSource:
        """Compile every rule file of the message type (to XSLT, cached by content hash)."""
        mt = binding.message_type
        compiled = tuple(compile_schematron(path, phase=mt.phase_of(path), root=binding.standard.root)
                         for path in mt.rules)
        return cls(compiled, binding.rule_requirements, namespaces=mt.namespaces, evaluation=evaluation)

    @property
    def rule_ids(self) -> frozenset[str]:
        """Every assertion id the files define."""
        return frozenset(rid for compiled in self.schematrons for rid in compiled.assertions)

    @property
    def fork_safe(self) -> bool:
        """libxslt survives fork; SaxonC (xslt2, xslt3) does not."""
        return all(c.query_binding == "xslt" for c in self.schematrons)

    def iter_findings(self, doc: XmlDocument | JsonDocument, excerpts: Excerpts) -> Iterator[Finding]:
        """Failed at each failing assertion; passed or inapplicable for each quiet one."""
        if not isinstance(doc, XmlDocument):
            return
        for compiled, wanted in self._wanted:
            if not wanted:
                continue
            try:
                report = compiled.validate(doc.tree, name=doc.payload.name, evaluation=self._evaluation)
            except RuleError as exc:
                yield from broken_rules(self._rule_reqs, wanted, f"schematron:{compiled.path.name}", exc)
                continue
            failed: dict[str, int] = defaultdict(int)
            finder: LineFinder | None = None
            for failure in report.failures:
                reqs = self._rule_reqs.get(failure.assertion_id)
                if not reqs:
                    continue
                failed[failure.assertion_id] += 1
                if finder is None:
                    finder = LineFinder(doc.tree)
                location = excerpts.locate(line=failure.line,
                                           xpath=self._readable(finder, failure.location))
                for req in reqs:
                    yield Finding(
                        req.id, Outcome.FAILED, req.level.severity, Text.same(failure.text.strip()),
                        f"schematron:{failure.assertion_id}", location=location, hint=req.hint,
                        excerpt=excerpts.excerpt(location),
                    )
            for rule_id in wanted:
                if failed.get(rule_id):
                    continue
                fired = rule_id in report.fired_assertions
                for req in self._rule_reqs[rule_id]:
                    yield quiet(req, rule_id, "schematron", fired)

    def _readable(self, finder: LineFinder, location: str) -> str:
        """SVRL's `/*[local-name()='Envelope' and namespace-uri()='urn:...'][1]` as a person writes
        it, `/env:Envelope`, with the standard's prefixes; unchanged when it cannot be resolved."""
        element = finder.element(location)
        if element is None:
            return location
        readable = readable_xpath(element, self._namespaces)
        attribute = location.rsplit("/", 1)[-1]
        if attribute.startswith("@"):
            match = re.fullmatch(r"@\*\[local-name\(\)='([^']*)'.*", attribute)
            readable += f"/@{match.group(1)}" if match else f"/{attribute}"
        return readable
