"""Reading the fields a conversation exposes from a judged message: XPath 1.0 or JSON pointer.

Each binding of a conversation is compiled once per checker. A field's value is the string value
of the first node it selects (XPath `string()` semantics, a JSON member as text); a field that
selects nothing, or a JSON `null`, is None.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from conformance.core.errors import SpecError
from conformance.standard.conversation import Conversation
from conformance.standard.model import MessageType, Standard, Syntax
from conformance.validation.documents.jsondoc import JsonDocument
from conformance.validation.documents.xmldoc import XmlDocument
from conformance.validation.selector import parse_selector

# A value longer than this is cut: exposed fields are ids and codes, and messages quote them.
FIELD_MAX_CHARS = 4096

Fields = Mapping[str, str | None]
_Reader = Callable[[Any], str | None]


def binding_key(standard: Standard, message_standard: Standard, message_type: MessageType) -> str:
    """How a conversation of `standard` names a message type: its id, or `ref:id` for another bundle's."""
    if message_standard.ref == standard.ref:
        return message_type.id
    return f"{message_standard.ref}:{message_type.id}"


@dataclass(frozen=True, slots=True)
class BindingReader:
    """The compiled field selectors of one binding (one message type)."""

    message_type: str
    readers: Mapping[str, _Reader]

    def read(self, document: XmlDocument | JsonDocument) -> dict[str, str | None]:
        """Every exposed field of `document`."""
        data: Any = document.root if isinstance(document, XmlDocument) else document.value
        return {name: reader(data) for name, reader in self.readers.items()}


def compile_bindings(standard: Standard, conversation: Conversation,
                     standards: Sequence[Standard]) -> dict[str, BindingReader]:
    """A reader per bound message type; SpecError naming the conversation file for a bad selector."""
    loaded = {s.ref: s for s in standards}
    loaded[standard.ref] = standard
    compiled: dict[str, BindingReader] = {}
    where = str(conversation.path)
    for key, binding in conversation.bindings.items():
        message_type = _message_type(standard, loaded, binding.message_type, where)
        readers: dict[str, _Reader] = {}
        for name, path in binding.fields.items():
            field = f"bindings ({binding.message_type}).fields.{name}"
            if message_type.syntax is Syntax.XML:
                readers[name] = _xml_reader(path, message_type.namespaces, field, where)
            else:
                readers[name] = _json_reader(path, field, where)
        compiled[key] = BindingReader(binding.message_type, readers)
    return compiled


def _message_type(standard: Standard, loaded: Mapping[str, Standard], name: str,
                  where: str) -> MessageType:
    ref, _, type_id = name.rpartition(":")
    owner = loaded.get(ref) if ref else standard
    if owner is None:
        raise SpecError(f"bindings: message type {name!r} belongs to {ref}, which is not loaded; "
                        f"loaded: {', '.join(sorted(loaded))}", location=where)
    found = owner.message_types.get(type_id)
    if found is None:
        raise SpecError(f"bindings: unknown message type {name!r}", location=where)
    return found


def _xml_reader(path: str, namespaces: Mapping[str, str], field: str, where: str) -> _Reader:
    try:
        xpath = etree.XPath(path, namespaces=dict(namespaces))
    except etree.XPathSyntaxError as exc:
        raise SpecError(f"{field}: {path!r} is not an XPath 1.0 expression: {exc}",
                        location=where) from exc

    def read(root: Any) -> str | None:
        try:
            found = xpath(root)
        except etree.XPathEvalError:
            return None  # an unbound prefix or function: the field is not there to read
        if isinstance(found, list):
            if not found:
                return None
            node = found[0]
            value = "".join(node.itertext()) if isinstance(node, etree._Element) else str(node)
        elif isinstance(found, bool):
            value = "true" if found else "false"
        elif isinstance(found, float):
            value = str(int(found)) if found.is_integer() else repr(found)
        else:
            value = str(found)
        return value[:FIELD_MAX_CHARS]

    return read


def _json_reader(path: str, field: str, where: str) -> _Reader:
    selector = parse_selector(path, what=field, where=where)
    if any(step.wildcard for step in selector.steps):
        raise SpecError(f"{field}: {path!r} has a `*` step; an exposed field is one value",
                        location=where)

    def read(value: Any) -> str | None:
        found = selector.values(value)
        if not found or found[0] is None:
            return None
        first = found[0]
        if isinstance(first, str):
            text = first
        elif isinstance(first, bool):
            text = "true" if first else "false"
        elif isinstance(first, int | float):
            text = str(first)
        else:
            text = json.dumps(first, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return text[:FIELD_MAX_CHARS]

    return read
