"""The description `standards show` prints and the skeletons `standards example` makes, unit by unit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.generation.describe import (
    CHECK_SAMPLES,
    Field,
    FieldKind,
    Limits,
    describe_standard,
    field_path,
    structure,
)
from conformance.generation.examples import skeleton
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


def _edited(folder: Path, edit: Any) -> Standard:
    manifest = yaml.safe_load((folder / "standard.yaml").read_text("utf-8"))
    edit(manifest)
    (folder / "standard.yaml").write_text(yaml.safe_dump(manifest), "utf-8")
    return load_standard(folder)


def test_a_skeleton_validation_would_not_recognise_says_so(tmp_path: Path) -> None:
    _bundle(tmp_path / "b", "xml", "s.xsd", RECURSIVE_XSD)
    standard = _edited(tmp_path / "b",
                       lambda m: m["message-types"][0]["recognise"].update(xpath="@kind = 'blue'"))
    made = skeleton(standard, standard.message_types["doc"])
    assert b'kind="red"' in made.data
    assert made.notes[-1] == ("the message type is recognised only where @kind = 'blue', which the skeleton "
                              "does not satisfy: edit it")
    plain = _bundle(tmp_path / "c", "xml", "s.xsd", RECURSIVE_XSD)
    assert not any("recognised" in n for n in skeleton(plain, plain.message_types["doc"]).notes)


def test_a_json_skeleton_another_message_type_claims_too_says_so(tmp_path: Path) -> None:
    schema = {"type": "object", "required": ["kind", "type"],
              "properties": {"kind": {"const": "t"}, "type": {"const": "x"}}}
    _bundle(tmp_path / "b", "json", "s.json", json.dumps(schema))

    def second(manifest: dict[str, Any]) -> None:
        first = manifest["message-types"][0]
        manifest["message-types"].append({**first, "id": "other",
                                          "recognise": {"pointer": "/type", "value": "x"}})

    standard = _edited(tmp_path / "b", second)
    made = skeleton(standard, standard.message_types["doc"])
    assert json.loads(made.data) == {"kind": "t", "type": "x"}
    assert made.notes[-1].startswith("payload matches several message types")
    assert made.notes[-1].endswith("t@1.0.0 doc; t@1.0.0 other: edit the skeleton")


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


def test_message_types_sharing_an_xsd_and_rules_read_them_once(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # An imported bundle: one message type per global root of one XSD, one rule file for all.
    folder = tmp_path / "b"
    standard = _bundle(folder, "xml", "s.xsd", XS.format(
        '<xs:element name="Doc" type="xs:string"/><xs:element name="Other" type="xs:int"/>'))
    (folder / "s.sch").write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt">'
        '<ns prefix="t" uri="urn:t"/>'
        '<pattern><rule context="/t:Doc | /t:Other"><assert id="A-1" test="true()">x</assert></rule>'
        '</pattern></schema>', "utf-8")
    manifest = yaml.safe_load((folder / "standard.yaml").read_text("utf-8"))
    doc = manifest["message-types"][0]
    doc["rules"] = ["s.sch"]
    other = {**doc, "id": "other", "recognise": {"root": "Other", "namespace": "urn:t"}}
    manifest["message-types"].append(other)
    manifest["requirements"][0]["checks"] = [{"by": "schema", "message-types": ["doc", "other"]},
                                             {"by": "rule", "rule": "A-1", "message-types": ["doc", "other"]}]
    (folder / "standard.yaml").write_text(yaml.safe_dump(manifest), "utf-8")
    standard = load_standard(folder)
    import conformance.generation.describe._fields as fields_module
    import conformance.validation.xsd as xsd_module

    calls: list[str] = []

    def counted(name: str, real: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            return real(*args, **kwargs)
        return call

    monkeypatch.setattr(xsd_module, "compile_xsd11", counted("xsd", xsd_module.compile_xsd11))
    monkeypatch.setattr(fields_module, "outline_schematron", counted("sch", fields_module.outline_schematron))
    described = describe_standard(standard)
    assert sorted(calls) == ["sch", "xsd"]
    assert [d.structure[0].name for d in described] == ["Doc", "Other"]
    assert [[c.target for c in d.checks] for d in described] == [["", "/t:Doc", "/t:Other"]] * 2
    assert [d.notes for d in described] == [(), ()]


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


def _ref_chains(properties: int, hops: int = 32, members: int = 50, width: int = 200) -> dict[str, Any]:
    """Every property an allOf of `members` refs to a chain of `hops` definitions of `width` keywords."""
    junk = {f"x-{i}": i for i in range(width)}  # unknown keywords: valid, and copied at every hop
    defs = {f"d{i}": {"$ref": f"#/$defs/d{i + 1}", **junk} for i in range(hops - 1)}
    defs[f"d{hops - 1}"] = {"type": "string", **junk}
    chains = {"allOf": [{"$ref": "#/$defs/d0"}] * members}
    return {"type": "object", "$defs": defs, "properties": {f"p{i}": chains for i in range(properties)}}


def test_json_ref_and_allof_chains_are_bounded(tmp_path: Path) -> None:
    # 50 allOf members x 32 hops x 200 keywords per field: minutes on a 2 MB schema when unbounded.
    standard = _bundle(tmp_path / "b", "json", "s.json", json.dumps(_ref_chains(40)))
    (doc,), notes = structure(standard, standard.message_types["doc"])
    assert 0 < len(doc.children) < 40
    assert notes == ["structure cut short (the schema's $ref and allOf chains exceed what is followed)"]
    assert doc.children[0].type == "string"


def test_json_ref_chains_within_the_budget_are_followed_whole(tmp_path: Path) -> None:
    standard = _bundle(tmp_path / "b", "json", "s.json", json.dumps(_ref_chains(3, members=2, width=2)))
    (doc,), notes = structure(standard, standard.message_types["doc"])
    assert notes == [] and [(f.name, f.type) for f in doc.children] == [("p0", "string"), ("p1", "string"),
                                                                        ("p2", "string")]


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
