"""From a resolved schema to a plan: abstract patterns and rules expanded, the phase applied."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from conformance.core.errors import SpecError
from conformance.core.limits import SCHEMATRON_MAX_EXPANDED_ELEMENTS, SCHEMATRON_MAX_TREE_DEPTH

from ._sandbox import DENIED_INSTRUCTIONS
from ._source import FILE_ATTR, SCH_NS, XSL_NS, quote, where

BINDINGS = ("xslt", "xslt2", "xslt3")
# Spellings seen in published rule sets for the same three bindings.
_BINDING_ALIASES = {"xslt1": "xslt", "xslt1.0": "xslt", "xslt2.0": "xslt2", "xslt3.0": "xslt3"}


def _q(name: str) -> str:
    return f"{{{SCH_NS}}}{name}"


_PATTERN, _RULE, _PARAM, _LET, _NS = _q("pattern"), _q("rule"), _q("param"), _q("let"), _q("ns")
_PHASE, _ACTIVE, _EXTENDS, _RULES = _q("phase"), _q("active"), _q("extends"), _q("rules")
_ASSERT, _REPORT = _q("assert"), _q("report")
_DIAGNOSTIC, _PROPERTY = _q("diagnostic"), _q("property")
# XSLT instructions that read or write files, pull in other stylesheets or evaluate strings: never
# copied (refused here, with the source line, before the sandbox checks the generated sheet).
_FORBIDDEN_XSL = DENIED_INSTRUCTIONS


@dataclass(slots=True)
class RulePlan:
    """A concrete rule: its context and, in source order, its lets, assertions and XSLT."""

    element: etree._Element
    context: str
    index: int
    items: list[etree._Element] = field(default_factory=list)


@dataclass(slots=True)
class PatternPlan:
    """An active pattern with its own lets and rules in source order."""

    element: etree._Element
    id: str | None
    index: int
    lets: list[etree._Element] = field(default_factory=list)
    rules: list[RulePlan] = field(default_factory=list)


@dataclass(slots=True)
class Plan:
    """Everything the translator needs, nothing it has to look up in the source again."""

    schema: etree._Element
    binding: str
    phase: str
    namespaces: list[tuple[str, str]]
    params: list[etree._Element]
    lets: list[etree._Element]
    foreign: list[etree._Element]
    patterns: list[PatternPlan]
    diagnostics: dict[str, etree._Element]
    properties: dict[str, etree._Element]


def pattern_label(pattern_id: str | None, index: int) -> str:
    """How an assertion key names its pattern: the pattern's id, else its position."""
    return pattern_id or f"pattern{index + 1}"


def assertion_key(item: etree._Element, label: str, rule_index: int, position: int) -> str:
    """The id the engine reports for an assertion: its own id, else `pattern/rule/position`.

    One definition for the translator and for whoever describes a rule set (the importer), so
    that a derived key written into a manifest is the key the engine reports.
    """
    return item.get("id") or f"{label}/{rule_index + 1}/{position}"


def query_binding(schema: etree._Element) -> str:
    """The schema's query binding, normalised; SpecError for one we cannot run."""
    raw = (schema.get("queryBinding") or "xslt").strip().lower()
    binding = _BINDING_ALIASES.get(raw, raw)
    if binding not in BINDINGS:
        raise SpecError(
            f"unsupported queryBinding {quote(raw)} (supported: {', '.join(BINDINGS)})",
            location=where(schema),
        )
    return binding


def plan(schema: etree._Element, phase: str | None) -> Plan:
    """Expand abstract patterns and rules in place and select the patterns of `phase`."""
    binding = query_binding(schema)
    budget = _Copies()
    _expand_abstract_patterns(schema, budget)
    _expand_abstract_rules(schema, budget)
    phase_name, active, phase_lets = _select_phase(schema, phase)

    namespaces: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for ns in schema.iter(_NS):
        prefix, uri = ns.get("prefix"), ns.get("uri")
        if not prefix or uri is None:
            raise SpecError("ns needs prefix and uri", location=where(ns))
        if prefix in seen and seen[prefix] != uri:
            raise SpecError(f"prefix {quote(prefix)} bound to two namespaces", location=where(ns))
        if prefix not in seen:
            seen[prefix] = uri
            namespaces.append((prefix, uri))

    params: list[etree._Element] = []
    lets: list[etree._Element] = []
    foreign: list[etree._Element] = []
    patterns: list[PatternPlan] = []
    for child in schema:
        if not isinstance(child.tag, str):
            continue
        if child.tag == _PARAM:
            params.append(child)
        elif child.tag == _LET:
            lets.append(child)
        elif child.tag == _PATTERN and child.get("abstract") != "true":
            if phase_name != "#ALL" and child.get("id") not in active:
                continue
            pattern = _pattern_plan(child, len(patterns))
            patterns.append(pattern)
        elif etree.QName(child).namespace == XSL_NS:
            foreign.append(_checked_xsl(child))
    lets.extend(phase_lets)
    # Keys and functions placed inside patterns are still global in XSLT.
    for pattern in patterns:
        for child in pattern.element:
            if isinstance(child.tag, str) and etree.QName(child).namespace == XSL_NS:
                foreign.append(_checked_xsl(child))
    for pattern in patterns:
        lets.extend(pattern.lets)
    _check_unique_lets(lets)

    diagnostics = _by_id(schema, _DIAGNOSTIC)
    properties = _by_id(schema, _PROPERTY)
    for pattern in patterns:
        for rule in pattern.rules:
            for item in rule.items:
                _check_refs(item, "diagnostics", diagnostics)
                _check_refs(item, "properties", properties)
    return Plan(
        schema=schema,
        binding=binding,
        phase=phase_name,
        namespaces=namespaces,
        params=params,
        lets=lets,
        foreign=foreign,
        patterns=patterns,
        diagnostics=diagnostics,
        properties=properties,
    )


