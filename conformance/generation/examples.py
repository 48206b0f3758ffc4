"""Example payloads of a message type: the one its bundle declares, or a skeleton from its schema.

A declared example (`examples:` in standard.yaml) is the bundle author's word that it conforms; it
is returned byte for byte. A skeleton is ours: the required elements (in order, in their
namespaces) or members, required attributes, fixed values, the first code of a bound code list or
the first enumeration value, and values our built-in checks accept; it may still fail business
rules, and says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from lxml import etree

from conformance.core.errors import ConformanceError, SpecError
from conformance.core.files import read_bounded
from conformance.core.limits import PAYLOAD_MAX_BYTES
from conformance.generation.describe import Field, FieldKind, Limits, structure
from conformance.standard.model import MessageType, Standard, Syntax
from conformance.validation.documents.jsondoc import parse_json
from conformance.validation.documents.payload import Payload
from conformance.validation.documents.xmldoc import parse_xml
from conformance.validation.recognition import Recognizer
from conformance.validation.selector import unescape_token

__all__ = ["Example", "example_payload", "skeleton"]

_MAX_REPEAT = 10  # copies of a field a skeleton writes for a minOccurs above 1


@dataclass(frozen=True, slots=True)
class Example:
    """A payload of `message_type`; `declared` is its bundle path, None for a skeleton."""

    message_type: str
    syntax: Syntax
    data: bytes
    declared: str | None
    notes: tuple[str, ...] = ()

    @property
    def suffix(self) -> str:
        return "." + self.syntax.value


def example_payload(standard: Standard, message_type: MessageType) -> Example:
    """The first example the bundle declares for `message_type`, else a skeleton."""
    if message_type.examples:
        path = message_type.examples[0]
        data = read_bounded(path, max_bytes=PAYLOAD_MAX_BYTES, error=SpecError, what="example payload",
                            what_zh="示例报文")
        return Example(message_type.id, message_type.syntax, data,
                       path.relative_to(standard.root).as_posix())
    return skeleton(standard, message_type)


def skeleton(standard: Standard, message_type: MessageType) -> Example:
    """A minimal payload generated from the message type's schema (see the module docstring)."""
    fields, notes = structure(standard, message_type, Limits(depth=32, required_only=True))
    notes = [*notes, "a skeleton generated from the schema, not an example of the bundle: it holds only "
             "what the schema requires, with placeholder values, and may not pass the business rules"]
    if message_type.syntax is Syntax.XML:
        data = _xml(message_type, fields[0] if fields else None, notes)
    else:
        data = _json(message_type, fields[0] if fields else None)
    unrecognised = _unrecognised(standard, message_type, data)
    if unrecognised is not None:
        notes.append(unrecognised)
    return Example(message_type.id, message_type.syntax, data, None, tuple(notes))


def _unrecognised(standard: Standard, message_type: MessageType, data: bytes) -> str | None:
    """Why `conform validate` would not take the skeleton for its message type, or None: it is read
    and recognised as validation does (a root element, a discriminator field, an XPath test)."""
    payload = Payload(name=f"the skeleton of {message_type.id}", data=data)
    try:
        document = parse_xml(payload) if message_type.syntax is Syntax.XML else parse_json(payload)
    except ConformanceError as exc:
        return f"the skeleton cannot be read back: {exc.message}"
    alone = replace(standard, message_types={message_type.id: message_type})
    rec = message_type.recognition
    try:  # a recognise.xpath that does not compile (a SpecError) holds on no skeleton either
        Recognizer([alone]).recognise(document)
    except ConformanceError as exc:
        if rec.xpath:
            return (f"the message type is recognised only where {rec.xpath}, which the skeleton "
                    "does not satisfy: edit it")
        return f"the skeleton is not recognised as {message_type.id}: {exc.message}"
    try:  # recognised as ours; validation also asks whether another message type claims it
        Recognizer([standard]).recognise(document)
    except ConformanceError as exc:
        return f"{exc.message}: edit the skeleton"
    return None


# -- XML -------------------------------------------------------------------------------------------

