"""Hostile XSDs and imports: each case runs in a child process under a time and memory bound.

Before the fix an XSD 1.1 assertion with a backtracking regex ran for ever, an XSD 1.0 pattern
ended in a traceback, a schema include read files outside its bundle (a `file:` URL with a decoy of
its name in the bundle, an external entity, a FIFO), and importing one XSD copied what it included
from outside its folder. Now each is a processing error (cantTell) or a SpecError (exit code 2).
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from conformance.authoring.importer import import_standard
from tests.hostile.bounded import Outcome, assert_no_traceback, conform, python

pytestmark = pytest.mark.hostile

XS = 'xmlns:xs="http://www.w3.org/2001/XMLSchema"'
V11 = 'xmlns:vc="http://www.w3.org/2007/XMLSchema-versioning" vc:minVersion="1.1"'
REDOS_ASSERT = f"""<xs:schema {XS} {V11}>
  <xs:element name="a"><xs:complexType>
    <xs:attribute name="id" type="xs:string"/>
    <xs:assert test="matches(@id, '^(a+)+$')"/>
  </xs:complexType></xs:element>
</xs:schema>"""


def _schema(body: str, *, v11: bool = False, head: str = "") -> str:
    return f'{head}<xs:schema {XS} {V11 if v11 else ""}>{body}</xs:schema>'


def _pattern(pattern: str, *, v11: bool = False) -> str:
    return _schema('<xs:element name="a"><xs:simpleType><xs:restriction base="xs:string">'
                   f'<xs:pattern value="{pattern}"/></xs:restriction></xs:simpleType></xs:element>',
                   v11=v11)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _processing_error(outcome: Outcome, *words: str) -> None:
    """The payload got a processing error (not a pass, not a fail), with a clear message."""
    assert_no_traceback(outcome)
    assert outcome.returncode not in (0, 2), outcome.output[-3000:]
    for word in words:
        assert word in outcome.output, outcome.output[-3000:]


def _bundle(tmp_path: Path, *, v11: bool = False) -> tuple[Path, Path]:
    """A working bundle imported from one XSD; returns the standards folder and its schema file."""
    source = _write(tmp_path / "src" / "main.xsd", _schema('<xs:element name="a" type="xs:string"/>',
                                                          v11=v11))
    folder, _ = import_standard([source], out=tmp_path / "standards", standard_id="hostile",
                                version="1.0.0")
    return tmp_path / "standards", folder / "schemas" / "main.xsd"


def _validate(standards: Path, payload: Path, *, seconds: float = 30) -> Outcome:
    return conform("validate", "--standards-path", standards, "--standard", "hostile", payload,
                   seconds=seconds, memory_mib=800)


# -- item 8: the XSD engines end by themselves ------------------------------------------------------

def test_xsd11_assertion_regex_on_a_long_value_ends_by_itself(tmp_path: Path) -> None:
    """`matches(@id, '^(a+)+$')` backtracked in Python `re` for ever; now a budget stops it."""
    xsd = _write(tmp_path / "redos.xsd", REDOS_ASSERT)
    payload = _write(tmp_path / "p.xml", f'<a id="{"a" * 5000}!"/>')
    outcome = conform("validate", "--xsd", xsd, payload, seconds=60, memory_mib=800)
    _processing_error(outcome, "budget")


_BUDGETED = """
import conformance.validation.schemas as schemas
from pathlib import Path
from lxml import etree
from conformance.core.errors import PayloadError
schemas.XSD11_VALIDATE_SECONDS = 2.0
path = Path({path!r})
validator = schemas.XsdValidator(path, root=path.parent)
try:
    print("violations", len(list(validator.iter_violations(etree.ElementTree(etree.fromstring({doc!r}))))))
except PayloadError as exc:
    print("PayloadError", exc.message)