def _checked_xsl(element: etree._Element) -> etree._Element:
    for node in element.iter(f"{{{XSL_NS}}}*"):
        if etree.QName(node).localname in _FORBIDDEN_XSL:
            raise SpecError(
                f"xsl:{etree.QName(node).localname} is not allowed in a rule set",
                location=where(node),
            )
    return element


def _pattern_plan(element: etree._Element, index: int) -> PatternPlan:
    if element.get("documents"):
        raise SpecError(
            "pattern/@documents (subordinate documents) is not supported", location=where(element)
        )
    pattern = PatternPlan(element=element, id=element.get("id"), index=index)
    for child in element:
        if child.tag == _LET:
            pattern.lets.append(child)
        elif child.tag == _RULE:
            if child.get("abstract") == "true":
                continue
            context = child.get("context")
            if not context or not context.strip():
                raise SpecError("rule without context", location=where(child))
            rule = RulePlan(element=child, context=context.strip(), index=len(pattern.rules))
            for item in child:
                if not isinstance(item.tag, str):
                    continue
                if item.tag in (_LET, _ASSERT, _REPORT):
                    rule.items.append(item)
                elif etree.QName(item).namespace == XSL_NS:
                    rule.items.append(_checked_xsl(item))
            pattern.rules.append(rule)
    return pattern


def _check_unique_lets(lets: list[etree._Element]) -> None:
    names: dict[str, etree._Element] = {}
    for let in lets:
        name = let.get("name")
        if not name:
            raise SpecError("let without name", location=where(let))
        if name in names:
            # Schema, phase and pattern variables all become global XSLT variables.
            raise SpecError(
                f"variable {quote(name)} is also declared at {where(names[name])}", location=where(let)
            )
        names[name] = let


def _by_id(schema: etree._Element, tag: str) -> dict[str, etree._Element]:
    found: dict[str, etree._Element] = {}
    for element in schema.iter(tag):
        ident = element.get("id")
        if not ident:
            raise SpecError(f"{etree.QName(tag).localname} without id", location=where(element))
        found.setdefault(ident, element)
    return found


def _check_refs(item: etree._Element, attribute: str, known: dict[str, etree._Element]) -> None:
    for ref in (item.get(attribute) or "").split():
        if ref not in known:
            raise SpecError(f"{attribute} refers to unknown id {quote(ref)}", location=where(item))


def _substituter(values: dict[str, str]) -> re.Pattern[str] | None:
    """One regex for all `$name` references, longest name first.

    Names are matched as written, not as XPath tokens: published rule sets declare names such as
    "Invoice " (trailing space) and rely on plain textual replacement. Longest first keeps `$ab`
    from being read as `$a` followed by "b"; one pass keeps values from being expanded again.
    """
    if not values:
        return None
    names = sorted(values, key=len, reverse=True)
    return re.compile("|".join(re.escape("$" + name) for name in names))


def _lookup(values: dict[str, str]) -> Callable[[re.Match[str]], str]:
    return lambda match: values[match.group(0)[1:]]


class _Copies:
    """Counts the elements expansion copies and moves: abstract patterns and rules used many times,
    or an abstract rule extending another twice at every level, multiply the tree."""

    def __init__(self) -> None:
        self.elements = 0

    def add(self, clone: etree._Element, at: etree._Element, count: int | None = None) -> None:
        self.elements += sum(1 for _ in clone.iter()) if count is None else count
        if self.elements > SCHEMATRON_MAX_EXPANDED_ELEMENTS:
            raise SpecError(f"expanding abstract patterns and rules makes more than "
                            f"{SCHEMATRON_MAX_EXPANDED_ELEMENTS} elements", location=where(at))


