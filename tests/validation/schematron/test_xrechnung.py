"""Germany's XRechnung profile stacked on EN 16931, run from its publisher's Schematron.

As the KoSIT validator configuration does (`xrechnung/kosit-configuration/scenarios.xml`), each
example must be valid against its syntax's XSD, the EN 16931 rule set of that syntax and the
XRechnung rule set, and it is accepted when none of them reports a fatal or error failure. The
corpora are read where they are (`../shared/corpora`), never copied into the project; without
them these tests skip, unless CI is set: then they fail, so that a missing corpus cannot hide them.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from conformance.validation.schemas import XsdValidator
from conformance.validation.schematron import CompiledSchematron, compile_schematron
from tests.conftest import CORPORA

from .conftest import parse

XRECHNUNG = CORPORA / "xrechnung"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"


@dataclass(frozen=True, slots=True)
class Syntax:
    """One syntax of the profile: its example, schema, and the two rule sets stacked on it."""

    name: str
    example: Path
    xsd: Path
    xsd_root: Path
    en16931: Path
    xrechnung: Path
    # Where the example keeps BT-10 "Buyer reference" (XRechnung makes it mandatory, BR-DE-15)
    # and BT-24 "Specification identifier" (BR-DE-21 compares it with the profile's variables).
    buyer_reference: str
    specification_id: str


SYNTAXES = (
    Syntax("ubl", XRECHNUNG / "examples" / "01.01a-INVOICE_ubl.xml",
           CORPORA / "ubl-2.1-xsd" / "maindoc" / "UBL-Invoice-2.1.xsd", CORPORA / "ubl-2.1-xsd",
           CORPORA / "en16931-ubl" / "schematron" / "EN16931-UBL-validation.sch",
           XRECHNUNG / "schematron" / "ubl" / "XRechnung-UBL-validation.sch",
           f"{{{CBC}}}BuyerReference", f"{{{CBC}}}CustomizationID"),
    Syntax("cii", XRECHNUNG / "examples" / "01.01a-INVOICE_uncefact.xml",
           CORPORA / "cii-d16b-xsd" / "CrossIndustryInvoice_100pD16B.xsd", CORPORA / "cii-d16b-xsd",
           CORPORA / "en16931-cii" / "schematron" / "EN16931-CII-validation.sch",
           XRECHNUNG / "schematron" / "cii" / "XRechnung-CII-validation.sch",
           f"{{{RAM}}}BuyerReference", f"{{{RAM}}}GuidelineSpecifiedDocumentContextParameter/{{{RAM}}}ID"),
)
MISSING = [str(p) for s in SYNTAXES for p in (s.example, s.xsd, s.en16931, s.xrechnung) if not p.is_file()]

pytestmark = pytest.mark.skipif(
    bool(MISSING) and not os.environ.get("CI"),
    reason=f"XRechnung corpora not found in {CORPORA}: {', '.join(MISSING)}")


@pytest.fixture(scope="module", autouse=True)
def _corpora_present() -> None:
    if MISSING:
        pytest.fail(f"CI is set and the corpora are missing: {', '.join(MISSING)}")


@pytest.fixture(scope="module")
def _module_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # One compilation per rule set for the module, in a cache folder of its own.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONFORMANCE_CACHE_DIR", str(tmp_path_factory.mktemp("xrechnung-cache")))
        yield


@pytest.fixture(scope="module", params=SYNTAXES, ids=lambda s: s.name)
def syntax(request: pytest.FixtureRequest) -> Syntax:
    value: Syntax = request.param
    return value


@pytest.fixture(scope="module")
def rule_sets(syntax: Syntax, _module_cache: None) -> tuple[CompiledSchematron, CompiledSchematron]:
    """EN 16931 and XRechnung for `syntax`, each read inside the folder its includes live in."""
    en16931 = compile_schematron(syntax.en16931, root=syntax.en16931.parent)
    xrechnung = compile_schematron(syntax.xrechnung, root=XRECHNUNG / "schematron")
    return en16931, xrechnung


def errors(compiled: CompiledSchematron, document: etree._ElementTree, name: str) -> list[tuple[str, str]]:
    """The failures that make the KoSIT validator reject a document: flag fatal or error."""
    report = compiled.validate(document, name=name)
    return [(f.assertion_id, f.text) for f in report.failures if f.flag in ("fatal", "error")]


def test_the_xrechnung_rule_sets_compile(rule_sets: tuple[CompiledSchematron, CompiledSchematron]) -> None:
    _, xrechnung = rule_sets
    assert xrechnung.query_binding == "xslt2"
    assert xrechnung.assertions["BR-DE-1"].flag == "fatal"
    assert xrechnung.assertions["BR-DE-15"].pattern_id in ("ubl-pattern", "cii-pattern")
    # The Peppol rules the publisher merged in come along, with their `xs:`-typed functions.
    assert any(key.startswith("PEPPOL-EN16931-") for key in xrechnung.assertions)


def test_the_example_is_valid_against_its_schema(syntax: Syntax) -> None:
    validator = XsdValidator(syntax.xsd, root=syntax.xsd_root)
    assert list(validator.iter_violations(parse(syntax.example))) == []


def test_the_example_passes_en16931_and_xrechnung(
    syntax: Syntax, rule_sets: tuple[CompiledSchematron, CompiledSchematron]
) -> None:
    en16931, xrechnung = rule_sets
    document = parse(syntax.example)
    assert errors(en16931, document, syntax.example.name) == []
    report = xrechnung.validate(document, name=syntax.example.name)
    # BR-DE-TMP-32 (information) holds: the second invoice line has no period of its own.
    assert [(f.assertion_id, f.flag) for f in report.failures] == [("BR-DE-TMP-32", "information")]
    # The rules ran, and BR-DE-21 read the variables of the pattern of lets only.
    assert {"BR-DE-1", "BR-DE-15", "BR-DE-21"} <= report.fired_assertions


def test_a_broken_example_is_rejected_by_xrechnung(
    syntax: Syntax, rule_sets: tuple[CompiledSchematron, CompiledSchematron]
) -> None:
    _, xrechnung = rule_sets
    document = copy.deepcopy(parse(syntax.example))
    buyer = document.getroot().find(f".//{syntax.buyer_reference}")
    specification = document.getroot().find(f".//{syntax.specification_id}")
    parent = buyer.getparent() if buyer is not None else None
    assert buyer is not None and parent is not None and specification is not None
    parent.remove(buyer)
    specification.text = "urn:cen.eu:en16931:2017"
    report = xrechnung.validate(document, name=syntax.example.name)
    failed = {(f.assertion_id, f.flag) for f in report.failures}
    assert {("BR-DE-15", "fatal"), ("BR-DE-21", "warning")} <= failed
