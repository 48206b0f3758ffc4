"""The exchange-log fixtures of egov-parallel-approval hold: failing requirements, verdicts, events.

`fixtures/egov-parallel-approval/1.0.0/exchanges/manifest.yaml` (written by the generate.py beside
it) lists each recorded conversation with the exact set of requirements it fails and the verdict
of the message class and of the role under test's class; hostile logs must be processing errors.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.core.findings import Outcome, Verdict
from conformance.core.results import PayloadResult
from conformance.execution.session import ValidationSession
from conformance.standard.catalog import Catalog
from conformance.standard.model import CheckKind, Standard
from tests.conftest import FIXTURES, STANDARDS

REF = "egov-parallel-approval@1.0.0"
EXCHANGES = FIXTURES / "egov-parallel-approval" / "1.0.0" / "exchanges"
MANIFEST = EXCHANGES / "manifest.yaml"


def _cases() -> list[dict[str, Any]]:
    data = yaml.safe_load(MANIFEST.read_text("utf-8"))
    assert f"{data['standard']}@{data['version']}" == REF
    cases: list[dict[str, Any]] = data["cases"]
    return cases


@cache
def _standard() -> Standard:
    return Catalog([STANDARDS]).load(REF)


@cache
def _session() -> ValidationSession:
    return ValidationSession([_standard()])


@cache
def _result(name: str) -> PayloadResult:
    return _session().validate_path(EXCHANGES / name)


def _details(result: PayloadResult) -> str:
    return "\n".join(f"{f.requirement_id} {f.outcome.value} {f.message.en} @ "
                     f"{f.location.describe() if f.location else '-'}" for f in result.failures())


CASES = _cases()


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_exchange_case(case: dict[str, Any]) -> None:
    result = _result(case["file"])
    if case.get("error"):
        assert result.processing_error, f"expected a processing error, got {result.verdict}"
        assert result.verdict is Verdict.ERROR
        assert all(f.outcome is not Outcome.PASSED for f in result.findings)
        # The error the case is about, not just any: a fragment of its text is pinned per case.
        assert case["message"] in result.findings[0].message.en, result.findings[0].message.en
        return
    details = _details(result)
    assert not result.processing_error, details
    assert result.message_type == "conversation:parallel-approval"
    assert result.target_class == case["sut"]
    failed = sorted(r for r, o in result.outcomes.items() if o is Outcome.FAILED)
    assert failed == sorted(case["fails"]), details
    expected = {k: Verdict(v) for k, v in case["verdicts"].items()}
    assert {k: result.verdicts[k] for k in expected} == expected, details
    # Each failure names the event it is about.
    for finding in result.findings:
        if finding.outcome is Outcome.FAILED:
            assert finding.location is not None and finding.location.event is not None, details


def test_every_conversation_requirement_has_a_log_that_fails_it_and_one_that_passes_it() -> None:
    standard = _standard()
    wanted = {r.id for r in standard.requirements.values()
              if any(c.kind is CheckKind.CONVERSATION for c in r.checks)}
    failed: set[str] = set()
    passed: set[str] = set()
    for case in CASES:
        if case.get("error"):
            continue
        for rid, outcome in _result(case["file"]).outcomes.items():
            (failed if outcome is Outcome.FAILED else passed if outcome is Outcome.PASSED else set()).add(rid)
    assert wanted and not wanted - failed, sorted(wanted - failed)
    assert not wanted - passed, sorted(wanted - passed)


def test_each_failing_case_fails_one_requirement_or_says_what_it_implies() -> None:
    """A case for one requirement breaks that one; the few that break two are the listed cascades."""
    cascades = {
        # Acting on an invalid request: each reply is out of sequence (the request took no transition).
        "invalid-accepted": ["APR-101", "APR-115"],
        # An invalid message of the system under test is void: what it sends next is out of sequence.
        "invalid-ack-co": ["APR-001", "APR-101"],
        # A message id that is no UUID fails the MUST and the SHOULD (version 4) uuid requirement.
        "sut-message-id": ["APR-002"],
    }
    for case in CASES:
        if case.get("error") or len(case["fails"]) < 2:
            continue
        assert cascades.get(case["file"]) == case["fails"], case["file"]


def test_both_bindings_and_both_roles_are_covered() -> None:
    conformant = [c for c in CASES if not c.get("error") and not c["fails"]]
    assert {(c["sut"], c["binding"]) for c in conformant} >= {
        ("co-approver", "xml"), ("co-approver", "json"), ("lead", "xml"), ("lead", "json")}


def test_checking_a_log_is_a_pure_function_of_it(tmp_path: Path) -> None:
    session = ValidationSession([_standard()])
    for name in ("happy-path-xml", "ack-late", "duplicate-acts-twice", "ended-before-deadline"):
        assert session.validate_path(EXCHANGES / name) == _result(name)


def test_the_late_ack_says_how_late_in_both_languages() -> None:
    (finding,) = [f for f in _result("ack-late").findings if f.requirement_id == "APR-109"]
    assert finding.location is not None and finding.location.event == 2
    assert ("receipt-ack of event 1 came after 7 min 12 s (event 2); allowed PT5M x time scale 1"
            in finding.message.en)
    assert "7 分 12 秒" in finding.message.zh
    assert finding.hint is not None and finding.hint.zh and finding.hint.en
