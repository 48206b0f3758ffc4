"""Filling in a template: the exposed fields of a conversation message set in a bundle's example.

A conversation names each field a message type exposes by an XPath 1.0 expression (XML, prefixes
from the message type's `namespaces`) or an RFC 6901 JSON pointer. Filling sets an element's text
or an attribute's value (XML) or a member's value (JSON) that the template already has: the
partner fills in a conformant example, it never invents structure. (Reading fields is the
checker's own `conversations.fields`, so that both sides read a message the same way.)
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from lxml import etree

from conformance.core.errors import ConformanceError, SpecError
from conformance.standard.model import MessageType, Syntax
from conformance.validation.documents.jsondoc import parse_json
from conformance.validation.documents.payload import Payload
from conformance.validation.documents.xmldoc import parse_xml
from conformance.validation.selector import Selector, parse_selector


class FillError(ConformanceError):
    """A value that the message's syntax cannot carry (a control character in XML)."""


def fill(template: bytes, message_type: MessageType, paths: Mapping[str, str],
         values: Mapping[str, str], *, where: str) -> bytes:
    """`template` with each field of `values` set at its path; a field the template lacks is a
    SpecError naming the example (`where`): the bundle's example must carry what the partner sets."""
    if message_type.syntax is Syntax.XML:
        return _fill_xml(template, message_type, paths, values, where)
    return _fill_json(template, paths, values, where)


def _fill_xml(template: bytes, message_type: MessageType, paths: Mapping[str, str],
              values: Mapping[str, str], where: str) -> bytes:
    doc = parse_xml(Payload(where, template))
    namespaces = dict(message_type.namespaces)
    for name, value in values.items():
        path = paths[name]
        try:
            found = doc.tree.xpath(path, namespaces=namespaces)
        except etree.XPathError as exc:
            raise SpecError(f"field {name}: XPath {path!r} does not evaluate: {exc}", location=where) from exc
        node = found[0] if isinstance(found, list) and found else None
        try:
            if isinstance(node, etree._Element):
                for child in list(node):
                    node.remove(child)
                node.text = value
                continue
            if node is not None and getattr(node, "is_attribute", False):
                parent = node.getparent()
                if parent is None:
                    raise SpecError(f"field {name}: {path} selects an attribute of no element",
                                    location=where)
                parent.set(node.attrname, value)
                continue
        except ValueError as exc:  # a control character: XML 1.0 cannot carry it
            raise FillError(f"field {name}: {value[:40]!r} cannot be written in XML: {exc}",
                            location=where) from None
        raise SpecError(f"field {name}: the example has no element or attribute at {path}; the "
                        "partner fills this field in, so the example must carry it", location=where)
    return etree.tostring(doc.tree, xml_declaration=True, encoding="UTF-8")


def _fill_json(template: bytes, paths: Mapping[str, str], values: Mapping[str, str], where: str) -> bytes:
    root = parse_json(Payload(where, template)).value
    for name, value in values.items():
        pointer = paths[name]
        # The checker's own selector (conversations.fields reads through it): both sides agree on
        # what a pointer names, array indexes and `~` escapes included.
        selector = parse_selector(pointer, what=f"field {name}", where=where)
        if not selector.steps or any(step.wildcard for step in selector.steps):
            raise SpecError(f"field {name}: {pointer!r} names no single member to fill in", location=where)
        parents = Selector("", selector.steps[:-1]).values(root)
        last = selector.steps[-1]
        parent = parents[0] if parents else None
        if isinstance(parent, dict) and last.name in parent:
            parent[last.name] = value
        elif isinstance(parent, list) and 0 <= last.index < len(parent):
            parent[last.index] = value
        else:
            raise SpecError(f"field {name}: the example has no member at {pointer}; the partner fills "
                            "this field in, so the example must carry it", location=where)
    return (json.dumps(root, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
