"""What `conform standards show` tells a payload author: per message type, how a payload is
recognised, its structure in order with cardinalities, types and attributes (from the XSD or JSON
Schema), the code lists bound to its fields, and which requirement checks which field.

`describe_message_type` makes the values (`_model`); `_text` renders them for a terminal and
`as_json` as data. Everything is read from the bundle the way validation reads it, and bounded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from conformance.core.errors import ConformanceError, SpecError
from conformance.core.files import read_bounded
from conformance.core.limits import JSON_SCHEMA_MAX_BYTES, XSD11_COMPILE_SECONDS
from conformance.standard.model import MessageType, Standard, Syntax

from ._fields import code_list_uses, field_checks, field_path
from ._jsonschema import json_root
from ._model import CodeListUse, Field, FieldCheck, FieldKind, MessageTypeDescription, Sample
from ._samples import CHECK_SAMPLES, sample_hints
from ._text import as_json, render
from ._xsd import Budget, global_roots, root_field

__all__ = [
    "CHECK_SAMPLES", "CodeListUse", "Field", "FieldCheck", "FieldKind", "Limits", "MessageTypeDescription",
    "Sample", "as_json", "describe_message_type", "field_path", "render", "structure",
]


@dataclass(frozen=True, slots=True)
class Limits:
    """How deep a structure is walked and how many fields it may hold (a bundle is third-party data)."""

    depth: int = 12
    fields: int = 2000
    required_only: bool = False  # what a skeleton needs: required fields, first alternatives


def structure(standard: Standard, message_type: MessageType, limits: Limits = Limits(),
              hints: dict[str, str] | None = None) -> tuple[tuple[Field, ...], list[str]]:
    """The message type's document structure from its schema, and notes on what could not be shown."""
    budget = Budget(depth=limits.depth, fields=limits.fields, required_only=limits.required_only,
                    hints=hints if hints is not None else sample_hints(standard, message_type.id))
    notes: list[str] = []
    if message_type.schema is None:
        notes.append("no schema: the structure is unknown (only business rules check this message type)")
        return (), notes
    try:
        if message_type.syntax is Syntax.XML:
            fields = _xml(standard, message_type, budget, notes)
        else:
            fields = (json_root(_json_schema(message_type), budget),)
    except ConformanceError as exc:
        notes.append(f"structure not read from {_relative(standard, message_type)}: {exc.message}")
        return (), notes
    except RecursionError:  # groups nested deeper than Python's stack: a hostile schema, not a bug
        notes.append(f"structure not read from {_relative(standard, message_type)}: nested too deeply")
        return (), notes
    if budget.cut:
        notes.append(f"structure cut short (depth {limits.depth}, {limits.fields} fields at most)")
    return fields, notes


def _xml(standard: Standard, message_type: MessageType, budget: Budget,
         notes: list[str]) -> tuple[Field, ...]:
    # Here, not at the top: xmlschema costs half a second to import and only `show`/`example` need it.
    from conformance.core.evaluation import EvaluationContext
    from conformance.validation.xsd import (
        BudgetExhausted,
        compile_xsd11,
        read_schema_documents,
        within_budget,
    )

    assert message_type.schema is not None
    documents = read_schema_documents(message_type.schema, root=standard.root)
    schema = compile_xsd11(documents, evaluation=EvaluationContext(), seconds=XSD11_COMPILE_SECONDS)
    recognition = message_type.recognition
    try:
        found = within_budget(XSD11_COMPILE_SECONDS, lambda: root_field(
            schema, recognition.root or "", recognition.namespace, budget))
    except BudgetExhausted:
        raise SpecError(f"walking the schema took longer than {XSD11_COMPILE_SECONDS:g} s") from None
    if found is None:
        roots = global_roots(schema)
        shown = ", ".join(roots[:10]) + (", ..." if len(roots) > 10 else "")
        notes.append(f"the schema declares no global element {{{recognition.namespace or ''}}}"
                     f"{recognition.root}; it declares {shown or 'none'}")
        return ()
    return (found,)


def _json_schema(message_type: MessageType) -> Any:
    assert message_type.schema is not None
    data = read_bounded(message_type.schema, max_bytes=JSON_SCHEMA_MAX_BYTES, error=SpecError,
                        what="JSON Schema", what_zh="JSON 模式")
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise SpecError(f"not JSON: {exc}", location=str(message_type.schema)) from None


def _relative(standard: Standard, message_type: MessageType) -> str:
    path = message_type.schema
    if path is None:
        return ""
    try:
        return path.relative_to(standard.root).as_posix()
    except ValueError:
        return str(path)


def describe_message_type(standard: Standard, message_type: MessageType,
                          limits: Limits = Limits()) -> MessageTypeDescription:
    """Everything a payload author needs about one message type of `standard`."""
    fields, notes = structure(standard, message_type, limits)
    checks, problems = field_checks(standard, message_type)
    rec = message_type.recognition
    return MessageTypeDescription(
        id=message_type.id, syntax=message_type.syntax.value, title_en=message_type.title.en,
        title_zh=message_type.title.zh, root=rec.root, namespace=rec.namespace, xpath=rec.xpath,
        pointer=rec.pointer, value=rec.value,
        schema=_relative(standard, message_type) or None,
        rules=tuple(p.relative_to(standard.root).as_posix() for p in message_type.rules),
        examples=tuple(p.relative_to(standard.root).as_posix() for p in message_type.examples),
        namespaces=tuple(sorted(message_type.namespaces.items())),
        structure=fields, checks=checks, code_lists=code_list_uses(standard, message_type),
        notes=(*notes, *problems),
    )
