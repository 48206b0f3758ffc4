"""The published EN 16931 (UBL) rule set run from its Schematron source.

Three checks: every unit-test expectation holds; every complete example passes with no fatal or
error failure; and, differentially, our failures (assertion id + location) equal those of the
publisher's own compiled stylesheet run on the same Saxon processor, document by document.
"""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from conformance.validation.schematron import CompiledSchematron, compile_schematron
from conformance.validation.schematron._runtime import document_text, saxon_processor

from .conftest import parse

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpora" / "en16931-ubl"
SCHEMA = CORPUS / "schematron" / "EN16931-UBL-validation.sch"
PUBLISHED = CORPUS / "xslt" / "EN16931-UBL-validation.xslt"
VEFA = "{http://difi.no/xsd/vefa/validator/1.0}"
SVRL = "{http://purl.oclc.org/dsdl/svrl}"

pytestmark = pytest.mark.skipif(
    not SCHEMA.is_file(), reason=f"EN 16931 corpus not found at {CORPUS} (../shared/corpora)"
)


def unit_tests() -> list[tuple[str, etree._ElementTree, list[tuple[str, str]]]]:
    """(id, document, [(expectation, rule id)]) for every test of every unit-test file."""
    if not SCHEMA.is_file():
        return []
    cases = []
    for file in sorted((CORPUS / "unit-tests").glob("*.xml")):
        for index, test in enumerate(parse(file).getroot().iter(f"{VEFA}test")):
            header = test.find(f"{VEFA}assert")
            assert header is not None
            expected = [
                (etree.QName(e).localname, (e.text or "").strip())
                for e in header
                if etree.QName(e).localname in ("success", "error", "warning")
            ]
            body = next(c for c in test if isinstance(c.tag, str) and c.tag != f"{VEFA}assert")
            # A deep copy keeps the source lines of the unit-test file.
            cases.append((f"{file.stem}#{index + 1}", etree.ElementTree(copy.deepcopy(body)), expected))
    return cases


def examples() -> list[Path]:
    return sorted((CORPUS / "examples").glob("*")) if SCHEMA.is_file() else []


UNIT_TESTS = unit_tests()


@pytest.fixture(scope="module")
def compiled() -> CompiledSchematron:
    return compile_schematron(SCHEMA, root=CORPUS / "schematron")


@pytest.fixture(scope="module")
def published() -> object:
    return (
        saxon_processor()
        .new_xslt30_processor()
        .compile_stylesheet(stylesheet_text=PUBLISHED.read_text(encoding="utf-8"))
    )


def published_failures(published: object, document: etree._ElementTree) -> Counter[tuple[str, str]]:
    node = saxon_processor().parse_xml(xml_text=document_text(document))
    svrl = etree.fromstring(published.transform_to_string(xdm_node=node).encode())  # type: ignore[attr-defined]
    return Counter(
        (e.get("id", ""), e.get("location", ""))
        for e in svrl
        if e.tag in (f"{SVRL}failed-assert", f"{SVRL}successful-report")
    )


def test_rule_set_shape(compiled: CompiledSchematron) -> None:
    assert compiled.query_binding == "xslt2"
    assert {"BR-01", "BR-CO-15", "BR-CL-14", "UBL-SR-12"} <= set(compiled.assertions)
    assert compiled.assertions["BR-01"].flag == "fatal"
    assert compiled.assertions["BR-01"].pattern_id == "UBL-model"


@pytest.mark.parametrize(("name", "document", "expected"), UNIT_TESTS, ids=[c[0] for c in UNIT_TESTS])
def test_unit_test_expectations(
    compiled: CompiledSchematron,
    name: str,
    document: etree._ElementTree,
    expected: list[tuple[str, str]],
) -> None:
    report = compiled.validate(document, name=name)
    failed = {f.assertion_id for f in report.failures}
    for kind, rule in expected:
        if kind == "success":
            assert rule not in failed, f"{rule} fired but the unit test says it must not"
            # The rule under test applies to the document: it must have been evaluated.
            assert rule in report.fired_assertions or rule not in compiled.assertions
        else:
            assert rule in failed, f"{rule} did not fire but the unit test expects {kind}"
            flags = {f.flag for f in report.failures if f.assertion_id == rule}
            assert flags <= ({"warning"} if kind == "warning" else {"fatal", "error"})
    assert all(f.line is not None for f in report.failures)


@pytest.mark.parametrize("path", examples(), ids=lambda p: p.name)
def test_examples_pass(compiled: CompiledSchematron, path: Path) -> None:
    report = compiled.validate(parse(path), name=path.name)
    assert [f for f in report.failures if f.flag in ("fatal", "error")] == []
    assert "BR-01" in report.fired_assertions


@pytest.mark.parametrize(
    ("name", "document"),
    [(c[0], c[1]) for c in UNIT_TESTS] + [(p.name, parse(p)) for p in examples()],
    ids=[c[0] for c in UNIT_TESTS] + [p.name for p in examples()],
)
def test_same_failures_as_published_stylesheet(
    compiled: CompiledSchematron, published: object, name: str, document: etree._ElementTree
) -> None:
    ours = Counter((f.assertion_id, f.location) for f in compiled.validate(document, name=name).failures)
    assert ours == published_failures(published, document)
