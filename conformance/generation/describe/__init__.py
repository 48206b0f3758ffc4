"""What `conform standards show` tells a payload author: per message type, how a payload is
recognised, its structure in order with cardinalities, types and attributes (from the XSD or JSON
Schema), the code lists bound to its fields, and which requirement checks which field.

`describe_standard` and `describe_message_type` make the values (`_model`); `_text` renders them
for a terminal and `as_json` as data. Everything is read from the bundle the way validation reads
it, and bounded; within one call each schema and rule file is read once (`_shared`).
"""

from __future__ import annotations

from collections.abc import Callable

from conformance.core.errors import ConformanceError, SpecError
from conformance.core.limits import XSD11_COMPILE_SECONDS
from conformance.standard.model import MessageType, Standard, Syntax

from ._budget import Budget
from ._fields import code_list_uses, field_checks, field_path
from ._jsonschema import json_root
from ._model import CodeListUse, Field, FieldCheck, FieldKind, Limits, MessageTypeDescription, Sample
from ._samples import CHECK_SAMPLES, sample_hints
from ._shared import Shared
from ._text import as_json, render
from ._xsd import global_roots, root_field

_LIMITS = Limits()

__all__ = [
    "CHECK_SAMPLES", "CodeListUse", "Field", "FieldCheck", "FieldKind", "Limits", "MessageTypeDescription",
    "Sample", "as_json", "describe_message_type", "describe_standard", "field_path", "render", "structure",
]


def structure(standard: Standard, message_type: MessageType,
              limits: Limits = _LIMITS) -> tuple[tuple[Field, ...], list[str]]:
    """The message type's document structure from its schema, and notes on what could not be shown."""
    return _structure(standard, message_type, limits, Shared(standard))


def _structure(standard: Standard, message_type: MessageType, limits: Limits,
               shared: Shared) -> tuple[tuple[Field, ...], list[str]]:
    budget = Budget(limits, sample_hints(standard, message_type.id) if limits.samples else {})
    notes: list[str] = []
    if message_type.schema is None:
        notes.append("no schema: the structure is unknown (only business rules check this message type)")
        return (), notes
    # Here, not at the top: the module holds the XSD machinery, which only `show`/`example` need.
    from conformance.validation.xsd import BudgetExhausted, within_budget

    try:
        walk = _walk(message_type, budget, notes, shared)
        try:  # the walks are bounded in fields and follows; the clock bounds what those miss
            fields = within_budget(XSD11_COMPILE_SECONDS, walk)
        except BudgetExhausted:
            raise SpecError(f"walking the schema took longer than {XSD11_COMPILE_SECONDS:g} s") from None
    except ConformanceError as exc:
        notes.append(f"structure not read from {_relative(standard, message_type)}: {exc.message}")
        return (), notes
    except RecursionError:  # groups nested deeper than Python's stack: a hostile schema, not a bug
        notes.append(f"structure not read from {_relative(standard, message_type)}: nested too deeply")
        return (), notes
    if budget.follows_cut:
        notes.append("structure cut short (the schema's $ref and allOf chains exceed what is followed)")
    elif budget.cut:
        notes.append(f"structure cut short (depth {limits.depth}, {limits.fields} fields at most)")
    return fields, notes


def _walk(message_type: MessageType, budget: Budget, notes: list[str],
          shared: Shared) -> Callable[[], tuple[Field, ...]]:
    """The walk of the message type's schema, which is read (and compiled) first, outside the walk's clock."""
    assert message_type.schema is not None
    if message_type.syntax is Syntax.JSON:
        document = shared.json_schema(message_type.schema)
        return lambda: (json_root(document, budget),)
    schema = shared.xsd(message_type.schema)
    recognition = message_type.recognition

    def walk() -> tuple[Field, ...]:
        found = root_field(schema, recognition.root or "", recognition.namespace, budget)
        if found is not None:
            return (found,)
        roots = global_roots(schema)
        shown = ", ".join(roots[:10]) + (", ..." if len(roots) > 10 else "")
        notes.append(f"the schema declares no global element {{{recognition.namespace or ''}}}"
                     f"{recognition.root}; it declares {shown or 'none'}")
        return ()

    return walk


def _relative(standard: Standard, message_type: MessageType) -> str:
    path = message_type.schema
    if path is None:
        return ""
    try:
        return path.relative_to(standard.root).as_posix()
    except ValueError:
        return str(path)


def describe_standard(standard: Standard, limits: Limits = _LIMITS) -> tuple[MessageTypeDescription, ...]:
    """Every message type of `standard`, described; schemas and rule files they share are read once."""
    shared = Shared(standard)
    return tuple(_describe(standard, mt, limits, shared) for mt in standard.message_types.values())


def describe_message_type(standard: Standard, message_type: MessageType,
                          limits: Limits = _LIMITS) -> MessageTypeDescription:
    """Everything a payload author needs about one message type of `standard`."""
    return _describe(standard, message_type, limits, Shared(standard))


def _describe(standard: Standard, message_type: MessageType, limits: Limits,
              shared: Shared) -> MessageTypeDescription:
    fields, notes = _structure(standard, message_type, limits, shared)
    checks, problems = field_checks(standard, message_type, shared.outlines)
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
