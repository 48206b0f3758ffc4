"""Every supported Schematron feature, run through each query binding on small rule sets."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.validation.schematron import SchematronReport, compile_schematron

from .conftest import BINDINGS, DATA, location, parse

INV = "urn:example:invoice"
ORDER = "urn:example:order"

Make = Callable[[str, str], Path]


def run(schema: Path, document: Path, phase: str | None = None) -> SchematronReport:
    return compile_schematron(schema, phase=phase).validate(parse(document), name=document.name)


def by_id(report: SchematronReport) -> Counter[str]:
    return Counter(f.assertion_id for f in report.failures)


@pytest.fixture(params=BINDINGS)
def binding(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def features(binding: str, with_binding: Make) -> SchematronReport:
    folder = with_binding("features", binding)
    compiled = compile_schematron(folder / "invoice.sch")
    assert compiled.query_binding == binding
    return compiled.validate(parse(folder / "invoice.xml"), name="invoice.xml")


def failure(report: SchematronReport, assertion_id: str) -> list:  # type: ignore[type-arg]
    return [f for f in report.failures if f.assertion_id == assertion_id]


def test_expected_failures_in_default_phase(features: SchematronReport) -> None:
    assert by_id(features) == Counter(
        {"T-1": 1, "T-2": 1, "T-3": 1, "P-1": 1, "L-2": 1, "L-3": 2, "F-1": 1, "F-2": 1, "A-2": 1}
    )


def test_let_at_schema_pattern_and_rule_level_in_messages(features: SchematronReport) -> None:
    (total,) = failure(features, "T-1")
    # $total is a rule let, $sum a pattern let, $currency a schema let.
    assert total.text == "Total 9 must equal the sum of line amounts 8 in EUR."
    assert total.diagnostics == ("Found 9, expected 8.",)
    assert total.test == "$total = $sum"


def test_value_of_and_name_in_messages(features: SchematronReport) -> None:
    assert failure(features, "T-2")[0].text == "At most 2 lines in inv:invoice."
    assert failure(features, "T-3")[0].text == "The inv:note element is present."
    assert failure(features, "L-2")[0].text == "Line L2 has a positive amount."


def test_flags_and_roles_with_rule_fallback(features: SchematronReport) -> None:
    (t1,) = failure(features, "T-1")
    (t2,) = failure(features, "T-2")
    (t3,) = failure(features, "T-3")
    assert (t1.flag, t1.role) == ("fatal", "invoice")  # from the rule
    assert (t2.flag, t2.role) == ("warning", "size")  # the assertion's own
    assert (t3.kind, t3.flag, t3.role) == ("report", "fatal", "info")
    assert failure(features, "L-2")[0].flag == "error"


def test_abstract_pattern_with_params(features: SchematronReport, binding: str) -> None:
    (p1,) = failure(features, "P-1")
    # "$parent-child" must win over its prefix "$parent".
    assert p1.text == "The inv:party needs inv:name."
    assert p1.location == location(binding, (INV, "invoice", 1), (INV, "party", 2))
    assert p1.line == 7


def test_abstract_rules_and_extends(features: SchematronReport, binding: str) -> None:
    # L-1 comes from a pattern-level abstract rule, L-2 from a schema-level `rules` one it extends.
    assert {"L-1", "L-2", "L-3"} <= features.fired_assertions
    (l2,) = failure(features, "L-2")
    assert l2.location == location(binding, (INV, "invoice", 1), (INV, "line", 2))
    assert l2.line == 9


def test_xsl_key(features: SchematronReport) -> None:
    assert sorted(f.line for f in failure(features, "L-3")) == [8, 10]


def test_first_matching_rule_wins(features: SchematronReport, binding: str) -> None:
    (seller,) = failure(features, "F-1")
    (buyer,) = failure(features, "F-2")
    assert seller.location == location(binding, (INV, "invoice", 1), (INV, "party", 1))
    assert buyer.location == location(binding, (INV, "invoice", 1), (INV, "party", 2))
    assert "F-3" not in features.fired_assertions


def test_attribute_context(features: SchematronReport, binding: str) -> None:
    (euro,) = failure(features, "A-2")
    assert euro.location == location(binding, (INV, "invoice", 1)) + "/@currency"
    assert euro.line == 2
    assert "A-1" in features.fired_assertions


def test_assertion_without_id_gets_a_stable_key(
    features: SchematronReport, binding: str, with_binding: Make
) -> None:
    assert "totals/1/4" in features.fired_assertions
    compiled = compile_schematron(with_binding("features", binding) / "invoice.sch")
    info = compiled.assertions["totals/1/4"]
    assert (info.kind, info.test, info.rule_id, info.pattern_id) == (
        "assert",
        "inv:id",
        "R-TOTAL",
        "totals",
    )
    assert info.text == "An invoice has an id."
    assert compiled.assertions["T-1"].text.startswith("Total {$total} must equal")


def test_inactive_pattern_only_in_all(binding: str, with_binding: Make) -> None:
    folder = with_binding("features", binding)
    everything = run(folder / "invoice.sch", folder / "invoice.xml", phase="#ALL")
    assert by_id(everything)["X-1"] == 1
    default = run(folder / "invoice.sch", folder / "invoice.xml", phase="#DEFAULT")
    assert "X-1" not in default.fired_assertions
    only_lines = run(folder / "invoice.sch", folder / "invoice.xml", phase="lines-only")
    assert set(by_id(only_lines)) == {"L-2", "L-3"}


def test_phases_and_phase_let(binding: str, with_binding: Make) -> None:
    folder = with_binding("features", binding)
    schema, doc = folder / "phases.sch", folder / "invoice.xml"
    assert set(by_id(run(schema, doc))) == {"PH-IDS"}  # defaultPhase="quick"
    limits = run(schema, doc, phase="limits")
    assert [f.text for f in limits.failures] == ["At most 1 party."]
    compiled = compile_schematron(schema, phase="limits")
    assert compiled.phase == "limits"
    assert set(compiled.assertions) == {"PH-LIMIT"}


def test_include_at_every_level(binding: str, with_binding: Make) -> None:
    folder = with_binding("include", binding)
    report = run(folder / "main.sch", folder / "order.xml")
    assert [(f.assertion_id, f.line) for f in report.failures] == [("INC-1", 2), ("INC-3", 4)]
    assert report.fired_assertions == {"INC-1", "INC-2", "INC-3"}
    assert report.failures[1].location == location(binding, (ORDER, "order", 1), (ORDER, "line", 2))


@pytest.mark.parametrize("binding_name", ["xslt2", "xslt3"])
def test_xsl_function_and_key(binding_name: str, tmp_path: Path) -> None:
    schema = tmp_path / "function.sch"
    text = (DATA / "features" / "function.sch").read_text(encoding="utf-8")
    schema.write_text(
        text.replace('queryBinding="xslt2"', f'queryBinding="{binding_name}"'), encoding="utf-8"
    )
    report = run(schema, DATA / "features" / "invoice.xml")
    assert [(f.assertion_id, f.line) for f in report.failures] == [
        ("FN-2", 8),
        ("FN-1", 9),
        ("FN-2", 10),
    ]
    assert report.failures[1].text == "Line L2 is -500 cents."


def test_svrl_is_returned_and_well_formed(features: SchematronReport) -> None:
    from lxml import etree

    svrl = etree.fromstring(features.svrl)
    assert svrl.tag == "{http://purl.oclc.org/dsdl/svrl}schematron-output"
    assert svrl.get("title") == "Feature test rules"
    failed = svrl.findall("{http://purl.oclc.org/dsdl/svrl}failed-assert")
    reports = svrl.findall("{http://purl.oclc.org/dsdl/svrl}successful-report")
    assert len(failed) + len(reports) == len(features.failures)
    assert not features.valid


def test_valid_document_has_no_failures(binding: str, with_binding: Make, tmp_path: Path) -> None:
    folder = with_binding("include", binding)
    doc = tmp_path / "good.xml"
    doc.write_text('<order xmlns="urn:example:order"><id>1</id><line qty="2"/></order>')
    report = run(folder / "main.sch", doc)
    assert report.valid
    assert report.fired_assertions == {"INC-1", "INC-2", "INC-3"}


def test_validate_accepts_an_element_and_repeats(binding: str, with_binding: Make) -> None:
    folder = with_binding("features", binding)
    compiled = compile_schematron(folder / "invoice.sch")
    tree = parse(folder / "invoice.xml")
    first = compiled.validate(tree)
    again = compiled.validate(tree.getroot())
    assert first.failures == again.failures
