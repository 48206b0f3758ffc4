"""Schema validators: XSD 1.0 on lxml, XSD 1.1 on xmlschema, JSON Schema without the network."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from conformance.core.errors import BundlePathError, PayloadError, SpecError
from conformance.core.evaluation import EvaluationContext
from conformance.validation.schemas import JsonSchemaValidator, XsdValidator
from tests.conftest import CORPORA

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


# -- hostile bundles: every schema document is read by us, inside the bundle (issue 8, item 6) ---

XS = 'xmlns:xs="http://www.w3.org/2001/XMLSchema"'
V11 = 'xmlns:vc="http://www.w3.org/2007/XMLSchema-versioning" vc:minVersion="1.1"'


def _schema(body: str, *, v11: bool = False, head: str = "") -> str:
    return f'{head}<xs:schema {XS} {V11 if v11 else ""}>{body}</xs:schema>'


def _bundle(tmp_path: Path) -> Path:
    bundle = tmp_path / "bundle"
    (bundle / "schemas").mkdir(parents=True)
    return bundle


@pytest.mark.parametrize("v11", [False, True], ids=["xsd10", "xsd11"])
def test_a_file_url_is_refused_even_with_a_decoy_of_its_name_in_the_bundle(tmp_path: Path,
                                                                           v11: bool) -> None:
    outside = tmp_path / "elsewhere" / "outside.xsd"
    outside.parent.mkdir()
    outside.write_text(_schema('<xs:element name="secret" type="xs:string"/>'))
    bundle = _bundle(tmp_path)
    decoy = bundle / "schemas" / f"file:{outside}"
    decoy.parent.mkdir(parents=True)
    decoy.write_text(_schema('<xs:element name="decoy" type="xs:string"/>'))
    (bundle / "schemas" / "main.xsd").write_text(
        _schema(f'<xs:include schemaLocation="file:{outside}"/>', v11=v11))
    with pytest.raises(BundlePathError, match="not a relative path") as caught:
        XsdValidator(bundle / "schemas" / "main.xsd", root=bundle)
    assert "main.xsd:1" in str(caught.value)


@pytest.mark.parametrize("v11", [False, True], ids=["xsd10", "xsd11"])
@pytest.mark.parametrize("where", ["included", "entry"])
def test_a_dtd_in_a_schema_document_is_refused(tmp_path: Path, v11: bool, where: str) -> None:
    bundle = _bundle(tmp_path)
    entity = '<!DOCTYPE xs:schema [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
    hostile = _schema('<xs:annotation><xs:documentation>&x;</xs:documentation></xs:annotation>',
                      v11=v11, head=entity)
    if where == "included":
        (bundle / "schemas" / "ent.xsd").write_text(hostile)
        (bundle / "schemas" / "main.xsd").write_text(_schema('<xs:include schemaLocation="ent.xsd"/>',
                                                             v11=v11))
    else:
        (bundle / "schemas" / "main.xsd").write_text(hostile)
    with pytest.raises(SpecError, match="DOCTYPE") as caught:
        XsdValidator(bundle / "schemas" / "main.xsd", root=bundle)
    assert ("ent.xsd" if where == "included" else "main.xsd") in str(caught.value)


@pytest.mark.parametrize("location", ["%2e%2e/%2e%2e/outside.xsd", "sub/../../../outside.xsd",
                                      "C:outside.xsd", "link.xsd", "file.xsd?x=1"])
def test_other_ways_out_of_the_bundle_are_refused(tmp_path: Path, location: str) -> None:
    (tmp_path / "outside.xsd").write_text(_schema(""))
    bundle = _bundle(tmp_path)
    (bundle / "schemas" / "sub").mkdir()
    (bundle / "schemas" / "link.xsd").symlink_to(tmp_path / "outside.xsd")
    (bundle / "schemas" / "main.xsd").write_text(_schema(f'<xs:include schemaLocation="{location}"/>'))
    with pytest.raises(BundlePathError):
        XsdValidator(bundle / "schemas" / "main.xsd", root=bundle)


def test_a_schema_document_that_is_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    bundle = _bundle(tmp_path)
    os.mkfifo(bundle / "schemas" / "pipe.xsd")
    (bundle / "schemas" / "main.xsd").write_text(_schema('<xs:include schemaLocation="pipe.xsd"/>'))
    with pytest.raises(SpecError, match="not a regular file"):
        XsdValidator(bundle / "schemas" / "main.xsd", root=bundle)


@pytest.mark.parametrize("v11", [False, True], ids=["xsd10", "xsd11"])
def test_includes_inside_the_bundle_still_work(tmp_path: Path, v11: bool) -> None:
    # Escaped and unescaped names, a folder up and down, one document reached twice, a cycle.
    bundle = _bundle(tmp_path)
    (bundle / "schemas" / "common types").mkdir()
    (bundle / "schemas" / "common types" / "a b.xsd").write_text(_schema(
        '<xs:include schemaLocation="../main.xsd"/><xs:simpleType name="Code">'
        '<xs:restriction base="xs:string"><xs:pattern value="[A-Z]{2}"/></xs:restriction>'
        '</xs:simpleType>', v11=v11))
    (bundle / "schemas" / "other.xsd").write_text(_schema(
        '<xs:include schemaLocation="common%20types/a%20b.xsd"/>', v11=v11))
    (bundle / "schemas" / "main.xsd").write_text(_schema(
        '<xs:include schemaLocation="common types/a b.xsd"/><xs:include schemaLocation="other.xsd"/>'
        '<xs:element name="code" type="Code"/>', v11=v11))
    validator = XsdValidator(bundle / "schemas" / "main.xsd", root=bundle)
    assert validator.version == ("1.1" if v11 else "1.0")
    assert list(validator.iter_violations(etree.ElementTree(etree.fromstring("<code>DE</code>")))) == []
    assert list(validator.iter_violations(etree.ElementTree(etree.fromstring("<code>d</code>"))))


# -- budgets and the run's context (issue 8, item 8) -----------------------------------------------

def _pattern_schema(tmp_path: Path, pattern: str, *, v11: bool = False) -> Path:
    path = tmp_path / "p.xsd"
    path.write_text(_schema(
        '<xs:element name="a"><xs:simpleType><xs:restriction base="xs:string">'
        f'<xs:pattern value="{pattern}"/></xs:restriction></xs:simpleType></xs:element>', v11=v11))
    return path


def test_libxml2_giving_up_on_a_pattern_is_a_payload_error(tmp_path: Path) -> None:
    # libxml2 stops its regex backtracking at a limit of its own and says "Internal error".
    validator = XsdValidator(_pattern_schema(tmp_path, "(a|aa)*(a|aa)*(a|aa)*b"), root=tmp_path)
    doc = etree.ElementTree(etree.fromstring("<a>" + "a" * 200 + "</a>"))
    with pytest.raises(PayloadError, match="gave up") as caught:
        list(validator.iter_violations(doc))
    assert "Traceback" not in str(caught.value)


def test_libxml2_giving_up_on_a_repaired_pass_is_a_payload_error_too(tmp_path: Path) -> None:
    # The first pass stops at the missing <a>; the pass repaired with an <a> reaches the pattern.
    path = tmp_path / "r.xsd"
    path.write_text(_schema(
        '<xs:element name="r"><xs:complexType><xs:sequence><xs:element name="a" type="xs:string"/>'
        '<xs:element name="p"><xs:simpleType><xs:restriction base="xs:string">'
        '<xs:pattern value="(a|aa)*(a|aa)*(a|aa)*b"/></xs:restriction></xs:simpleType></xs:element>'
        '</xs:sequence></xs:complexType></xs:element>'))
    validator = XsdValidator(path, root=tmp_path)
    doc = etree.ElementTree(etree.fromstring("<r><p>" + "a" * 200 + "</p></r>"))
    with pytest.raises(PayloadError, match="gave up"):
        list(validator.iter_violations(doc))


def test_a_schema_libxml2_cannot_compile_names_its_file(tmp_path: Path) -> None:
    path = _pattern_schema(tmp_path, "(a")
    with pytest.raises(SpecError, match="invalid XSD") as caught:
        XsdValidator(path, root=tmp_path)
    assert str(path) in str(caught.value)


def _assert_schema(tmp_path: Path, test: str) -> Path:
    path = tmp_path / "assert.xsd"
    path.write_text(_schema(
        '<xs:element name="a"><xs:complexType><xs:attribute name="until" type="xs:dateTime"/>'
        f'<xs:attribute name="id" type="xs:string"/><xs:assert test="{test}"/></xs:complexType>'
        '</xs:element>', v11=True))
    return path


@pytest.mark.parametrize("test", ["current-dateTime() lt @until",
                                  "current-date() lt xs:date(@until)"])
def test_xsd_11_assertions_see_the_pinned_time(tmp_path: Path, test: str) -> None:
    path = _assert_schema(tmp_path, test)
    doc = etree.ElementTree(etree.fromstring('<a until="2021-01-01T00:00:00Z"/>'))
    before = XsdValidator(path, root=tmp_path,
                          evaluation=EvaluationContext(now=datetime(2020, 6, 1, tzinfo=UTC)))
    after = XsdValidator(path, root=tmp_path,
                         evaluation=EvaluationContext(now=datetime(2022, 6, 1, tzinfo=UTC)))
    assert list(before.iter_violations(doc)) == []
    assert list(after.iter_violations(doc))


@pytest.mark.parametrize("test", ["doc('file:///etc/hostname')", "doc-available('/etc/passwd')",
                                  "empty(collection())", "exists(collection('file:///etc'))"])
def test_xsd_11_xpath_that_reads_the_host_is_refused(tmp_path: Path, test: str) -> None:
    with pytest.raises(SpecError, match="reads the host"):
        XsdValidator(_assert_schema(tmp_path, test), root=tmp_path)


def test_xsd_11_has_no_environment_functions(tmp_path: Path) -> None:
    # XPath 2.0 (xmlschema's default for asserts) has none: the assertion is not even compiled.
    with pytest.raises(SpecError):
        XsdValidator(_assert_schema(tmp_path, "environment-variable('HOME') = 'x'"), root=tmp_path)


def test_an_internal_doctype_without_entity_use_still_loads(tmp_path: Path) -> None:
    # As UBL 2.1's copy of xmldsig-core: an internal subset with unused internal entities.
    head = ("<!DOCTYPE xs:schema [<!ATTLIST xs:schema xmlns:ds CDATA #FIXED 'urn:ds'>"
            "<!ENTITY dsig 'urn:ds'><!ENTITY % p ''>]>\n")
    (tmp_path / "s.xsd").write_text(_schema('\n<xs:element name="a" type="xs:int"/>', head=head))
    validator = XsdValidator(tmp_path / "s.xsd", root=tmp_path)
    (violation,) = validator.iter_violations(etree.ElementTree(etree.fromstring("<a>x</a>")))
    assert violation.line == 1


@pytest.mark.parametrize("head", [
    "<!DOCTYPE xs:schema [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>]>",
    '<!DOCTYPE xs:schema SYSTEM "file:///etc/hostname">',
])
def test_entity_use_and_external_subsets_are_refused(tmp_path: Path, head: str) -> None:
    (tmp_path / "s.xsd").write_text(_schema('<xs:element name="a" type="xs:string" default="&b;"/>'
                                            if "ENTITY b" in head else "", head=head))
    with pytest.raises(SpecError, match=r"entit|external DTD"):
        XsdValidator(tmp_path / "s.xsd", root=tmp_path)


def test_a_broken_include_names_the_including_file(tmp_path: Path) -> None:
    (tmp_path / "main.xsd").write_text(_schema('\n<xs:include schemaLocation="gone.xsd"/>'))
    with pytest.raises(SpecError, match=r"gone\.xsd") as caught:
        XsdValidator(tmp_path / "main.xsd", root=tmp_path)
    assert "main.xsd:2" in str(caught.value)


@pytest.mark.skipif(not (CORPORA / "ubl-2.1-xsd").is_dir(), reason="UBL 2.1 corpus not found")
def test_ubl_21_compiles_from_its_own_documents() -> None:
    root = CORPORA / "ubl-2.1-xsd"
    validator = XsdValidator(root / "maindoc" / "UBL-Invoice-2.1.xsd", root=root)
    assert validator.version == "1.0"


# -- messages that say what is wrong (issue 10 §4) ------------------------------------------------

NS_ENV = "urn:egov-conformance:exchange-envelope:1"
ENVELOPE_BUNDLE = Path(__file__).parents[2] / "standards" / "egov-exchange-envelope" / "1.0.0"
MINIMAL_PATH = (Path(__file__).parents[2] / "fixtures" / "egov-exchange-envelope" / "1.0.0" / "xml"
                / "conformant-minimal.xml")
MINIMAL = MINIMAL_PATH.read_text("utf-8")
CONVERSATION = "  <env:ConversationId>204993c1-571a-41ef-868d-0277d18d362c</env:ConversationId>\n"


@pytest.fixture(scope="module")
def envelope_xsd() -> XsdValidator:
    return XsdValidator(ENVELOPE_BUNDLE / "schemas" / "envelope.xsd", root=ENVELOPE_BUNDLE)


def _violations(validator: XsdValidator, text: str) -> list[tuple[int | None, str | None, str, str | None]]:
    tree = etree.fromstring(text.encode("utf-8")).getroottree()
    return [(v.line, v.xpath, v.message, v.message_zh) for v in validator.iter_violations(tree)]


def test_a_missing_element_is_said_missing_at_its_parent(envelope_xsd: XsdValidator) -> None:
    assert _violations(envelope_xsd, MINIMAL.replace(CONVERSATION, "")) == [
        (2, "/env:Envelope", "ConversationId is missing (expected before MessageType)",
         "缺少 ConversationId（应位于 MessageType 之前）")]


def test_the_engine_message_stays_available(envelope_xsd: XsdValidator) -> None:
    tree = etree.fromstring(MINIMAL.replace(CONVERSATION, "").encode()).getroottree()
    (violation,) = envelope_xsd.iter_violations(tree)
    assert violation.engine_message is not None and "This element is not expected" in violation.engine_message


def test_content_ending_early_is_said_missing_at_the_end(envelope_xsd: XsdValidator) -> None:
    text = MINIMAL.replace("<env:Name>Example Municipal Data Administration</env:Name>", "")
    assert _violations(envelope_xsd, text) == [
        (7, "/env:Envelope/env:Sender", "Name is missing (expected at the end of Sender)",
         "缺少 Name（应位于 Sender 的末尾）")]


def test_wrong_order_and_undeclared_elements_are_told_apart(envelope_xsd: XsdValidator) -> None:
    created = "  <env:Created>2026-11-20T09:30:00+08:00</env:Created>\n"
    early = MINIMAL.replace(created, "").replace(CONVERSATION, CONVERSATION + created)
    assert [v[2] for v in _violations(envelope_xsd, early)] == [
        "Created is not expected here: MessageType must come before it"]
    stray = MINIMAL.replace(created, "  <env:Priority/>\n" + created)
    assert [v[1:3] for v in _violations(envelope_xsd, stray)] == [
        ("/env:Envelope/env:Priority", "Priority is not an element of this schema (expected Created here)")]


def test_every_violation_of_a_payload_is_reported(envelope_xsd: XsdValidator) -> None:
    # libxml2 alone stops checking the envelope's content at the missing ConversationId.
    text = (MINIMAL.replace(CONVERSATION, "")
            .replace("<env:Name>Example Municipal Data Administration</env:Name>", "")
            .replace("<env:Size>2048</env:Size>", "<env:Size>x</env:Size><env:Foo/>")
            .replace(' version="1.0">', ">"))
    assert [(line, xpath, message) for line, xpath, message, _ in _violations(envelope_xsd, text)] == [
        (2, "/env:Envelope", "attribute version of Envelope is missing"),
        (2, "/env:Envelope", "ConversationId is missing (expected before MessageType)"),
        (6, "/env:Envelope/env:Sender", "Name is missing (expected at the end of Sender)"),
        (18, "/env:Envelope/env:Payload/env:Part/env:Size",
         "Element 'Size': 'x' is not a valid value of the atomic type 'xs:nonNegativeInteger'."),
        (18, "/env:Envelope/env:Payload/env:Part/env:Foo",
         "Foo is not an element of this schema (expected Digest here)"),
    ]


def test_a_misspelt_element_is_missing_and_undeclared(envelope_xsd: XsdValidator) -> None:
    text = MINIMAL.replace("env:ConversationId>", "env:ConversationID>")
    assert [v[2] for v in _violations(envelope_xsd, text)] == [
        "ConversationId is missing (expected before ConversationID)",
        "ConversationID is not an element of this schema (expected InReplyTo or MessageType here)"]


def test_errors_in_every_parent_stay_within_the_cap(envelope_xsd: XsdValidator) -> None:
    part = MINIMAL[MINIMAL.index("    <env:Part"):MINIMAL.index("  </env:Payload>")]
    broken = part.replace("<env:MediaType>application/xml</env:MediaType>", "<env:Bad/>" * 3)
    text = MINIMAL.replace(part, broken * 200)
    found = _violations(envelope_xsd, text)
    assert 0 < len(found) <= 50
    assert all(len(message) <= 400 for _, _, message, _ in found)


def test_a_hostile_value_in_an_engine_message_is_capped(envelope_xsd: XsdValidator) -> None:
    text = MINIMAL.replace("<env:Size>2048</env:Size>", f"<env:Size>{'9x' * 100_000}</env:Size>")
    (violation,) = _violations(envelope_xsd, text)
    assert "Size" in violation[2] and len(violation[2]) <= 400


XSD11_SEQUENCE = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:vc="http://www.w3.org/2007/XMLSchema-versioning" vc:minVersion="1.1">
  <xs:element name="doc">
    <xs:complexType><xs:sequence>
      <xs:element name="a" type="xs:string"/><xs:element name="b" type="xs:string"/>
    </xs:sequence></xs:complexType>
  </xs:element>
</xs:schema>"""


