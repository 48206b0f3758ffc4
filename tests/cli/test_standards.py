"""`conform standards show` and `conform standards example`, as a first-time payload author meets them."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from lxml import etree

from conformance.standard.catalog import Catalog
from tests.conftest import ENVELOPE_BUNDLE, ENVELOPE_REF, STANDARDS, invoke

ENVELOPE_NS = "urn:egov-conformance:exchange-envelope:1"


@pytest.fixture(autouse=True, scope="module")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONFORMANCE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


def _section(output: str, start: str, end: str) -> list[str]:
    lines = output.splitlines()
    first = next(i for i, line in enumerate(lines) if line.strip().startswith(start))
    last = next(i for i in range(first + 1, len(lines)) if lines[i].strip().startswith(end))
    return lines[first:last]


# -- show ---------------------------------------------------------------------------------------------

def test_show_gives_folder_namespace_order_attributes_and_code_lists() -> None:
    shown = invoke("standards", "show", ENVELOPE_REF)
    assert shown.exit_code == 0, shown.output
    out = shown.stdout
    assert f"  folder: {ENVELOPE_BUNDLE.resolve()}" in out
    assert f"recognised by: root element Envelope in namespace {ENVELOPE_NS}, where @version = '1.0'" in out
    assert 'recognised by: the field /specification equal to "urn:egov-conformance:exchange-envelope:1.0"' \
        in out
    structure = _section(out, "structure (in document order", "code lists")
    names = [line.split()[0] for line in structure[1:]]
    # The schema's order, nested: what took five tries to get right from the XPaths alone.
    assert names[:4] == ["Envelope", "@version", "MessageId", "ConversationId"]
    order = [names.index(n) for n in ("InReplyTo", "MessageType", "Sender", "Payload")]
    assert order == sorted(order)
    row = {line.split()[0]: line for line in structure[1:]
           if line.split()[0] in ("@version", "InReplyTo", "Part")}
    assert "required" in row["@version"] and "= 1.0 (fixed)" in row["@version"]
    assert "[0..1]" in row["InReplyTo"] and "<- EXC-004" in row["InReplyTo"]
    assert "[1..*]" in row["Part"] and "env:PartType" in row["Part"]
    assert ("/env:Envelope/env:MessageType (EXC-012): message-types 1.0, 7 codes: catalogue.query, "
            "catalogue.response, notice,") in out
    assert "gbt2260-divisions 1.0, 83 codes: 110000, 110101," in out and "71 more (--codes)" in out
    assert "examples: examples/minimal.xml (conform standards example egov-exchange-envelope@1.0.0 " \
           "--message-type envelope-xml)" in out
    by_field = _section(out, "requirements by field", "envelope-json")
    assert any(line.split()[:1] == ["/env:Envelope/env:MessageId"]
               and "EXC-002 MUST check uuid; EXC-010 SHOULD check uuid" in line for line in by_field)
    # A rule's field is its Schematron context.
    assert any(line.split()[:1] == ["/env:Envelope/env:Payload/env:Part"]
               and "EXC-009 MUST rule EXC-X-009" in line
               for line in by_field)
    assert any(line.split()[:3] == ["(the", "whole", "payload)"] and "EXC-001 MUST schema" in line
               for line in by_field)


def test_show_codes_prints_every_value() -> None:
    out = invoke("standards", "show", ENVELOPE_REF, "--codes").stdout
    assert "more (--codes)" not in out
    line = next(ln for ln in out.splitlines() if "/env:Envelope/env:Sender/env:Division (EXC-014)" in ln)
    assert len(line.split("83 codes: ", 1)[1].split(", ")) == 83


def test_show_json_holds_the_same_data() -> None:
    data = json.loads(invoke("standards", "show", ENVELOPE_REF, "--format", "json").stdout)
    xml, js = data["message-types"]
    assert data["folder"] == str(ENVELOPE_BUNDLE.resolve())
    assert xml["recognise"] == {"root": "Envelope", "namespace": ENVELOPE_NS, "xpath": "@version = '1.0'"}
    assert js["recognise"] == {"pointer": "/specification",
                               "value": "urn:egov-conformance:exchange-envelope:1.0"}
    envelope = xml["structure"][0]
    assert envelope["namespace"] == ENVELOPE_NS
    children = [c["name"] for c in envelope["children"]]
    assert children[:3] == ["@version", "MessageId", "ConversationId"]
    part = next(c for c in envelope["children"] if c["name"] == "Payload")["children"][0]
    assert (part["name"], part["min-occurs"], part["max-occurs"]) == ("Part", 1, None)
    assert (part["children"][0]["name"], part["children"][0]["required"]) == ("@id", True)
    divisions = next(u for u in xml["code-lists"] if u["requirement"] == "EXC-014")
    assert divisions["count"] == 83 and len(divisions["values"]) == 83  # every value, as data
    members = {c["name"]: c for c in js["structure"][0]["children"]}
    assert members["specification"]["fixed"] == "urn:egov-conformance:exchange-envelope:1.0"
    assert members["messageId"]["required"] and not members["inReplyTo"]["required"]
    check = next(c for c in js["checks"] if c["requirement"] == "EXC-022")
    assert check == {"target": "/payload/parts/*/digest/value", "path": "/payload/parts/*/digest/value",
                     "requirement": "EXC-022", "level": "MUST", "how": "check sha256-digest-value"}


def test_show_names_the_conversation_rule_of_a_conversation_requirement() -> None:
    text = invoke("standards", "show", "egov-parallel-approval@1.0.0").stdout
    assert "conversation parallel-approval rule APR-C-ACK-WITHIN (exchange logs)" in text
    data = json.loads(invoke("standards", "show", "egov-parallel-approval@1.0.0", "--format", "json").stdout)
    ack = next(r for r in data["requirements"] if "conversation parallel-approval rule APR-C-ACK-WITHIN"
               " (exchange logs)" in r["checks"])
    assert ack["level"] == "MUST" and ack["classes"] == ["co-approver"]


def test_show_depth_cuts_the_structure_and_says_so() -> None:
    out = invoke("standards", "show", ENVELOPE_REF, "--depth", "1").stdout
    assert "content not shown (--depth)" in out and "note: structure cut short" in out
    assert "MessageId" not in _section(out, "structure (in document order", "code lists")[1:][0]


# -- example --------------------------------------------------------------------------------------------

def _builtin_message_types() -> list[tuple[str, str]]:
    catalog = Catalog([STANDARDS])
    return [(f"{b.id}@{b.version}", mt) for b in catalog.bundles()
            for mt in catalog.load(f"{b.id}@{b.version}").message_types]


@pytest.mark.parametrize(("ref", "message_type"), _builtin_message_types())
def test_every_builtin_example_passes_validate(ref: str, message_type: str, tmp_path: Path) -> None:
    out = tmp_path / f"example-{message_type}"
    made = invoke("standards", "example", ref, "--message-type", message_type, "--out", out)
    assert made.exit_code == 0, made.output
    assert "the example the bundle declares" in made.stderr  # every built-in standard declares one
    checked = invoke("validate", "--standard", ref, out)
    assert checked.exit_code == 0, checked.output
    assert checked.stdout.startswith("PASS") and f"{ref} {message_type}" in checked.stdout


def test_example_prints_the_declared_bytes_to_stdout() -> None:
    made = invoke("standards", "example", ENVELOPE_REF, "-m", "envelope-json")
    assert made.exit_code == 0, made.output
    assert made.stdout_bytes == (ENVELOPE_BUNDLE / "examples" / "minimal.json").read_bytes()


def test_example_of_every_message_type_into_a_folder(tmp_path: Path) -> None:
    made = invoke("standards", "example", ENVELOPE_REF, "--out", tmp_path / "out")
    assert made.exit_code == 0, made.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["envelope-json.json", "envelope-xml.xml"]
    assert invoke("validate", "--standard", ENVELOPE_REF, tmp_path / "out").exit_code == 0


def test_example_unknown_message_type_exit_2() -> None:
    made = invoke("standards", "example", ENVELOPE_REF, "-m", "nope")
    assert made.exit_code == 2
    assert "--message-type 'nope'" in made.stderr and "envelope-xml, envelope-json" in made.stderr


@pytest.mark.parametrize("message_type", ["envelope-xml", "envelope-json"])
def test_skeleton_of_the_envelope_is_schema_valid(message_type: str, tmp_path: Path) -> None:
    out = tmp_path / ("skeleton.xml" if message_type.endswith("xml") else "skeleton.json")
    made = invoke("standards", "example", ENVELOPE_REF, "-m", message_type, "--skeleton", "--out", out)
    assert made.exit_code == 0, made.output
    assert "a skeleton generated from the schema" in made.stderr
    assert "may not pass the business rules" in made.stderr
    data = json.loads(invoke("validate", "-f", "json", "--standard", ENVELOPE_REF, out).stdout)
    (payload,) = data["payloads"]
    assert payload["message-type"] == message_type
    assert payload["outcomes"]["EXC-001"] == "passed"  # the schema holds; rules may not
    # Values our checks accept fill their fields: ids, codes, times, media types, digests pass too.
    for requirement in ("EXC-002", "EXC-005", "EXC-007", "EXC-012", "EXC-013", "EXC-022", "EXC-023"):
        assert payload["outcomes"][requirement] == "passed", (requirement, payload["outcomes"])


def test_skeleton_of_an_imported_bundle_is_well_formed_and_valid(tmp_path: Path) -> None:
    """An imported bundle declares no example: the skeleton follows the XSD (namespace, order, fixed)."""
    source = tmp_path / "src"
    source.mkdir()
    shutil.copy(ENVELOPE_BUNDLE / "schemas" / "envelope.xsd", source / "envelope.xsd")
    standards = tmp_path / "standards"
    imported = invoke("standards", "import", source / "envelope.xsd", "--id", "env-import",
                      "--version", "1.0.0", "--out", standards)
    assert imported.exit_code == 0, imported.output
    assert "no XSD given" not in imported.stderr
    made = invoke("standards", "example", "env-import", "--standards-path", standards)
    assert made.exit_code == 0, made.output
    assert "no example declared" in made.stderr and "a skeleton generated from the schema" in made.stderr
    root = etree.fromstring(made.stdout_bytes)
    assert root.tag == f"{{{ENVELOPE_NS}}}Envelope" and root.get("version") == "1.0"
    assert [etree.QName(c).localname for c in root] == [
        "MessageId", "ConversationId", "MessageType", "Created", "Sender", "Receiver",
        "SecurityClassification", "Payload"]  # required only, in the schema's order
    payload = tmp_path / "skeleton.xml"
    payload.write_bytes(made.stdout_bytes)
    checked = invoke("validate", "--standards-path", standards, "--standard", "env-import", payload)
    assert checked.exit_code == 0, checked.output


def test_skeleton_without_a_schema_is_the_root_element(tmp_path: Path) -> None:
    source = tmp_path / "rules.sch"
    source.write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt">'
        '<ns prefix="o" uri="urn:test:order"/><pattern><rule context="/o:Order">'
        '<assert id="O-1" test="o:Id">An order has an id.</assert></rule></pattern></schema>', "utf-8")
    standards = tmp_path / "standards"
    imported = invoke("standards", "import", source, "--id", "orders", "--version", "1.0.0",
                      "--out", standards)
    assert imported.exit_code == 0, imported.output
    made = invoke("standards", "example", "orders", "--standards-path", standards)
    assert made.exit_code == 0, made.output
    assert "no schema: the structure is unknown" in made.stderr
    assert etree.fromstring(made.stdout_bytes).tag == "{urn:test:order}Order"
    shown = invoke("standards", "show", "orders", "--standards-path", standards)
    assert "schema: none" in shown.stdout
    assert any(ln.split()[:4] == ["/o:Order", "O-1", "MUST", "rule"] for ln in shown.stdout.splitlines())


# -- import: no schema is said out loud (issue 10 §7) -------------------------------------------------

def test_import_without_xsd_warns_on_stderr_and_in_the_manifest(tmp_path: Path) -> None:
    source = tmp_path / "rules.sch"
    source.write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt">'
        '<pattern><rule context="/Order"><assert id="O-1" test="Id">An order has an id.</assert>'
        '</rule></pattern></schema>', "utf-8")
    imported = invoke("standards", "import", source, "--id", "orders", "--version", "1.0.0",
                      "--out", tmp_path)
    assert imported.exit_code == 0, imported.output
    warnings = [ln for ln in imported.stderr.splitlines() if ln.startswith("conform: warning: no XSD given")]
    assert len(warnings) == 1 and "2017-13-45" in warnings[0] and "add the XSD" in warnings[0]
    manifest = (tmp_path / "orders" / "1.0.0" / "standard.yaml").read_text("utf-8")
    assert "# WARNING: no XSD given" in manifest


def test_hostile_schema_text_is_escaped_in_show_and_example(tmp_path: Path) -> None:
    folder = tmp_path / "standards" / "egov-exchange-envelope" / "1.0.0"
    shutil.copytree(ENVELOPE_BUNDLE, folder)
    schema_file = folder / "schemas" / "envelope.schema.json"
    schema = json.loads(schema_file.read_text("utf-8"))
    schema["properties"]["\x1b]52;c;evil\x07"] = {"enum": ["\u202eflip", "\r\nconform: error: forged"]}
    schema["required"].append("\x1b]52;c;evil\x07")
    schema["properties"].pop("specification")  # recognised by the pointer alone: the skeleton sets it
    schema["required"].remove("specification")
    schema_file.write_text(json.dumps(schema), "utf-8")
    (folder / "standard.yaml").write_text(
        (folder / "standard.yaml").read_text("utf-8").replace("    examples: [examples/minimal.json]\n", ""),
        "utf-8")
    root = tmp_path / "standards"
    for args in (("show",), ("show", "--format", "json"), ("example", "-m", "envelope-json")):
        seen = invoke("standards", *args, "egov-exchange-envelope", "--standards-path", root)
        assert seen.exit_code == 0, seen.output
        text = seen.stdout if args[0] == "show" else seen.stderr
        # JSON escapes control characters and may keep other text as it is; a terminal line escapes all.
        for raw in ("\x1b", "\x07", "\r") if "json" in args else ("\x1b", "\x07", "\u202e", "\r"):
            assert raw not in text, (args, raw)
        assert not any(ln.startswith("conform: error: forged") for ln in seen.output.splitlines())
    made = json.loads(invoke("standards", "example", "egov-exchange-envelope", "-m", "envelope-json",
                             "--standards-path", root).stdout_bytes)
    # A payload to a file or pipe is the payload: JSON escapes what it must, values stay as the schema says.
    assert made["\x1b]52;c;evil\x07"] == "\u202eflip"
    assert made["specification"] == "urn:egov-conformance:exchange-envelope:1.0"


# -- hostile JSON Schemas: a note or a clear error naming the file, never a traceback ------------------

def _json_bundle(root: Path, schema: str | bytes) -> Path:
    folder = root / "t" / "1.0.0"
    folder.mkdir(parents=True)
    (folder / "s.json").write_bytes(schema if isinstance(schema, bytes) else schema.encode("utf-8"))
    text = {"zh": "t", "en": "t"}
    manifest = {
        "manifest-format": 1, "id": "t", "version": "1.0.0", "title": text, "description": text,
        "publisher": text, "lifecycle": {"status": "draft"}, "base-uri": "urn:t:",
        "message-types": [{"id": "doc", "syntax": "json", "title": text, "schema": "s.json",
                           "recognise": {"pointer": "/kind", "value": "t"}}],
        "conformance-classes": [{"id": "all", "title": text}],
        "requirements": [{"id": "R-1", "level": "MUST", "classes": ["all"], "statement": text,
                          "checks": [{"by": "schema", "message-types": ["doc"]}]}],
    }
    (folder / "standard.yaml").write_text(yaml.safe_dump(manifest), "utf-8")
    return root


def _strict_json(data: bytes) -> object:
    def refuse(token: str) -> object:
        raise ValueError(f"{token} is not JSON")

    return json.loads(data, parse_constant=refuse)


@pytest.mark.parametrize(("schema", "sample"), [
    ('{"type": "object", "required": ["n"], "properties": {"n": {"type": "integer", "minimum": 1e400}}}', 0),
    ('{"type": "object", "required": ["n"], "properties": {"n": {"type": "number", '
     '"exclusiveMinimum": 1e400}}}', 0),
])
def test_a_bound_beyond_floats_gives_a_finite_sample(tmp_path: Path, schema: str, sample: int) -> None:
    root = _json_bundle(tmp_path / "standards", schema)
    shown = invoke("standards", "show", "t", "--standards-path", root)
    assert shown.exit_code == 0, shown.output
    assert any(line.split()[:2] == ["n", "[1..1]"] for line in shown.stdout.splitlines())
    made = invoke("standards", "example", "t", "--standards-path", root)
    assert made.exit_code == 0, made.output
    assert _strict_json(made.stdout_bytes) == {"n": sample, "kind": "t"}  # never Infinity: not JSON


@pytest.mark.parametrize(("schema", "said"), [
    ('{"allOf": [{}], "properties": [1]}', "invalid JSON Schema at properties"),
    ('{"allOf": [{"required": 5}]}', "invalid JSON Schema at allOf/0/required"),
    ('{"$schema": "http://json-schema.org/draft-07/schema#"}', "must declare draft 2020-12"),
    ('{"type": "object"}'.encode("utf-16"), "not JSON"),  # JSON between systems is UTF-8 (RFC 8259)
])
def test_a_schema_the_validator_refuses_is_a_note_naming_the_file(tmp_path: Path, schema: str | bytes,
                                                                 said: str) -> None:
    root = _json_bundle(tmp_path / "standards", schema)
    for args in (("show",), ("show", "--format", "json"), ("example",)):
        seen = invoke("standards", *args, "t", "--standards-path", root)
        assert seen.exit_code == 0, seen.output
        notes = seen.stdout if args[0] == "show" else seen.stderr
        assert "structure not read from s.json: " in notes and said in notes, (args, seen.output)


def test_refs_that_are_not_schemas_where_allof_merges_are_skipped(tmp_path: Path) -> None:
    # Valid 2020-12 (a $ref may point anywhere), yet the target's "properties" is a boolean schema.
    schema = {"$defs": {"properties": True, "required": {"type": "string"}},
              "type": "object", "allOf": [{"$ref": "#/$defs"}], "properties": {"kind": {"const": "t"}}}
    root = _json_bundle(tmp_path / "standards", json.dumps(schema))
    shown = invoke("standards", "show", "t", "--standards-path", root, "--format", "json")
    assert shown.exit_code == 0, shown.output
    (document,) = json.loads(shown.stdout)["message-types"][0]["structure"]
    assert [c["name"] for c in document["children"]] == ["kind"]
    made = invoke("standards", "example", "t", "--standards-path", root)
    assert _strict_json(made.stdout_bytes) == {"kind": "t"}
