"""Selecting the values a built-in check runs on: XPath 1.0 (XML) or a JSON selector (`selector.py`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from lxml import etree

from conformance.core.errors import SpecError
from conformance.core.limits import RULE_MAX_POINTER_CHARS
from conformance.validation.selector import Selector, parse_selector, pointers


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


def parse_json_target(target: str, *, where: str) -> Selector:
    """A JSON pointer with `*` steps (`selector.py`); SpecError at `where` when it is not one."""
    return parse_selector(target, what="target", where=where)


def select_json(selector: Selector, value: Any) -> Iterator[tuple[Any, str]]:
    """(value, concrete pointer) for every match; `*` matches each array item or object member."""
    return selector.matches(value)


def json_pointers_at(selector: Selector, value: Any, wanted: set[int],
                     budget: int = RULE_MAX_POINTER_CHARS) -> dict[int, str]:
    """The pointers of the matches numbered `wanted` (in `select_json` order), and only those.

    Pointers past `budget` characters in all are left out (the finding keeps its message, without
    a location).
    """
    nodes = selector.walk(value)
    numbers = [number for number in sorted(wanted) if number < len(nodes)]
    found: dict[int, str] = {}
    spent = 0
    for number, at in zip(numbers, pointers(nodes[number][1] for number in numbers), strict=False):
        spent += len(at)
        if spent > budget:
            break
        found[number] = at
    return found


def select_json_values(selector: Selector, value: Any) -> list[Any]:
    """The values `select_json` finds, in the same order, without their pointers.

    Checks run on every match and fail on few: the pointers of those are found again by
    `json_pointers_at`, whose walk visits the same values in the same order.
    """
    return selector.values(value)