def test_xsd_11_says_missing_elements_too(tmp_path: Path) -> None:
    (tmp_path / "s.xsd").write_text(XSD11_SEQUENCE)
    validator = XsdValidator(tmp_path / "s.xsd", root=tmp_path)
    assert _violations(validator, "<doc>\n<b/></doc>") == [
        (1, "/doc", "a is missing (expected before b)", "缺少 a（应位于 b 之前）")]
    assert [v[2] for v in _violations(validator, "<doc><a/></doc>")] == [
        "b is missing (expected at the end of doc)"]


def _removals(text: str) -> list[tuple[str, str, str]]:
    """(payload without one element, the element's local name, its parent's XPath) for each element."""
    tree = etree.fromstring(text.encode("utf-8")).getroottree()
    found = []
    for index, element in enumerate(tree.getroot().iter(etree.Element)):
        parent = element.getparent()
        if parent is None:
            continue
        copy = etree.fromstring(text.encode("utf-8")).getroottree()
        twin = list(copy.getroot().iter(etree.Element))[index]
        twin.getparent().remove(twin)
        found.append((etree.tostring(copy, encoding="unicode"), etree.QName(element).localname,
                      tree.getpath(parent)))
    return found


@pytest.mark.parametrize("fixture", ["conformant-minimal.xml", "conformant-full.xml"])
def test_removing_any_mandatory_element_says_it_is_missing_at_its_parent(
        envelope_xsd: XsdValidator, fixture: str) -> None:
    text = (MINIMAL_PATH.parent / fixture).read_text("utf-8")
    checked = 0
    for payload, name, parent in _removals(text):
        found = _violations(envelope_xsd, payload)
        if not found:
            continue  # an optional element, or one of several
        checked += 1
        assert [(xpath, message.split(" (expected")[0]) for _, xpath, message, _ in found] == [
            (parent, f"{name} is missing")], (name, found)
    assert checked >= 10


