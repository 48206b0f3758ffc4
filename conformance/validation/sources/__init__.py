"""Finding sources: everything that turns a document into findings, behind one protocol.

A source is compiled once per message type from its `MessageTypeBinding` (which requirements the
message type has, and how each is checked) and the run's `EvaluationContext`, then asked
`iter_findings(doc, excerpts)` for every payload. The validator is their composition (schema,
rules, built-in checks, in that order), so a signature or conversation source is a new class here,
not a new branch in the validator.
"""

from __future__ import annotations

from conformance.validation.sources.binding import MessageTypeBinding
from conformance.validation.sources.builtin import BuiltinCheckSource, CheckBinding
from conformance.validation.sources.jsonrules import JsonRuleSource
from conformance.validation.sources.protocol import FindingSource, SourceFactory
from conformance.validation.sources.schema import SchemaSource
from conformance.validation.sources.schematron import SchematronSource

__all__ = [
    "BuiltinCheckSource",
    "CheckBinding",
    "FindingSource",
    "JsonRuleSource",
    "MessageTypeBinding",
    "SchemaSource",
    "SchematronSource",
    "SourceFactory",
]
