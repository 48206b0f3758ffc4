"""Rule files: loading `egov-conformance/json-rules` YAML and running its rules on a document."""

from __future__ import annotations

import re
from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from conformance.core.digests import sha256_digest
from conformance.core.errors import RuleError, SpecError
from conformance.core.files import read_bounded
from conformance.core.findings import Severity
from conformance.core.limits import RULE_FILE_MAX_BYTES
from conformance.core.text import Text
from conformance.core.yamlload import parse_yaml
from conformance.validation.jsonrules._expression import Expression, compile_expression
from conformance.validation.jsonrules._pointer import ContextSelector
from conformance.validation.jsonrules._values import truthy

FORMAT = "egov-conformance/json-rules"
MAX_FILE_BYTES = RULE_FILE_MAX_BYTES
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
class RuleEvaluation:
    """The outcome of one rule on one document: how many context nodes it ran on, where it failed."""

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

    def outcomes(self, document: Any) -> Iterator[RuleOutcome]:
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

    def evaluate(self, document: Any, nodes: list[Any] | None = None) -> RuleEvaluation:
        """The rule on every context node at once (`nodes`: the context nodes, if already known).

        Gives the same verdicts as `outcomes`, without an object or a pointer per passing node:
        documents have many context nodes and few failures, whose pointers are found again by
        position. A RuleError names the context node it came from.
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
        except RuleError as exc:
            raise self._located(exc, document, nodes) from exc
        failed: tuple[str, ...] = ()
        if bad:
            try:
                failed = tuple(self.selector.pointers(document, bad))
            except RuleError as exc:
                raise RuleError(exc.message, location=exc.location, rule=self.id) from exc
        return RuleEvaluation(self.id, len(nodes), failed)

    def _located(self, exc: RuleError, document: Any, nodes: list[Any]) -> RuleError:
        """`exc` naming the context node it came from, found by evaluating again up to it."""
        evaluate = self.expression.evaluator(document)
        for index, node in enumerate(nodes):
            try:
                evaluate(node)
            except RuleError:
                (pointer,) = self.selector.pointers(document, [index])
                return RuleError(f"{exc.message} (context node {pointer or '/'})",
                                 location=exc.location, rule=self.id)
        return RuleError(exc.message, location=exc.location, rule=self.id)  # pragma: no cover


class JsonRuleSet:
    """The rules of one file, in file order."""

    __slots__ = ("by_id", "content_hash", "path", "rules")

    def __init__(self, path: Path, rules: tuple[JsonRule, ...], content_hash: str) -> None:
        self.path = path
        self.rules = rules
        self.by_id = {rule.id: rule for rule in rules}
        self.content_hash = content_hash

    def outcomes(self, document: Any) -> Iterator[RuleOutcome]:
        """Outcomes of every rule on every node its context matches, rule by rule."""
        for rule in self.rules:
            try:
                yield from rule.outcomes(document)
            except RuleError as exc:
                raise RuleError(exc.message, location=str(self.path), rule=exc.rule) from exc

    def evaluate(self, document: Any,
                 wanted: Container[str] | None = None) -> Iterator[RuleEvaluation | RuleError]:
        """Each wanted rule (all when None) on `document`, in file order; a context is selected once.

        A rule that breaks gives its RuleError (naming the file) in place of its evaluation, so
        one broken rule leaves the others decided.
        """
        selected: dict[str, list[Any]] = {}
        for rule in self.rules:
            if wanted is not None and rule.id not in wanted:
                continue
            nodes = selected.get(rule.context)
            if nodes is None:
                nodes = selected[rule.context] = rule.selector.nodes(document)
            try:
                yield rule.evaluate(document, nodes)
            except RuleError as exc:
                yield RuleError(exc.message, location=str(self.path), rule=exc.rule or rule.id)

    def __repr__(self) -> str:
        return f"JsonRuleSet({str(self.path)!r}, {len(self.rules)} rules)"


def load_rules(path: Path) -> JsonRuleSet:
    """Load and compile a rule file; SpecError naming the file, the rule and the field at fault."""
    where = str(path)
    # A regular file, bounded, never blocking (a FIFO or /dev/zero is refused before a byte is read),
    # parsed within the YAML budgets (aliases counted expanded, depth, integer digits).
    data = read_bounded(path, max_bytes=MAX_FILE_BYTES, error=SpecError, what="rule file",
                        what_zh="规则文件")
    raw = parse_yaml(data, where=where, what="rule file", dates=True)
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
