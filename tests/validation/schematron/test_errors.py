"""Failures of rule sets and of runs: compile errors, runtime errors, path traversal, hardening."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.core.errors import BundlePathError, RuleError, SpecError
from conformance.validation.schematron import compile_schematron

from .conftest import DATA, parse

ERRORS = DATA / "errors"


def test_runtime_error_names_rule_and_document_xslt2() -> None:
    compiled = compile_schematron(ERRORS / "runtime.sch")
    with pytest.raises(RuleError) as caught:
        compiled.validate(parse(ERRORS / "amount.xml"), name="amount.xml")
    error = caught.value
    assert error.location == "amount.xml"
    assert error.rule is not None and "BOOM-1" in error.rule and "amount" in error.rule
    # The label as written, not as Saxon serialises a message (`&lt;assert&gt;`).
    assert error.rule.endswith(f"{ERRORS / 'runtime.sch'}:10 <assert>")
    assert "xs:decimal" in str(error) or "decimal" in str(error)


def test_runtime_error_names_rule_and_document_xslt() -> None:
    compiled = compile_schematron(ERRORS / "runtime-xslt.sch")
    with pytest.raises(RuleError) as caught:
        compiled.validate(parse(ERRORS / "amount.xml"), name="amount.xml")
    assert caught.value.location == "amount.xml"
    assert caught.value.rule is not None and "BOOM-1" in caught.value.rule


def test_runtime_error_does_not_poison_later_runs(tmp_path: Path) -> None:
    compiled = compile_schematron(ERRORS / "runtime.sch")
    with pytest.raises(RuleError):
        compiled.validate(parse(ERRORS / "amount.xml"))
    good = tmp_path / "good.xml"
    good.write_text("<doc><amount>5</amount></doc>")
    assert compiled.validate(parse(good)).valid


def test_bad_xpath_is_a_spec_error_with_file_and_element() -> None:
    with pytest.raises(SpecError) as caught:
        compile_schematron(ERRORS / "bad-xpath.sch")
    assert caught.value.location is not None
    assert "bad-xpath.sch:5" in caught.value.location
    assert "BAD-1" in caught.value.location


def test_bad_xpath_xslt_binding(tmp_path: Path) -> None:
    schema = tmp_path / "bad.sch"
    text = (ERRORS / "bad-xpath.sch").read_text().replace('"xslt2"', '"xslt"')
    schema.write_text(text)
    with pytest.raises(SpecError) as caught:
        compile_schematron(schema)
    assert "bad.sch:5" in (caught.value.location or "")


def test_missing_include() -> None:
    with pytest.raises(SpecError, match=r"does-not-exist\.sch") as caught:
        compile_schematron(ERRORS / "missing-include.sch")
    assert "missing-include.sch:3" in (caught.value.location or "")


def test_unknown_binding() -> None:
    with pytest.raises(SpecError, match="queryBinding"):
        compile_schematron(ERRORS / "binding.sch")


def test_unknown_phase() -> None:
    with pytest.raises(SpecError, match="unknown phase 'nope'") as caught:
        compile_schematron(DATA / "features" / "invoice.sch", phase="nope")
    assert "main" in str(caught.value)


def test_include_leaving_the_bundle_is_refused() -> None:
    with pytest.raises(BundlePathError):
        compile_schematron(DATA / "outside" / "evil.sch", root=DATA / "outside")


def test_schema_outside_the_bundle_is_refused() -> None:
    with pytest.raises(BundlePathError):
        compile_schematron(DATA / "outside" / "evil.sch", root=DATA / "include")


def test_include_inside_a_wider_root_is_fine() -> None:
    compiled = compile_schematron(DATA / "outside" / "evil.sch", root=DATA)
    assert "INC-1" in compiled.assertions


def test_include_cycle(tmp_path: Path) -> None:
    (tmp_path / "a.sch").write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron"><include href="b.sch"/></schema>'
    )
    (tmp_path / "b.sch").write_text(
        '<pattern xmlns="http://purl.oclc.org/dsdl/schematron"><include href="a.sch"/></pattern>'
    )
    with pytest.raises(SpecError, match="cycle"):
        compile_schematron(tmp_path / "a.sch")


def test_include_of_a_url_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.sch").write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron">'
        '<include href="http://example.org/x.sch"/></schema>'
    )
    with pytest.raises(SpecError, match="URI"):
        compile_schematron(tmp_path / "a.sch")


def test_not_well_formed_schema(tmp_path: Path) -> None:
    (tmp_path / "a.sch").write_text('<schema xmlns="http://purl.oclc.org/dsdl/schematron">')
    with pytest.raises(SpecError) as caught:
        compile_schematron(tmp_path / "a.sch")
    assert "a.sch" in (caught.value.location or "")


def test_entities_in_a_schema_are_not_expanded(tmp_path: Path) -> None:
    (tmp_path / "a.sch").write_text(
        '<!DOCTYPE schema [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt">'
        '<pattern><rule context="doc"><report id="R" test="true()">&x;</report></rule></pattern>'
        "</schema>"
    )
    compiled = compile_schematron(tmp_path / "a.sch")
    doc = tmp_path / "d.xml"
    doc.write_text("<doc/>")
    (failure,) = compiled.validate(parse(doc)).failures
    assert "root:" not in failure.text


@pytest.mark.parametrize("binding", ["xslt", "xslt2"])
def test_rule_set_cannot_read_files(binding: str, tmp_path: Path) -> None:
    """Refused when compiled (naming the assertion's line); the engines deny file access as well."""
    schema = tmp_path / "read.sch"
    text = (ERRORS / "read-file.sch").read_text()
    if binding == "xslt2":
        text = text.replace('queryBinding="xslt"', 'queryBinding="xslt2"').replace("document(", "doc(")
    schema.write_text(text)
    with pytest.raises(SpecError, match=r"calls (doc|document)\(\)") as caught:
        compile_schematron(schema)
    assert (caught.value.location or "").startswith(f"{schema}:")


def test_xsl_result_document_is_refused() -> None:
    with pytest.raises(SpecError, match="result-document"):
        compile_schematron(ERRORS / "write-file.sch")


def test_abstract_pattern_errors(tmp_path: Path) -> None:
    (tmp_path / "a.sch").write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron"><pattern is-a="nowhere" id="p"/></schema>'
    )
    with pytest.raises(SpecError, match="nowhere"):
        compile_schematron(tmp_path / "a.sch")


def test_unknown_diagnostic(tmp_path: Path) -> None:
    (tmp_path / "a.sch").write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron"><pattern><rule context="x">'
        '<assert test="1" diagnostics="gone">x</assert></rule></pattern></schema>'
    )
    with pytest.raises(SpecError, match="gone"):
        compile_schematron(tmp_path / "a.sch")


def test_unknown_abstract_rule(tmp_path: Path) -> None:
    (tmp_path / "a.sch").write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron"><pattern><rule context="x">'
        '<extends rule="gone"/></rule></pattern></schema>'
    )
    with pytest.raises(SpecError, match="gone"):
        compile_schematron(tmp_path / "a.sch")
