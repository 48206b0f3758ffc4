"""The description `standards show` prints and the skeletons `standards example` makes, unit by unit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.authoring.describe import CHECK_SAMPLES, Field, FieldKind, Limits, field_path, structure
from conformance.authoring.examples import skeleton
from conformance.standard.manifest import load_standard
from conformance.standard.model import Standard
from conformance.validation.checks import get_check
from conformance.validation.checks.context import CodeListContext
from tests.conftest import envelope_standard

XS = '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t" targetNamespace="urn:t" ' \
     'elementFormDefault="qualified">{}</xs:schema>'


def _bundle(folder: Path, syntax: str, schema_file: str, schema: str) -> Standard:
    folder.mkdir(parents=True)
    (folder / schema_file).write_text(schema, "utf-8")
    recognise = ({"root": "Doc", "namespace": "urn:t"} if syntax == "xml"
                 else {"pointer": "/kind", "value": "t"})
    manifest: dict[str, Any] = {
        "manifest-format": 1, "id": "t", "version": "1.0.0",
        "title": {"zh": "t", "en": "t"}, "description": {"zh": "t", "en": "t"},
        "publisher": {"zh": "t", "en": "t"}, "lifecycle": {"status": "draft"}, "base-uri": "urn:t:",
        "message-types": [{"id": "doc", "syntax": syntax, "title": {"zh": "t", "en": "t"},
                           "recognise": recognise, "schema": schema_file, "namespaces": {"t": "urn:t"}}],
        "conformance-classes": [{"id": "all", "title": {"zh": "t", "en": "t"}}],
        "requirements": [{"id": "R-1", "level": "MUST", "classes": ["all"],
                          "statement": {"zh": "t", "en": "t"},
                          "checks": [{"by": "schema", "message-types": ["doc"]}]}],
    }
    (folder / "standard.yaml").write_text(yaml.safe_dump(manifest), "utf-8")
    return load_standard(folder)


def _names(fields: tuple[Field, ...]) -> list[str]:
    return [f.name for f in fields]


# -- field paths ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("target", "expected"), [
    ("/env:Envelope/env:Sender/env:Code", "/{urn:egov-conformance:exchange-envelope:1}Envelope"
                                          "/{urn:egov-conformance:exchange-envelope:1}Sender"
                                          "/{urn:egov-conformance:exchange-envelope:1}Code"),
    ("/env:Envelope/env:Payload/env:Part/@id", "/{urn:egov-conformance:exchange-envelope:1}Envelope"
                                               "/{urn:egov-conformance:exchange-envelope:1}Payload"
                                               "/{urn:egov-conformance:exchange-envelope:1}Part/@id"),
    ("/env:Envelope/env:Payload/env:Part[1]", None),  # a predicate: not a plain path
    ("//env:Part", None),
    ("env:Part", None),  # relative: a rule context such as EN 16931's
    ("/nope:Envelope", None),  # a prefix the message type does not declare
])
def test_xml_targets_become_field_paths(target: str, expected: str | None) -> None:
    standard = envelope_standard()
    assert field_path(target, standard.message_types["envelope-xml"]) == expected


def test_json_targets_are_their_pointers() -> None:
    message_type = envelope_standard().message_types["envelope-json"]
    assert field_path("/payload/parts/*/digest/value", message_type) == "/payload/parts/*/digest/value"
    assert field_path("payload", message_type) is None


# -- XSD structure ------------------------------------------------------------------------------------

RECURSIVE_XSD = XS.format(
    '<xs:element name="Doc" type="t:Node"/>'
    '<xs:complexType name="Node"><xs:sequence>'
    '<xs:element name="Name" type="xs:string"/>'
    '<xs:choice><xs:element name="Leaf" type="t:Kind"/><xs:element name="Branch" type="xs:int"/></xs:choice>'
    '<xs:element name="Child" type="t:Node" minOccurs="0" maxOccurs="unbounded"/>'
    '</xs:sequence><xs:attribute name="kind" type="t:Kind" use="required"/>'
    '<xs:attribute name="note" type="xs:string"/></xs:complexType>'
    '<xs:simpleType name="Kind"><xs:restriction base="xs:token">'
    '<xs:enumeration value="red"/><xs:enumeration value="blue"/></xs:restriction></xs:simpleType>')


def test_xsd_structure_stops_at_recursion_and_shows_choices(tmp_path: Path) -> None:
    standard = _bundle(tmp_path / "b", "xml", "s.xsd", RECURSIVE_XSD)
    (doc,), notes = structure(standard, standard.message_types["doc"])
    assert notes == []
    assert (doc.namespace, doc.name, doc.type) == ("urn:t", "Doc", "t:Node")
    assert _names(doc.children) == ["@kind", "@note", "Name", "(one of)", "Child"]
    kind, note, _, choice, child = doc.children
    assert kind.required and not note.required and kind.values == ("red", "blue") and kind.sample == "red"
    assert choice.kind is FieldKind.CHOICE and _names(choice.children) == ["Leaf", "Branch"]
    assert child.cardinality() == "[0..*]" and child.note == "recursive: its content is shown above"


def test_xsd_skeleton_takes_required_fields_and_first_alternatives(tmp_path: Path) -> None:
    standard = _bundle(tmp_path / "b", "xml", "s.xsd", RECURSIVE_XSD)
    made = skeleton(standard, standard.message_types["doc"])
    assert made.declared is None and any("may not pass the business rules" in n for n in made.notes)
    assert made.data.decode() == (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<Doc xmlns="urn:t" kind="red">\n  <Name>x</Name>\n  <Leaf>red</Leaf>\n</Doc>\n')


def test_xsd_structure_is_bounded(tmp_path: Path) -> None:
    many = "".join(f'<xs:element name="E{i}" type="xs:string"/>' for i in range(300))
    standard = _bundle(tmp_path / "b", "xml", "s.xsd",
                       XS.format(f'<xs:element name="Doc"><xs:complexType><xs:sequence>{many}'
                                 '</xs:sequence></xs:complexType></xs:element>'))
    (doc,), notes = structure(standard, standard.message_types["doc"], Limits(fields=50))
    assert len(doc.children) < 50 and any("cut short" in n for n in notes)


def test_xsd_without_the_recognised_root_is_a_note(tmp_path: Path) -> None:
    standard = _bundle(tmp_path / "b", "xml", "s.xsd", XS.format('<xs:element name="Other"/>'))
    fields, notes = structure(standard, standard.message_types["doc"])
    assert fields == ()
    assert notes == ["the schema declares no global element {urn:t}Doc; it declares {urn:t}Other"]


def test_a_broken_xsd_is_a_note_not_a_traceback(tmp_path: Path) -> None:
    standard = _bundle(tmp_path / "b", "xml", "s.xsd", XS.format('<xs:element name="Doc" type="t:Missing"/>'))
    fields, notes = structure(standard, standard.message_types["doc"])
    assert fields == () and notes[0].startswith("structure not read from s.xsd:")


# -- JSON Schema structure ------------------------------------------------------------------------------

def test_json_structure_follows_local_refs_only_and_stops_at_recursion(tmp_path: Path) -> None:
    schema = {
        "type": "object", "required": ["kind", "tree", "size"],
        "properties": {
            "kind": {"const": "t"},
            "tree": {"$ref": "#/$defs/node"},
            "size": {"type": "integer", "minimum": 3},
            "far": {"$ref": "https://example.org/schema.json"},
            "pick": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        },
        "$defs": {"node": {"type": "object", "required": ["id"], "properties": {
            "id": {"type": "string", "pattern": "^[A-Z][0-9]$"},
            "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}},
    }
    standard = _bundle(tmp_path / "b", "json", "s.json", json.dumps(schema))
    (doc,), _ = structure(standard, standard.message_types["doc"])
    members = {f.name: f for f in doc.children}
    assert list(members) == ["kind", "tree", "size", "far", "pick"]
    assert members["far"].note == "$ref https://example.org/schema.json not followed"
    items = members["tree"].children[1].children[0]
    assert (items.kind, items.path, items.note) == (FieldKind.ITEM, "/tree/children/*",
                                                    "recursive: its content is shown above")
    assert members["pick"].children[0].kind is FieldKind.CHOICE
    made = json.loads(skeleton(standard, standard.message_types["doc"]).data)
    assert made == {"kind": "t", "tree": {"id": "X1"}, "size": 3}


def test_a_json_schema_that_is_not_json_is_a_note(tmp_path: Path) -> None:
    standard = _bundle(tmp_path / "b", "json", "s.json", "{not json")
    fields, notes = structure(standard, standard.message_types["doc"])
    assert fields == () and notes[0].startswith("structure not read from s.json: not JSON")
    # The skeleton still names the message type, by its discriminator.
    assert json.loads(skeleton(standard, standard.message_types["doc"]).data) == {"kind": "t"}


# -- samples ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(CHECK_SAMPLES))
def test_every_check_sample_passes_its_check(name: str) -> None:
    standard = envelope_standard()
    params = {"version": 4} if name == "uuid" else {}
    context = CodeListContext(standard.code_lists, "here")
    assert get_check(name).run(CHECK_SAMPLES[name], params, context) == ()
