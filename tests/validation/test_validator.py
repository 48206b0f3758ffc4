"""The validator as a composition of finding sources: order, each source alone, the binding step and
its rule-id cross-check, and a source of our own composed without touching the validator."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from pathlib import Path

import pytest

from conformance.core.errors import SpecError
from conformance.core.evaluation import EvaluationContext
from conformance.core.findings import Finding, Outcome, Severity
from conformance.core.text import Text
from conformance.standard.manifest import load_standard
from conformance.standard.model import Standard
from conformance.validation.documents.excerpt import Excerpts
from conformance.validation.documents.jsondoc import JsonDocument, parse_json
from conformance.validation.documents.payload import read_payload
from conformance.validation.documents.xmldoc import XmlDocument, parse_xml
from conformance.validation.sources import (
    BuiltinCheckSource,
    FindingSource,
    JsonRuleSource,
    MessageTypeBinding,
    SchemaSource,
    SchematronSource,
)
from conformance.validation.validator import MessageTypeValidator
from tests.conftest import ENVELOPE_BUNDLE, ENVELOPE_FIXTURES, fixture_manifest

EVALUATION = EvaluationContext()


@pytest.fixture(scope="module")
def envelope() -> Standard:
    return load_standard(ENVELOPE_BUNDLE)


def _doc(name: str) -> XmlDocument | JsonDocument:
    payload = read_payload(ENVELOPE_FIXTURES / name)
    return parse_xml(payload) if name.endswith(".xml") else parse_json(payload)


def _message_type(name: str) -> str:
    return "envelope-xml" if name.endswith(".xml") else "envelope-json"


def _failed(findings: Iterator[Finding] | list[Finding]) -> set[str | None]:
    return {f.requirement_id for f in findings if f.outcome is Outcome.FAILED}


def _kind(finding: Finding) -> str:
    return finding.source.split(":", 1)[0]


@pytest.mark.parametrize("name", ["xml/conformant-full.xml", "json/conformant-full.json"])
def test_findings_come_schema_then_rules_then_checks(envelope: Standard, name: str) -> None:
    validator = MessageTypeValidator(envelope, envelope.message_types[_message_type(name)])
    doc = _doc(name)
    findings = list(validator.validate(doc))
    xml = name.endswith(".xml")
    assert [kind for kind, _ in groupby(findings, _kind)] == (
        ["xsd", "schematron", "check"] if xml else ["json-schema", "json-rule", "check"])
    assert [type(s) for s in validator.sources] == [
        SchemaSource, SchematronSource if xml else JsonRuleSource, BuiltinCheckSource]
    # The validator adds nothing of its own: its findings are its sources' findings, chained.
    excerpts = Excerpts(doc)
    assert findings == [f for s in validator.sources for f in s.iter_findings(doc, excerpts)]


CASES = [c for c in fixture_manifest() if not c.get("error") and c["fails"]]


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_each_source_alone_gives_the_failures_of_its_kind(
    envelope: Standard, case: dict[str, object],
) -> None:
    name = str(case["file"])
    binding = MessageTypeBinding.of(envelope, envelope.message_types[_message_type(name)])
    doc = _doc(name)
    rules = SchematronSource if name.endswith(".xml") else JsonRuleSource
    failed = {
        kind: _failed(source.build(binding, EVALUATION).iter_findings(doc, Excerpts(doc)))
        for kind, source in (("schema", SchemaSource), ("rules", rules), ("checks", BuiltinCheckSource))
    }
    assert set().union(*failed.values()) == set(case["fails"])  # type: ignore[call-overload]
    schema_ids = {r.id for r in binding.schema_requirements}
    assert failed["schema"] <= schema_ids
    assert failed["rules"] <= {r.id for needing in binding.rule_requirements.values() for r in needing}
    assert failed["checks"] <= {r.id for r, _ in binding.builtin_checks}


def test_schema_source_passes_each_schema_requirement_or_fails_at_each_violation(envelope: Standard) -> None:
    binding = MessageTypeBinding.of(envelope, envelope.message_types["envelope-xml"])
    source = SchemaSource.build(binding, EVALUATION)
    good = _doc("xml/conformant-minimal.xml")
    passed = list(source.iter_findings(good, Excerpts(good)))
    assert [(f.requirement_id, f.outcome, f.source) for f in passed] == [
        (r.id, Outcome.PASSED, "xsd") for r in binding.schema_requirements]
    bad = _doc("xml/bad-schema-unknown-element.xml")
    failed = list(source.iter_findings(bad, Excerpts(bad)))
    assert failed and all(f.outcome is Outcome.FAILED and f.message.en.startswith("schema violation: ")
                          for f in failed)
    assert all(f.location is not None and f.location.line for f in failed)
    assert all(f.excerpt for f in failed)


def test_schematron_source_locates_a_failure_with_the_standards_prefixes(envelope: Standard) -> None:
    binding = MessageTypeBinding.of(envelope, envelope.message_types["envelope-xml"])
    source = SchematronSource.build(binding, EVALUATION)
    assert source.fork_safe  # queryBinding xslt: libxslt survives fork
    doc = _doc("xml/bad-in-reply-to-self.xml")
    findings = list(source.iter_findings(doc, Excerpts(doc)))
    failed = [f for f in findings if f.outcome is Outcome.FAILED]
    assert [f.requirement_id for f in failed] == ["EXC-017"]
    assert failed[0].source.startswith("schematron:")
    assert failed[0].location is not None and (failed[0].location.xpath or "").startswith("/env:Envelope")
    # Every other rule a requirement names is quiet: passed, or inapplicable when its context is absent.
    quiet = {f.outcome for f in findings if f.outcome is not Outcome.FAILED}
    assert quiet <= {Outcome.PASSED, Outcome.INAPPLICABLE} and Outcome.PASSED in quiet
    json_doc = _doc("json/bad-in-reply-to-self.json")
    assert list(source.iter_findings(json_doc, Excerpts(json_doc))) == []


def test_json_rule_source_fails_at_the_pointer(envelope: Standard) -> None:
    binding = MessageTypeBinding.of(envelope, envelope.message_types["envelope-json"])
    source = JsonRuleSource.build(binding, EVALUATION)
    assert {"EXC-J-009", "EXC-J-011-S"} <= source.rule_ids
    doc = _doc("json/bad-duplicate-part-id.json")
    failed = [f for f in source.iter_findings(doc, Excerpts(doc)) if f.outcome is Outcome.FAILED]
    assert [(f.requirement_id, f.source) for f in failed] == [("EXC-009", "json-rule:EXC-J-009")]
    assert failed[0].location is not None and failed[0].location.pointer == "/payload"
    xml_doc = _doc("xml/bad-duplicate-part-id.xml")
    assert list(source.iter_findings(xml_doc, Excerpts(xml_doc))) == []


def test_builtin_check_source_runs_each_check_and_one_alone(envelope: Standard) -> None:
    binding = MessageTypeBinding.of(envelope, envelope.message_types["envelope-json"])
    source = BuiltinCheckSource.build(binding, EVALUATION)
    assert [(b.requirement.id, b.check.name) for b in source.bindings] == [
        (r.id, c.name) for r, c in binding.builtin_checks]
    doc = _doc("json/bad-message-id.json")
    assert _failed(source.iter_findings(doc, Excerpts(doc))) == {"EXC-002", "EXC-010"}
    first = source.bindings[0]
    alone = list(source.only(first).iter_findings(doc, Excerpts(doc)))
    assert {f.source for f in alone} == {first.source}
    assert {f.requirement_id for f in alone} == {first.requirement.id}


def test_the_binding_indexes_requirements_by_kind_of_check(envelope: Standard) -> None:
    binding = MessageTypeBinding.of(envelope, envelope.message_types["envelope-json"])
    assert [r.id for r in binding.schema_requirements] == ["EXC-001"]
    assert [r.id for r in binding.rule_requirements["EXC-J-011-S"]] == ["EXC-011"]
    assert "EXC-X-009" not in binding.rule_requirements  # the XML binding's rule
    assert all(c.kind.value == "builtin" and "envelope-json" in c.message_types
               for _, c in binding.builtin_checks)
    binding.check_rule_ids(set(binding.rule_requirements))
    with pytest.raises(SpecError, match="requirement EXC-011 names rule 'EXC-J-011-S' for message type "
                                        "envelope-json, but no rule file of it defines that id"):
        binding.check_rule_ids(set(binding.rule_requirements) - {"EXC-J-011-S"})


RULE_BUNDLE = """\
manifest-format: 1
id: rules-demo
version: 1.0.0
title: {zh: 规则, en: Rules}
description: {zh: 规则, en: Rules}
publisher: {zh: 本项目, en: This project}
reference-specification: {zh: 参考, en: Reference}
lifecycle: {status: active, valid-from: 2026-01-01}
base-uri: "urn:rules-demo:"
default-class: core
message-types:
  - id: doc
    syntax: json
    title: {zh: 文档, en: Document}
    recognise: {pointer: /kind, value: doc}
    rules: [rules.yaml]
