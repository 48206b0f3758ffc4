"""Rule files: loading `egov-conformance/json-rules` YAML and running its rules on a document."""

from __future__ import annotations

import re
from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from conformance.core.digests import sha256_digest
from conformance.core.errors import RuleError, SpecError
from conformance.core.findings import Severity
from conformance.core.text import Text
from conformance.engine.jsonrules._expression import Expression, compile_expression
from conformance.engine.jsonrules._pointer import ContextSelector
from conformance.engine.jsonrules._values import truthy

FORMAT = "egov-conformance/json-rules"
MAX_FILE_BYTES = 4 * 1024 * 1024
_ID = re.compile(r"[A-Za-z][A-Za-z0-9._-]*")
_TOP_KEYS = ("format", "version", "language", "rules")
_RULE_KEYS = ("id", "context", "assert", "report", "flag", "message")


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """One rule on one context node: `failed` when an assert is falsy or a report truthy."""

    rule_id: str
    pointer: str
    failed: bool


@dataclass(frozen=True, slots=True)
class RuleCheck:
    """One rule on one document: how many context nodes it ran on, and where it failed."""

    rule_id: str
    nodes: int
    failed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class JsonRule:
    """One rule: on each node `context` selects, `expression` must hold (assert) or not (report)."""

    id: str
    context: str
    kind: Literal["assert", "report"]
    expression: Expression
    flag: Severity
    message: Text
    selector: ContextSelector = field(repr=False, compare=False)

    def evaluate(self, document: Any) -> Iterator[RuleOutcome]:
        """One outcome per context node of `document`; RuleError if a limit is exceeded."""
        report = self.kind == "report"
        evaluate = self.expression.evaluator(document)
        for pointer, node in self.selector.select(document):
            try:
                value = evaluate(node)
            except RuleError as exc:
                raise RuleError(
                    f"{exc.message} (context node {pointer or '/'})",
                    location=exc.location, rule=self.id,
                ) from exc
            yield RuleOutcome(self.id, pointer, truthy(value) is report)

    def check(self, document: Any, nodes: list[Any] | None = None) -> RuleCheck:
        """The rule on every context node at once (`nodes`: the context nodes, if already known).

        Gives the same verdicts as `evaluate`, without an object or a pointer per passing node:
        documents have many context nodes and few failures, whose pointers are found again by
        position. A RuleError is reported through `evaluate`, which names the context node.
        """
        if nodes is None:
            nodes = self.selector.nodes(document)
        evaluate = self.expression.evaluator(document)
        try:
            # `is True` first: most assertions hold and give exactly True.
            if self.kind == "report":
                bad = [i for i, node in enumerate(nodes)
                       if (v := evaluate(node)) is True or (v is not False and truthy(v))]
            else:
                bad = [i for i, node in enumerate(nodes)
                       if (v := evaluate(node)) is not True and not truthy(v)]
        except RuleError:
            for _ in self.evaluate(document):
                pass
            raise  # pragma: no cover - evaluate raises the same error with the node named
        failed: tuple[str, ...] = ()
        if bad:
            pointers = [pointer for pointer, _ in self.selector.select(document)]
            failed = tuple(pointers[i] for i in bad)
        return RuleCheck(self.id, len(nodes), failed)


class JsonRuleSet:
    """The rules of one file, in file order."""

    __slots__ = ("by_id", "content_hash", "path", "rules")

    def __init__(self, path: Path, rules: tuple[JsonRule, ...], content_hash: str) -> None:
        self.path = path
        self.rules = rules
        self.by_id = {rule.id: rule for rule in rules}
        self.content_hash = content_hash

    def evaluate(self, document: Any) -> Iterator[RuleOutcome]:
        """Outcomes of every rule on every node its context matches, rule by rule."""
        for rule in self.rules:
            try:
                yield from rule.evaluate(document)
            except RuleError as exc:
                raise RuleError(exc.message, location=str(self.path), rule=exc.rule) from exc

    def check(self, document: Any, wanted: Container[str]) -> Iterator[RuleCheck | RuleError]:
        """`check` of each wanted rule, in file order; rules sharing a context select it once.

        A rule that breaks gives its RuleError (naming the file) in place of its check, so one
        broken rule leaves the others decided.
        """
        selected: dict[str, list[Any]] = {}
        for rule in self.rules:
            if rule.id not in wanted:
                continue
            nodes = selected.get(rule.context)
            if nodes is None:
                nodes = selected[rule.context] = rule.selector.nodes(document)
            try:
                yield rule.check(document, nodes)
            except RuleError as exc:
                yield RuleError(exc.message, location=str(self.path), rule=exc.rule or rule.id)

    def __repr__(self) -> str:
        return f"JsonRuleSet({str(self.path)!r}, {len(self.rules)} rules)"


