"""Shapes of published national profiles (XRechnung) on small rule sets: a pattern of lets only,
and the `xs` prefix used without a declaration under the XPath 2/3 bindings."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from conformance.validation.schematron import compile_schematron

from .conftest import BINDINGS, DATA, parse

PROFILE = DATA / "profile"
SVRL = "{http://purl.oclc.org/dsdl/svrl}"
XSL = "http://www.w3.org/1999/XSL/Transform"
XS = "http://www.w3.org/2001/XMLSchema"

Make = Callable[[str, str], Path]


@pytest.mark.parametrize("binding", BINDINGS)
@pytest.mark.parametrize("phase", [None, "profile"])
def test_a_pattern_of_lets_only_compiles_and_its_variables_are_global(
    binding: str, phase: str | None, with_binding: Make
) -> None:
    compiled = compile_schematron(with_binding("profile", binding) / "main.sch", phase=phase)
    good = compiled.validate(parse(PROFILE / "good.xml"), name="good.xml")
    assert good.failures == ()
    assert good.fired_assertions == {"PR-1", "PR-2"}
    bad = compiled.validate(parse(PROFILE / "bad.xml"), name="bad.xml")
    texts = {f.assertion_id: f.text for f in bad.failures}
    # Both messages read variables of the let-only pattern, one through another of its lets.
    assert texts == {"PR-1": "The customization is urn:example:profile_3.0.",
                     "PR-2": "At most 2 lines."}


@pytest.mark.parametrize("binding", BINDINGS)
def test_a_pattern_of_lets_only_is_active_in_svrl_but_walks_nothing(binding: str, with_binding: Make) -> None:
    compiled = compile_schematron(with_binding("profile", binding) / "main.sch")
    svrl = etree.fromstring(compiled.validate(parse(PROFILE / "good.xml")).svrl)
    active = [a.get("id") for a in svrl.iter(f"{SVRL}active-pattern")]
    assert active == ["variable-pattern", "profile-pattern"]
    sheet = etree.fromstring(compiled.xslt.encode())
    modes = {t.get("mode") for t in sheet.iter(f"{{{XSL}}}template", f"{{{XSL}}}apply-templates")}
    # Only the pattern with a rule has a mode to walk in (pattern indexes count active patterns).
    assert modes == {None, "cfs:p1"}


@pytest.mark.parametrize("binding", ["xslt2", "xslt3"])
def test_xs_is_bound_for_xpath_2_and_3_without_a_declaration(binding: str, tmp_path: Path) -> None:
    schema = tmp_path / "xs.sch"
    schema.write_text((PROFILE / "xs-undeclared.sch").read_text(encoding="utf-8")
                      .replace('queryBinding="xslt2"', f'queryBinding="{binding}"'), encoding="utf-8")
    compiled = compile_schematron(schema)
    report = compiled.validate(parse(PROFILE / "amounts.xml"), name="amounts.xml")
    # -1 and 250 are decimals out of range; "twelve" is no decimal (and XS-2 guards the cast).
    assert Counter(f.assertion_id for f in report.failures) == {"XS-1": 1, "XS-2": 2}
    assert sorted(f.text for f in report.failures if f.assertion_id == "XS-2") == [
        "The amount -1 is in (0, 100].", "The amount 250 is in (0, 100]."]
    assert etree.fromstring(compiled.xslt.encode()).nsmap["xs"] == XS


def test_a_rule_sets_own_xs_declaration_wins() -> None:
    compiled = compile_schematron(PROFILE / "xs-declared.sch")
    report = compiled.validate(parse(PROFILE / "amounts.xml"), name="amounts.xml")
    # `xs:amount` names the invoice namespace here, as the rule set declared it.
    assert [f.assertion_id for f in report.failures] == ["OWN-1"] * 4
    assert etree.fromstring(compiled.xslt.encode()).nsmap["xs"] == "urn:example:invoice"


def test_xs_is_not_bound_for_xpath_1(with_binding: Make) -> None:
    # XPath 1.0 has no xs types; the ISO skeleton does not bind the prefix for `xslt` either.
    compiled = compile_schematron(with_binding("profile", "xslt") / "main.sch")
    assert "xs" not in etree.fromstring(compiled.xslt.encode()).nsmap
    assert XS not in compiled.xslt.replace(f'xmlns:cfxs="{XS}"', "")
