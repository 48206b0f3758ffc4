"""Selecting the values a built-in check runs on: XPath 1.0 (XML) or JSON pointers with `*` steps."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from lxml import etree

from conformance.core.errors import SpecError
from conformance.core.limits import RULE_MAX_POINTER_CHARS
from conformance.validation.documents.jsonpos import escape_token


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


def _walk(steps: tuple[str, ...], value: Any) -> list[tuple[Any, Any]]:
    """(value, link) for every match, in document order; a link is (parent link, token), None at the root.

    Links instead of pointers: a pointer is joined only when asked for, since building every one is
    quadratic when a `*` runs over members with long names that later steps descend into.
    Breadth first, one list per step: no generator frame per level and per node.
    """
    nodes: list[tuple[Any, Any]] = [(value, None)]
    for step in steps:
        found: list[tuple[Any, Any]] = []
        if step == "*":
            for node, link in nodes:
                if type(node) is dict:
                    found.extend((child, (link, key)) for key, child in node.items())
                elif type(node) is list:
                    found.extend((child, (link, index)) for index, child in enumerate(node))
        else:
            index = int(step) if (step.isascii() and step.isdigit()) else -1
            for node, link in nodes:
                if type(node) is dict:
                    if step in node:
                        found.append((node[step], (link, step)))
                elif type(node) is list and 0 <= index < len(node):
                    found.append((node[index], (link, index)))
        nodes = found
        if not nodes:
            break
    return nodes


def _pointer(link: Any) -> str:
    tokens: list[str] = []
    while link is not None:
        link, token = link
        tokens.append(escape_token(token) if isinstance(token, str) else str(token))
    return "".join("/" + t for t in reversed(tokens))


def select_json(steps: tuple[str, ...], value: Any) -> Iterator[tuple[Any, str]]:
    """(value, concrete pointer) for every match; `*` matches each array item or object member."""
    return ((node, _pointer(link)) for node, link in _walk(steps, value))


def json_pointers_at(steps: tuple[str, ...], value: Any, wanted: set[int],
                     budget: int = RULE_MAX_POINTER_CHARS) -> dict[int, str]:
    """The pointers of the matches numbered `wanted` (in `select_json` order), and only those.

    Pointers past `budget` characters in all are left out (the finding keeps its message, without
    a location).
    """
    nodes = _walk(steps, value)
    pointers: dict[int, str] = {}
    spent = 0
    for number in sorted(wanted):
        if number >= len(nodes):
            continue
        pointer = _pointer(nodes[number][1])
        spent += len(pointer)
        if spent > budget:
            break
        pointers[number] = pointer
    return pointers


def select_json_values(steps: tuple[str, ...], value: Any) -> list[Any]:
    """The values `select_json` finds, in the same order, without their pointers.

    Checks run on every match and fail on few: the pointers of those are found again by
    `select_json`, whose walk visits the same values in the same order.
    """
    nodes: list[Any] = [value]
    for step in steps:
        if step == "*":
            found: list[Any] = []
            for node in nodes:
                if type(node) is list:
                    found.extend(node)
                elif type(node) is dict:
                    found.extend(node.values())
        elif not (step.isascii() and step.isdigit()):
            found = [node[step] for node in nodes if type(node) is dict and step in node]
        else:
            index = int(step)
            found = [node[step] if type(node) is dict else node[index] for node in nodes
                     if (type(node) is dict and step in node) or (type(node) is list and index < len(node))]
        nodes = found
        if not nodes:
            break
    return nodes
