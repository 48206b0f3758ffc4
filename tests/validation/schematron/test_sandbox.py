"""The sandbox of rule sets: which calls are refused, which are pinned, and the loading budgets."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from conformance.core.errors import SpecError
from conformance.core.evaluation import EvaluationContext
from conformance.validation.schematron import compile_schematron
from conformance.validation.schematron._sandbox import _police

SCH = "http://purl.oclc.org/dsdl/schematron"
NS: dict[str | None, str] = {"fn": "http://www.w3.org/2005/xpath-functions", "f": "urn:f",
      "date": "http://exslt.org/dates-and-times", "math": "http://exslt.org/math"}


def police(text: str, *, xslt1: bool = False) -> tuple[str, set[str]]:
    used: set[str] = set()
    return _police(text, NS, xslt1, used), used


@pytest.mark.parametrize("expression", [
    "doc('x')", "fn:doc('x')", "1-doc('x')", "x + .5*doc('x')",
    "Q{ http://www.w3.org/2005/xpath-functions }doc('x')",
    "doc\n(: a (: nested :) comment :)('x')", "fn:doc#1('x')", "environment-variable#1",
    "system-property('user.home')", "system-property(concat('xsl:', 'version'))", "system-property#1",
    "'SECRET' => environment-variable()", "s:x()" ,
])
def test_host_reads_are_refused(expression: str) -> None:
    from conformance.validation.schematron._sandbox import _Refused
    with pytest.raises(_Refused):
        _police(expression, {**NS, "s": "http://saxon.sf.net/"}, False, set())


@pytest.mark.parametrize("expression", [
    "f:my-doc('x')", "f:document(.)", "$doc('x')", "$ doc('x')", "self::document-node()",
    "doc", "child::doc", "@doc", "system-property('xsl:version')", "function-available('doc')",
    "random-number-generator(42)?number", "date:year('2020-01-01')",
])
def test_harmless_expressions_pass_unchanged(expression: str) -> None:
    assert police(expression) == (expression, set())


def test_clock_and_random_are_rewritten_to_the_pinned_parameters() -> None:
    text, used = police("current-dateTime() - fn:current-date ( ) lt current-time() + implicit-timezone()"
                        " and random-number-generator()?number")
    assert text == ("$cfs:now - cfxs:date($cfs:now) lt cfxs:time($cfs:now) + timezone-from-dateTime($cfs:now)"
                    " and random-number-generator($cfs:seed)?number")
    assert used == {"now", "seed"}
    text, used = police("date:date-time() = date:year() + math:random()", xslt1=True)
    assert text == "$cfs:now = date:year($cfs:now) + $cfs:random"
    assert used == {"now", "random"}


def test_a_reference_to_the_clock_is_refused() -> None:
    from conformance.validation.schematron._sandbox import _Refused
    with pytest.raises(_Refused, match="call it directly"):
        police("current-dateTime#0()")


def _write(path: Path, body: str, binding: str = "xslt2") -> Path:
    path.write_text(f'<schema xmlns="{SCH}" queryBinding="{binding}">{body}</schema>', encoding="utf-8")
    return path


@pytest.mark.parametrize("binding", ["xslt", "xslt2", "xslt3"])
def test_pinned_time_reaches_the_findings(binding: str, tmp_path: Path) -> None:
    call = "date:date-time()" if binding == "xslt" else "current-dateTime()"
    schema = _write(tmp_path / "t.sch", '<ns prefix="date" uri="http://exslt.org/dates-and-times"/>'
                    f'<pattern><rule context="doc"><report test="true()"><value-of select="{call}"/>'
                    "</report></rule></pattern>", binding)
    compiled = compile_schematron(schema)
    doc = etree.fromstring("<doc/>").getroottree()
    for when in (datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC), datetime(2021, 6, 7, 8, 9, 10, tzinfo=UTC)):
        (failure,) = compiled.validate(doc, evaluation=EvaluationContext(now=when)).failures
        assert failure.text == when.isoformat().replace("+00:00", "Z")


def test_a_cycle_through_a_fragment_names_the_file(tmp_path: Path) -> None:
    _write(tmp_path / "b.sch", '<pattern id="p"><include href="b.sch#p"/></pattern>')
    entry = _write(tmp_path / "a.sch", '<include href="b.sch#p"/>')
    with pytest.raises(SpecError, match="cycle") as caught:
        compile_schematron(entry)
    assert (caught.value.location or "").startswith(f"{tmp_path / 'b.sch'}:")


def test_another_fragment_of_the_same_file_is_not_a_cycle(tmp_path: Path) -> None:
    entry = _write(tmp_path / "a.sch", '<pattern id="q"><rule context="doc"><assert test="a">a</assert>'
                   '</rule></pattern><pattern id="holder"><include href="lib.sch#r"/></pattern>')
    (tmp_path / "lib.sch").write_text(
        f'<schema xmlns="{SCH}"><rule id="r" context="x"><assert test="b">b</assert></rule></schema>')
    assert compile_schematron(entry).assertions


def test_includes_nested_too_deep_are_refused(tmp_path: Path) -> None:
    for level in range(40):
        (tmp_path / f"p{level}.sch").write_text(
            f'<pattern xmlns="{SCH}"><include href="p{level + 1}.sch"/></pattern>')
    (tmp_path / "p40.sch").write_text(f'<pattern xmlns="{SCH}"/>')
    with pytest.raises(SpecError, match="nested more than 32"):
        compile_schematron(_write(tmp_path / "a.sch", '<include href="p0.sch"/>'))


def test_an_abstract_rule_bomb_is_refused(tmp_path: Path) -> None:
    rules = "".join(f'<rule abstract="true" id="r{i}"><extends rule="r{i + 1}"/>'
                    f'<extends rule="r{i + 1}"/></rule>' for i in range(30))
    rules += '<rule abstract="true" id="r30"><assert test="a">a</assert></rule>'
    schema = _write(tmp_path / "a.sch",
                    f'<pattern>{rules}<rule context="doc"><extends rule="r0"/></rule></pattern>')
    with pytest.raises(SpecError, match="more than 200000 elements"):
        compile_schematron(schema)


def test_a_fifo_include_is_refused_without_blocking(tmp_path: Path) -> None:
    import os
    os.mkfifo(tmp_path / "f.sch")
    with pytest.raises(SpecError, match="not a regular file"):
        compile_schematron(_write(tmp_path / "a.sch", '<include href="f.sch"/>'))
