"""EARL 1.0 as JSON-LD: the context, the assertor and subjects, one assertion per cell, EARL outcomes."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from conformance.reports.earl import earl_jsonld
from tests.reports.conftest import SUITE_HASH, as_record

EARL_OUTCOMES = {f"earl:{o}" for o in ("passed", "failed", "cantTell", "inapplicable", "untested")}
PREFIXES = {
    "earl": "http://www.w3.org/ns/earl#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def graph(document: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    data = json.loads(earl_jsonld(as_record(document)))
    assert set(data) == {"@context", "@graph"}
    return data["@context"], data["@graph"]


def of_type(nodes: list[dict[str, Any]], rdf_type: str) -> list[dict[str, Any]]:
    return [n for n in nodes if rdf_type in ([n["@type"]] if isinstance(n["@type"], str) else n["@type"])]


def compact_terms(value: Any) -> Iterator[str]:
    """Every key and every @id/@type value that uses a prefix, anywhere in the tree."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not key.startswith("@"):
                yield key
            elif key in ("@id", "@type"):
                yield from ([item] if isinstance(item, str) else item)
            yield from compact_terms(item)
    elif isinstance(value, list):
        for item in value:
            yield from compact_terms(item)


def test_context_declares_the_vocabularies(failing_document: dict[str, Any]) -> None:
    context, nodes = graph(failing_document)
    assert {k: context[k] for k in PREFIXES} == PREFIXES
    used = {term.split(":", 1)[0] for term in compact_terms(nodes)
            if ":" in term and not term.startswith(("_:", "urn:", "http:", "https:"))}
    assert used <= set(context), used - set(context)


def test_one_assertion_per_payload_and_requirement(failing_document: dict[str, Any]) -> None:
    doc = failing_document
    _context, nodes = graph(doc)
    assertions = of_type(nodes, "earl:Assertion")
    assert len(assertions) == len(doc["payloads"]) * len(doc["requirements"])
    outcomes = Counter[tuple[str, str]]()
    uris = {r["uri"]: r["id"] for r in doc["requirements"]}
    for a in assertions:
        assert a["earl:assertedBy"] == {"@id": "_:assertor"}
        assert a["earl:mode"] == {"@id": "earl:automatic"}
        result = a["earl:result"]
        assert result["@type"] == "earl:TestResult"
        assert result["earl:outcome"]["@id"] in EARL_OUTCOMES
        assert result["dct:date"] == {"@type": "xsd:dateTime", "@value": doc["finished"]}
        outcomes[(uris[a["earl:test"]["@id"]], result["earl:outcome"]["@id"].removeprefix("earl:"))] += 1
    for r in doc["requirements"]:
        assert {o: outcomes[(r["id"], o)] for o in r["counts"]} == r["counts"], r["id"]


def test_failed_assertion_has_the_message_and_the_location(failing_document: dict[str, Any]) -> None:
    _context, nodes = graph(failing_document)
    payload = next(n for n in of_type(nodes, "earl:TestSubject")
                   if n.get("dct:title", "").endswith("xml/bad-conversation-id.xml"))
    assertion = next(a for a in of_type(nodes, "earl:Assertion") if a["earl:subject"]["@id"] == payload["@id"]
                     and a["earl:test"]["@id"].endswith(":EXC-003"))
    result = assertion["earl:result"]
    assert result["earl:outcome"] == {"@id": "earl:failed"}
    description = {d["@language"]: d["@value"] for d in result["dct:description"]}
    assert "is not a UUID" in description["en"] and "UUID" in description["zh-Hans"]
    pointers = {p["@type"]: p for p in result["earl:pointer"]}
    assert pointers["ptr:XPathPointer"]["ptr:expression"] == "/env:Envelope/env:ConversationId"
    assert pointers["ptr:LineCharPointer"]["ptr:lineNumber"] == 4


def test_assertor_subject_payloads_and_run(conformant_document: dict[str, Any]) -> None:
    doc = conformant_document
    _context, nodes = graph(doc)
    by_id = {n["@id"]: n for n in nodes if "@id" in n}
    assertor = of_type(nodes, "earl:Assertor")
    assert len(assertor) == 1
    assert assertor[0]["foaf:name"] == doc["tool"]["name"]
    assert assertor[0]["doap:release"]["doap:revision"] == doc["tool"]["version"]
    subject = by_id["_:subject"]
    assert "earl:TestSubject" in subject["@type"]
    assert subject["foaf:maker"]["foaf:name"] == "ACME" and subject["doap:name"] == "Gateway"
    assert subject["doap:release"]["doap:revision"] == "2.1"
    parts = [by_id[ref["@id"]] for ref in subject["dct:hasPart"]]
    assert [(p["dct:title"], p["egov:sha256"]) for p in parts] == [
        (p["name"], p["sha256"]) for p in doc["payloads"]]
    run = by_id["_:run"]
    standard = by_id[run["egov:standard"]["@id"]]
    assert standard["dct:identifier"] == doc["standard"]["id"]
    assert standard["egov:version"] == doc["standard"]["version"]
    assert standard["egov:contentHash"] == doc["standard"]["content-hash"]
    assert run["egov:suiteHash"] == SUITE_HASH and run["egov:seed"] == 20261125
    assert run["egov:verdict"] == doc["verdict"] == "conformant"
    assert run["egov:started"]["@value"] == doc["started"]
    # Every reference to a blank node or a requirement points at a node of the graph.
    assertions = of_type(nodes, "earl:Assertion")
    assert {v["@id"] for a in assertions for v in (a["earl:subject"], a["earl:test"])} <= set(by_id)
    tested = {n["@id"] for n in of_type(nodes, "earl:TestRequirement")}
    assert {r["uri"] for r in doc["requirements"]} <= tested


def test_hostile_text_is_valid_json(hostile_document: dict[str, Any]) -> None:
    text = earl_jsonld(as_record(hostile_document))
    data = json.loads(text)
    titles = [n["dct:title"] for n in data["@graph"] if n.get("@id", "").startswith("_:payload-")]
    assert all(t.endswith("<img src=http://198.51.100.1/x.png>") and "\x00" in t for t in titles)