def test_the_same_error_at_two_elements_is_reported_twice(envelope_xsd: XsdValidator) -> None:
    part = MINIMAL[MINIMAL.index("    <env:Part"):MINIMAL.index("  </env:Payload>")]
    two = part + part.replace('id="part-1"', 'id="part-2"')
    text = MINIMAL.replace(part, two.replace("<env:Size>2048</env:Size>", "<env:Size>x</env:Size>"))
    found = _violations(envelope_xsd, text)
    assert [xpath for _, xpath, _, _ in found] == ["/env:Envelope/env:Payload/env:Part[1]/env:Size",
                                                  "/env:Envelope/env:Payload/env:Part[2]/env:Size"]


def _wildcard_schema(tmp_path: Path, namespace: str, v11: bool) -> XsdValidator:
    (tmp_path / "w.xsd").write_text(
        f'<xs:schema {XS} {V11 if v11 else ""} targetNamespace="urn:a" elementFormDefault="qualified">'
        '<xs:element name="Root"><xs:complexType><xs:sequence><xs:element name="A" type="xs:string"/>'
        f'<xs:any namespace="{namespace}" processContents="skip"/></xs:sequence></xs:complexType>'
        '</xs:element></xs:schema>')
    return XsdValidator(tmp_path / "w.xsd", root=tmp_path)


