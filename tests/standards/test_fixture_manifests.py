"""Every standard's fixture manifest holds: verdicts, failing requirements and where they fail.

`fixtures/<standard>/<version>/manifest.yaml` lists each payload with the verdict expected per
conformance class, the exact set of requirement ids whose outcome is `failed` and, as `failures`,
every failed finding with its line and XPath or JSON pointer (`tests/standards/pin_failures.py`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from conformance.core.findings import Level, Outcome, Verdict
from conformance.execution.session import ValidationSession
from conformance.standard.catalog import Catalog
from conformance.standard.model import Standard
from tests.conftest import FIXTURES, STANDARDS, FixtureCase, fixture_manifest, fixture_ref
from tests.standards.pin_failures import in_line_order, pins

MANIFESTS = sorted(FIXTURES.glob("*/*/manifest.yaml"))


def _cases() -> list[Any]:
    params = []
    for manifest in MANIFESTS:
        ref = fixture_ref(manifest)
        for case in fixture_manifest(manifest):
            params.append(pytest.param(ref, manifest.parent, case, id=f"{ref}:{case['file']}"))
    return params


@cache
def _standard(ref: str) -> Standard:
    return Catalog([STANDARDS]).load(ref)


@cache
def _session(ref: str) -> ValidationSession:
    return ValidationSession([_standard(ref)])


def test_there_are_fixture_manifests() -> None:
    assert MANIFESTS, "no fixtures/<standard>/<version>/manifest.yaml found"


@pytest.mark.parametrize(("ref", "folder", "case"), _cases())
def test_fixture_case(ref: str, folder: Path, case: FixtureCase) -> None:
    result = _session(ref).validate_path(folder / case["file"])
    details = "\n".join(f"{f.requirement_id} {f.outcome.value} {f.message.en} @ "
                        f"{f.location.describe() if f.location else '-'}" for f in result.failures())
    if case.get("error"):
        assert result.processing_error, f"expected a processing error, got {result.verdict}"
        assert result.verdict is Verdict.ERROR
        assert all(f.outcome is not Outcome.PASSED for f in result.findings)
        return
    assert not result.processing_error, details
    if "message-type" in case:
        assert result.message_type == case["message-type"]
    failed = sorted(r for r, o in result.outcomes.items() if o is Outcome.FAILED)
    assert failed == sorted(case.get("fails", [])), details
    expected = {k: Verdict(v) for k, v in case["verdicts"].items()}
    assert {k: result.verdicts[k] for k in expected} == expected, details
    # Where: each failed finding at the line and node the manifest pins, and no other.
    assert pins(result) == in_line_order(case.get("failures", [])), details


@pytest.mark.parametrize(("ref", "folder", "case"), _cases())
def test_every_failing_case_pins_its_locations(ref: str, folder: Path, case: FixtureCase) -> None:
    """`failures` names exactly the requirements of `fails`, each with a line and an XPath or pointer."""
    if case.get("error") or not case.get("fails"):
        assert "failures" not in case
        return
    failures = case["failures"]
    assert {f["requirement"] for f in failures} == set(case["fails"])
    node = "xpath" if case["file"].endswith(".xml") else "pointer"
    for failure in failures:
        assert set(failure) == {"requirement", "line", node}, failure
        assert isinstance(failure["line"], int) and failure["line"] >= 1, failure


def test_every_requirement_can_fail_and_pass() -> None:
    """For each requirement and message type it applies to: a fixture fails it, one passes it."""
    missing: list[str] = []
    for manifest in MANIFESTS:
        ref = fixture_ref(manifest)
        standard = _standard(ref)
        session = _session(ref)
        failed: set[tuple[str, str]] = set()
        passed: set[tuple[str, str]] = set()
        for case in fixture_manifest(manifest):
            if case.get("error"):
                continue
            result = session.validate_path(manifest.parent / case["file"])
            for rid, outcome in result.outcomes.items():
                key = (rid, result.message_type or "")
                if outcome is Outcome.FAILED:
                    failed.add(key)
                elif outcome is Outcome.PASSED:
                    passed.add(key)
        for requirement in standard.requirements.values():
            for check in requirement.checks:
                for mt in check.message_types:
                    if (requirement.id, mt) not in failed:
                        missing.append(f"{ref} {requirement.id} on {mt}: no fixture fails it")
                    if (requirement.id, mt) not in passed:
                        missing.append(f"{ref} {requirement.id} on {mt}: no fixture passes it")
    assert not missing, "\n".join(sorted(set(missing)))


def test_failed_should_is_a_warning_only() -> None:
    """A payload whose only failures are SHOULD requirements stays conformant (a class that needs an
    exchange log is never conformant on one message: it is not failed either)."""
    seen = False
    for manifest in MANIFESTS:
        standard = _standard(fixture_ref(manifest))
        for case in fixture_manifest(manifest):
            fails = case.get("fails") or []
            if fails and all(standard.requirements[r].level is not Level.MUST for r in fails):
                seen = True
                assert case["verdicts"][standard.default_class] == "conformant", case["file"]
                assert "not-conformant" not in case["verdicts"].values(), case["file"]
    assert seen, "no fixture exercises a failed SHOULD requirement"
