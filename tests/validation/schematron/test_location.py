"""Locations back to source lines, and the traversal analysis of rule contexts."""

from __future__ import annotations

import pytest
from lxml import etree

from conformance.validation.schematron._location import LineFinder
from conformance.validation.schematron._xpath import may_match_attributes

DOC = b"""<a:root xmlns:a="urn:a">
  <a:x/>
  <plain k="v">
    <a:x/>
  </plain>
  <a:x/>
</a:root>"""


@pytest.fixture
def finder() -> LineFinder:
    return LineFinder(etree.ElementTree(etree.fromstring(DOC)))


@pytest.mark.parametrize(
    ("location", "line"),
    [
        ("/*:root[namespace-uri()='urn:a'][1]", 1),
        ("/*:root[namespace-uri()='urn:a'][1]/*:x[namespace-uri()='urn:a'][2]", 6),
        ("/*[local-name()='root' and namespace-uri()='urn:a'][1]/plain[1]", 3),
        ("/*:root[namespace-uri()='urn:a'][1]/plain[1]/*:x[namespace-uri()='urn:a'][1]", 4),
        ("/*:root[namespace-uri()='urn:a'][1]/plain[1]/@k", 3),
        ("/*:root[namespace-uri()='urn:a'][1]/@*[local-name()='k' and namespace-uri()='urn:b']", 1),
    ],
)
def test_lines(finder: LineFinder, location: str, line: int) -> None:
    assert finder.line(location) == line


@pytest.mark.parametrize(
    "location",
    [
        "",
        "/*:root[namespace-uri()='urn:a'][2]",
        "/*:root[namespace-uri()='urn:a'][1]/plain[5]",
        "nonsense",
    ],
)
def test_unknown_locations_have_no_line(finder: LineFinder, location: str) -> None:
    assert finder.line(location) is None


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ("cbc:ID", False),
        ("cac:Party/cbc:ID[@schemeID = 'x']", False),
        ("/ubl:Invoice | /cn:CreditNote", False),
        ("cbc:X[contains(., '@')]", False),
        ("*", False),
        ("node()", False),
        ("@currencyID", True),
        ("cbc:Amount/@currencyID | cbc:ID", True),
        ("attribute::x", True),
        ("key('k', 'v')", True),
        (".", True),
    ],
)
def test_attribute_analysis(context: str, expected: bool) -> None:
    assert may_match_attributes(context) is expected