"""


@pytest.mark.parametrize(("schema", "doc"), [
    (_pattern("(a|aa)*(a|aa)*(a|aa)*b", v11=True), "<a>" + "a" * 5000 + "</a>"),
    # The ranges come from the payload: compiling evaluates constant expressions once already.
    (_schema('<xs:element name="a"><xs:complexType><xs:attribute name="n" type="xs:integer"/>'
             '<xs:assert test="every $i in 1 to @n, $j in 1 to @n satisfies $i gt 0"/>'
             '</xs:complexType></xs:element>', v11=True), '<a n="100000"/>'),
], ids=["pattern-facet", "xpath-loop"])
def test_xsd11_budget_stops_patterns_and_loops(tmp_path: Path, schema: str, doc: str) -> None:
    path = _write(tmp_path / "s.xsd", schema)
    outcome = python(_BUDGETED.format(path=str(path), doc=doc), seconds=30, memory_mib=800)
    assert_no_traceback(outcome)
    assert "PayloadError XSD 1.1 validation ran out of its budget of 2 s" in outcome.stdout, outcome.output


def test_xsd10_pattern_libxml2_gives_up_on_is_a_processing_error(tmp_path: Path) -> None:
    """`(a|aa)*(a|aa)*(a|aa)*b` made lxml raise "Internal error": it was a traceback."""
    xsd = _write(tmp_path / "p.xsd", _pattern("(a|aa)*(a|aa)*(a|aa)*b"))
    payload = _write(tmp_path / "p.xml", "<a>" + "a" * 30_000 + "</a>")
    outcome = conform("validate", "--xsd", xsd, payload, seconds=30, memory_mib=800)
    _processing_error(outcome, "gave up")


@pytest.mark.parametrize("separator", ["\n", ""], ids=["lines", "one-line"])
def test_a_missing_element_among_many_siblings_is_found_in_linear_time(tmp_path: Path,
                                                                        separator: str) -> None:
    """Locating libxml2's errors mapped every element's path, each costing a walk of its siblings:
    one missing Id among 20,000 order lines took 22 s (issue 10 review). A payload on one line has
    every element on the same line, so it is tried too."""
    xsd = _write(tmp_path / "order.xsd", _schema(
        '<xs:element name="Order"><xs:complexType><xs:sequence>'
        '<xs:element name="Line" maxOccurs="unbounded"><xs:complexType><xs:sequence>'
        '<xs:element name="Id" type="xs:string"/><xs:element name="Amount" type="xs:decimal"/>'
        '</xs:sequence></xs:complexType></xs:element></xs:sequence></xs:complexType></xs:element>'))
    lines = [f"<Line><Id>{i}</Id><Amount>1</Amount></Line>" for i in range(20_000)]
    lines[10_000] = "<Line><Amount>1</Amount></Line>"
    payload = _write(tmp_path / "order.xml", "<Order>" + separator + separator.join(lines) + "</Order>")
    outcome = conform("validate", "--xsd", xsd, payload, seconds=10, memory_mib=800)
    assert_no_traceback(outcome)
    assert outcome.returncode == 1, outcome.output
    assert "Id is missing (expected before Amount)" in outcome.output
    assert "/Order/Line[10001]" in outcome.output


# -- item 6: schema documents come from the bundle and nowhere else -------------------------------

@pytest.mark.parametrize("v11", [False, True], ids=["xsd10", "xsd11"])
def test_a_file_url_include_with_a_decoy_never_reads_outside(tmp_path: Path, v11: bool) -> None:
    standards, schema = _bundle(tmp_path, v11=v11)
    outside = _write(tmp_path / "elsewhere" / "outside.xsd",
                     _schema('<xs:element name="secret" type="xs:string"/>'))
    _write(schema.parent / f"file:{outside}", _schema('<xs:element name="decoy" type="xs:string"/>'))
    _write(schema, _schema(f'<xs:include schemaLocation="file:{outside}"/>'
                           '<xs:element name="a" type="xs:string"/>', v11=v11))
    outcome = _validate(standards, _write(tmp_path / "p.xml", "<a>x</a>"))
    assert_no_traceback(outcome)
    assert outcome.returncode == 2, outcome.output
    assert "main.xsd:1" in outcome.output and "not a relative path" in outcome.output


@pytest.mark.parametrize("v11", [False, True], ids=["xsd10", "xsd11"])
def test_an_external_entity_in_an_included_schema_is_refused(tmp_path: Path, v11: bool) -> None:
    standards, schema = _bundle(tmp_path, v11=v11)
    _write(schema.parent / "ent.xsd", _schema(
        "<xs:annotation><xs:documentation>&x;</xs:documentation></xs:annotation>", v11=v11,
        head='<!DOCTYPE xs:schema [<!ENTITY x SYSTEM "file:///etc/hostname">]>'))
    _write(schema, _schema('<xs:include schemaLocation="ent.xsd"/><xs:element name="a" type="xs:string"/>',
                           v11=v11))
    outcome = _validate(standards, _write(tmp_path / "p.xml", "<a>x</a>"))
    assert_no_traceback(outcome)
    assert outcome.returncode == 2 and "ent.xsd" in outcome.output and "DOCTYPE" in outcome.output


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "too-big"])
def test_included_documents_that_would_block_or_flood_are_refused(tmp_path: Path, kind: str) -> None:
    standards, schema = _bundle(tmp_path)
    target = schema.parent / "inc.xsd"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "dev-zero":
        target.symlink_to("/dev/zero")
    else:
        with target.open("wb") as out:
            out.write(f"<xs:schema {XS}><!--".encode())
            out.write(b"x" * (33 * 1024 * 1024))
            out.write(b"--></xs:schema>")
    _write(schema, _schema('<xs:include schemaLocation="inc.xsd"/><xs:element name="a" type="xs:string"/>'))
    outcome = _validate(standards, _write(tmp_path / "p.xml", "<a>x</a>"), seconds=20)
    assert_no_traceback(outcome)
    assert outcome.returncode == 2 and "inc.xsd" in outcome.output, outcome.output
    assert outcome.peak_mib < 400


# -- item 7: importing one file never copies what lies outside its folder -------------------------

@pytest.mark.parametrize("kind", ["xsd", "schematron"])
def test_importing_one_file_refuses_includes_from_outside_its_folder(tmp_path: Path, kind: str) -> None:
    _write(tmp_path / "outside" / "secret.xsd", _schema('<xs:element name="secret" type="xs:string"/>'))
    _write(tmp_path / "outside" / "secret.sch", textwrap.dedent("""\
        <pattern xmlns="http://purl.oclc.org/dsdl/schematron" id="p">
          <rule context="/a"><assert id="S-1" test="true()">secret</assert></rule>
        </pattern>"""))
    if kind == "xsd":
        entry = _write(tmp_path / "src" / "deep" / "main.xsd", _schema(
            '<xs:include schemaLocation="../../outside/secret.xsd"/>'))
    else:
        entry = _write(tmp_path / "src" / "deep" / "main.sch", textwrap.dedent("""\
            <schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt">
              <include href="../../outside/secret.sch"/>
            </schema>"""))
    out = tmp_path / "standards"
    outcome = conform("standards", "import", entry, "--id", "leak", "--version", "1.0.0", "--out", out,
                      seconds=30, memory_mib=800)
    assert_no_traceback(outcome)
    assert outcome.returncode == 2, outcome.output
    assert "outside the imported folder" in outcome.output
    assert not out.exists() or not any(out.rglob("*secret*")), sorted(out.rglob("*"))


def test_xsd11_compiling_a_constant_loop_ends_by_itself(tmp_path: Path) -> None:
    """Compiling evaluates constant XPath once: a constant loop ran there for ever."""
    path = _write(tmp_path / "s.xsd", _schema(
        '<xs:element name="a"><xs:complexType>'
        '<xs:assert test="every $i in 1 to 100000, $j in 1 to 100000 satisfies $i gt 0"/>'
        '</xs:complexType></xs:element>', v11=True))
    outcome = python(textwrap.dedent(f"""
        import conformance.validation.schemas as schemas
        from pathlib import Path
        from conformance.core.errors import SpecError
        schemas.XSD11_COMPILE_SECONDS = 3.0
        try:
            schemas.XsdValidator(Path({str(path)!r}), root=Path({str(tmp_path)!r}))
        except SpecError as exc:
            print("SpecError", exc)
    """), seconds=40, memory_mib=800)
    assert_no_traceback(outcome)
    assert "SpecError" in outcome.stdout and "longer than 3 s" in outcome.stdout, outcome.output
