"""One message type of one standard, compiled: schema, rules and checks, turning documents into findings."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.core.errors import RuleError, SpecError
from conformance.core.evaluation import EvaluationContext
from conformance.core.findings import Finding, Location, Outcome, Severity
from conformance.core.text import Text
from conformance.standard.model import CheckKind, CodeList, MessageType, Requirement, Standard, Syntax
from conformance.validation.checks import BuiltinCheck, get_check
from conformance.validation.documents.excerpt import Excerpts
from conformance.validation.documents.jsondoc import JsonDocument
from conformance.validation.documents.xmldoc import XmlDocument
from conformance.validation.documents.xpaths import readable_xpath
from conformance.validation.jsonrules import JsonRuleSet, load_rules
from conformance.validation.schemas import JsonSchemaValidator, SchemaViolation, XsdValidator
from conformance.validation.schematron import CompiledSchematron, LineFinder, compile_schematron
from conformance.validation.targets import (
    compile_xml_target,
    json_pointers_at,
    parse_json_target,
    select_json_values,
    select_xml,
)


class _Codes:
    """The CheckContext built-in checks see: the standard's code lists."""

    def __init__(self, code_lists: Mapping[str, CodeList], where: str) -> None:
        self._lists = code_lists
        self._where = where

    def code_list(self, list_id: str) -> CodeList:
        try:
            return self._lists[list_id]
        except KeyError:
            raise SpecError(f"unknown code list {list_id!r}", location=self._where) from None


@dataclass(frozen=True, slots=True)
class _BuiltinBinding:
    requirement: Requirement
    check: BuiltinCheck
    params: Mapping[str, object]
    selector: Any  # etree.XPath (XML) or tuple of pointer steps (JSON)
    source: str  # check:<name>, the finding's source


def _severity(requirement: Requirement) -> Severity:
    return requirement.level.severity


