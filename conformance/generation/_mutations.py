"""The single edits a requirement's checks suggest, each a candidate mutant for the judge to confirm.

- built-in check: a value the check rejects, at each node its target selects (added when absent);
- schema: a required part dropped, an undeclared one added, a value of the wrong type, a part that
  may occur once written twice;
- rule: values of the fields a rule may read: blank, copies of other fields' values, the codes of
  a field's list, the values a built-in check on the field rejects (a UUID of another version is a
  UUID still, which a rule about versions reacts to), numbers at the edge, optional parts dropped
  or added, repeated parts doubled.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from conformance.core.errors import SpecError
from conformance.core.files import read_bounded
from conformance.core.yamlload import parse_yaml
from conformance.standard.model import Check, MessageType, Standard, Syntax
from conformance.validation.jsonrules import MAX_FILE_BYTES

from ._generate import Edit
from ._tree import Point, Tree
from .describe import FieldKind
from .describe._fields import builtin_checks, field_path

_MAX_COPIES = 20  # other fields' values tried at one point
_MAX_POOL = 50  # codes of a field's list tried at one point


def _flip(value: str, alphabet: str) -> str:
    last = value[-1:] or alphabet[0]
    return value[:-1] + next(c for c in alphabet if c != last)


# Values each of our checks rejects, as functions of the value there (None: absent).
_BAD: dict[str, Callable[[str | None], list[str]]] = {
    "uuid": lambda v: ["not-a-uuid", "3f2b8c1e9d4a4f6b8e215c7d9a0b1e2f",
                       "3f2b8c1e-9d4a-1f6b-8e21-5c7d9a0b1e2f", "3f2b8c1e-9d4a-4f6b-0e21-5c7d9a0b1e2f",
                       "{3f2b8c1e-9d4a-4f6b-8e21-5c7d9a0b1e2f}"],
    "timestamp": lambda v: ["2026-01-01T09:00:00", "2026-01-01", "2026-02-30T09:00:00+08:00",
                            "2026-01-01T09:00:00+0800", "2026-01-01T09:00+08:00"],
    "unified-social-credit-code": lambda v: [
        *([_flip(v, "0123456789ABCDEFGHJKLMNPQRTUWXY"), v.lower()] if v and len(v) == 18 else []),
        "91110000MA01", "911100001234567890"],
    "citizen-id": lambda v: [*([_flip(v, "0123456789X")] if v and len(v) == 18 else []), "110105"],
    "code-list": lambda v: ["not-a-code", *([v.upper(), v + " "] if v else [])],
    "division-code": lambda v: ["999999", "12345", "990000"],
    "sha256-digest-value": lambda v: ["abc", "0" * 63, "g" * 64],
    "media-type": lambda v: ["xml", "Application/xml", "foo/bar", "application/"],
}
_GENERIC_BAD = ("", "x", "0", "-1", "not valid")


def builtin_edits(tree: Tree, points: list[Point], check: Check) -> Iterator[Edit]:
    """Values the built-in check rejects, at each node it selects, or where its field may be added."""
    target = check.target or ""
    bad = _BAD.get(check.name or "", lambda v: list(_GENERIC_BAD))
    selected = {p.locator for p in tree.select(target)} if target else set()
    wanted = field_path(target, tree.message_type) if target else None
    for i, point in enumerate(points):
        if point.present and point.locator in selected:
            for value in bad(point.value):
                yield Edit(i, "set", value)
        elif not point.present and wanted is not None and point.field.path == wanted:
            for value in bad(None):
                yield Edit(i, "add", value)


def schema_edits(points: list[Point], syntax: Syntax) -> Iterator[Edit]:
    """Edits a schema refuses: a required part dropped, an undeclared one, a wrong type, a second copy."""
    for i, point in enumerate(points):
        if not point.present:
            continue
        if not point.optional and point.locator not in ((), ((), None)):
            yield Edit(i, "remove")
    for i, point in enumerate(points):
        if point.present and not point.leaf:
            yield Edit(i, "undeclared")
    for i, point in enumerate(points):
        if not point.present or not point.leaf:
            continue
        if syntax is Syntax.JSON:
            yield Edit(i, "set", 12345 if isinstance(point.value, str) and not point.value.isdigit() else "x")
            yield Edit(i, "set", ())  # an array where a value belongs (a tuple: edits are hashed)
        else:
            yield Edit(i, "set", "not a number" if point.value and point.value.strip().isdigit() else "")
    for i, point in enumerate(points):
        element = point.field.kind is FieldKind.ELEMENT
        if point.present and not point.repeatable and element and point.locator[0]:
            yield Edit(i, "duplicate")


_SCHEMATRON_LITERAL = re.compile(r"'([^'\n<>&]{1,64})'")
_SCHEMATRON_RULE = re.compile(r"<(?:\w+:)?rule\b.*?</(?:\w+:)?rule>", re.DOTALL)
_MAX_LITERALS = 100
_BLANKS = ("", " ", "\u3000")


def rule_bindings(message_type: MessageType) -> list[tuple[frozenset[str], tuple[str, ...]]]:
    """Per rule of the message type's rule files: the names it reads and the string constants it
    compares them with (`Decision`, `'reject'`).

    A rule that reacts to one value of a field (a kind, a decision) is exercised only by that value,
    which neither the schema nor a code list need name; a rule tying two fields ("a rejecting
    opinion says why") fails only when that value meets a blank or missing second field.
    """
    found: list[tuple[frozenset[str], tuple[str, ...]]] = []
    for path in message_type.rules:
        try:
            data = read_bounded(path, max_bytes=MAX_FILE_BYTES, error=SpecError, what="rule file")
        except SpecError:
            continue  # validation reports the unreadable file; here there is nothing to harvest
        if message_type.syntax is Syntax.XML:
            for block in _SCHEMATRON_RULE.findall(data.decode("utf-8", "replace")):
                literals = tuple(dict.fromkeys(_SCHEMATRON_LITERAL.findall(block)))[:_MAX_LITERALS]
                names = frozenset(n.rsplit(":", 1)[-1] for n in re.findall(r"[\w.-]+:[\w.-]+|[\w.-]+", block))
                found.append((names, literals))
            continue
        try:
            document = parse_yaml(data, where=path.name)
        except SpecError:
            continue
        rules = document.get("rules") if isinstance(document, dict) else None
        for rule in rules if isinstance(rules, list) else []:
            if isinstance(rule, dict):
                expression = rule.get("assert", rule.get("report"))
                literals = tuple(dict.fromkeys(_strings(expression)))[:_MAX_LITERALS]
                names = frozenset(n for v in _vars(expression) for n in v.split(".") if n)
                found.append((names | frozenset(str(rule.get("context", "")).split("/")), literals))
    return found


def _strings(node: object, depth: int = 0) -> Iterator[str]:
    """String leaves of a rule expression, without the names `var` reads."""
    if depth > 64:
        return
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item, depth + 1)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key != "var":
                yield from _strings(value, depth + 1)


def _vars(node: object, depth: int = 0) -> Iterator[str]:
    """The names `var` reads in a rule expression."""
    if depth > 64:
        return
    if isinstance(node, list):
        for item in node:
            yield from _vars(item, depth + 1)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "var":
                name = value[0] if isinstance(value, list) and value else value
                if isinstance(name, str):
                    yield name
            else:
                yield from _vars(value, depth + 1)


def _name(point: Point) -> str:
    return point.field.name.removeprefix("@")


def _literals_of(point: Point, bindings: list[tuple[frozenset[str], tuple[str, ...]]]) -> list[str]:
    return list(dict.fromkeys(v for names, literals in bindings if _name(point) in names for v in literals))


def rule_edits(standard: Standard, message_type: MessageType, points: list[Point]) -> Iterator[Edit]:
    """Values of the fields a business rule may read (every field the structure knows, in order)."""
    from ._strategies import check_pools

    pools = check_pools(standard, message_type)
    checked: dict[str, list[str]] = {}  # field path -> the names of the built-in checks on it
    for _, check in builtin_checks(standard, message_type):
        path = field_path(check.target or "", message_type)
        if path is not None and check.name in _BAD and check.name not in checked.setdefault(path, []):
            checked[path].append(check.name)
    json = message_type.syntax is Syntax.JSON
    values = list(dict.fromkeys(p.value for p in points if p.present and p.value))[:_MAX_COPIES]
    bindings = rule_bindings(message_type)
    for i, point in enumerate(points):
        f = point.field
        literals = _literals_of(point, bindings)
        pool = [*pools.get(f.path, ()), *f.values][:_MAX_POOL]
        rejected = [v for name in checked.get(f.path, ()) for v in _BAD[name](point.value)]
        if point.present and point.leaf:
            candidates: list[object] = ["", " ", "\u3000", *pool, *literals, *rejected,
                                        *(v for v in values if v != point.value)]
            if json and point.value is not None and point.value.lstrip("-").isdigit():
                candidates = [0, -1, 1, *candidates]
            else:
                candidates.extend(["0", "-1", (point.value or "") + "x"])
            for value in dict.fromkeys(candidates):
                yield Edit(i, "set", value)
            if point.optional:
                yield Edit(i, "remove")
        elif point.present and point.optional:
            yield Edit(i, "remove")
        if point.present and point.repeatable:
            yield Edit(i, "duplicate")
        if not point.present:
            yield Edit(i, "add", None)
            for value in dict.fromkeys([*pool, *literals, *rejected, *values]):
                yield Edit(i, "add", value)


def rule_pairs(message_type: MessageType, points: list[Point]) -> Iterator[tuple[Edit, Edit]]:
    """Per rule: a field it reads set to a constant it compares with, and another field it reads made
    blank or removed."""
    bindings = rule_bindings(message_type)
    for names, literals in bindings:
        reads = [i for i, p in enumerate(points) if _name(p) in names]
        for i in reads:
            first = points[i]
            for value in literals:
                edit = Edit(i, "set" if first.present else "add", value)
                for j in reads:
                    if j == i:
                        continue
                    second = points[j]
                    if second.present and second.optional:
                        yield edit, Edit(j, "remove")
                    if second.present and second.leaf:
                        for blank in _BLANKS:
                            yield edit, Edit(j, "set", blank)