def _expand_abstract_patterns(schema: etree._Element, budget: _Copies) -> None:
    abstract: dict[str, etree._Element] = {}
    for pattern in schema.iter(_PATTERN):
        if pattern.get("abstract") == "true":
            ident = pattern.get("id")
            if not ident:
                raise SpecError("abstract pattern without id", location=where(pattern))
            if ident in abstract:
                raise SpecError(f"two abstract patterns with id {quote(ident)}", location=where(pattern))
            abstract[ident] = pattern
    for instance in list(schema.iter(_PATTERN)):
        name = instance.get("is-a")
        if name is None:
            continue
        template = abstract.get(name)
        if template is None:
            raise SpecError(f"is-a refers to unknown abstract pattern {quote(name)}",
                            location=where(instance))
        values: dict[str, str] = {}
        for param in instance.findall(_PARAM):
            pname = param.get("name")
            if not pname:
                raise SpecError("param without name", location=where(param))
            values[pname] = param.get("value", "")
        file = _file_of(template)
        pattern_re = _substituter(values)
        kept = [c for c in instance if c.tag != _PARAM]
        for child in list(instance):
            instance.remove(child)
        for child in kept:
            instance.append(child)
        for child in template:
            if not isinstance(child.tag, str) or child.tag == _PARAM:
                continue
            clone = copy.deepcopy(child)
            budget.add(clone, instance)
            for node in clone.iter():
                if not isinstance(node.tag, str) or pattern_re is None:
                    continue
                for key, value in node.attrib.items():
                    if "$" in value:
                        node.set(key, pattern_re.sub(_lookup(values), value))
            clone.set(FILE_ATTR, file)
            instance.append(clone)
        del instance.attrib["is-a"]
    for pattern in abstract.values():
        parent = pattern.getparent()
        if parent is not None:
            parent.remove(pattern)


def _file_of(element: etree._Element) -> str:
    node: etree._Element | None = element
    while node is not None:
        value = node.get(FILE_ATTR)
        if value is not None:
            return value
        node = node.getparent()
    return "?"


def _expand_abstract_rules(schema: etree._Element, budget: _Copies) -> None:
    # Lookup order: the pattern of the `extends`, then anywhere in the schema (ISO 2016 `rules`).
    global_rules: dict[str, etree._Element] = {}
    for rule in schema.iter(_RULE):
        if rule.get("abstract") == "true":
            ident = rule.get("id")
            if not ident:
                raise SpecError("abstract rule without id", location=where(rule))
            global_rules.setdefault(ident, rule)
    # Indexed before expanding: the expanded rules grow inside their patterns, and searching a
    # pattern again for every `extends` would be quadratic in what expansion builds.
    local_rules: dict[etree._Element, dict[str, etree._Element]] = {}
    for pattern in schema.iter(_PATTERN):
        local = local_rules[pattern] = {}
        for rule in pattern.iter(_RULE):
            if rule.get("abstract") == "true":
                local.setdefault(rule.get("id", ""), rule)

    def lookup(extends: etree._Element) -> etree._Element:
        name = extends.get("rule")
        if not name:
            raise SpecError("extends without rule", location=where(extends))
        pattern = next((a for a in extends.iterancestors(_PATTERN)), None)
        if pattern is not None and name in local_rules.get(pattern, {}):
            return local_rules[pattern][name]
        found = global_rules.get(name)
        if found is None:
            raise SpecError(f"extends refers to unknown abstract rule {quote(name)}", location=where(extends))
        return found

    def expand(rule: etree._Element, stack: tuple[str, ...]) -> None:
        for extends in list(rule.iterchildren(_EXTENDS)):
            target = lookup(extends)
            ident = target.get("id", "")
            if ident in stack:
                raise SpecError(f"abstract rule {quote(ident)} extends itself", location=where(extends))
            if len(stack) >= SCHEMATRON_MAX_TREE_DEPTH:
                raise SpecError(f"abstract rules extend each other more than "
                                f"{SCHEMATRON_MAX_TREE_DEPTH} deep", location=where(extends))
            body = copy.deepcopy(target)
            budget.add(body, extends)
            body.set(FILE_ATTR, _file_of(target))
            expand(body, (*stack, ident))
            children = [c for c in body if isinstance(c.tag, str) and c.tag not in (_q("title"), _q("p"))]
            # Moving counts too: nested expansions move each element once per level.
            budget.add(body, extends, len(children))
            for child in children:
                child.set(FILE_ATTR, body.get(FILE_ATTR, "?"))
                # Beside the `extends`, not by index: moving n children stays linear.
                extends.addprevious(child)
            rule.remove(extends)

    for rule in list(schema.iter(_RULE)):
        if rule.get("abstract") != "true":
            expand(rule, ())


def _select_phase(schema: etree._Element, phase: str | None) -> tuple[str, set[str], list[etree._Element]]:
    name = phase or "#DEFAULT"
    if name == "#DEFAULT":
        name = schema.get("defaultPhase") or "#ALL"
    if name == "#ALL":
        return name, set(), []
    phases = {p.get("id"): p for p in schema.iter(_PHASE)}
    element = phases.get(name)
    if element is None:
        known = ", ".join(sorted(str(k) for k in phases if k)) or "none"
        raise SpecError(f"unknown phase {quote(name)} (phases: {known}, #ALL, #DEFAULT)",
                        location=where(schema))
    active = {a.get("pattern", "") for a in element.iter(_ACTIVE)}
    return name, active, list(element.iter(_LET))
