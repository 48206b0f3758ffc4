"""JUnit XML (xunit2): counts agree with the run results, the shape is what CI servers read."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any

import pytest
from lxml import etree

from conformance.core.findings import Level, Outcome
from conformance.core.results import PayloadResult
from conformance.core.text import Text
from conformance.records.cases import Case
from conformance.records.record import RequirementRecord
from conformance.reports import junit
from conformance.reports.junit import case_kind, classname, junit_xml
from tests.reports.conftest import SUITE_HASH, as_record

# What the xunit2 schema (Jenkins' junit-10.xsd, which pytest's junit_family=xunit2 targets) allows.
ROOT_ATTRS = {"name", "time", "tests", "failures", "errors"}
SUITE_ATTRS = {"name", "tests", "failures", "errors", "group", "time", "skipped", "timestamp",
               "hostname", "id", "package", "file", "log", "url", "version"}
SUITE_CHILDREN = {"testsuite", "properties", "testcase", "system-out", "system-err"}
CASE_ATTRS = {"name", "time", "classname", "group"}
CASE_CHILDREN = {"skipped", "error", "failure", "system-out", "system-err"}


def parse(data: bytes) -> etree._Element:
    # Strict parsing: recover=False, so any character XML 1.0 cannot carry is an error here.
    return etree.fromstring(data, etree.XMLParser(recover=False, resolve_entities=False, no_network=True))


def expected_totals(document: dict[str, Any]) -> dict[str, int]:
    """What the run-results counts say the JUnit file must hold (see the junit module's rules)."""
    totals = Counter[str]()
    for r in document["requirements"]:
        counts, must = r["counts"], r["level"] == "MUST"
        totals["tests"] += sum(counts.values())
        totals["failures"] += counts["failed"] if must else 0
        totals["warnings"] += 0 if must else counts["failed"]
        totals["errors"] += counts["cantTell"] + (counts["untested"] if must else 0)
        totals["skipped"] += counts["inapplicable"] + (0 if must else counts["untested"])
    return dict(totals)


def test_counts_agree_with_the_run_results(failing_document: dict[str, Any]) -> None:
    root = parse(junit_xml(as_record(failing_document)))
    want = expected_totals(failing_document)
    assert want["failures"] and want["errors"] and want["skipped"] and want["warnings"]  # a real test
    assert want["tests"] == len(failing_document["payloads"]) * len(failing_document["requirements"])
    assert root.tag == "testsuites"
    assert {k: int(root.get(k)) for k in ("tests", "failures", "errors")} == {
        k: want[k] for k in ("tests", "failures", "errors")}
    cases = root.findall("testsuite/testcase")
    assert len(cases) == want["tests"]
    assert len(root.findall("testsuite/testcase/failure")) == want["failures"]
    assert len(root.findall("testsuite/testcase/error")) == want["errors"]
    assert len(root.findall("testsuite/testcase/skipped")) == want["skipped"]
    warnings = [c for c in cases if (c.findtext("system-out") or "").startswith("WARNING")]
    assert len(warnings) == want["warnings"]
    for suite in root.findall("testsuite"):
        for attr, child in (("failures", "failure"), ("errors", "error"), ("skipped", "skipped")):
            assert int(suite.get(attr)) == len(suite.findall(f"testcase/{child}")), (suite.get("name"), attr)
        assert int(suite.get("tests")) == len(suite.findall("testcase"))


def test_untested_must_is_an_error_untested_should_is_skipped(failing_document: dict[str, Any]) -> None:
    doc = copy.deepcopy(failing_document)
    payload = next(p for p in doc["payloads"] if p["outcomes"])
    levels = {r["id"]: r for r in doc["requirements"]}
    for rid in ("EXC-001", "EXC-010"):  # MUST, SHOULD: no check ran, as RunResults records it
        requirement = levels[rid]
        requirement["counts"][payload["outcomes"].pop(rid)] -= 1
        requirement["counts"]["untested"] += 1
    root = parse(junit_xml(as_record(doc)))
    want = expected_totals(doc)
    assert (int(root.get("errors")), int(root.get("failures"))) == (want["errors"], want["failures"])
    assert len(root.findall("testsuite/testcase/skipped")) == want["skipped"]
    suite = next(s for s in root.findall("testsuite") if s.get("name") == payload["name"])
    assert suite.find("testcase[@name='EXC-001']/error").get("type") == "untested"
    assert suite.find("testcase[@name='EXC-010']/skipped").get("type") == "untested"


def test_one_suite_per_payload_with_its_hash_and_the_run_facts(conformant_document: dict[str, Any]) -> None:
    doc = conformant_document
    root = parse(junit_xml(as_record(doc)))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [p["name"] for p in doc["payloads"]]
    for suite, payload in zip(suites, doc["payloads"], strict=True):
        props = {p.get("name"): p.get("value") for p in suite.findall("properties/property")}
        assert props["payload.sha256"] == payload["sha256"]
        assert props["tool.version"] == doc["tool"]["version"]
        assert props["standard.id"] == doc["standard"]["id"]
        assert props["standard.version"] == doc["standard"]["version"]
        assert props["standard.content-hash"] == doc["standard"]["content-hash"]
        assert props["suite.hash"] == SUITE_HASH
        assert props["seed"] == "20261125"
        assert props["finished"] == doc["finished"]
        assert [c.get("name") for c in suite.findall("testcase")] == [r["id"] for r in doc["requirements"]]
    assert root.get("failures") == root.get("errors") == "0"


def test_shape_is_xunit2(failing_document: dict[str, Any]) -> None:
    root = parse(junit_xml(as_record(failing_document)))
    assert set(root.attrib) <= ROOT_ATTRS
    assert {c.tag for c in root} == {"testsuite"}
    for suite in root:
        assert set(suite.attrib) <= SUITE_ATTRS
        assert {"name", "tests", "failures", "errors"} <= set(suite.attrib)
        assert {c.tag for c in suite} <= SUITE_CHILDREN
        for case in suite.findall("testcase"):
            assert set(case.attrib) <= CASE_ATTRS and "name" in case.attrib
            # xunit2 has no properties on a test case (pytest refuses record_property there too).
            assert {c.tag for c in case} <= CASE_CHILDREN
    # SUREFIRE_TIME: digits with at most three decimals.
    assert root.get("time") == "1.000"


def test_failure_carries_requirement_statement_location_and_excerpt(failing_document: dict[str, Any]) -> None:
    root = parse(junit_xml(as_record(failing_document)))
    suite = next(s for s in root.findall("testsuite")
                 if s.get("name").endswith("xml/bad-conversation-id.xml"))
    failure = suite.find("testcase[@name='EXC-003']/failure")
    assert failure is not None
    assert "is not a UUID" in failure.get("message")
    requirement = next(r for r in failing_document["requirements"] if r["id"] == "EXC-003")
    text = failure.text
    assert requirement["statement"]["en"] in text and requirement["statement"]["zh"] in text
    assert "line 4" in text and "/env:Envelope/env:ConversationId" in text
    assert ">4 |" in text  # the excerpt's marked line


def test_should_failure_is_a_passing_case_with_a_warning(failing_document: dict[str, Any]) -> None:
    root = parse(junit_xml(as_record(failing_document)))
    suite = next(s for s in root.findall("testsuite") if s.get("name").endswith("xml/bad-message-id.xml"))
    case = suite.find("testcase[@name='EXC-010']")
    assert case is not None and case.find("failure") is None and case.find("error") is None
    assert case.findtext("system-out").startswith("WARNING: EXC-010 is a SHOULD requirement")
    assert suite.find("testcase[@name='EXC-002']/failure") is not None  # the MUST one fails


def test_processing_errors_are_errors_with_the_reason(failing_document: dict[str, Any]) -> None:
    root = parse(junit_xml(as_record(failing_document)))
    suite = next(s for s in root.findall("testsuite") if s.get("name").endswith("hostile/billion-laughs.xml"))
    errors = suite.findall("testcase/error")
    assert len(errors) == len(failing_document["requirements"])
    assert all(e.get("type") == "processing-error" and "entity" in e.get("message") for e in errors)


def test_hostile_names_and_excerpts_stay_well_formed(hostile_document: dict[str, Any]) -> None:
    data = junit_xml(as_record(hostile_document))
    root = parse(data)
    ET.fromstring(data)  # expat agrees
    name = root.find("testsuite").get("name")
    assert "<script>" in name  # markup is kept as text, escaped by the serialiser
    assert "\\x00\\x01\\x08\\x0b\\x1b" in name and "\\udcff" in name and "\\ufffe" in name
    assert b"<script>" not in data
    failure = root.find(".//failure")
    assert "\\x1b[31m" in failure.text and "\\x1b[31m" in failure.get("message")


@pytest.mark.parametrize(("outcome", "level", "kind"), [
    (Outcome.PASSED, "MUST", junit.PASSED), (Outcome.FAILED, "MUST", junit.FAILURE),
    (Outcome.FAILED, "SHOULD", junit.WARNING), (Outcome.FAILED, "MAY", junit.WARNING),
    (Outcome.CANT_TELL, "SHOULD", junit.ERROR), (Outcome.UNTESTED, "MUST", junit.ERROR),
    (Outcome.UNTESTED, "SHOULD", junit.SKIPPED), (Outcome.INAPPLICABLE, "MUST", junit.SKIPPED),
])
def test_case_kind(outcome: Outcome, level: str, kind: str) -> None:
    requirement = RequirementRecord("R-1", "urn:r-1", Level(level), Text.same("r"), (), outcome,
                                    {o: int(o is outcome) for o in Outcome})
    payload = PayloadResult("p.xml", None, None, None, None, (), outcomes={"R-1": outcome})
    assert case_kind(Case(payload, requirement, outcome, ())) == kind


@pytest.mark.parametrize(("name", "dotted"), [
    ("fixtures/xml/bad-id.xml", "fixtures.xml.bad-id_xml"),
    ("./v1.0.0/a.json", "v1_0_0.a_json"),
    # Absolute, with no payload root given: the file alone, never the path that leads to it.
    ("/abs/./dir/v1.0.0/a.json", "a_json"),
    ("C:\\in\\a.xml", "a_xml"),
    ("<stdin>", "<stdin>"),
    ("", "payload"),
])
def test_classname(name: str, dotted: str) -> None:
    assert classname(name) == dotted


def test_absolute_payloads_are_named_from_the_folder_they_share() -> None:
    names = ["/home/ci/build-17/payloads/xml/a.xml", "/home/ci/build-17/payloads/json/b.json",
             "/home/ci/build-17/payloads/c.xml", "relative/d.xml"]
    root = junit.payload_root(names)
    assert root == ("home", "ci", "build-17", "payloads")
    assert [classname(n, root) for n in names] == ["xml.a_xml", "json.b_json", "c_xml", "relative.d_xml"]
    # Payloads that share nothing but `/`: each is named by its file alone.
    apart = ["/srv/a.xml", "/tmp/x/b.xml"]
    assert junit.payload_root(apart) == ()
    assert [classname(n, junit.payload_root(apart)) for n in apart] == ["a_xml", "b_xml"]


def test_no_absolute_path_reaches_a_class_name(failing_document: dict[str, Any]) -> None:
    document = copy.deepcopy(failing_document)
    base = "/home/vendor/secret-project/out"
    for i, payload in enumerate(document["payloads"]):
        payload["name"] = f"{base}/{'xml' if i % 2 else 'json'}/p{i}.xml"
    root = parse(junit_xml(as_record(document)))
    names = {case.get("classname") for case in root.iter("testcase")}
    assert names == {f"{'xml' if i % 2 else 'json'}.p{i}_xml" for i in range(len(document["payloads"]))}
    assert not any("home" in n or "secret" in n for n in names)
    # The suite's own name and properties still say exactly which file it was.
    assert {s.get("name") for s in root.iter("testsuite")} == {p["name"] for p in document["payloads"]}