def _clark(namespace: str | None, local: str) -> str:
    return f"{{{namespace}}}{local}" if namespace else local


def _xml(message_type: MessageType, root: Field | None, notes: list[str]) -> bytes:
    rec = message_type.recognition
    namespace = rec.namespace or None
    nsmap: dict[str | None, str] = {p: ns for p, ns in sorted(message_type.namespaces.items())
                                    if ns and ns != namespace}
    if namespace:
        nsmap[None] = namespace
    try:
        element = etree.Element(_clark(namespace, rec.root or "document"), nsmap=nsmap)
        if root is not None:
            _fill(element, root, notes)
        etree.cleanup_namespaces(element)  # the prefixes of the rule set that the skeleton does not use
        return etree.tostring(element, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    except ValueError as exc:  # a name or value from the bundle that XML cannot hold
        raise SpecError(f"the schema of {message_type.id} gives a skeleton XML cannot hold: {exc}") from None


def _fill(element: etree._Element, f: Field, notes: list[str]) -> None:
    has_elements = False
    for child in f.children:
        if child.kind is FieldKind.ATTRIBUTE:
            if child.required:
                element.set(_clark(child.namespace, child.name.removeprefix("@")), _text(child))
            continue
        has_elements = _content(element, child, notes) or has_elements
    if f.has_sample and not has_elements:
        element.text = _text(f)
    elif f.depth_cut:
        notes.append(f"{f.name}: content not generated (too deep)")


def _content(parent: etree._Element, f: Field, notes: list[str]) -> bool:
    """Append the required occurrences of a particle; True if any element was written."""
    copies = min(f.min_occurs, _MAX_REPEAT)
    written = False
    for _ in range(copies):
        if f.kind is FieldKind.ELEMENT:
            child = etree.SubElement(parent, _clark(f.namespace, f.name))
            _fill(child, f, notes)
            written = True
        elif f.kind is FieldKind.CHOICE and f.children:
            first = f.children[0]
            written = _content(parent, _once(first), notes) or written
        elif f.kind is FieldKind.SEQUENCE:
            for member in f.children:
                written = _content(parent, member, notes) or written
        elif f.kind is FieldKind.ANY:
            notes.append(f"an element of another namespace is required in {parent.tag}: add one")
    return written


def _once(f: Field) -> Field:
    """A choice's alternative, taken at least once."""
    return f if f.min_occurs > 0 else replace(f, min_occurs=1)


def _text(f: Field) -> str:
    sample = f.sample
    if isinstance(sample, bool):
        return "true" if sample else "false"
    return "" if sample is None else str(sample)


# -- JSON ------------------------------------------------------------------------------------------

def _json(message_type: MessageType, root: Field | None) -> bytes:
    value: Any = _value(root) if root is not None else {}
    rec = message_type.recognition
    if rec.pointer and rec.value is not None:
        value = _set(value if isinstance(value, dict) else {}, rec.pointer, rec.value)
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _value(f: Field) -> Any:
    members = [c for c in f.children if c.kind is FieldKind.PROPERTY]
    items = [c for c in f.children if c.kind is FieldKind.ITEM]
    choices = [c for c in f.children if c.kind is FieldKind.CHOICE and c.children]
    if members or "object" in f.type:
        result: dict[str, Any] = {m.name: _value(m) for m in members if m.required}
        for choice in choices:
            option = _value(choice.children[0])
            if isinstance(option, dict):
                result.update(option)
        return result
    if items or "array" in f.type:
        if not items:
            return []
        return [_value(items[0]) for _ in range(min(items[0].min_occurs, _MAX_REPEAT))]
    if choices:
        return _value(choices[0].children[0])
    return f.sample


def _set(document: dict[str, Any], pointer: str, value: str) -> dict[str, Any]:
    """`document` with the member at `pointer` (object steps only) set to `value`."""
    tokens = [unescape_token(t) for t in pointer.split("/")[1:]]
    node = document
    for token in tokens[:-1]:
        child = node.get(token)
        if not isinstance(child, dict):
            child = node[token] = {}
        node = child
    if tokens:
        node[tokens[-1]] = value
    return document
