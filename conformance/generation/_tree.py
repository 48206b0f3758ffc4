"""An editable payload (XML or JSON) seen through its structure description: the places a generator
may vary (`Point`) and the edits it may make there.

A point is addressed by a locator that is resolved on the copy being edited before any edit is made,
so that several edits of one candidate do not shift each other (an element added before another
does not move where the second edit lands).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from conformance.core.errors import PayloadError, SpecError
from conformance.standard.model import MessageType, Syntax
from conformance.validation.documents.jsondoc import parse_json
from conformance.validation.documents.payload import Payload
from conformance.validation.documents.xmldoc import parse_xml
from conformance.validation.selector import escape_token

from .describe import Field, FieldKind
from .examples import _fill, _value

# Where a point lies: XML (element index path from the root, attribute Clark name or None); JSON
# (the keys and indices from the document).
XmlLocator = tuple[tuple[int, ...], str | None]
JsonLocator = tuple[str | int, ...]
Locator = XmlLocator | JsonLocator

UNDECLARED = "undeclaredByGenerator"  # the name of an element or member no schema declares


@dataclass(frozen=True, slots=True)
class Point:
    """A place of the payload the structure knows: a value present, or an optional child absent."""

    field: Field
    locator: Any  # XmlLocator | JsonLocator; for an absent child, the parent's
    present: bool
    value: str | None = None  # the text (XML) or the scalar as text (JSON) of a present leaf

    @property
    def leaf(self) -> bool:
        return not any(c.kind is not FieldKind.ATTRIBUTE for c in self.field.children) or (
            self.field.kind is FieldKind.ATTRIBUTE)

    @property
    def optional(self) -> bool:
        return self.field.min_occurs == 0

    @property
    def repeatable(self) -> bool:
        return self.field.max_occurs is None or self.field.max_occurs > 1


def members(f: Field) -> Iterator[Field]:
    """The child fields of `f` in schema order, each path once, groups flattened: a choice offers
    every alternative (a JSON Schema option, which describes the same value, offers its members)."""
    seen: set[str] = set()
    for child in _flattened(f):
        if child.path not in seen:
            seen.add(child.path)
            yield child


def _flattened(f: Field) -> Iterator[Field]:
    for child in f.children:
        # A oneOf/anyOf option describes the value itself (same path): its members are the value's.
        option = child.kind is FieldKind.PROPERTY and child.path == f.path
        if child.kind in (FieldKind.CHOICE, FieldKind.SEQUENCE) or option:
            yield from _flattened(child)
        elif child.kind is not FieldKind.ANY:
            yield child


def index(root: Field) -> dict[str, Field]:
    """Field path -> field, over the whole structure."""
    found: dict[str, Field] = {}
    stack = [root]
    while stack:
        f = stack.pop()
        found.setdefault(f.path, f)
        stack.extend(members(f))
    return found


class XmlTree:
    """An XML payload being edited."""

    syntax = Syntax.XML

    def __init__(self, root: etree._Element, fields: dict[str, Field], message_type: MessageType) -> None:
        self.root = root
        self.fields = fields
        self.message_type = message_type

    @classmethod
    def parse(cls, data: bytes, fields: dict[str, Field], message_type: MessageType) -> XmlTree:
        document = parse_xml(Payload(name="the base payload", data=data))
        root = copy.deepcopy(document.root)
        for node in root.iter():  # indentation is ours again when written (pretty_print)
            if node.text is not None and not node.text.strip() and len(node):
                node.text = None
            if node.tail is not None and not node.tail.strip():
                node.tail = None
        return cls(root, fields, message_type)

    def copy(self) -> XmlTree:
        return XmlTree(copy.deepcopy(self.root), self.fields, self.message_type)

    def serialise(self) -> bytes:
        etree.indent(self.root, space="  ")
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

    # -- where things are ---------------------------------------------------------------------------
    def points(self) -> list[Point]:
        found: list[Point] = []
        self._walk(self.root, (), "", found)
        return found

    def _walk(self, element: etree._Element, at: tuple[int, ...], parent: str, found: list[Point]) -> None:
        if not isinstance(element.tag, str):
            return
        path = f"{parent}/{element.tag}"
        f = self.fields.get(path)
        if f is None:
            return
        elements = [e for e in element if isinstance(e.tag, str)]
        found.append(Point(f, (at, None), True, None if elements else (element.text or "")))
        present = {e.tag for e in elements}
        for child in members(f):
            if child.kind is FieldKind.ATTRIBUTE:
                name = child.path.rsplit("/@", 1)[1]
                if name in element.attrib:
                    found.append(Point(child, (at, name), True, element.attrib[name]))
                else:
                    found.append(Point(child, (at, name), False))
            elif _clark(child) not in present:
                found.append(Point(child, (at, None), False))
        for i, e in enumerate(elements):
            self._walk(e, (*at, i), path, found)

    def element(self, at: tuple[int, ...]) -> etree._Element:
        node = self.root
        for i in at:
            node = [e for e in node if isinstance(e.tag, str)][i]
        return node

    def select(self, target: str) -> list[Point]:
        """The present points a check's XPath target selects."""
        try:
            nodes = self.root.getroottree().xpath(target, namespaces=dict(self.message_type.namespaces))
        except etree.XPathError:
            return []
        by_node = {}
        for p in self.points():
            if p.present:
                at, attribute = p.locator
                by_node[(id(self.element(at)), attribute)] = p
        result = []
        for node in nodes if isinstance(nodes, list) else []:
            key: tuple[int, str | None]
            if isinstance(node, etree._Element):
                key = (id(node), None)
            elif getattr(node, "is_attribute", False):
                key = (id(node.getparent()), str(node.attrname))
            else:
                continue
            if key in by_node:
                result.append(by_node[key])
        return result

    # -- edits (each on a node resolved beforehand) ---------------------------------------------------
    def resolve(self, point: Point) -> Any:
        at, _ = point.locator
        return self.element(at)

    def set(self, node: Any, point: Point, text: str) -> None:
        _, attribute = point.locator
        if attribute is not None and point.field.kind is FieldKind.ATTRIBUTE:
            node.set(attribute, text)
        else:
            for child in list(node):
                node.remove(child)
            node.text = text

    def remove(self, node: Any, point: Point) -> None:
        _, attribute = point.locator
        if attribute is not None:
            node.attrib.pop(attribute, None)
        elif node.getparent() is not None:
            node.getparent().remove(node)

    def add(self, node: Any, point: Point, text: str | None) -> None:
        """Add the absent child `point.field` to `node`, in schema order, with `text` (or a skeleton)."""
        child_field = point.field
        if child_field.kind is FieldKind.ATTRIBUTE:
            node.set(point.locator[1], text if text is not None else _sample(child_field))
            return
        child = etree.Element(_clark(child_field))
        _fill(child, child_field, [])
        if text is not None:
            self.set(child, point, text)
        parent_field = self.fields.get(_path_of(node))
        order = [_clark(m) for m in members(parent_field)] if parent_field else []
        rank = order.index(_clark(child_field)) if _clark(child_field) in order else len(order)
        for i, existing in enumerate(node):
            if isinstance(existing.tag, str) and existing.tag in order and order.index(existing.tag) > rank:
                node.insert(i, child)
                return
        node.append(child)

    def duplicate(self, node: Any, point: Point) -> None:
        if point.locator[1] is None and node.getparent() is not None:
            node.addnext(copy.deepcopy(node))

    def add_undeclared(self, node: Any, point: Point) -> None:
        namespace = point.field.namespace
        node.append(etree.Element(f"{{{namespace}}}{UNDECLARED}" if namespace else UNDECLARED))


