"""Recognition: which standard and message type a payload claims, by root element, namespace and
version (XML) or by a pointer's value (JSON); no match and several matches are errors listing
the candidates."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.core.errors import RecognitionError, SpecError
from conformance.standard.manifest import load_standard
from conformance.standard.model import Standard
from conformance.validation.documents.jsondoc import JsonDocument, parse_json
from conformance.validation.documents.payload import Payload
from conformance.validation.documents.xmldoc import XmlDocument, parse_xml
from conformance.validation.recognition import Recognizer, resolve_pointer
from tests.conftest import ENVELOPE_BUNDLE, ENVELOPE_REF

NS = "urn:egov-conformance:exchange-envelope:1"
SPEC = "urn:egov-conformance:exchange-envelope:1.0"


@pytest.fixture(scope="module")
def envelope() -> Standard:
    return load_standard(ENVELOPE_BUNDLE)


def _xml(text: str) -> XmlDocument:
    return parse_xml(Payload("p.xml", text.encode()))


def _json(text: str) -> JsonDocument:
    return parse_json(Payload("p.json", text.encode()))


@pytest.mark.parametrize(
    ("doc", "message_type"),
    [
        (f'<Envelope xmlns="{NS}" version="1.0"/>', "envelope-xml"),
        (f'<e:Envelope xmlns:e="{NS}" version="1.0"><e:x/></e:Envelope>', "envelope-xml"),  # any prefix
        (f'{{"specification": "{SPEC}"}}', "envelope-json"),
        (f'{{"kind": 1, "specification": "{SPEC}", "more": [1, 2]}}', "envelope-json"),
    ],
)
def test_a_payload_is_recognised(envelope: Standard, doc: str, message_type: str) -> None:
    parsed = _xml(doc) if doc.startswith("<") else _json(doc)
    found = Recognizer([envelope]).recognise(parsed)
    assert (found.standard.ref, found.message_type.id) == (ENVELOPE_REF, message_type)
    assert found.label == f"{ENVELOPE_REF} {message_type}"


@pytest.mark.parametrize(
    ("doc", "seen"),
    [
        (f'<Envelope xmlns="{NS}" version="2.0"/>', f"the root element is 'Envelope' in namespace '{NS}'"),
        (f'<Envelope xmlns="{NS}"/>', f"the root element is 'Envelope' in namespace '{NS}'"),  # no version
        ('<Envelope xmlns="urn:other" version="1.0"/>',
         "the root element is 'Envelope' in namespace 'urn:other'"),
        ('<Envelope version="1.0"/>', "the root element is 'Envelope' in no namespace"),
        (f'<Letter xmlns="{NS}" version="1.0"/>', f"the root element is 'Letter' in namespace '{NS}'"),
    ],
)
def test_an_xml_payload_matching_nothing_lists_the_xml_candidates(
    envelope: Standard, doc: str, seen: str,
) -> None:
    with pytest.raises(RecognitionError) as info:
        Recognizer([envelope]).recognise(_xml(doc))
    error = info.value
    assert error.candidates == (f"{ENVELOPE_REF} envelope-xml",)  # the JSON binding is no candidate
    assert error.message == (f"{seen}, which no XML message type of {ENVELOPE_REF} has; "
                             f"the candidates expect: {ENVELOPE_REF} "
                             f"envelope-xml (root 'Envelope' in namespace '{NS}' where @version = '1.0')")
    assert error.location == "p.xml"


@pytest.mark.parametrize(
    ("doc", "seen"),
    [
        ('{"specification": "urn:egov-conformance:exchange-envelope:2.0"}',
         "the payload has /specification = 'urn:egov-conformance:exchange-envelope:2.0'"),
        ('{"specification": ["urn:egov-conformance:exchange-envelope:1.0"]}',
         "the payload has /specification = ['urn:egov-conformance:exchange-envelope:1.0']"),
        ('{"spec": "urn:egov-conformance:exchange-envelope:1.0"}', "the payload has no /specification"),
        (f'["{SPEC}"]', "the payload is a JSON array, not an object"),
        (f'"{SPEC}"', "the payload is a JSON string, not an object"),
    ],
)
def test_a_json_payload_matching_nothing_lists_the_json_candidates(
    envelope: Standard, doc: str, seen: str,
) -> None:
    with pytest.raises(RecognitionError) as info:
        Recognizer([envelope]).recognise(_json(doc))
    assert info.value.candidates == (f"{ENVELOPE_REF} envelope-json",)
    assert info.value.message == (f"{seen}, which no JSON message type of {ENVELOPE_REF} has; "
                                  f"the candidates expect: {ENVELOPE_REF} "
                                  f"envelope-json (/specification = '{SPEC}')")


def test_no_candidate_of_the_syntax_says_none(envelope: Standard, tmp_path: Path) -> None:
    only_json = _bundle(tmp_path / "a", "only-json")
    with pytest.raises(RecognitionError) as info:
        Recognizer([only_json]).recognise(_xml(f'<Envelope xmlns="{NS}" version="1.0"/>'))
    assert info.value.candidates == ()
    assert info.value.message.endswith("the candidates expect: none")


MANIFEST = """\
manifest-format: 1
id: {id}
version: 1.0.0
title: {{zh: 示例, en: Demo}}
description: {{zh: 示例, en: Demo}}
publisher: {{zh: 本项目, en: This project}}
reference-specification: {{zh: 参考, en: Reference}}
lifecycle: {{status: active, valid-from: 2026-01-01}}
base-uri: "urn:{id}:"
default-class: core
message-types:
{message_types}
conformance-classes:
  - id: core
    title: {{zh: 核心, en: Core}}
