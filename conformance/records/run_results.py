"""The canonical results of one conformance run, `results.json`: the file form of `RunRecord`
(`record.py`), which every other report is rendered from; `RunResults` accumulates one.

Format `egov-conformance/run-results` version 1.0; its JSON Schema ships beside this module
(`run-results.schema.json`). It holds, for one standard and one target class: what was tested
(subject, standard and bundle hash, suite hash, payload hashes), the outcome of every requirement
on every payload, an aggregate per requirement and a verdict per conformance class. Requirement
statements travel with the results so that reports and certificates need no standard bundle.
Minor versions only add optional members.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from conformance.core.errors import UsageError
from conformance.core.files import read_bounded
from conformance.core.findings import OUTCOME_RANK, Level, Outcome, Verdict
from conformance.core.limits import RUN_RESULTS_MAX_BYTES
from conformance.core.results import PayloadResult
from conformance.records.record import (
    FORMAT,
    FORMAT_VERSION,
    ClassRecord,
    RequirementRecord,
    RunRecord,
    RunSummary,
    StandardRecord,
    Subject,
    Tool,
)
from conformance.records.results_json import recorded_result
from conformance.standard.model import Standard

RESULTS_FILE = "results.json"


def _aggregate(outcomes: Mapping[str, int]) -> Outcome:
    """A requirement over all payloads: the worst outcome seen; inapplicable only if always so."""
    seen = [Outcome(o) for o, n in outcomes.items() if n]
    return min(seen, key=OUTCOME_RANK.__getitem__) if seen else Outcome.UNTESTED


class RunResults:
    """Accumulates PayloadResults of one run, then renders the canonical document."""

    def __init__(self, standard: Standard, class_id: str | None, *, subject: Subject | None = None,
                 suite_hash: str | None = None, seed: int | None = None) -> None:
        self.standard = standard
        self.class_id = class_id or standard.default_class
        if self.class_id is not None and self.class_id not in standard.classes:
            raise UsageError(f"conformance class {self.class_id!r} is not defined by {standard.ref}")
        self.subject = subject
        self.suite_hash = suite_hash
        self.seed = seed
        self._in_scope = [r.id for r in standard.requirements_of(self.class_id)]
        self._counts: dict[str, dict[str, int]] = {
            rid: {o.value: 0 for o in Outcome} for rid in self._in_scope}
        self._payloads: list[PayloadResult] = []

    def add(self, result: PayloadResult) -> None:
        for rid in self._in_scope:
            # A payload that could not be processed has no outcomes: nothing can be said of it.
            outcome = result.outcomes.get(rid, Outcome.CANT_TELL if not result.outcomes else
                                          Outcome.UNTESTED)
            self._counts[rid][outcome.value] += 1
        self._payloads.append(recorded_result(result))

    def requirement_outcome(self, requirement_id: str) -> Outcome:
        return _aggregate(self._counts[requirement_id])

    def class_verdict(self, class_id: str) -> Verdict:
        """Conformant when payloads were tested and every MUST requirement of the class passed on
        every payload it applies to; a definite failure outranks an undecided outcome."""
        if not self._payloads:
            return Verdict.ERROR
        verdict = Verdict.CONFORMANT
        for rid in self.standard.classes[class_id].requirements:
            if self.standard.requirements[rid].level is not Level.MUST:
                continue
            outcome = self.requirement_outcome(rid)
            if outcome is Outcome.FAILED:
                return Verdict.NOT_CONFORMANT
            if outcome in (Outcome.CANT_TELL, Outcome.UNTESTED):
                verdict = Verdict.ERROR
        return verdict

    def record(self, *, started: str, finished: str) -> RunRecord:
        """The record of the run, started and finished at the times given."""
        standard = self.standard
        target = self.class_verdict(self.class_id) if self.class_id else Verdict.ERROR
        payloads = tuple(self._payloads)
        return RunRecord(
            format_version=FORMAT_VERSION,
            tool=Tool.this(),
            started=started,
            finished=finished,
            seed=self.seed,
            subject=self.subject,
            standard=StandardRecord(standard.id, standard.version, standard.content_hash,
                                    standard.title, standard.publisher, standard.reference_note),
            suite_hash=self.suite_hash,
            class_id=self.class_id,
            verdict=target,
            classes=tuple(ClassRecord(c.id, c.title, tuple(c.builds_on), tuple(c.requirements),
                                      self.class_verdict(c.id))
                          for c in standard.classes.values() if set(c.requirements) <= set(self._in_scope)),
            requirements=tuple(RequirementRecord(
                rid, requirement.uri, requirement.level, requirement.statement, tuple(requirement.classes),
                self.requirement_outcome(rid), {Outcome(o): n for o, n in self._counts[rid].items()})
                for rid in self._in_scope for requirement in (standard.requirements[rid],)),
            payloads=payloads,
            summary=RunSummary.of(payloads),
        )

    def to_dict(self, *, started: str, finished: str) -> dict[str, Any]:
        """The run-results document (the record's `to_document`)."""
        return self.record(started=started, finished=finished).to_document()


def dumps(document: Mapping[str, Any]) -> str:
    """The one serialisation of results: sorted keys, UTF-8 text, newline at the end."""
    # Lone surrogates (file names that are not UTF-8) pass through here; the writer encodes them
    # with `backslashreplace`, that is as JSON \udcXX escapes, which read back as the same string.
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


@cache
def _validator() -> Any:
    import jsonschema_rs

    here = resources.files("conformance.records")
    schema = json.loads(here.joinpath("run-results.schema.json").read_text(encoding="utf-8"))
    payloads = json.loads(here.joinpath("validation-results.schema.json").read_text(encoding="utf-8"))
    # The payload shape is the validate format's; it is resolved locally, never fetched.
    registry = jsonschema_rs.Registry([(payloads["$id"], payloads)])
    return jsonschema_rs.validator_for(schema, registry=registry, validate_formats=True)


def validate_run_results(document: object, where: str) -> dict[str, Any]:
    """`document` if it is run results of a format version we read, else a UsageError."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise UsageError(f"{where}: not egov-conformance run results (format {FORMAT!r} expected)")
    version = str(document.get("format-version", ""))
    if version.split(".")[0] != FORMAT_VERSION.split(".")[0]:
        raise UsageError(f"{where}: run results format version {version!r} is not supported "
                         f"(this tool reads {FORMAT_VERSION.split('.')[0]}.x)")
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.instance_path))
    if errors:
        first = errors[0]
        pointer = "/" + "/".join(str(p) for p in first.instance_path)
        raise UsageError(f"{where}: invalid run results at {pointer}: {first.message}")
    return document


def load_run_results(path: Path) -> dict[str, Any]:
    """Read and check a run-results file; any problem is a UsageError naming the file."""
    data = read_bounded(path, max_bytes=RUN_RESULTS_MAX_BYTES, error=UsageError, what="run results",
                        what_zh="运行结果")
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: run results are not UTF-8 (byte {exc.start})") from None
    except RecursionError:
        raise UsageError(f"{path}: run results nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, or an integer over Python's digit limit
        if not isinstance(exc, json.JSONDecodeError):
            raise UsageError(f"{path}: not JSON: {str(exc)[:200]}") from None
        raise UsageError(f"{path}: not JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from None
    return validate_run_results(document, str(path))


def load_run_record(path: Path) -> RunRecord:
    """The record of a run-results file (read and checked as by `load_run_results`)."""
    return RunRecord.from_document(load_run_results(path))
