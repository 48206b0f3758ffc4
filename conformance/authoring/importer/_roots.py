"""Which documents a message type is for: the root element, from the XSD or the rule contexts."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from conformance.core.errors import SpecError, UsageError
from conformance.validation.schematron import RuleSetOutline, union_branches

from ._xsd import SchemaSet


@dataclass(frozen=True, slots=True)
class Root:
    """A document element that recognises a message type."""

    namespace: str
    name: str

    def label(self) -> str:
        return f"{{{self.namespace}}}{self.name}" if self.namespace else self.name


def context_roots(rule_set: RuleSetOutline) -> list[Root]:
    """Document elements named by absolute rule contexts (`/p:Invoice`, `/p:Invoice/...`).

    Contexts of every phase count: which documents a rule set is for does not depend on the phase.
    """
    prefixes = dict(rule_set.namespaces)
    roots: list[Root] = []
    for context in rule_set.all_contexts:
        for branch in union_branches(context):
            root = _first_step(branch.strip(), prefixes)
            if root is not None and root not in roots:
                roots.append(root)
    return roots




_STEP = re.compile(r"^/\s*(?:child::)?(Q\{[^}]*\}[^/\[\s]+|[^/\[\s()@*]+)")


def _first_step(branch: str, prefixes: Mapping[str, str]) -> Root | None:
    if branch.startswith("//"):
        return None
    match = _STEP.match(branch)
    if not match:
        return None
    step = match.group(1)
    if branch[match.end():].lstrip().startswith("("):
        return None  # a node test such as node() or a function call, not an element name
    if step.startswith("Q{"):
        namespace, _, name = step[2:].partition("}")
        return Root(namespace, name) if name and ":" not in name else None
    prefix, _, name = step.rpartition(":")
    if not name or ":" in prefix or "*" in step:
        return None
    if not prefix:
        return Root("", name)
    return Root(prefixes[prefix], name) if prefix in prefixes else None


def message_roots(rule_sets: Sequence[RuleSetOutline], schema_sets: Sequence[SchemaSet],
                  given: Sequence[Root]) -> list[tuple[Root, SchemaSet | None]]:
    """Each message type's root element and XSD: given roots, the XSDs', or the rule contexts'."""
    declared: dict[Root, SchemaSet] = {}
    for schema_set in schema_sets:
        for name in schema_set.elements:
            root = Root(schema_set.target_namespace, name)
            if root in declared:
                raise SpecError(f"element {root.label()} is declared by two XSDs: "
                                f"{declared[root].path} and {schema_set.path}")
            declared[root] = schema_set
    if given:
        if declared:
            missing = [r.label() for r in given if r not in declared]
            if missing:
                raise UsageError(f"--root {', '.join(missing)} is not a global element of the XSD; "
                                 f"its global elements: {', '.join(r.label() for r in declared)}")
        chosen = list(given)
    elif declared:
        chosen = [Root(s.target_namespace, n) for s in schema_sets for n in s.roots]
    else:
        chosen = [r for rs in rule_sets for r in context_roots(rs)]
        if not chosen:
            raise UsageError("cannot tell the document element from the rule contexts (no absolute "
                             "context such as /p:Invoice); name it with --root '{namespace}Name'")
    unique = sorted(set(chosen), key=lambda r: (r.name, r.namespace))
    return [(r, declared.get(r)) for r in unique]