requirements:
  - id: R-1
    level: MUST
    statement: {{zh: 须有效, en: Must be valid}}
    classes: [core]
    checks:
      - {{by: rule, message-types: [{first}], rule: R-1}}
"""
JSON_TYPE = """\
  - id: doc
    syntax: json
    title: {zh: 文档, en: Document}
    recognise: {pointer: /head/kind, value: demo}
"""


def _bundle(folder: Path, standard_id: str, message_types: str = JSON_TYPE) -> Standard:
    folder.mkdir(parents=True)
    first = message_types.split("id: ", 1)[1].split("\n", 1)[0]
    (folder / "standard.yaml").write_text(
        MANIFEST.format(id=standard_id, message_types=message_types.rstrip("\n"), first=first),
        encoding="utf-8")
    return load_standard(folder)


def test_a_payload_two_message_types_claim_is_ambiguous(tmp_path: Path) -> None:
    one, two = _bundle(tmp_path / "one", "demo-one"), _bundle(tmp_path / "two", "demo-two")
    doc = _json('{"head": {"kind": "demo"}}')
    with pytest.raises(RecognitionError) as info:
        Recognizer([one, two]).recognise(doc)
    assert info.value.candidates == ("demo-one@1.0.0 doc", "demo-two@1.0.0 doc")
    assert info.value.message == ("payload matches several message types; name one with --standard "
                                  "ID@VERSION: demo-one@1.0.0 doc; demo-two@1.0.0 doc")
    # Naming the standard (one recogniser per standard) settles it.
    assert Recognizer([two]).recognise(doc).standard.id == "demo-two"


def test_the_version_attribute_tells_two_xml_bindings_apart(tmp_path: Path) -> None:
    versions = "".join(f"""\
  - id: env-{v.replace('.', '-')}
    syntax: xml
    title: {{zh: 信封, en: Envelope}}
    recognise: {{root: Envelope, namespace: "{NS}", xpath: "@version = '{v}'"}}
""" for v in ("1.0", "1.1"))
    standard = _bundle(tmp_path / "v", "versions", versions)
    recognizer = Recognizer([standard])
    for version in ("1.0", "1.1"):
        found = recognizer.recognise(_xml(f'<Envelope xmlns="{NS}" version="{version}"/>'))
        assert found.message_type.id == f"env-{version.replace('.', '-')}"
    with pytest.raises(RecognitionError,
                       match=r"the candidates expect: versions@1\.0\.0 env-1-0 .*; versions@1\.0\.0 env-1-1"):
        recognizer.recognise(_xml(f'<Envelope xmlns="{NS}" version="1.2"/>'))


def test_a_broken_recognition_xpath_is_a_spec_error(tmp_path: Path) -> None:
    broken = f"""\
  - id: env
    syntax: xml
    title: {{zh: 信封, en: Envelope}}
    recognise: {{root: Envelope, namespace: "{NS}", xpath: "@version = = '1.0'"}}
"""
    standard = _bundle(tmp_path / "b", "broken", broken)
    with pytest.raises(SpecError, match=r"recognise\.xpath of env") as info:
        Recognizer([standard])
    assert info.value.location == str(standard.manifest)


@pytest.mark.parametrize(
    ("pointer", "expected"),
    [
        ("", (True, {"a/b": {"~": [10, 20]}, "n": None})),
        ("/a~1b/~0/1", (True, 20)),
        ("/a~1b/~0/2", (False, None)),  # past the end
        ("/a~1b/~0/-1", (False, None)),  # not an index
        ("/n", (True, None)),
        ("/missing", (False, None)),
        ("n", (False, None)),  # not a pointer
    ],
)
def test_resolve_pointer(pointer: str, expected: tuple[bool, object]) -> None:
    assert resolve_pointer({"a/b": {"~": [10, 20]}, "n": None}, pointer) == expected


def test_an_unrecognised_payload_with_a_hostile_root_is_capped(envelope: Standard) -> None:
    with pytest.raises(RecognitionError) as info:
        Recognizer([envelope]).recognise(_xml(f'<{"R" * 5000} xmlns="urn:{"n" * 5000}"/>'))
    assert len(info.value.message) < 600 and "'RRRR" in info.value.message
