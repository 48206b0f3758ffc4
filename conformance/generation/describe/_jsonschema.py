"""The structure of a JSON message type, read from its JSON Schema.

Only references inside the schema document (`#/...`) are followed: a bundle's schema never reaches
the network or another file here. `allOf` members are merged, `oneOf`/`anyOf` become a choice, and
the walk shares the XML walk's budget (depth, fields) and stops where a definition recurses. Every
`$ref` hop and `allOf` member is charged to the budget too, by the keywords it copies: a schema of
long chains ends the walk early, with a note, instead of running for minutes.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import re2

from conformance.core.limits import RULE_REGEX_MAX_MEM
from conformance.validation.jsonrules import MAX_PATTERN_LENGTH, escape_token
from conformance.validation.selector import unescape_token

from ._budget import Budget
from ._model import DEPTH_CUT, Field, FieldKind, Sample
from ._xsd import VALUES_SHOWN

_FORMATS = {
    "date-time": "2026-01-01T00:00:00Z", "date": "2026-01-01", "time": "00:00:00Z",
    "uri": "urn:example:x", "uri-reference": "urn:example:x", "iri": "urn:example:x",
    "email": "x@example.org", "uuid": "3f2b8c1e-9d4a-4f6b-8e21-5c7d9a0b1e2f", "hostname": "example.org",
    "ipv4": "192.0.2.1", "ipv6": "2001:db8::1", "duration": "P1D",
}
_STRINGS = ("x", "1", "example", "X1", "part-1", "2026-01-01", "2026-01-01T00:00:00Z", "urn:example:x", "EUR")
_MAX_REF_HOPS = 32
_MAX_ALL_OF = 50  # allOf members merged into one node
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False
_RE2_OPTIONS.max_mem = RULE_REGEX_MAX_MEM


def json_root(schema: Any, budget: Budget) -> Field:
    """The document's top-level value as a field (path "")."""
    return _field("(document)", FieldKind.PROPERTY, "", schema, schema, 1, 1, (), budget, 1)