class MessageTypeValidator:
    """Compiled once per process; `validate` is then called for every payload of the type."""

    def __init__(self, standard: Standard, message_type: MessageType, *,
                 evaluation: EvaluationContext | None = None) -> None:
        self.standard = standard
        self.message_type = message_type
        # The run's time and seed, for rules that ask for the clock or random numbers.
        self.evaluation = evaluation or EvaluationContext()
        where = str(standard.manifest)
        self._codes = _Codes(standard.code_lists, where)
        reqs = [r for r in standard.requirements.values() if r.applies_to(message_type.id)]
        mt_id = message_type.id
        self._schema_reqs = [r for r in reqs if any(
            c.kind is CheckKind.SCHEMA and mt_id in c.message_types for c in r.checks)]
        self._rule_reqs: dict[str, list[Requirement]] = defaultdict(list)
        self._builtins: list[_BuiltinBinding] = []
        for r in reqs:
            for c in r.checks:
                if mt_id not in c.message_types:
                    continue
                if c.kind is CheckKind.RULE and c.rule:
                    self._rule_reqs[c.rule].append(r)
                elif c.kind is CheckKind.BUILTIN and c.name and c.target is not None:
                    check = get_check(c.name)
                    at = f"{where}: requirement {r.id}"
                    try:
                        check.validate_params(c.params)
                    except SpecError as exc:
                        raise SpecError(f"requirement {r.id}, check {c.name}: {exc.message}",
                                        location=where) from exc
                    selector = (compile_xml_target(c.target, message_type.namespaces, where=at)
                                if message_type.syntax is Syntax.XML
                                else parse_json_target(c.target, where=at))
                    self._builtins.append(_BuiltinBinding(r, check, c.params, selector,
                                                          f"check:{check.name}"))

        self._xsd: XsdValidator | None = None
        self._json_schema: JsonSchemaValidator | None = None
        if message_type.schema is not None:
            if message_type.syntax is Syntax.XML:
                self._xsd = XsdValidator(message_type.schema, root=standard.root,
                                         evaluation=self.evaluation)
            else:
                self._json_schema = JsonSchemaValidator(message_type.schema)

        self._schematrons: list[CompiledSchematron] = []
        self._rule_sets: list[JsonRuleSet] = []
        known: dict[str, int] = {}
        for index, path in enumerate(message_type.rules):
            if message_type.syntax is Syntax.XML:
                compiled = compile_schematron(path, phase=message_type.phase_of(path),
                                              root=standard.root)
                self._schematrons.append(compiled)
                ids = list(compiled.assertions)
            else:
                rule_set = load_rules(path)
                self._rule_sets.append(rule_set)
                ids = [rule.id for rule in rule_set.rules]
            for rid in ids:
                known.setdefault(rid, index)
        for rule_id, needing in self._rule_reqs.items():
            if rule_id not in known:
                raise SpecError(
                    f"requirement {needing[0].id} names rule {rule_id!r} for message type {mt_id}, "
                    f"but no rule file of it defines that id", location=where)

    # -- validation -------------------------------------------------------------------------------

    def validate(self, doc: XmlDocument | JsonDocument) -> Iterator[Finding]:
        """Yield the findings of every check of this message type on `doc`."""
        excerpts = Excerpts(doc)
        yield from self._schema_findings(doc, excerpts)
        if isinstance(doc, XmlDocument):
            yield from self._schematron_findings(doc, excerpts)
        else:
            yield from self._json_rule_findings(doc, excerpts)
        yield from self._builtin_findings(doc, excerpts)

    def _schema_findings(self, doc: XmlDocument | JsonDocument, ex: Excerpts) -> Iterator[Finding]:
        if not self._schema_reqs:
            return
        violations: list[SchemaViolation]
        source = "xsd" if isinstance(doc, XmlDocument) else "json-schema"
        if isinstance(doc, XmlDocument):
            assert self._xsd is not None
            violations = list(self._xsd.iter_violations(doc.tree))
        else:
            assert self._json_schema is not None
            violations = list(self._json_schema.iter_violations(doc.value))
        for req in self._schema_reqs:
            if not violations:
                yield Finding(req.id, Outcome.PASSED, Severity.INFO,
                              Text(zh="报文符合模式", en="payload is valid against the schema"), source)
                continue
            for v in violations:
                location = ex.locate(line=v.line, column=v.column, xpath=v.xpath, pointer=v.pointer)
                yield Finding(
                    req.id, Outcome.FAILED, _severity(req),
                    Text(zh=f"不符合模式：{v.message}", en=f"schema violation: {v.message}"),
                    source, location=location, hint=req.hint, excerpt=ex.excerpt(location),
                )

    def _schematron_findings(self, doc: XmlDocument, ex: Excerpts) -> Iterator[Finding]:
        for compiled in self._schematrons:
            wanted = [rid for rid in self._rule_reqs if rid in compiled.assertions]
            if not wanted:
                continue
            try:
                report = compiled.validate(doc.tree, name=doc.payload.name, evaluation=self.evaluation)
            except RuleError as exc:
                yield from self._broken_rules(wanted, f"schematron:{compiled.path.name}", exc)
                continue
            failed: dict[str, int] = defaultdict(int)
            finder: LineFinder | None = None
            for failure in report.failures:
                reqs = self._rule_reqs.get(failure.assertion_id)
                if not reqs:
                    continue
                failed[failure.assertion_id] += 1
                if finder is None:
                    finder = LineFinder(doc.tree)
                location = ex.locate(line=failure.line, xpath=self._readable(finder, failure.location))
                for req in reqs:
                    yield Finding(
                        req.id, Outcome.FAILED, _severity(req), Text.same(failure.text.strip()),
                        f"schematron:{failure.assertion_id}", location=location, hint=req.hint,
                        excerpt=ex.excerpt(location),
                    )
            for rule_id in wanted:
                if failed.get(rule_id):
                    continue
                fired = rule_id in report.fired_assertions
                for req in self._rule_reqs[rule_id]:
                    yield _quiet(req, rule_id, "schematron", fired)

    def _json_rule_findings(self, doc: JsonDocument, ex: Excerpts) -> Iterator[Finding]:
        for rule_set in self._rule_sets:
            # One rule that breaks makes only its own requirements undecided.
            for check in rule_set.check(doc.value, self._rule_reqs):
                if isinstance(check, RuleError):
                    yield from self._broken_rules([check.rule or ""], f"json-rule:{check.rule}", check)
                    continue
                reqs = self._rule_reqs[check.rule_id]
                rule = rule_set.by_id[check.rule_id]
                for pointer in check.failed:
                    location = ex.locate(pointer=pointer)
                    for req in reqs:
                        yield Finding(
                            req.id, Outcome.FAILED, _severity(req), rule.message,
                            f"json-rule:{rule.id}", location=location, hint=req.hint,
                            excerpt=ex.excerpt(location),
                        )
                if not check.failed:
                    for req in reqs:
                        yield _quiet(req, rule.id, "json-rule", check.nodes > 0)

    @property
    def fork_safe(self) -> bool:
        """Whether a forked process may use this validator as it is: libxml2/libxslt and Python
        state are copied by fork; SaxonC's runtime threads are not."""
        return all(c.query_binding == "xslt" for c in self._schematrons)

    def _readable(self, finder: LineFinder, location: str) -> str:
        """SVRL's `/*[local-name()='Envelope' and namespace-uri()='urn:...'][1]` as a person writes
        it, `/env:Envelope`, with the standard's prefixes; unchanged when it cannot be resolved."""
        element = finder.element(location)
        if element is None:
            return location
        readable = readable_xpath(element, self.message_type.namespaces)
        attribute = location.rsplit("/", 1)[-1]
        if attribute.startswith("@"):
            match = re.fullmatch(r"@\*\[local-name\(\)='([^']*)'.*", attribute)
            readable += f"/@{match.group(1)}" if match else f"/{attribute}"
        return readable

    def _broken_rules(self, rule_ids: list[str], source: str, exc: RuleError) -> Iterator[Finding]:
        detail = exc.message + (f" (rule {exc.rule})" if exc.rule else "")
        for rule_id in rule_ids:
            for req in self._rule_reqs[rule_id]:
                yield Finding(
                    req.id, Outcome.CANT_TELL, Severity.ERROR,
                    Text(zh=f"规则执行出错：{detail}", en=f"rule failed to run: {detail}"),
                    source, processing_error=True,
                )

    def _builtin_findings(self, doc: XmlDocument | JsonDocument, ex: Excerpts) -> Iterator[Finding]:
        codes = self._codes
        for binding in self._builtins:
            req, source = binding.requirement, binding.source
            # The values alone first (a non-string is reported by the check itself); where a value
            # sits is worked out only for the few that fail: most values pass.
            if isinstance(doc, XmlDocument):
                nodes = list(select_xml(binding.selector, doc.root))
                values = [value for value, _ in nodes]
            else:
                values = select_json_values(binding.selector, doc.value)
            verdicts = binding.check.run_all(values, binding.params, codes)
            pointers: dict[int, str] | None = None
            problems_seen = False
            for index, problems in enumerate(verdicts):
                if not problems:
                    continue
                problems_seen = True
                if isinstance(doc, XmlDocument):
                    location = self._locate(nodes[index][1], ex)
                else:
                    if pointers is None:  # the same walk again, joining pointers for failures only
                        failed = {i for i, found in enumerate(verdicts) if found}
                        pointers = json_pointers_at(binding.selector, doc.value, failed)
                    location = ex.locate(pointer=pointers.get(index))
                for problem in problems:
                    yield Finding(
                        req.id, Outcome.FAILED, _severity(req), problem.message, source,
                        location=location, hint=problem.hint or req.hint,
                        excerpt=ex.excerpt(location))
            if not problems_seen:
                yield _checked(req.id, source, len(values))

    def _locate(self, element: Any, ex: Excerpts) -> Location:
        return ex.locate(line=element.sourceline,
                         xpath=readable_xpath(element, self.message_type.namespaces))