def load_rules(path: Path) -> JsonRuleSet:
    """Load and compile a rule file; SpecError naming the file, the rule and the field at fault."""
    where = str(path)
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise SpecError(f"cannot read rule file: {exc.strerror or exc}", location=where) from exc
    if len(data) > MAX_FILE_BYTES:
        raise SpecError(f"rule file larger than {MAX_FILE_BYTES} bytes", location=where)
    try:
        raw = yaml.safe_load(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise SpecError(f"rule file is not UTF-8: {exc.reason} at byte {exc.start}",
                        location=where) from exc
    except yaml.YAMLError as exc:
        raise SpecError(f"rule file is not valid YAML: {exc}", location=where) from exc
    except (ValueError, RecursionError) as exc:
        # PyYAML lets these through for absurd integers and for nesting deeper than the stack.
        raise SpecError(f"rule file cannot be read as YAML: {exc}", location=where) from exc
    rules = _rules(raw, where)
    return JsonRuleSet(path, rules, sha256_digest(data))


def _rules(raw: Any, where: str) -> tuple[JsonRule, ...]:
    if not isinstance(raw, dict):
        raise SpecError("a rule file is a mapping with format, version, language and rules",
                        location=where)
    for key in raw:
        if key not in _TOP_KEYS:
            raise SpecError(f"unknown top-level field {key!r}; fields: {', '.join(_TOP_KEYS)}",
                            location=where)
    if raw.get("format") != FORMAT:
        raise SpecError(f"format: must be {FORMAT!r}, found {raw.get('format')!r}", location=where)
    if raw.get("version") != 1 or type(raw.get("version")) is not int:
        raise SpecError(f"version: must be 1, found {raw.get('version')!r}", location=where)
    if raw.get("language") != "certlogic":
        raise SpecError(f"language: must be 'certlogic', found {raw.get('language')!r}",
                        location=where)
    items = raw.get("rules")
    if not isinstance(items, list) or not items:
        raise SpecError("rules: must be a non-empty list of rules", location=where)
    seen: dict[str, int] = {}
    rules = []
    for index, item in enumerate(items):
        rule = _rule(item, index, where)
        if rule.id in seen:
            raise SpecError(f"rules[{index}] (rule {rule.id}).id: duplicate id, first used by "
                            f"rules[{seen[rule.id]}]", location=where)
        seen[rule.id] = index
        rules.append(rule)
    return tuple(rules)


def _rule(item: Any, index: int, where: str) -> JsonRule:
    at = f"rules[{index}]"
    if not isinstance(item, dict):
        raise SpecError(f"{at}: a rule is a mapping, found {type(item).__name__}", location=where)
    rule_id = item.get("id")
    if type(rule_id) is not str or not _ID.fullmatch(rule_id):
        raise SpecError(f"{at}.id: must be an identifier like ENV-J-001, found {rule_id!r}",
                        location=where)
    at = f"{at} (rule {rule_id})"

    def fail(key: str, problem: str) -> SpecError:
        return SpecError(f"{at}.{key}: {problem}", location=where)

    for key in item:
        if key not in _RULE_KEYS:
            raise fail(str(key), f"unknown field; fields: {', '.join(_RULE_KEYS)}")
    kinds = [k for k in ("assert", "report") if k in item]
    if len(kinds) != 1:
        raise fail("assert", "a rule has exactly one of 'assert' and 'report'")
    kind: Literal["assert", "report"] = "assert" if kinds[0] == "assert" else "report"
    context = item.get("context", "")
    try:
        selector = ContextSelector(context)
    except ValueError as exc:
        raise fail("context", str(exc)) from None
    flag_text = item.get("flag", "error")
    try:
        flag = Severity(flag_text)
    except ValueError:
        raise fail("flag", f"must be error, warning or info, found {flag_text!r}") from None
    message = item.get("message")
    if not isinstance(message, Mapping) or set(message) != {"zh", "en"} or not all(
        type(message[k]) is str and message[k].strip() for k in ("zh", "en")
    ):
        raise fail("message", "must be a mapping with non-empty 'zh' and 'en' texts")
    expression = compile_expression(item[kind], field=f"{at}.{kind}", location=where)
    return JsonRule(
        id=rule_id,
        context=context,
        kind=kind,
        expression=expression,
        flag=flag,
        message=Text(zh=message["zh"], en=message["en"]),
        selector=selector,
    )
