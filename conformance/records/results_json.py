"""The `validate` JSON output: a documented, versioned format written as a stream.

Format `egov-conformance/validation-results` version 1.0; its JSON Schema ships beside this module
(`validation-results.schema.json`). Minor versions only add optional members.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import IO, TYPE_CHECKING, Any

from conformance._version import __version__
from conformance.core.findings import Finding, Location, Outcome, Severity, Verdict
from conformance.core.printable import json_text
from conformance.core.results import PayloadResult
from conformance.core.text import Text

if TYPE_CHECKING:  # the plugin reads records in every pytest session: no more than it needs
    from conformance.standard.model import Standard

FORMAT = "egov-conformance/validation-results"
FORMAT_VERSION = "1.0"


# A location that says nothing, as a results file leaves it out.
_NOWHERE = Location()
# Reading a results file: a dict lookup is a fraction of the cost of `Outcome(value)`, and a
# large run holds an outcome for every requirement of every payload.
_OUTCOMES = {o.value: o for o in Outcome}
_VERDICTS = {v.value: v for v in Verdict}
_SEVERITIES = {s.value: s for s in Severity}


def recorded(finding: Finding) -> Finding:
    """The finding as results files keep it: an empty location or excerpt is none at all."""
    if finding.location == _NOWHERE or finding.excerpt == "":
        return replace(finding, location=None if finding.location == _NOWHERE else finding.location,
                       excerpt=finding.excerpt or None)
    return finding


def recorded_result(result: PayloadResult) -> PayloadResult:
    """What a results file keeps of a payload: findings that need attention (passes are summarised
    by `outcomes`), each as `recorded`."""
    findings = tuple(recorded(f) for f in result.failures())
    if len(findings) == len(result.findings) and all(
            a is b for a, b in zip(findings, result.findings, strict=True)):
        return result
    return replace(result, findings=findings)


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    """One finding as a JSON object: every member it holds (absent members are omitted, never
    null); give it `recorded` first, as the writers do."""
    out: dict[str, Any] = {
        "requirement": finding.requirement_id,
        "outcome": finding.outcome.value,
        "severity": finding.severity.value,
        "message": finding.message.as_dict(),
        "source": finding.source,
    }
    if finding.processing_error:
        out["processing-error"] = True
    loc = finding.location
    if loc is not None:
        out["location"] = {k: v for k, v in (("event", loc.event), ("line", loc.line),
                                             ("column", loc.column), ("xpath", loc.xpath),
                                             ("pointer", loc.pointer)) if v is not None}
    if finding.hint is not None:
        out["hint"] = finding.hint.as_dict()
    if finding.excerpt is not None:
        out["excerpt"] = finding.excerpt
    return out


def result_document(result: PayloadResult) -> dict[str, Any]:
    """One payload's result as a JSON object, with every finding it holds."""
    return {
        "name": result.name,
        "sha256": result.sha256,
        "size": result.size,
        "standard": result.standard,
        "message-type": result.message_type,
        "verdict": result.verdict.value,
        "class": result.target_class,
        "verdicts": {k: v.value for k, v in sorted(result.verdicts.items())},
        "outcomes": {k: v.value for k, v in sorted(result.outcomes.items())},
        "findings": [finding_to_dict(f) for f in result.findings],
    }


def payload_to_dict(result: PayloadResult) -> dict[str, Any]:
    """One payload's result as the files keep it (`recorded_result`)."""
    return result_document(recorded_result(result))


def text_from_document(value: Mapping[str, str]) -> Text:
    """Bilingual text as a document holds it (both members, kept as they are)."""
    return Text(zh=value["zh"], en=value["en"])


def finding_from_document(value: Mapping[str, Any]) -> Finding:
    """A finding of a checked document: what `finding_to_dict` wrote, read back."""
    location = value.get("location")
    hint = value.get("hint")
    return Finding(
        requirement_id=value["requirement"],
        outcome=_OUTCOMES[value["outcome"]],
        severity=_SEVERITIES[value["severity"]],
        message=text_from_document(value["message"]),
        source=value["source"],
        location=None if location is None else Location(
            line=location.get("line"), column=location.get("column"),
            xpath=location.get("xpath"), pointer=location.get("pointer"),
            event=location.get("event")),
        processing_error="processing-error" in value,  # the member is `true` or absent
        hint=None if hint is None else text_from_document(hint),
        excerpt=value.get("excerpt"),
    )


def result_from_document(value: Mapping[str, Any]) -> PayloadResult:
    """A payload's result of a checked document: what `result_document` wrote, read back."""
    return PayloadResult(
        name=value["name"],
        sha256=value["sha256"],
        size=value["size"],
        standard=value["standard"],
        message_type=value["message-type"],
        findings=tuple(finding_from_document(f) for f in value["findings"]),
        outcomes={k: _OUTCOMES[v] for k, v in value["outcomes"].items()},
        verdicts={k: _VERDICTS[v] for k, v in value["verdicts"].items()},
        verdict=_VERDICTS[value["verdict"]],
        target_class=value["class"],
    )


def standard_to_dict(standard: Standard) -> dict[str, Any]:
    """The standard as the validate format names it."""
    return {"id": standard.id, "version": standard.version, "content-hash": standard.content_hash}


class ResultsJsonWriter:
    """Writes the header, then each payload as it arrives, then the summary."""

    def __init__(self, stream: IO[str], standards: Iterable[Standard], class_id: str | None) -> None:
        self._stream = stream
        self._first = True
        self.summary: dict[str, int] = {"payloads": 0, **{v.value: 0 for v in Verdict}}
        head = {
            "format": FORMAT,
            "format-version": FORMAT_VERSION,
            "tool": {"name": "egov-conformance", "version": __version__},
            "standards": [standard_to_dict(s) for s in standards],
            "class": class_id,
        }
        # Every string may hold a lone surrogate (a file name that is not UTF-8): `json_text` makes
        # each piece encodable, so a stream is never cut short by one name.
        text = json_text(json.dumps(head, ensure_ascii=False, indent=1))
        stream.write(text[:-2] + ',\n "payloads": [')

    def write(self, result: PayloadResult) -> None:
        self.summary["payloads"] += 1
        self.summary[result.verdict.value] += 1
        self._stream.write(("\n  " if self._first else ",\n  ")
                           + json_text(json.dumps(payload_to_dict(result), ensure_ascii=False,
                                                  sort_keys=True)))
        self._first = False

    def close(self, extra: Mapping[str, Any] | None = None) -> None:
        summary = json.dumps({**self.summary, **(extra or {})}, sort_keys=True)  # ASCII: encodable
        self._stream.write(f"\n ],\n \"summary\": {summary}\n}}\n")
