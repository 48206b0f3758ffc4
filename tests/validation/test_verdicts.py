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
