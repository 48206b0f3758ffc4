"""One message type of one standard, compiled: its finding sources, turning documents into findings."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from conformance.core.evaluation import EvaluationContext
from conformance.core.findings import Finding
from conformance.standard.model import MessageType, Standard, Syntax
from conformance.validation.documents.excerpt import Excerpts
from conformance.validation.documents.jsondoc import JsonDocument
from conformance.validation.documents.xmldoc import XmlDocument
from conformance.validation.sources import (
    BuiltinCheckSource,
    FindingSource,
    JsonRuleSource,
    MessageTypeBinding,
    SchemaSource,
    SchematronSource,
    SourceFactory,
)


class MessageTypeValidator:
    """Compiled once per process; `validate` is then called for every payload of the type.

    The composition of the message type's finding sources: its schema, its rules (Schematron or
    JSON rules) and its built-in checks, then any `extra_sources` in the order given.
    """

    def __init__(self, standard: Standard, message_type: MessageType, *,
                 evaluation: EvaluationContext | None = None,
                 extra_sources: Iterable[SourceFactory] = ()) -> None:
        self.standard = standard
        self.message_type = message_type
        # The run's time and seed, for rules that ask for the clock or random numbers.
        self.evaluation = evaluation or EvaluationContext()
        self.binding = MessageTypeBinding.of(standard, message_type)
        # Compiled in this order, not in the order findings come, so that a bundle with several
        # faults reports the same one first as before: checks and targets, schema, rules.
        checks = BuiltinCheckSource.build(self.binding, self.evaluation)
        schema = SchemaSource.build(self.binding, self.evaluation)
        rules: SchematronSource | JsonRuleSource = (
            SchematronSource if message_type.syntax is Syntax.XML else JsonRuleSource
        ).build(self.binding, self.evaluation)
        self.binding.check_rule_ids(rules.rule_ids)
        self.sources: tuple[FindingSource, ...] = (
            schema, rules, checks, *(build(self.binding, self.evaluation) for build in extra_sources))

    def validate(self, doc: XmlDocument | JsonDocument) -> Iterator[Finding]:
        """Yield the findings of every check of this message type on `doc`."""
        excerpts = Excerpts(doc)
        for source in self.sources:
            yield from source.iter_findings(doc, excerpts)

    @property
    def fork_safe(self) -> bool:
        """Whether a forked process may use this validator as it is: libxml2/libxslt and Python
        state are copied by fork; SaxonC's runtime threads are not."""
        return all(source.fork_safe for source in self.sources)
