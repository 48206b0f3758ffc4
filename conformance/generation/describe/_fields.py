"""Which requirement checks which field, and which code list a field takes its values from.

Built-in checks name their target (XPath 1.0 or JSON pointer); a rule check names an assertion id,
whose context is read from the rule file (Schematron outline, JSON rule set); a schema check holds
for the whole payload. A target made of plain steps (`/env:Envelope/env:Sender/env:Code`, `/sender/
code`, `@id`) is also written as the canonical field path, so the structure can show it in place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from conformance.core.errors import ConformanceError
from conformance.standard.model import Check, CheckKind, CodeList, MessageType, Requirement, Standard, Syntax
from conformance.validation.jsonrules import load_rules
from conformance.validation.schematron import outline_schematron, union_branches

from ._model import CodeListUse, FieldCheck

_XML_STEP = re.compile(r"^(@?)(?:([A-Za-z_][\w.\-]*):)?([A-Za-z_][\w.\-]*)$")
_JSON_POINTER = re.compile(r"^(/[^/]*)+$")
_CODE_LIST_PARAMS = ("code-list", "division-code-list")

# Per rule file and phase: its (assertion id, context) pairs in file order, and why it was not read.
RuleFile = tuple[tuple[tuple[str, str], ...], str | None]
Outlines = dict[tuple[Path, str | None], RuleFile]


def field_path(target: str, message_type: MessageType) -> str | None:
    """The canonical field path `target` names, or None when it is more than plain steps."""
    if message_type.syntax is Syntax.JSON:
        return target if _JSON_POINTER.match(target) else None
    if not target.startswith("/") or "//" in target:
        return None
    steps: list[str] = []
    for step in target[1:].split("/"):
        match = _XML_STEP.match(step.strip())
        if not match:
            return None
        at, prefix, local = match.groups()
        if prefix is not None and prefix not in message_type.namespaces:
            return None
        namespace = message_type.namespaces.get(prefix) if prefix else None
        steps.append(f"{at}{{{namespace}}}{local}" if namespace else f"{at}{local}")
    return "/" + "/".join(steps)


class RuleContexts:
    """Assertion id -> rule contexts, read once per rule file (and phase) of the `outlines` shared."""

    def __init__(self, standard: Standard, message_type: MessageType,
                 outlines: Outlines | None = None) -> None:
        self._standard = standard
        self._message_type = message_type
        self._outlines: Outlines = {} if outlines is None else outlines
        self._found: dict[str, list[str]] | None = None
        self.problems: list[str] = []

    def of(self, rule: str) -> list[str]:
        if self._found is None:
            self._found = {}
            for path in self._message_type.rules:
                self._read(path)
        return self._found.get(rule, [])

    def _read(self, path: Path) -> None:
        assert self._found is not None
        json = self._message_type.syntax is Syntax.JSON
        key = (path, None if json else self._message_type.phase_of(path))
        if key not in self._outlines:
            self._outlines[key] = self._outline(path, key[1], json=json)
        pairs, problem = self._outlines[key]
        if problem is not None:
            self.problems.append(problem)
        for rule, context in pairs:
            contexts = self._found.setdefault(rule, [])
            if json or context not in contexts:
                contexts.append(context)

    def _outline(self, path: Path, phase: str | None, *, json: bool) -> RuleFile:
        try:
            if json:
                return tuple((rule.id, rule.context) for rule in load_rules(path).rules), None
            outline = outline_schematron(path, phase=phase, root=self._standard.root)
            return tuple((assertion.key, branch.strip()) for assertion in outline.assertions
                         for branch in union_branches(assertion.context) or [assertion.context]), None
        except ConformanceError as exc:  # validation reports a broken rule file; here it is a note
            return (), f"{path.name}: rule contexts not read: {exc.message}"


def field_checks(standard: Standard, message_type: MessageType,
                 outlines: Outlines | None = None) -> tuple[tuple[FieldCheck, ...], list[str]]:
    """Every check of the message type, on its target, in requirement order; and notes."""
    contexts = RuleContexts(standard, message_type, outlines)
    result: list[FieldCheck] = []
    for requirement in standard.requirements.values():
        for check in requirement.checks:
            if message_type.id not in check.message_types:
                continue
            for target, how in _targets(check, contexts):
                result.append(FieldCheck(
                    target=target, requirement=requirement.id, level=requirement.level.value, how=how,
                    path=field_path(target, message_type) if target else None))
    return tuple(result), contexts.problems


def _targets(check: Check, contexts: RuleContexts) -> Iterator[tuple[str, str]]:
    if check.kind is CheckKind.SCHEMA:
        yield "", "schema"
    elif check.kind is CheckKind.BUILTIN:
        yield check.target or "", f"check {check.name}"
    else:
        rule = check.rule or ""
        found = contexts.of(rule)
        for context in found:
            yield context, f"rule {rule}"
        if not found:
            yield "", f"rule {rule}"


def builtin_checks(standard: Standard, message_type: MessageType) -> Iterator[tuple[Requirement, Check]]:
    """The built-in checks on the message type, with their requirements, in requirement order."""
    for requirement in standard.requirements.values():
        for check in requirement.checks:
            if message_type.id in check.message_types and check.kind is CheckKind.BUILTIN:
                yield requirement, check


def bound_code_list(standard: Standard, check: Check, key: str = "code-list") -> CodeList | None:
    """The code list a check's parameter `key` names, if the standard has it."""
    list_id = check.params.get(key)
    return standard.code_lists.get(str(list_id)) if list_id is not None else None


def code_list_uses(standard: Standard, message_type: MessageType) -> tuple[CodeListUse, ...]:
    """The code lists bound to fields of the message type by its checks' parameters."""
    uses: list[CodeListUse] = []
    for requirement, check in builtin_checks(standard, message_type):
        for key in _CODE_LIST_PARAMS:
            code_list = bound_code_list(standard, check, key)
            if code_list is None:
                continue
            values = tuple(sorted(code_list.codes))
            names = tuple(_name(code_list.names, v) for v in values)
            target = check.target or ""
            uses.append(CodeListUse(
                target=target, requirement=requirement.id, code_list=code_list.id,
                version=code_list.version, values=values, names=names,
                path=field_path(target, message_type) if target else None))
    return tuple(uses)


def _name(names: Mapping[str, object], code: str) -> str:
    text = names.get(code)
    return str(getattr(text, "en", "") or "") if text is not None else ""
