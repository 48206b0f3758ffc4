"""Selecting the values a built-in check runs on: XPath 1.0 (XML) or JSON pointers with `*` steps."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from lxml import etree

from conformance.core.errors import SpecError
from conformance.engine.jsonpos import escape_token


def compile_xml_target(target: str, namespaces: Mapping[str, str], *, where: str) -> etree.XPath:
    """An XPath 1.0 selector, compiled once."""
    try:
        return etree.XPath(target, namespaces=dict(namespaces))
    except etree.XPathSyntaxError as exc:
        raise SpecError(f"target {target!r} is not a valid XPath 1.0 expression: {exc}",
                        location=where) from exc


def select_xml(xpath: etree.XPath, root: etree._Element) -> Iterator[tuple[Any, etree._Element]]:
    """(value, element that holds it) for each selected node; text of elements, values of attributes."""
    result = xpath(root)
    if not isinstance(result, list):
        raise SpecError(f"target {xpath.path!r} must select nodes, not a {type(result).__name__}")
    for node in result:
        if isinstance(node, etree._Element):
            # Most targets are leaf elements: their text is all there is (no itertext() walk).
            yield ("".join(node.itertext()) if len(node) else node.text or ""), node
        elif isinstance(node, str):  # attribute values and text() nodes are "smart strings"
            parent = node.getparent() if hasattr(node, "getparent") else None
            yield str(node), parent if parent is not None else root


def parse_json_target(target: str, *, where: str) -> tuple[str, ...]:
    """Split a JSON pointer with `*` wildcard steps into unescaped tokens."""
    if target == "":
        return ()
    if not target.startswith("/"):
        raise SpecError(f"target {target!r} must be a JSON pointer starting with '/'", location=where)
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in target[1:].split("/"))


def select_json(steps: tuple[str, ...], value: Any, prefix: str = "") -> Iterator[tuple[Any, str]]:
    """(value, concrete pointer) for every match; `*` matches each array item or object member."""
    # Breadth first, one list per step: no generator frame per level and per node.
    nodes: list[tuple[Any, str]] = [(value, prefix)]
    for step in steps:
        found: list[tuple[Any, str]] = []
        if step == "*":
            for node, pointer in nodes:
                if type(node) is dict:
                    found.extend((child, f"{pointer}/{escape_token(key)}") for key, child in node.items())
                elif type(node) is list:
                    found.extend((child, f"{pointer}/{index}") for index, child in enumerate(node))
        else:
            escaped = escape_token(step)
            index = int(step) if step.isdigit() else -1
            for node, pointer in nodes:
                if type(node) is dict:
                    if step in node:
                        found.append((node[step], f"{pointer}/{escaped}"))
                elif type(node) is list and 0 <= index < len(node):
                    found.append((node[index], f"{pointer}/{step}"))
        nodes = found
        if not nodes:
            break
    return iter(nodes)


def select_json_keys(steps: tuple[str, ...], value: Any) -> list[tuple[Any, tuple[str | int, ...]]]:
    """Like `select_json`, with each match's `*` keys in place of its pointer.

    Checks run on every match and fail on few: `json_pointer` builds the pointer of those only.
    """
    nodes: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    for step in steps:
        found: list[tuple[Any, tuple[str | int, ...]]] = []
        if step == "*":
            for node, keys in nodes:
                if type(node) is list:
                    # zip() pairs items with their keys in C: arrays of parts are the common case.
                    found.extend(zip(node, _index_keys(keys, len(node)), strict=True))
                elif type(node) is dict:
                    found.extend(zip(node.values(), [(*keys, key) for key in node], strict=True))
        elif not step.isdigit():
            # Only objects have a member by this name: one comprehension keeps document order.
            found = [(node[step], keys) for node, keys in nodes if type(node) is dict and step in node]
        else:
            index = int(step)
            for node, keys in nodes:
                if type(node) is dict:
                    if step in node:
                        found.append((node[step], keys))
                elif type(node) is list and index < len(node):
                    found.append((node[index], keys))
        nodes = found
        if not nodes:
            break
    return nodes


_FIRST_INDEXES: tuple[tuple[int], ...] = tuple((i,) for i in range(1024))


def _index_keys(keys: tuple[str | int, ...], count: int) -> Sequence[tuple[str | int, ...]]:
    if not keys and count <= len(_FIRST_INDEXES):
        return _FIRST_INDEXES[:count]
    return [(*keys, index) for index in range(count)]


def json_pointer(steps: tuple[str, ...], keys: tuple[str | int, ...]) -> str:
    """The concrete pointer of a match of `steps` whose `*` steps took `keys`."""
    wild = iter(keys)
    return "".join("/" + escape_token(str(next(wild)) if step == "*" else step) for step in steps)