def _quiet(req: Requirement, rule_id: str, kind: str, fired: bool) -> Finding:
    """The finding for a rule that did not fail: passed if its context matched, else inapplicable.

    Findings are values: the same one serves every payload (most rules pass on most payloads).
    """
    key = (req.id, rule_id, kind, fired)
    finding = _QUIET.get(key)
    if finding is None:
        finding = _QUIET[key] = _quiet_finding(req, rule_id, kind, fired)
    return finding


_QUIET: dict[tuple[str, str, str, bool], Finding] = {}
_CHECKED: dict[tuple[str, str, int], Finding] = {}


def _checked(requirement_id: str, source: str, checked: int) -> Finding:
    """The finding for a check no value failed: passed if it saw values, else inapplicable."""
    key = (requirement_id, source, checked)
    finding = _CHECKED.get(key)
    if finding is None:
        if checked:
            finding = Finding(requirement_id, Outcome.PASSED, Severity.INFO,
                              Text(zh=f"检查了 {checked} 个值", en=f"{checked} value(s) checked"), source)
        else:
            finding = Finding(requirement_id, Outcome.INAPPLICABLE, Severity.INFO,
                              Text(zh="报文中没有该检查的目标", en="the payload has no value to check"),
                              source)
        if len(_CHECKED) < 10_000:  # counts vary with payloads: keep the cache bounded
            _CHECKED[key] = finding
    return finding


def _quiet_finding(req: Requirement, rule_id: str, kind: str, fired: bool) -> Finding:
    if fired:
        return Finding(req.id, Outcome.PASSED, Severity.INFO,
                       Text(zh=f"规则 {rule_id} 成立", en=f"rule {rule_id} holds"), f"{kind}:{rule_id}")
    return Finding(req.id, Outcome.INAPPLICABLE, Severity.INFO,
                   Text(zh=f"规则 {rule_id} 的上下文在报文中不存在",
                        en=f"the context of rule {rule_id} does not occur in the payload"),
                   f"{kind}:{rule_id}")

