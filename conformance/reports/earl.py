"""W3C EARL 1.0 (Evaluation and Report Language) as JSON-LD, for tools that merge test results.

One `earl:Assertion` per payload and requirement in scope, asserted by the tool (an
`earl:Assertor` and `earl:Software`, its version a DOAP release) about the payload (an
`earl:TestSubject` that is a `dct:hasPart` of the subject under test: organisation, product,
version), with `earl:test` the requirement's URI and an `earl:TestResult` carrying the EARL outcome
(our outcomes are EARL's five, unchanged), `earl:mode earl:automatic`, `dct:date` the run's finished
time and the findings' messages as a bilingual `dct:description` (hints in `earl:info`). Where a
finding has a location, `earl:pointer` gives it in the W3C Pointer Methods vocabulary (XPath, line
and column; a JSON pointer as an expression pointer that conforms to RFC 6901). The requirements
are described as `earl:TestRequirement`s; the standard and the run (hashes, seed, class, verdicts)
use a small vocabulary of our own, `egov:`.

Node identifiers are blank nodes numbered in document order, so the same results give the same
file. Written as a stream: the graph's nodes go out one at a time.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Mapping
from typing import IO, Any

from conformance.core.findings import Finding, Outcome
from conformance.core.text import Text
from conformance.records.cases import Case, iter_payload_cases
from conformance.records.record import RunRecord

EARL = "http://www.w3.org/ns/earl#"
CONTEXT: dict[str, str] = {
    "earl": EARL,
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "ptr": "http://www.w3.org/2009/pointers#",
    "doap": "http://usefulinc.com/ns/doap#",
    "egov": "urn:egov-conformance:vocab:",
}
# The five EARL 1.0 outcome values; `Outcome` uses their local names.
OUTCOME_IRIS: dict[Outcome, str] = {o: f"earl:{o.value}" for o in Outcome}
ZH = "zh-Hans"
_RFC6901 = "https://www.rfc-editor.org/rfc/rfc6901"
_NO_FINDING = {
    Outcome.CANT_TELL: Text(en="could not be decided", zh="无法判定"),
    Outcome.UNTESTED: Text(en="no check of this requirement ran on this payload",
                           zh="未对本报文执行该要求的检查"),
}


def _bilingual(text: Text) -> list[dict[str, str]]:
    return [{"@language": "en", "@value": text.en}, {"@language": ZH, "@value": text.zh}]


def _joined(texts: list[Text]) -> list[dict[str, str]]:
    return _bilingual(Text(en="\n".join(t.en for t in texts), zh="\n".join(t.zh for t in texts)))


def _ref(node_id: str) -> dict[str, str]:
    return {"@id": node_id}


def _datetime(value: str) -> dict[str, str]:
    return {"@type": "xsd:dateTime", "@value": value}


def _release(version: str) -> dict[str, str]:
    # A version is a doap:Version's revision, as W3C implementation reports in EARL give it;
    # dct:hasVersion would be wrong here: its value is a resource, not a version string.
    return {"@type": "doap:Version", "doap:revision": version}


def _payload_id(index: int) -> str:
    return f"_:payload-{index}"


def _context_nodes(record: RunRecord) -> list[dict[str, Any]]:
    """Every node but the assertions: tool, standard, requirements, subject, payloads, run."""
    tool, standard, subject = record.tool, record.standard, record.subject
    payloads = record.payloads
    nodes: list[dict[str, Any]] = [{
        "@id": "_:assertor", "@type": ["earl:Assertor", "earl:Software", "doap:Project"],
        "foaf:name": tool.name, "doap:name": tool.name, "doap:release": _release(tool.version),
    }, {
        "@id": "_:standard", "@type": "egov:Standard",
        "dct:identifier": standard.id, "egov:version": standard.version,
        "dct:title": _bilingual(standard.title), "dct:publisher": _bilingual(standard.publisher),
        "egov:contentHash": standard.content_hash,
    }]
    nodes += [{
        "@id": r.uri, "@type": "earl:TestRequirement", "dct:identifier": r.id,
        "dct:description": _bilingual(r.statement), "egov:level": r.level.value,
        "dct:isPartOf": _ref("_:standard"),
    } for r in record.requirements]
    product: dict[str, Any] = {"@id": "_:subject", "@type": "earl:TestSubject",
                               "dct:hasPart": [_ref(_payload_id(i)) for i in range(1, len(payloads) + 1)]}
    if subject is not None:
        product.update({"@type": ["earl:TestSubject", "doap:Project"], "doap:name": subject.product,
                        "doap:release": _release(subject.version),
                        "foaf:maker": {"@type": "foaf:Organization", "foaf:name": subject.organisation}})
    nodes.append(product)
    for i, payload in enumerate(payloads, 1):
        node: dict[str, Any] = {"@id": _payload_id(i), "@type": "earl:TestSubject",
                                "dct:title": payload.name, "dct:isPartOf": _ref("_:subject"),
                                "egov:verdict": payload.verdict.value}
        for value, term in ((payload.sha256, "egov:sha256"), (payload.size, "egov:size"),
                            (payload.message_type, "egov:messageType")):
            if value is not None:
                node[term] = value
        nodes.append(node)
    run: dict[str, Any] = {
        "@id": "_:run", "@type": "egov:Run", "egov:tool": _ref("_:assertor"),
        "egov:standard": _ref("_:standard"), "egov:subject": _ref("_:subject"),
        "egov:started": _datetime(record.started), "egov:finished": _datetime(record.finished),
        "egov:verdict": record.verdict.value,
        "egov:classVerdict": [{"egov:class": c.id, "dct:title": _bilingual(c.title),
                               "egov:verdict": c.verdict.value} for c in record.classes],
    }
    # Absent facts are left out, as RDF has no null: a run without a suite or a seed has none.
    for fact, term in ((record.class_id, "egov:class"), (record.seed, "egov:seed"),
                       (record.suite_hash, "egov:suiteHash")):
        if fact is not None:
            run[term] = fact
    nodes.append(run)
    return nodes


def _pointers(finding: Finding, payload_id: str) -> list[dict[str, Any]]:
    location = finding.location
    pointers: list[dict[str, Any]] = []
    if location is None:
        return pointers
    if location.xpath is not None:
        pointers.append({"@type": "ptr:XPathPointer", "ptr:expression": location.xpath,
                         "ptr:reference": _ref(payload_id)})
    if location.pointer is not None:
        pointers.append({"@type": "ptr:ExpressionPointer", "ptr:expression": location.pointer,
                         "dct:conformsTo": _ref(_RFC6901), "ptr:reference": _ref(payload_id)})
    if location.line is not None:
        line: dict[str, Any] = {"@type": "ptr:LineCharPointer", "ptr:lineNumber": location.line,
                                "ptr:reference": _ref(payload_id)}
        if location.column is not None:
            line["ptr:charNumber"] = location.column
        pointers.append(line)
    if location.event is not None:
        # In an exchange log the pointers above are inside one event's body: say which event.
        for pointer in pointers:
            pointer["egov:event"] = location.event
        if not pointers:
            pointers.append({"@type": "egov:EventPointer", "egov:event": location.event,
                             "ptr:reference": _ref(payload_id)})
    return pointers


def assertion(case: Case, payload_id: str, finished: str) -> dict[str, Any]:
    """The EARL assertion of one cell (a requirement on a payload)."""
    result: dict[str, Any] = {"@type": "earl:TestResult", "earl:outcome": _ref(OUTCOME_IRIS[case.outcome]),
                              "dct:date": _datetime(finished)}
    if case.findings:
        result["dct:description"] = _joined([f.message for f in case.findings])
        hints = [f.hint for f in case.findings if f.hint is not None]
        if hints:
            result["earl:info"] = _joined(hints)
        pointers = [p for f in case.findings for p in _pointers(f, payload_id)]
        if pointers:
            result["earl:pointer"] = pointers
    elif case.outcome in _NO_FINDING:
        result["dct:description"] = _bilingual(_NO_FINDING[case.outcome])
    return {
        "@type": "earl:Assertion", "earl:assertedBy": _ref("_:assertor"),
        "earl:subject": _ref(payload_id), "earl:test": _ref(case.requirement.uri),
        "earl:mode": _ref("earl:automatic"), "earl:result": result,
    }


def iter_assertions(record: RunRecord) -> Iterator[dict[str, Any]]:
    """One assertion per payload and requirement in scope, payload by payload."""
    for i, (_payload, cases) in enumerate(iter_payload_cases(record), 1):
        for case in cases:
            yield assertion(case, _payload_id(i), record.finished)


def _dump(node: Mapping[str, Any]) -> str:
    return json.dumps(node, ensure_ascii=False, sort_keys=True)


def write_earl(record: RunRecord, stream: IO[str]) -> None:
    """Write the EARL JSON-LD of a run record to a text stream, one node per line."""
    stream.write('{"@context": ' + _dump(CONTEXT) + ',\n "@graph": [')
    first = True
    for nodes in (iter(_context_nodes(record)), iter_assertions(record)):
        for node in nodes:
            stream.write(("\n  " if first else ",\n  ") + _dump(node))
            first = False
    stream.write("\n ]\n}\n")


def earl_jsonld(record: RunRecord) -> str:
    """The EARL JSON-LD of a run record, as text."""
    buffer = io.StringIO()
    write_earl(record, buffer)
    return buffer.getvalue()