# What libxml2 says the wildcard of Root = (A, xs:any) expects; xmlschema gives no name ("*").
WILDCARDS = {"##other": "##other{urn:a}*", "##any": None, "urn:b": "{urn:b}*", "##local": "*"}


@pytest.mark.parametrize("v11", [False, True], ids=["xsd10", "xsd11"])
@pytest.mark.parametrize("namespace", list(WILDCARDS))
def test_a_wildcard_in_the_content_model_is_shown_not_named(tmp_path: Path, namespace: str,
                                                            v11: bool) -> None:
    validator = _wildcard_schema(tmp_path, namespace, v11)
    shown = "*" if v11 else WILDCARDS[namespace]
    at_end = ("an element is missing at the end of Root: one of {*}* or *" if shown is None
              else f"an element is missing at the end of Root (expected {shown})")
    assert [v[1:3] for v in _violations(validator, '<Root xmlns="urn:a"><A/></Root>')] == [("/*", at_end)]
    for extra, name in [("<A/>", "A"), ("<B/>", "B")]:
        found = [v[1:3] for v in _violations(validator, f'<Root xmlns="urn:a"><A/>{extra}</Root>')]
        if namespace == "##any":
            assert found == []  # the wildcard takes it
        else:
            # libxml2 checks on past the stray element, and then the wildcard's element is missing.
            assert found == [("/*/*[2]", f"{name} is not expected here in Root")] + (
                [] if v11 else [("/*", at_end)])
