"""Schema validity, XSD or JSON Schema, for the requirements a message type tests by `schema`."""

from __future__ import annotations

from collections.abc import Iterator

from conformance.core.evaluation import EvaluationContext
from conformance.core.findings import Finding, Outcome, Severity
from conformance.core.text import Text
from conformance.standard.model import Requirement, Syntax
from conformance.validation.documents.excerpt import Excerpts
from conformance.validation.documents.jsondoc import JsonDocument
from conformance.validation.documents.xmldoc import XmlDocument
from conformance.validation.schemas import JsonSchemaValidator, SchemaViolation, XsdValidator
from conformance.validation.sources.binding import MessageTypeBinding


class SchemaSource:
    """One finding per schema requirement on a valid payload; one per violation otherwise."""

    fork_safe = True

    def __init__(self, requirements: tuple[Requirement, ...],
                 schema: XsdValidator | JsonSchemaValidator | None) -> None:
        self.requirements = requirements
        self.schema = schema

    @classmethod
    def build(cls, binding: MessageTypeBinding, evaluation: EvaluationContext) -> SchemaSource:
        """Compile the message type's schema, if it has one (even when no requirement tests it:
        a broken schema is a broken bundle)."""
        mt = binding.message_type
        schema: XsdValidator | JsonSchemaValidator | None = None
        if mt.schema is not None:
            if mt.syntax is Syntax.XML:
                schema = XsdValidator(mt.schema, root=binding.standard.root, evaluation=evaluation)
            else:
                schema = JsonSchemaValidator(mt.schema)
        return cls(binding.schema_requirements, schema)

    def iter_findings(self, doc: XmlDocument | JsonDocument, excerpts: Excerpts) -> Iterator[Finding]:
        """Passed for each schema requirement, or failed at each violation."""
        if not self.requirements:
            return
        violations: list[SchemaViolation]
        if isinstance(doc, XmlDocument):
            source = "xsd"
            assert isinstance(self.schema, XsdValidator)
            violations = list(self.schema.iter_violations(doc.tree))
        else:
            source = "json-schema"
            assert isinstance(self.schema, JsonSchemaValidator)
            violations = list(self.schema.iter_violations(doc.value))
        for req in self.requirements:
            if not violations:
                yield Finding(req.id, Outcome.PASSED, Severity.INFO,
                              Text(zh="报文符合模式", en="payload is valid against the schema"), source)
                continue
            for v in violations:
                location = excerpts.locate(line=v.line, column=v.column, xpath=v.xpath, pointer=v.pointer)
                yield Finding(
                    req.id, Outcome.FAILED, req.level.severity,
                    Text(zh=f"不符合模式：{v.message_zh or v.message}", en=f"schema violation: {v.message}"),
                    source, location=location, hint=req.hint, excerpt=excerpts.excerpt(location),
                )