def _resolve(node: Any, document: Any, trail: tuple[str, ...],
             budget: Budget) -> tuple[Any, str | None, tuple[str, ...]]:
    """`node` with its local `$ref`s followed; the last definition's name; the refs seen on the way."""
    name: str | None = None
    for _ in range(_MAX_REF_HOPS):
        if not isinstance(node, Mapping) or not isinstance(node.get("$ref"), str):
            return node, name, trail
        ref = node["$ref"]
        if ref in trail:
            return {"$recursive": ref}, ref.rsplit("/", 1)[-1], trail
        if not ref.startswith("#"):
            return {"$unresolved": ref, **{k: v for k, v in node.items() if k != "$ref"}}, name, trail
        target: Any = document
        for token in [unescape_token(t) for t in ref[1:].split("/") if t]:
            target = target.get(token) if isinstance(target, Mapping) else None
        trail = (*trail, ref)
        name = ref.rsplit("/", 1)[-1]
        if not isinstance(target, Mapping):
            return {"$unresolved": ref}, name, trail
        # A bare `$ref` is its target: copied (to lay the node's own keywords over it) only when needed.
        alone = len(node) == 1
        if not budget.follow(1 if alone else 1 + len(target) + len(node)):
            return {"$unresolved": ref}, name, trail
        node = target if alone else {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node, name, trail


def _names(value: Any) -> Iterator[str]:
    """The member names of a `required` list (a `$ref` may land where it is something else)."""
    if isinstance(value, list):
        yield from (r for r in value if isinstance(r, str))


def _merged(node: Mapping[str, Any], document: Any, trail: tuple[str, ...],
            budget: Budget) -> Mapping[str, Any]:
    """`node` with the properties and required lists of its `allOf` members added."""
    parts = node.get("allOf")
    if not isinstance(parts, list):
        return node
    merged = dict(node)
    own = node.get("properties")
    properties = dict(own) if isinstance(own, Mapping) else {}
    required = dict.fromkeys(_names(node.get("required")))  # an ordered set
    for part in parts[:_MAX_ALL_OF]:
        member, _, _ = _resolve(part, document, trail, budget)
        if not isinstance(member, Mapping):
            continue
        # A `$ref` may point anywhere in the document, so a member's keywords need not be schemas.
        extra = member.get("properties")
        extra = extra if isinstance(extra, Mapping) else {}
        names = member.get("required")
        if not budget.follow(1 + len(extra) + (len(names) if isinstance(names, list) else 0)):
            break
        properties.update(extra)
        required.update(dict.fromkeys(_names(names)))
        for key in ("type", "const", "enum", "items", "format", "pattern", "minLength", "minimum"):
            if key in member and key not in merged:
                merged[key] = member[key]
    merged["properties"], merged["required"] = properties, list(required)
    return merged


def _type_of(node: Mapping[str, Any]) -> str:
    declared = node.get("type")
    if isinstance(declared, list):
        return "|".join(str(t) for t in declared[:5])
    if isinstance(declared, str):
        return declared
    if "const" in node:
        return "const"
    if "properties" in node:
        return "object"
    if "items" in node:
        return "array"
    return "any"


def _field(name: str, kind: FieldKind, path: str, raw: Any, document: Any, low: int, high: int | None,
           trail: tuple[str, ...], budget: Budget, depth: int) -> Field:
    node, definition, seen = _resolve(raw, document, trail, budget)
    if not isinstance(node, Mapping):
        return Field(name=name, kind=kind, path=path, min_occurs=low, max_occurs=high, type="any",
                     has_sample=True, sample=None)
    node = _merged(node, document, seen, budget)
    json_type = _type_of(node)
    label = f"{definition} ({json_type})" if definition else json_type
    note = f"$ref {node['$unresolved']} not followed" if "$unresolved" in node else None
    values, count, sample = _values(node, budget, path)
    children: list[Field] = []
    depth_cut = False
    if "$recursive" in node:
        note = "recursive: its content is shown above"
    elif depth >= budget.limits.depth and (node.get("properties") or node.get("items")):
        note, depth_cut, budget.cut = DEPTH_CUT, True, True
    else:
        children = _children(node, path, document, seen, budget, depth)
    return Field(name=name, kind=kind, path=path, min_occurs=low, max_occurs=high, type=label,
                 values=values, value_count=count, sample=sample, has_sample=True,
                 children=tuple(children), note=note, fixed=values[0] if "const" in node else None,
                 depth_cut=depth_cut)


def _children(node: Mapping[str, Any], path: str, document: Any, seen: tuple[str, ...], budget: Budget,
              depth: int) -> list[Field]:
    children: list[Field] = []
    properties = node.get("properties")
    required = list(_names(node.get("required")))
    if isinstance(properties, Mapping):
        # The schema's order (a skeleton writes its members so); required names it does not describe last.
        names = [*properties, *(r for r in required if r not in properties)]
        for member in names:
            if budget.limits.required_only and member not in required:
                continue
            if not budget.take():
                break
            children.append(_field(str(member), FieldKind.PROPERTY, f"{path}/{escape_token(str(member))}",
                                   properties.get(member, True), document,
                                   1 if member in required else 0, 1, seen,
                                   budget, depth + 1))
    items = node.get("items")
    if isinstance(items, Mapping | bool) and budget.take():
        low = node.get("minItems", 0)
        high = node.get("maxItems")
        children.append(_field("(each item)", FieldKind.ITEM, f"{path}/*", items if items is not True else {},
                               document, low if isinstance(low, int) else 0,
                               high if isinstance(high, int) else None, seen, budget, depth + 1))
    for keyword in ("oneOf", "anyOf"):
        options = node.get(keyword)
        if isinstance(options, list) and options and budget.take():
            alternatives = [
                _field(f"(option {i + 1})", FieldKind.PROPERTY, path, option, document, 1, 1, seen, budget,
                       depth + 1)
                for i, option in enumerate(options[:1 if budget.limits.required_only else VALUES_SHOWN])
            ]
            children.append(Field(name="(one of)", kind=FieldKind.CHOICE, path=path, min_occurs=1,
                                  max_occurs=1, children=tuple(alternatives)))
    return children


def _values(node: Mapping[str, Any], budget: Budget, path: str) -> tuple[tuple[str, ...], int, Sample]:
    if "const" in node:
        return (_text(node["const"]),), 1, _scalar(node["const"])
    enum = node.get("enum")
    if isinstance(enum, list) and enum:
        return tuple(_text(v) for v in enum[:VALUES_SHOWN]), len(enum), _scalar(enum[0])
    json_type = _type_of(node)
    if not budget.limits.samples:  # a string's sample compiles its pattern
        return (), 0, None
    if json_type.startswith("string") or json_type == "any":
        return (), 0, _string(node, budget.hints.get(path))
    if json_type in ("integer", "number"):
        minimum = node.get("minimum", node.get("exclusiveMinimum"))
        low = minimum if isinstance(minimum, int | float) and not isinstance(minimum, bool) else 0
        if isinstance(low, float) and not math.isfinite(low):  # 1e400 reads as infinity: not JSON
            low = 0
        elif "exclusiveMinimum" in node and "minimum" not in node:
            low += 1
        return (), 0, int(low) if json_type == "integer" else low
    if json_type == "boolean":
        return (), 0, False
    return (), 0, None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


def _scalar(value: Any) -> Sample:
    return value if isinstance(value, str | int | float | bool) or value is None else None


def _string(node: Mapping[str, Any], hint: str | None) -> str:
    """A short string the node accepts: the hint, a value of its format, else a plain candidate."""
    fmt = node.get("format")
    candidates = [c for c in (hint, _FORMATS.get(fmt) if isinstance(fmt, str) else None) if c]
    candidates.extend(_STRINGS)
    matches = _pattern(node.get("pattern"))
    low = node.get("minLength", 0)
    low = low if isinstance(low, int) and 0 <= low <= 256 else 0
    for text in candidates:
        text = text + "x" * max(low - len(text), 0)
        if matches is None or matches(text):
            return text
    return candidates[0]


def _pattern(pattern: Any) -> Any:
    """A search test for `pattern` on RE2 (linear time), or None when there is none we can run."""
    if not isinstance(pattern, str) or len(pattern) > MAX_PATTERN_LENGTH:
        return None
    try:
        return re2.compile(pattern, options=_RE2_OPTIONS).search
    except re2.error:  # lookaround and back-references: the skeleton says it may not pass
        return None