class JsonTree:
    """A JSON payload being edited."""

    syntax = Syntax.JSON

    def __init__(self, value: Any, fields: dict[str, Field], message_type: MessageType) -> None:
        self.value = value
        self.fields = fields
        self.message_type = message_type

    @classmethod
    def parse(cls, data: bytes, fields: dict[str, Field], message_type: MessageType) -> JsonTree:
        return cls(parse_json(Payload(name="the base payload", data=data)).value, fields, message_type)

    def copy(self) -> JsonTree:
        return JsonTree(copy.deepcopy(self.value), self.fields, self.message_type)

    def serialise(self) -> bytes:
        return (json.dumps(self.value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    def points(self) -> list[Point]:
        found: list[Point] = []
        self._walk(self.value, (), "", found)
        return found

    def _walk(self, value: Any, at: JsonLocator, path: str, found: list[Point]) -> None:
        f = self.fields.get(path)
        if f is None:
            return
        found.append(Point(f, at, True, None if isinstance(value, dict | list) else _json_text(value)))
        if isinstance(value, dict):
            for child in members(f):
                if child.kind is not FieldKind.PROPERTY:
                    continue
                if child.name in value:
                    self._walk(value[child.name], (*at, child.name), child.path, found)
                else:
                    found.append(Point(child, at, False))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                self._walk(item, (*at, i), f"{path}/*", found)

    def select(self, target: str) -> list[Point]:
        steps = target.split("/")[1:] if target.startswith("/") else []
        wanted = "/" + "/".join(steps) if steps else ""
        result = []
        for p in self.points():
            if p.present and _concrete_matches(p.locator, wanted):
                result.append(p)
        return result

    def resolve(self, point: Point) -> Any:
        """The container holding the point and the key of the point in it (the root: (None, None))."""
        at = point.locator
        if not point.present:
            return _get(self.value, at), None
        if not at:
            return None, None
        return _get(self.value, at[:-1]), at[-1]

    def set(self, node: Any, point: Point, text: Any) -> None:
        container, key = node
        if container is None:
            return
        if key is None:
            container[point.field.name] = text
        else:
            container[key] = text

    def remove(self, node: Any, point: Point) -> None:
        container, key = node
        if isinstance(container, dict) and key in container:
            del container[key]
        elif isinstance(container, list) and isinstance(key, int) and key < len(container):
            container[key] = _REMOVED

    def add(self, node: Any, point: Point, text: Any) -> None:
        container, _ = node
        if isinstance(container, dict):
            container[point.field.name] = _value(point.field) if text is None else text

    def duplicate(self, node: Any, point: Point) -> None:
        container, key = node
        if isinstance(container, list) and isinstance(key, int) and key < len(container):
            container.append(copy.deepcopy(container[key]))

    def add_undeclared(self, node: Any, point: Point) -> None:
        container, key = node
        target = self.value if container is None else container[key]
        if isinstance(target, dict):
            target[UNDECLARED] = "x"

    def finish(self) -> None:
        """Drop array items removed by `remove` (kept as markers so that indices did not move)."""
        self.value = _without_removed(self.value)


_REMOVED = object()


def _without_removed(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_removed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_removed(v) for v in value if v is not _REMOVED]
    return value


def _get(value: Any, at: JsonLocator) -> Any:
    for step in at:
        value = value[step]
    return value


def _concrete_matches(at: JsonLocator, wanted: str) -> bool:
    tokens = wanted.split("/")[1:] if wanted else []
    if len(tokens) != len(at):
        return False
    return all(t == "*" or t == escape_token(str(s)) for t, s in zip(tokens, at, strict=True))


def _json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _clark(f: Field) -> str:
    return f"{{{f.namespace}}}{f.name}" if f.namespace else f.name


def _path_of(element: etree._Element) -> str:
    names = []
    node: etree._Element | None = element
    while node is not None:
        names.append(str(node.tag))
        node = node.getparent()
    return "/" + "/".join(reversed(names))


def _sample(f: Field) -> str:
    sample = f.sample
    if isinstance(sample, bool):
        return "true" if sample else "false"
    return "" if sample is None else str(sample)


Tree = XmlTree | JsonTree


def parse_tree(data: bytes, root: Field | None, message_type: MessageType) -> Tree:
    """The payload `data` of `message_type` as an editable tree; a SpecError when it is not one."""
    fields = index(root) if root is not None else {}
    try:
        if message_type.syntax is Syntax.XML:
            return XmlTree.parse(data, fields, message_type)
        return JsonTree.parse(data, fields, message_type)
    except PayloadError as exc:
        raise SpecError(f"the base payload of {message_type.id} cannot be read: {exc.message}") from None
