"""Schema validators: XSD 1.0 on lxml, XSD 1.1 on xmlschema, JSON Schema without the network."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from conformance.core.errors import BundlePathError, SpecError
from conformance.engine.schemas import JsonSchemaValidator, XsdValidator

XSD11 = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:vc="http://www.w3.org/2007/XMLSchema-versioning" vc:minVersion="1.1">
  <xs:element name="range">
    <xs:complexType>
      <xs:attribute name="min" type="xs:int" use="required"/>
      <xs:attribute name="max" type="xs:int" use="required"/>
      <xs:assert test="@min le @max"/>
    </xs:complexType>
  </xs:element>
</xs:schema>"""


def test_xsd_11_assertions_run_on_xmlschema(tmp_path: Path) -> None:
    (tmp_path / "range.xsd").write_text(XSD11)
    validator = XsdValidator(tmp_path / "range.xsd", root=tmp_path)
    assert validator.version == "1.1"
    good = etree.ElementTree(etree.fromstring('<range min="1" max="2"/>'))
    bad = etree.ElementTree(etree.fromstring('<range min="3" max="2"/>'))
    assert list(validator.iter_violations(good)) == []
    violations = list(validator.iter_violations(bad))
    assert violations and violations[0].line == 1


def test_xsd_10_stays_on_lxml(tmp_path: Path) -> None:
    (tmp_path / "a.xsd").write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        '<xs:element name="a" type="xs:int"/></xs:schema>')
    validator = XsdValidator(tmp_path / "a.xsd", root=tmp_path)
    assert validator.version == "1.0"
    bad = etree.ElementTree(etree.fromstring("<a>x</a>"))
    (violation,) = validator.iter_violations(bad)
    assert violation.line == 1 and violation.xpath == "/a"


@pytest.mark.parametrize("location", ["../outside.xsd", "http://example.org/x.xsd", "/etc/x.xsd"])
def test_xsd_includes_stay_in_the_bundle(tmp_path: Path, location: str) -> None:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (tmp_path / "outside.xsd").write_text('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>')
    (bundle / "main.xsd").write_text(
        f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        f'<xs:include schemaLocation="{location}"/></xs:schema>')
    with pytest.raises(BundlePathError):
        XsdValidator(bundle / "main.xsd", root=bundle)


def test_json_schema_never_fetches_remote_refs(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{"$schema": "https://json-schema.org/draft/2020-12/schema",'
                    ' "$ref": "http://127.0.0.1:9/other.json"}')
    with pytest.raises(SpecError, match="cannot be compiled"):
        JsonSchemaValidator(path)


def test_json_schema_must_be_2020_12(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{"$schema": "http://json-schema.org/draft-07/schema#"}')
    with pytest.raises(SpecError, match="2020-12"):
        JsonSchemaValidator(path)
