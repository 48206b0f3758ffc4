"""The `validate` JSON output: a documented, versioned format written as a stream.

Format `egov-conformance/validation-results` version 1.0; its JSON Schema ships beside this module
(`validation-results.schema.json`). Minor versions only add optional members.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import IO, Any

from conformance._version import __version__
from conformance.core.findings import Finding, Outcome, Verdict
from conformance.core.printable import json_text
from conformance.core.results import PayloadResult
from conformance.standard.model import Standard

FORMAT = "egov-conformance/validation-results"
FORMAT_VERSION = "1.0"


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    """One finding as a JSON object (absent members are omitted, never null)."""
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
        location = {k: v for k, v in (("line", loc.line), ("column", loc.column),
                                      ("xpath", loc.xpath), ("pointer", loc.pointer)) if v is not None}
        if location:
            out["location"] = location
    if finding.hint is not None:
        out["hint"] = finding.hint.as_dict()
    if finding.excerpt:
        out["excerpt"] = finding.excerpt
    return out


def payload_to_dict(result: PayloadResult) -> dict[str, Any]:
    """One payload's result; findings that passed are summarised by `outcomes` only."""
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
        "findings": [finding_to_dict(f) for f in result.findings
                     if f.outcome in (Outcome.FAILED, Outcome.CANT_TELL) or f.processing_error],
    }


def standard_to_dict(standard: Standard) -> dict[str, Any]:
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
