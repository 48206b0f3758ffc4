"""JSON rules of a JSON message type: each rule a requirement names, failed at each pointer or quiet."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from conformance.core.errors import RuleError
from conformance.core.evaluation import EvaluationContext
from conformance.core.findings import Finding, Outcome
from conformance.standard.model import Requirement
from conformance.validation.documents.excerpt import Excerpts
from conformance.validation.documents.jsondoc import JsonDocument
from conformance.validation.documents.xmldoc import XmlDocument
from conformance.validation.jsonrules import JsonRuleSet, load_rules
from conformance.validation.sources.binding import MessageTypeBinding
from conformance.validation.sources.findings import broken_rules, quiet


class JsonRuleSource:
    """The message type's JSON rule files, loaded and compiled once."""

    fork_safe = True

    def __init__(self, rule_sets: tuple[JsonRuleSet, ...],
                 rule_requirements: Mapping[str, tuple[Requirement, ...]]) -> None:
        self.rule_sets = rule_sets
        self._rule_reqs = rule_requirements

    @classmethod
    def build(cls, binding: MessageTypeBinding, evaluation: EvaluationContext) -> JsonRuleSource:
        """Load every rule file of the message type."""
        return cls(tuple(load_rules(path) for path in binding.message_type.rules),
                   binding.rule_requirements)

    @property
    def rule_ids(self) -> frozenset[str]:
        """Every rule id the files define."""
        return frozenset(rule.id for rule_set in self.rule_sets for rule in rule_set.rules)

    def iter_findings(self, doc: XmlDocument | JsonDocument, excerpts: Excerpts) -> Iterator[Finding]:
        """Failed at each pointer a rule fails at; passed or inapplicable for each quiet rule."""
        if not isinstance(doc, JsonDocument):
            return
        for rule_set in self.rule_sets:
            # One rule that breaks makes only its own requirements undecided.
            for result in rule_set.evaluate(doc.value, self._rule_reqs):
                if isinstance(result, RuleError):
                    yield from broken_rules(self._rule_reqs, [result.rule or ""], f"json-rule:{result.rule}",
                                            result)
                    continue
                reqs = self._rule_reqs[result.rule_id]
                rule = rule_set.by_id[result.rule_id]
                for pointer in result.failed:
                    location = excerpts.locate(pointer=pointer)
                    for req in reqs:
                        yield Finding(
                            req.id, Outcome.FAILED, req.level.severity, rule.message,
                            f"json-rule:{rule.id}", location=location, hint=req.hint,
                            excerpt=excerpts.excerpt(location),
                        )
                if not result.failed:
                    for req in reqs:
                        yield quiet(req, rule.id, "json-rule", result.nodes > 0)
