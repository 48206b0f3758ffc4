"""The typed record of one conformance run: what every report, the pytest plugin and the
certificate read.

`results.json` (format `egov-conformance/run-results`, see `run_results.py`) is its file form, and
the two convert both ways exactly: `dumps(RunRecord.from_document(d).to_document()) == dumps(d)`
for every document of the format that our writers produce (members a later minor version adds
are not held; a certificate hashes the file's bytes, never this model). A record holds what the
file holds: of each payload, the findings that need attention (`results_json.recorded_result`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from conformance._version import __version__
from conformance.core.errors import UsageError
from conformance.core.findings import Level, Outcome, Verdict
from conformance.core.results import PayloadResult
from conformance.core.text import Text
from conformance.records.results_json import result_document, result_from_document, text_from_document

FORMAT = "egov-conformance/run-results"
FORMAT_VERSION = "1.0"
TOOL_NAME = "egov-conformance"


@dataclass(frozen=True, slots=True)
class Subject:
    """What is being tested: ORGANISATION/PRODUCT/VERSION."""

    organisation: str
    product: str
    version: str

    @classmethod
    def parse(cls, text: str) -> Subject:
        """`ORGANISATION/PRODUCT/VERSION`, each part non-blank; a UsageError otherwise."""
        parts = text.split("/")
        if len(parts) != 3 or not all(p.strip() for p in parts):
            raise UsageError(f"subject {text!r} is not ORGANISATION/PRODUCT/VERSION")
        return cls(*(p.strip() for p in parts))

    def as_dict(self) -> dict[str, str]:
        return {"organisation": self.organisation, "product": self.product, "version": self.version}


@dataclass(frozen=True, slots=True)
class Tool:
    """The tool that made the run."""

    name: str
    version: str

    @classmethod
    def this(cls) -> Tool:
        """This tool, at the version installed."""
        return cls(TOOL_NAME, __version__)


@dataclass(frozen=True, slots=True)
class StandardRecord:
    """The standard a run tested against, as the record names it (no bundle needed to read it)."""

    id: str
    version: str
    content_hash: str
    title: Text
    publisher: Text
    reference_note: Text | None

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


@dataclass(frozen=True, slots=True)
class ClassRecord:
    """A conformance class whose requirements were all in scope, with its verdict over the run."""

    id: str
    title: Text
    builds_on: tuple[str, ...]
    requirements: tuple[str, ...]
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class RequirementRecord:
    """A requirement of the target class, aggregated over every payload of the run."""

    id: str
    uri: str
    level: Level
    statement: Text
    classes: tuple[str, ...]
    # The worst outcome on any payload; inapplicable only when inapplicable to all.
    outcome: Outcome
    counts: Mapping[Outcome, int]  # payloads per outcome, every outcome present


@dataclass(frozen=True, slots=True)
class RunSummary:
    """Payloads of the run by verdict."""

    payloads: int
    conformant: int
    not_conformant: int
    error: int

    @classmethod
    def of(cls, payloads: Iterable[PayloadResult]) -> RunSummary:
        """Count `payloads` by verdict."""
        counts = dict.fromkeys(Verdict, 0)
        total = 0
        for payload in payloads:
            counts[payload.verdict] += 1
            total += 1
        return cls(total, counts[Verdict.CONFORMANT], counts[Verdict.NOT_CONFORMANT], counts[Verdict.ERROR])

    def as_dict(self) -> dict[str, int]:
        return {"payloads": self.payloads, Verdict.CONFORMANT.value: self.conformant,
                Verdict.NOT_CONFORMANT.value: self.not_conformant, Verdict.ERROR.value: self.error}


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One run against one standard and one target class: what was tested, every payload's result,
    every requirement's aggregate, every class's verdict."""

    format_version: str
    tool: Tool
    started: str
    finished: str
    seed: int | None
    subject: Subject | None
    standard: StandardRecord
    suite_hash: str | None  # of the generated suite that ran; None: the engine alone
    class_id: str | None  # the target class
    verdict: Verdict  # against the target class
    classes: tuple[ClassRecord, ...]
    requirements: tuple[RequirementRecord, ...]
    payloads: tuple[PayloadResult, ...]
    summary: RunSummary

    @property
    def format(self) -> str:
        return FORMAT

    def requirement(self, requirement_id: str) -> RequirementRecord | None:
        """The requirement of that id, if it was in scope."""
        return next((r for r in self.requirements if r.id == requirement_id), None)

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> RunRecord:
        """The record of a run-results document already checked by `validate_run_results`."""
        standard, subject = document["standard"], document["subject"]
        note = standard["reference-note"]
        return cls(
            format_version=document["format-version"],
            tool=Tool(document["tool"]["name"], document["tool"]["version"]),
            started=document["started"],
            finished=document["finished"],
            seed=document["seed"],
            subject=None if subject is None else Subject(
                subject["organisation"], subject["product"], subject["version"]),
            standard=StandardRecord(
                standard["id"], standard["version"], standard["content-hash"],
                text_from_document(standard["title"]), text_from_document(standard["publisher"]),
                None if note is None else text_from_document(note)),
            suite_hash=document["suite"]["hash"],
            class_id=document["class"],
            verdict=Verdict(document["verdict"]),
            classes=tuple(ClassRecord(c["id"], text_from_document(c["title"]), tuple(c["builds-on"]),
                                      tuple(c["requirements"]), Verdict(c["verdict"]))
                          for c in document["classes"]),
            requirements=tuple(RequirementRecord(
                r["id"], r["uri"], Level(r["level"]), text_from_document(r["statement"]),
                tuple(r["classes"]), Outcome(r["outcome"]), {o: r["counts"][o.value] for o in Outcome})
                for r in document["requirements"]),
            payloads=tuple(result_from_document(p) for p in document["payloads"]),
            summary=RunSummary(*(document["summary"][k] for k in
                                 ("payloads", "conformant", "not-conformant", "error"))),
        )

    def to_document(self) -> dict[str, Any]:
        """The run-results document (`results.json` is its `dumps`)."""
        standard = self.standard
        return {
            "format": FORMAT,
            "format-version": self.format_version,
            "tool": {"name": self.tool.name, "version": self.tool.version},
            "started": self.started,
            "finished": self.finished,
            "seed": self.seed,
            "subject": self.subject.as_dict() if self.subject else None,
            "standard": {
                "id": standard.id, "version": standard.version, "content-hash": standard.content_hash,
                "title": standard.title.as_dict(), "publisher": standard.publisher.as_dict(),
                "reference-note": standard.reference_note.as_dict() if standard.reference_note else None,
            },
            "suite": {"hash": self.suite_hash},
            "class": self.class_id,
            "verdict": self.verdict.value,
            "classes": [{
                "id": c.id, "title": c.title.as_dict(), "builds-on": list(c.builds_on),
                "requirements": list(c.requirements), "verdict": c.verdict.value,
            } for c in self.classes],
            "requirements": [{
                "id": r.id, "uri": r.uri, "level": r.level.value, "statement": r.statement.as_dict(),
                "classes": list(r.classes), "outcome": r.outcome.value,
                "counts": {o.value: n for o, n in r.counts.items()},
            } for r in self.requirements],
            "payloads": [result_document(p) for p in self.payloads],
            "summary": self.summary.as_dict(),
        }
