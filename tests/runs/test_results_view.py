"""RunView: a run record regrouped by requirement, as the generated tests read it."""

from __future__ import annotations

import pytest

from conformance import api
from conformance.core.findings import Outcome
from conformance.records.record import RunRecord, Subject
from conformance.records.run_results import RunResults
from conformance.runs.results_view import MAX_PAYLOADS_SHOWN, RunView, report_text
from tests.conftest import ENVELOPE_FIXTURES


@pytest.fixture(scope="module")
def record() -> RunRecord:
    standard = api.load_standard("egov-exchange-envelope")
    run = RunResults(standard, "full", subject=Subject.parse("ACME/Gateway/2.1"))
    for result in api.validate([ENVELOPE_FIXTURES / "xml"], standard=standard):
        run.add(result)
    return run.record(started="2026-01-01T00:00:00Z", finished="2026-01-01T00:00:01Z")


def test_each_requirement_has_one_case_per_payload_with_the_record_counts(record: RunRecord) -> None:
    view = RunView(record)
    for requirement in record.requirements:
        assert requirement.id in view
        outcomes = view.requirement(requirement.id)
        assert outcomes.requirement is requirement
        assert [c.payload for c in outcomes.cases] == list(record.payloads)
        for outcome in Outcome:
            cases = outcomes.with_outcome(outcome)
            assert len(cases) == requirement.counts[outcome], (requirement.id, outcome)
    assert "NOT-A-REQUIREMENT" not in view


def test_report_text_names_the_requirement_and_each_failing_payload(record: RunRecord) -> None:
    outcomes = RunView(record).requirement("EXC-003")
    failed = outcomes.with_outcome(Outcome.FAILED)
    assert failed
    text = report_text(outcomes, failed, "failed")
    lines = text.splitlines()
    requirement = outcomes.requirement
    assert lines[0] == f"EXC-003 (MUST) failed on {len(failed)} of {len(record.payloads)} payloads"
    assert lines[1:4] == [f"  {requirement.statement.en}", f"  {requirement.statement.zh}",
                          f"  <{requirement.uri}>"]
    for case in failed[:MAX_PAYLOADS_SHOWN]:
        assert f"  {case.payload.name}: failed" in lines
        assert any(line.startswith(f"    - {f.message.en}") for f in case.findings for line in lines)
    assert "line 4" in text  # where the conversation id is wrong, from the finding's Location


def test_report_text_prints_a_statement_given_in_one_language_once(record: RunRecord) -> None:
    # An imported English-only bundle: zh falls back to en, and the same line twice reads as a mistake.
    from dataclasses import replace

    from conformance.core.text import Text
    from conformance.runs.results_view import RequirementOutcomes

    outcomes = RunView(record).requirement("EXC-003")
    english = replace(outcomes.requirement, statement=Text.same("A message MUST have an id."))
    alone = RequirementOutcomes(english, outcomes.cases)
    lines = report_text(alone, alone.with_outcome(Outcome.FAILED), "failed").splitlines()
    assert lines[1:3] == ["  A message MUST have an id.", f"  <{english.uri}>"]


def test_report_text_in_chinese_has_chinese_labels_and_the_chinese_statement(record: RunRecord) -> None:
    outcomes = RunView(record).requirement("EXC-003")
    failed = outcomes.with_outcome(Outcome.FAILED)
    lines = report_text(outcomes, failed, "failed", "zh").splitlines()
    requirement = outcomes.requirement
    assert lines[0] == f"EXC-003（必须）在 {len(record.payloads)} 个载荷中有 {len(failed)} 个未通过"
    assert lines[1:3] == [f"  {requirement.statement.zh}", f"  <{requirement.uri}>"]
    assert f"  {failed[0].payload.name}: 未通过" in lines
    assert any(line.startswith("    - ") and "(第 4 行" in line for line in lines)


def test_failing_requirements_are_must_first_then_by_payloads_then_by_id(record: RunRecord) -> None:
    failing = RunView(record).failing()
    assert failing and all(o.with_outcome(Outcome.FAILED) for o in failing)
    levels = [o.requirement.level.value for o in failing]
    assert levels == sorted(levels, key=["MUST", "SHOULD", "MAY"].index)
    musts = [(-len(o.with_outcome(Outcome.FAILED)), o.requirement.id) for o in failing
             if o.requirement.level.value == "MUST"]
    assert musts == sorted(musts) and len({n for n, _ in musts}) > 1  # the count decides somewhere
    assert {o.requirement.id for o in failing} == {r.id for r in record.requirements
                                                   if r.counts[Outcome.FAILED]}
