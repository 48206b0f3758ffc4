"""Outcomes and verdicts: worst finding wins, MUST decides, SHOULD warns, errors never pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.core.findings import Finding, Outcome, Severity, Verdict
from conformance.core.results import overall_verdict
from conformance.core.text import Text
from conformance.standard.manifest import load_standard
from conformance.standard.model import Standard
from conformance.validation.verdicts import class_verdicts, requirement_outcomes
from tests.standard.test_manifest import BASE, write_bundle


@pytest.fixture
def standard(tmp_path: Path) -> Standard:
    return load_standard(write_bundle(tmp_path / "demo", BASE))


def finding(rid: str, outcome: Outcome) -> Finding:
    return Finding(rid, outcome, Severity.ERROR, Text.same("m"), "test")


def test_worst_finding_decides(standard: Standard) -> None:
    outcomes = requirement_outcomes(standard, "doc", [
        finding("R-1", Outcome.PASSED), finding("R-1", Outcome.FAILED), finding("R-2", Outcome.PASSED),
    ])
    assert outcomes == {"R-1": Outcome.FAILED, "R-2": Outcome.PASSED}


def test_no_finding_is_untested_and_other_message_types_inapplicable(standard: Standard) -> None:
    assert requirement_outcomes(standard, "doc", [])["R-1"] is Outcome.UNTESTED
    assert requirement_outcomes(standard, "other", [])["R-1"] is Outcome.INAPPLICABLE


@pytest.mark.parametrize(
    ("r1", "r2", "core", "full"),
    [
        (Outcome.PASSED, Outcome.PASSED, Verdict.CONFORMANT, Verdict.CONFORMANT),
        # R-2 is a SHOULD: failing it is a warning, not a verdict.
        (Outcome.PASSED, Outcome.FAILED, Verdict.CONFORMANT, Verdict.CONFORMANT),
        (Outcome.FAILED, Outcome.PASSED, Verdict.NOT_CONFORMANT, Verdict.NOT_CONFORMANT),
        (Outcome.CANT_TELL, Outcome.PASSED, Verdict.ERROR, Verdict.ERROR),
        (Outcome.UNTESTED, Outcome.PASSED, Verdict.ERROR, Verdict.ERROR),
        (Outcome.INAPPLICABLE, Outcome.PASSED, Verdict.CONFORMANT, Verdict.CONFORMANT),
    ],
)
def test_class_verdicts(standard: Standard, r1: Outcome, r2: Outcome, core: Verdict,
                        full: Verdict) -> None:
    verdicts = class_verdicts(standard, {"R-1": r1, "R-2": r2})
    assert verdicts == {"core": core, "full": full}


def test_overall_verdict_is_target_class_or_worst() -> None:
    verdicts = {"core": Verdict.CONFORMANT, "full": Verdict.NOT_CONFORMANT}
    assert overall_verdict(verdicts, "core") is Verdict.CONFORMANT
    assert overall_verdict(verdicts, None) is Verdict.NOT_CONFORMANT
    assert overall_verdict({"a": Verdict.NOT_CONFORMANT, "b": Verdict.ERROR}, None) is Verdict.ERROR
    assert overall_verdict({}, None) is Verdict.ERROR


def _conversation_standard(tmp_path: Path) -> Standard:
    from tests.standard.conversation_bundle import MANIFEST, changed, write_conversation_bundle

    message = {"id": "M-1", "level": "MUST", "statement": {"zh": "报文", "en": "a message"},
               "classes": ["message"],
               "checks": [{"by": "builtin", "message-types": ["approval-json"], "check": "uuid",
                           "target": "/id"}]}
    manifest = changed(MANIFEST, "requirements", [*MANIFEST["requirements"], message])
    manifest["conformance-classes"] = [
        {"id": "message", "title": {"zh": "报文", "en": "Message"}},
        {"id": "conversation", "title": {"zh": "会话", "en": "Conversation"}, "builds-on": ["message"]},
    ]
    manifest["default-class"] = "message"
    return load_standard(write_conversation_bundle(tmp_path / "b", manifest=manifest))


def test_a_requirement_judged_on_logs_only_is_untested_on_one_payload(tmp_path: Path) -> None:
    standard = _conversation_standard(tmp_path)
    outcomes = requirement_outcomes(standard, "approval-json", [finding("M-1", Outcome.PASSED)])
    # APR-C-1 has only a conversation check: no message can pass it, nor make it inapplicable.
    assert outcomes == {"APR-C-1": Outcome.UNTESTED, "M-1": Outcome.PASSED}
    verdicts = class_verdicts(standard, outcomes)
    assert verdicts == {"message": Verdict.CONFORMANT, "conversation": Verdict.ERROR}
    assert overall_verdict(verdicts, standard.default_class) is Verdict.CONFORMANT
    # A failed message requirement still makes the role class not conformant.
    failed = requirement_outcomes(standard, "approval-json", [finding("M-1", Outcome.FAILED)])
    assert class_verdicts(standard, failed)["conversation"] is Verdict.NOT_CONFORMANT


def test_the_approval_bundle_judges_one_message_for_the_message_class() -> None:
    from conformance.standard.catalog import Catalog
    from conformance.validation.documents.payload import Payload
    from conformance.validation.judge import PayloadJudge

    repo = Path(__file__).resolve().parents[2]
    standard = Catalog([repo / "standards"]).load("egov-parallel-approval@1.0.0")
    assert standard.default_class == "message"
    example = repo / "standards/egov-parallel-approval/1.0.0/examples/receipt-ack.xml"
    judged = PayloadJudge([standard]).judge(Payload(name=str(example), data=example.read_bytes()))
    assert judged.verdicts == {"message": Verdict.CONFORMANT, "co-approver": Verdict.ERROR,
                               "lead": Verdict.ERROR}
    assert judged.outcomes["APR-105"] is Outcome.UNTESTED