conformance-classes:
  - id: core
    title: {zh: 核心, en: Core}
requirements:
  - id: R-1
    level: MUST
    statement: {zh: 名称, en: Name}
    classes: [core]
    checks:
      - {by: rule, message-types: [doc], rule: R-NAME}
  - id: R-2
    level: MUST
    statement: {zh: 编号, en: Number}
    classes: [core]
    checks:
      - {by: rule, message-types: [doc], rule: R-NUMBER}
"""
RULES = """\
format: egov-conformance/json-rules
version: 1
language: certlogic
rules:
  - id: R-NAME
    context: ""
    assert: {var: name}
    flag: error
    message: {en: "A name is needed.", zh: "须有名称。"}
"""


def test_a_rule_id_no_rule_file_defines_is_a_spec_error(tmp_path: Path) -> None:
    bundle = tmp_path / "rules-demo" / "1.0.0"
    bundle.mkdir(parents=True)
    (bundle / "standard.yaml").write_text(RULE_BUNDLE, encoding="utf-8")
    (bundle / "rules.yaml").write_text(RULES, encoding="utf-8")
    standard = load_standard(bundle)
    with pytest.raises(SpecError) as info:
        MessageTypeValidator(standard, standard.message_types["doc"])
    assert info.value.message == ("requirement R-2 names rule 'R-NUMBER' for message type doc, "
                                  "but no rule file of it defines that id")
    assert info.value.location == str(standard.manifest)


class Stamp:
    """A source of our own: one finding per payload for the first schema requirement."""

    def __init__(self, requirement_id: str, *, fork_safe: bool = True) -> None:
        self.requirement_id = requirement_id
        self.fork_safe = fork_safe

    @classmethod
    def build(cls, binding: MessageTypeBinding, evaluation: EvaluationContext) -> Stamp:
        return cls(binding.schema_requirements[0].id)

    def iter_findings(self, doc: XmlDocument | JsonDocument, excerpts: Excerpts) -> Iterator[Finding]:
        yield Finding(self.requirement_id, Outcome.PASSED, Severity.INFO,
                      Text.same(f"stamped {doc.payload.name}"), "stamp")


def test_a_source_of_our_own_composes_after_the_others(envelope: Standard) -> None:
    stamp: FindingSource = Stamp("EXC-001")  # speaks the protocol
    assert stamp.fork_safe
    mt = envelope.message_types["envelope-json"]
    plain = list(MessageTypeValidator(envelope, mt).validate(_doc("json/conformant-minimal.json")))
    validator = MessageTypeValidator(envelope, mt, extra_sources=[Stamp.build])
    findings = list(validator.validate(_doc("json/conformant-minimal.json")))
    assert findings[:-1] == plain
    assert findings[-1].source == "stamp"
    assert findings[-1].message.en.endswith("/json/conformant-minimal.json")
    assert validator.fork_safe
    unsafe = MessageTypeValidator(envelope, mt,
                                  extra_sources=[lambda b, e: Stamp("EXC-001", fork_safe=False)])
    assert not unsafe.fork_safe
