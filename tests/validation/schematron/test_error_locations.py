"""A rule set that does not compile is reported at its Schematron file and line, never at the
generated stylesheet or the folder the tool runs in: included files, abstract patterns, copied
XSLT and rule contexts, in every binding."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from conformance.core.errors import SpecError
from conformance.validation.schematron import compile_schematron
from conformance.validation.schematron._trace import explain_saxon, first_source

from .conftest import BINDINGS, DATA

Make = Callable[[str, str], Path]


def compile_error(schema: Path) -> SpecError:
    with pytest.raises(SpecError) as caught:
        compile_schematron(schema)
    return caught.value


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from a folder of its own, so that a message naming the working folder shows."""
    cwd = tmp_path / "working-folder"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return cwd


@pytest.mark.parametrize("binding", BINDINGS)
@pytest.mark.parametrize(
    ("schema", "place"),
    [
        # The assertion written in an included file: that file and its line.
        ("included.sch", "parts/broken-pattern.sch:5 <assert>"),
        # An assertion made by expanding an abstract pattern: where the abstract pattern wrote it.
        ("abstract.sch", "parts/abstract.sch:4 <assert>"),
        # A broken context is reported by the pattern's walk and by its rule: the rule wins.
        ("context.sch", "context.sch:5 <rule>"),
    ],
)
def test_a_compile_error_names_the_schematron_file_and_line(
    binding: str, schema: str, place: str, with_binding: Make, elsewhere: Path
) -> None:
    folder = with_binding("located", binding)
    error = compile_error(folder / schema)
    assert error.location is not None and error.location.endswith(f"{folder}/{place}")
    assert "does not compile" in error.message
    assert str(elsewhere) not in str(error) and "file:" not in str(error)


@pytest.mark.parametrize("binding", ["xslt2", "xslt3"])
def test_an_error_in_a_copied_function_names_the_instruction(binding: str, tmp_path: Path,
                                                             elsewhere: Path) -> None:
    schema = tmp_path / "function.sch"
    schema.write_text((DATA / "located" / "function.sch").read_text(encoding="utf-8")
                      .replace('"xslt2"', f'"{binding}"'), encoding="utf-8")
    error = compile_error(schema)
    assert error.location == f"xsl:sequence at {schema}:7 <sequence>"
    assert f"(xsl:sequence at {schema}:7 <sequence>): XPST0003" in error.message
    assert str(elsewhere) not in str(error) and "file:" not in str(error)


def test_every_saxon_error_is_named_by_its_source(tmp_path: Path, elsewhere: Path) -> None:
    schema = tmp_path / "two.sch"
    schema.write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">\n'
        '  <pattern id="p">\n'
        '    <rule context="doc">\n'
        '      <assert id="BAD-1" test="1 +* 2">Broken.</assert>\n'
        '      <assert id="BAD-2" test="nope:f(1)">Undeclared prefix.</assert>\n'
        '    </rule>\n'
        '  </pattern>\n'
        '</schema>\n', encoding="utf-8")
    error = compile_error(schema)
    assert error.location == f"assert BAD-1 in rule context 'doc' at {schema}:4 <assert>"
    assert f"(assert BAD-1 in rule context 'doc' at {schema}:4 <assert>): XPST0003" in error.message
    assert f"(assert BAD-2 in rule context 'doc' at {schema}:5 <assert>): XPST0081" in error.message
    assert "on line" not in error.message and str(elsewhere) not in str(error)


SHEET = b"""<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="2.0"
    xmlns:cfs="urn:egov-conformance:schematron" cfs:src="schema at /r/main.sch:2 &lt;schema&gt;">
  <xsl:output method="xml"/>
  <xsl:template match="/" cfs:src="rule context '/' at /r/main.sch:4 &lt;rule&gt;">
    <xsl:sequence select="1"/>
  </xsl:template>
</xsl:stylesheet>"""


def test_a_place_without_a_label_of_its_own_is_the_schema_file() -> None:
    sheet = etree.fromstring(SHEET)
    message, location = explain_saxon(sheet, "Error on line 3 column 9 of file:///cwd/: XTSE0020 Bad output")
    assert message == "Error (schema at /r/main.sch:2 <schema>): XTSE0020 Bad output"
    assert location == "schema at /r/main.sch:2 <schema>"
    # An instruction's own label beats the schema's, whatever the order of the errors.
    assert first_source(sheet, [3, 5]) == "rule context '/' at /r/main.sch:4 <rule>"
    # Nothing to go on (an engine that gives no line): still the schema file.
    assert first_source(sheet, []) == "schema at /r/main.sch:2 <schema>"
    assert explain_saxon(sheet, "XTSE0010 no place given") == (
        "XTSE0010 no place given", "schema at /r/main.sch:2 <schema>")
