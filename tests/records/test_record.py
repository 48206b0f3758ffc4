"""The run record: typed, and exactly the file it is read from or written to."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance import api
from conformance.core.errors import UsageError
from conformance.core.findings import Finding, Level, Location, Outcome, Severity, Verdict
from conformance.core.results import PayloadResult
from conformance.core.text import Text
from conformance.records.cases import iter_payload_cases
from conformance.records.record import RunRecord, Subject
from conformance.records.results_json import (
    finding_from_document,
    finding_to_dict,
    payload_to_dict,
    recorded,
    recorded_result,
)
from conformance.records.run_results import (
    RunResults,
    dumps,
    load_run_record,
    load_run_results,
    validate_run_results,
)
from conformance.runs.execute import execute_run
from conformance.runs.payloads import bind_payloads
from conformance.standard.model import Standard
from tests.conftest import ENVELOPE_FIXTURES
from tests.fuzzing import examples

HASH = "sha256:" + "0f" * 32
CLOCK = "2026-01-01T00:00:00Z"


@pytest.fixture(scope="module")
def standard() -> Standard:
    return api.load_standard("egov-exchange-envelope")


def _run(standard: Standard, class_id: str | None, specs: list[str], **options: Any) -> dict[str, Any]:
    record = execute_run(standard, class_id, bind_payloads(specs), clock=lambda: CLOCK, **options)
    return validate_run_results(record.to_document(), "test")


@pytest.fixture(scope="module")
def envelope_runs(standard: Standard) -> dict[str, dict[str, Any]]:
    """Results documents of the envelope fixtures (every payload, hostile ones too), as `conform run`
    makes them, for two classes, with and without the optional facts."""
    every = [str(ENVELOPE_FIXTURES / "manifest.yaml"), str(ENVELOPE_FIXTURES / "hostile")]
    return {
        "full": _run(standard, "full", every, subject=Subject.parse("ACME/Gateway/2.1"),
                     suite_hash=HASH, seed=7),
        "core": _run(standard, "core", [str(ENVELOPE_FIXTURES / "json")]),
        "default": _run(standard, None, [str(ENVELOPE_FIXTURES / "xml" / "conformant-*.xml")],
                        subject=Subject.parse("ACME/Gateway/2.1")),
    }


@pytest.mark.parametrize("name", ["full", "core", "default"])
def test_the_record_of_a_run_gives_the_same_file(envelope_runs: dict[str, dict[str, Any]], name: str) -> None:
    document = envelope_runs[name]
    record = RunRecord.from_document(document)
    assert dumps(record.to_document()) == dumps(document)
    assert record.payloads and record.requirements  # a real run, not an empty one


def test_the_fixture_runs_hold_what_the_hand_written_document_exercises(
        envelope_runs: dict[str, dict[str, Any]]) -> None:
    """So that the round trip above covers findings with and without each optional member."""
    findings = [f for p in envelope_runs["full"]["payloads"] for f in p["findings"]]
    for member in ("location", "hint", "excerpt", "processing-error"):
        assert any(member in f for f in findings), member
        assert any(member not in f for f in findings), member
    assert any(f["requirement"] is None for f in findings)


def test_run_results_make_the_record_that_reading_its_file_gives(standard: Standard) -> None:
    run = RunResults(standard, "full", subject=Subject.parse("ACME/Gateway/2.1"), suite_hash=HASH, seed=3)
    for result in api.validate([ENVELOPE_FIXTURES / "xml", ENVELOPE_FIXTURES / "hostile"], standard=standard):
        run.add(result)
    made = run.record(started=CLOCK, finished=CLOCK)
    assert RunRecord.from_document(made.to_document()) == made
    assert run.to_dict(started=CLOCK, finished=CLOCK) == made.to_document()
    # A record keeps what the file keeps of a payload: the findings that need attention.
    assert all(f.outcome in (Outcome.FAILED, Outcome.CANT_TELL) or f.processing_error
               for p in made.payloads for f in p.findings)


def test_the_record_is_typed(envelope_runs: dict[str, dict[str, Any]]) -> None:
    record = RunRecord.from_document(envelope_runs["full"])
    assert record.verdict is Verdict.NOT_CONFORMANT and record.class_id == "full"
    assert record.subject == Subject("ACME", "Gateway", "2.1") and record.seed == 7
    assert record.suite_hash == HASH and record.standard.ref == "egov-exchange-envelope@1.0.0"
    assert isinstance(record.standard.title, Text)
    requirement = record.requirement("EXC-001")
    assert requirement is not None and requirement.level is Level.MUST
    assert isinstance(requirement.statement, Text) and requirement.outcome in Outcome
    assert set(requirement.counts) == set(Outcome)
    assert record.requirement("NOT-A-REQUIREMENT") is None
    assert [c.verdict for c in record.classes] == [Verdict.NOT_CONFORMANT] * len(record.classes)
    located = next(f for p in record.payloads for f in p.findings if f.location is not None)
    assert isinstance(located.location, Location) and isinstance(located.message, Text)
    assert isinstance(located.severity, Severity)
    summary = record.summary
    assert summary.payloads == len(record.payloads)
    assert summary.payloads == summary.conformant + summary.not_conformant + summary.error
    assert summary.error and summary.not_conformant and summary.conformant


@pytest.mark.parametrize("name", ["full", "core", "default"])
def test_counting_the_cases_gives_the_counts_of_the_record(envelope_runs: dict[str, dict[str, Any]],
                                                           name: str) -> None:
    record = RunRecord.from_document(envelope_runs[name])
    counted = {r.id: Counter[Outcome]() for r in record.requirements}
    payloads = 0
    for _payload, cases in iter_payload_cases(record):
        payloads += 1
        assert [c.requirement for c in cases] == list(record.requirements)
        for case in cases:
            counted[case.requirement.id][case.outcome] += 1
    assert payloads == len(record.payloads)
    for requirement in record.requirements:
        assert {o: counted[requirement.id][o] for o in Outcome} == dict(requirement.counts), requirement.id


def _hand_written(*, optional: bool) -> dict[str, Any]:
    """A document written by hand, every optional member present (or every one absent or null)."""
    text = {"zh": "中文", "en": ""}  # an empty language stays empty: Text.from_mapping would fill it
    location: dict[str, Any] = {"line": 4, "column": 2, "xpath": "/a:b", "pointer": ""} if optional else {}
    finding: dict[str, Any] = {"requirement": "R-1" if optional else None, "outcome": "failed",
                               "severity": "warning", "message": text, "source": "check:x"}
    if optional:
        finding.update({"processing-error": True, "location": location, "hint": text, "excerpt": ""})
    payload = {"name": "p\udcff.xml", "sha256": HASH if optional else None, "size": 10 if optional else None,
               "standard": "s@1" if optional else None, "message-type": "m" if optional else None,
               "verdict": "error", "class": "c1" if optional else None,
               "verdicts": {"c1": "error"} if optional else {},
               "outcomes": {"R-1": "cantTell"} if optional else {},
               # A passed finding and an empty location: no writer of ours makes them; kept all the same.
               "findings": [finding, {**finding, "location": {}, "outcome": "passed"}] if optional
               else [finding]}
    return {
        "format": "egov-conformance/run-results", "format-version": "1.7",
        "tool": {"name": "egov-conformance", "version": "9.9"},
        "started": CLOCK, "finished": "2026-01-01T00:00:01+08:00",
        "seed": 0 if optional else None,
        "subject": {"organisation": "O", "product": "P", "version": "V"} if optional else None,
        "standard": {"id": "s", "version": "1", "content-hash": HASH, "title": text, "publisher": text,
                     "reference-note": text if optional else None},
        "suite": {"hash": HASH if optional else None},
        "class": "c1" if optional else None,
        "verdict": "error",
        "classes": [{"id": "c1", "title": text, "builds-on": ["c0"] if optional else [],
                     "requirements": ["R-1"], "verdict": "error"}] if optional else [],
        "requirements": [{"id": "R-1", "uri": "urn:r", "level": "SHOULD", "statement": text,
                          "classes": ["c1"], "outcome": "cantTell",
                          "counts": {"passed": 0, "failed": 0, "cantTell": 1, "inapplicable": 0,
                                     "untested": 0}}] if optional else [],
        "payloads": [payload],
        "summary": {"payloads": 1, "conformant": 0, "not-conformant": 0, "error": 1},
    }


@pytest.mark.parametrize("optional", [True, False], ids=["present", "absent"])
def test_a_hand_written_document_gives_the_same_file(optional: bool) -> None:
    document = validate_run_results(_hand_written(optional=optional), "hand-written")
    record = RunRecord.from_document(document)
    assert dumps(record.to_document()) == dumps(document)
    finding = record.payloads[0].findings[0]
    if optional:
        assert finding.processing_error and finding.excerpt == "" and finding.hint == Text("中文", "")
        assert finding.location == Location(4, 2, "/a:b", "")
        assert record.payloads[0].findings[1].location == Location()  # `{}` is kept as it was
        assert record.standard.reference_note == Text("中文", "")
    else:
        assert finding.location is None and finding.hint is None and finding.excerpt is None
        assert not finding.processing_error and record.subject is None and record.seed is None


def test_load_run_record_reads_what_load_run_results_reads(envelope_runs: dict[str, dict[str, Any]],
                                                          tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_bytes(dumps(envelope_runs["full"]).encode("utf-8", "backslashreplace"))
    assert load_run_record(path) == RunRecord.from_document(load_run_results(path))
    broken = copy.deepcopy(envelope_runs["full"])
    broken["requirements"][0]["level"] = "MUSTN'T"
    path.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(UsageError, match="invalid run results at /requirements/0/level"):
        load_run_record(path)


def test_recorded_drops_only_what_a_file_cannot_hold() -> None:
    bare = Finding("R-1", Outcome.FAILED, Severity.ERROR, Text.same("m"), "xsd", location=Location(),
                   excerpt="")
    assert recorded(bare) == Finding("R-1", Outcome.FAILED, Severity.ERROR, Text.same("m"), "xsd")
    placed = Finding("R-1", Outcome.FAILED, Severity.ERROR, Text.same("m"), "xsd", location=Location(line=1),
                     excerpt=">1 | x")
    assert recorded(placed) is placed
    passed = Finding("R-2", Outcome.PASSED, Severity.ERROR, Text.same("ok"), "xsd")
    result = PayloadResult("p", None, None, None, None, (placed, passed, bare))
    assert recorded_result(result).findings == (placed, recorded(bare))
    assert payload_to_dict(result)["findings"] == [finding_to_dict(placed), finding_to_dict(recorded(bare))]
    clean = PayloadResult("p", None, None, None, None, (placed,))
    assert recorded_result(clean) is clean


_texts = st.builds(Text, zh=st.text(max_size=5), en=st.text(max_size=5))
_findings = st.builds(
    Finding,
    requirement_id=st.none() | st.text(min_size=1, max_size=5),
    outcome=st.sampled_from([Outcome.FAILED, Outcome.CANT_TELL]),
    severity=st.sampled_from(list(Severity)),
    message=_texts,
    source=st.text(max_size=5),
    location=st.none() | st.builds(Location, line=st.none() | st.integers(1, 99),
                                   column=st.none() | st.integers(1, 99),
                                   xpath=st.none() | st.text(max_size=5),
                                   pointer=st.none() | st.text(max_size=5)),
    processing_error=st.booleans(),
    hint=st.none() | _texts,
    excerpt=st.none() | st.text(max_size=5),
)


@settings(max_examples=examples(200), deadline=None)
@given(_findings)
def test_a_recorded_finding_reads_back_as_itself(finding: Finding) -> None:
    kept = recorded(finding)
    assert finding_from_document(json.loads(json.dumps(finding_to_dict(kept)))) == kept
