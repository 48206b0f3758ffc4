"""`conform run`: one command from payloads to reports and, only for a conformant run, a certificate."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.certify import load_certificate, load_public_key, verify
from conformance.reports.run_results import load_run_results
from tests.conftest import FIXTURES

ENVELOPE = FIXTURES / "egov-exchange-envelope" / "1.0.0"
REPORTS = ("results.json", "junit.xml", "earl.jsonld", "report.html")


def conform_run(
    out: Path, *payloads: str | Path, extra: tuple[str, ...] = (), subject: str = "ACME/Gateway/2.1"
) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "conformance", "run", "egov-exchange-envelope", "--subject", subject,
            "--out", str(out), *extra]
    for p in payloads:
        args += ["--payloads", str(p)]
    return subprocess.run(args, capture_output=True, text=True, timeout=300)


def test_conformant_run_writes_every_report_and_a_verifiable_certificate(tmp_path: Path) -> None:
    done = conform_run(
        tmp_path, ENVELOPE / "xml" / "conformant-full.xml", ENVELOPE / "json" / "conformant-minimal.json"
    )
    assert done.returncode == 0, done.stderr
    for name in REPORTS:
        assert (tmp_path / name).is_file(), name
    results = load_run_results(tmp_path / "results.json")
    assert results["verdict"] == "conformant" and results["suite"]["hash"]
    key = load_public_key(tmp_path / "keys" / "self-test.public.jwk")
    certificate = load_certificate(tmp_path / "certificate.json")
    from datetime import UTC, datetime

    assert verify(certificate, key, at=datetime.now(UTC)).status.name == "VALID"
    assert certificate.content["self-test"] is True
    assert "conform certificate verify" in done.stdout
    assert "validated 2/2 payloads" in done.stderr  # plain progress lines off a terminal


def test_not_conformant_run_has_reports_and_no_certificate(tmp_path: Path) -> None:
    done = conform_run(tmp_path, ENVELOPE / "xml")
    assert done.returncode == 1
    assert all((tmp_path / name).is_file() for name in REPORTS)
    assert not (tmp_path / "certificate.json").exists()
    assert "no certificate" in done.stdout


def test_unparsable_payload_is_an_error_and_no_certificate(tmp_path: Path) -> None:
    done = conform_run(tmp_path, ENVELOPE / "hostile" / "truncated.json")
    assert done.returncode == 1
    assert json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["verdict"] == "error"
    assert not (tmp_path / "certificate.json").exists()


@pytest.mark.parametrize(
    ("payload", "extra", "message"),
    [
        ("missing-folder", (), "no such payload file, folder or manifest"),
        ("EMPTY", (), "no payloads found"),
        (str(ENVELOPE / "xml"), ("--class", "gold"), "conformance class 'gold'"),
    ],
)
def test_usage_errors_exit_2_without_results(
    tmp_path: Path, payload: str, extra: tuple[str, ...], message: str
) -> None:
    if payload == "EMPTY":
        payload = str(tmp_path / "empty")
        Path(payload).mkdir()
    done = conform_run(tmp_path / "out", payload, extra=extra)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out" / "results.json").exists()
    assert not (tmp_path / "out" / "certificate.json").exists()


def test_malformed_subject_is_refused_before_any_work(tmp_path: Path) -> None:
    done = conform_run(tmp_path, ENVELOPE / "xml", subject="ACME")
    assert done.returncode == 2 and "ORGANISATION/PRODUCT/VERSION" in done.stderr
    assert not any(tmp_path.iterdir())
