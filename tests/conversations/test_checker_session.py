"""Exchange logs flow through a validation session as payloads do: one result per log folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.core.findings import Outcome, Verdict
from conformance.execution.batch import iter_payload_paths, validate_paths
from conformance.execution.session import ValidationSession
from conformance.standard.manifest import load_standard
from conformance.standard.model import Standard
from tests.conversations.approval_logs import Script, happy, write_bundle
from tests.standards.pin_failures import pins


@pytest.fixture(scope="module")
def standard(tmp_path_factory: pytest.TempPathFactory) -> Standard:
    return load_standard(write_bundle(tmp_path_factory.mktemp("bundle")))


def test_validate_path_on_a_log_folder_checks_the_log(standard: Standard, tmp_path: Path) -> None:
    log = happy(Script(tmp_path / "log"))
    result = ValidationSession([standard]).validate_path(tmp_path / "log")
    assert result.verdict is Verdict.CONFORMANT
    assert result.name == str(tmp_path / "log")
    assert result.sha256 == log.content_hash
    assert result.message_type == "conversation:parallel-approval"
    assert result.target_class == "co-approver"


def test_a_session_class_is_the_target(standard: Standard, tmp_path: Path) -> None:
    happy(Script(tmp_path / "log"))
    result = ValidationSession([standard], class_id="message").validate_path(tmp_path / "log")
    assert result.target_class == "message" and result.verdict is Verdict.CONFORMANT


def test_a_named_message_type_does_not_stop_recognition_in_a_log(standard: Standard, tmp_path: Path) -> None:
    happy(Script(tmp_path / "log"))
    session = ValidationSession([standard], message_type="approval-json")
    assert session.validate_path(tmp_path / "log").verdict is Verdict.CONFORMANT


def test_a_log_that_fails_its_form_checks_is_one_processing_error(standard: Standard, tmp_path: Path) -> None:
    happy(Script(tmp_path / "log"))
    events = tmp_path / "log" / "events.jsonl"
    lines = events.read_bytes().splitlines(keepends=True)
    events.write_bytes(lines[1] + lines[0] + b"".join(lines[2:]))  # reordered
    result = ValidationSession([standard]).validate_path(tmp_path / "log")
    assert result.processing_error and result.verdict is Verdict.ERROR
    (finding,) = result.findings
    assert "events.jsonl" in finding.message.en
    assert finding.outcome is Outcome.CANT_TELL


def test_a_log_of_a_standard_not_loaded(standard: Standard, tmp_path: Path) -> None:
    script = Script(tmp_path / "log", standard="egov-other@2.0.0")
    script.send("opinion-request", "lead", 0)
    script.close(1)
    result = ValidationSession([standard]).validate_path(tmp_path / "log")
    assert result.processing_error
    assert ("exchange.json field standard: egov-other@2.0.0 is not a standard of this run; "
            "loaded: approval@1.0.0" in result.findings[0].message.en)


def test_logs_in_a_folder_run_through_the_supervised_executor(standard: Standard, tmp_path: Path) -> None:
    happy(Script(tmp_path / "runs" / "a"))
    script = Script(tmp_path / "runs" / "b")
    request = script.send("opinion-request", "lead", 0)
    script.send("receipt-ack", "co-approver", 400, reply_to=request)
    script.close(401)
    paths = list(iter_payload_paths([tmp_path / "runs"]))
    assert paths == [tmp_path / "runs" / "a", tmp_path / "runs" / "b"]
    results = list(validate_paths(ValidationSession([standard]), paths, jobs=1))
    assert [r.verdict for r in results] == [Verdict.CONFORMANT, Verdict.NOT_CONFORMANT]
    assert pins(results[1]) == [{"requirement": "R-APR-C-ACK-WITHIN"}]
    assert results[1].findings[0].location is not None and results[1].findings[0].location.event == 2
