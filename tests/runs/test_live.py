"""A suite run against a live system: the partner records the scenarios, the logs are the payloads.

`conform run --endpoint` and `pytest SUITE --conformance-endpoint` against the reference system on
loopback: the conformant one gets a certificate whose evidence is the hash of every exchange log;
a faulty one fails the requirement it breaks and gets none.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.conversations.logfile import read_log
from conformance.core.errors import UsageError
from conformance.runs.live import LiveOptions, _role_played, listen_address
from conformance.standard.catalog import Catalog
from tests.conftest import REPO, STANDARDS
from tests.partner.reference_system_fixture import start_reference_system

STANDARD = "egov-parallel-approval"
TIME_SCALE = "0.01"


def _run(out: Path, endpoint: str, *extra: str) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "conformance", "run", STANDARD, "--subject", "Ref/Approval/1.0",
            "--endpoint", endpoint, "--time-scale", TIME_SCALE, "--out", str(out), *extra]
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)


def test_a_conformant_live_system_gets_a_certificate_naming_each_log(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with start_reference_system("co-approver", time_scale=float(TIME_SCALE)) as system:
        # The tool plays the lead: the class judged is the co-approver's.
        done = _run(out, system.inbox, "--play", "lead", "--listen", "127.0.0.1:0", "--live-timeout", "20")
    assert done.returncode == 0, done.stdout + done.stderr
    # The inbox the system replies to is announced before the first scenario.
    assert "conformance: playing lead at http://127.0.0.1:" in done.stderr
    logs = sorted((out / "live" / "exchanges").iterdir())
    assert [log.name for log in logs] == sorted(
        ["happy-path", "retry", "duplicate", "out-of-order", "late", "invalid"])
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["verdict"] == "conformant" and results["class"] == "co-approver"
    assert {p["message-type"] for p in results["payloads"]} == {"conversation:parallel-approval"}
    # Named where they are once the run is in place, never by the staging folder that is gone.
    assert sorted(p["name"] for p in results["payloads"]) == sorted(str(log) for log in logs)
    certificate = json.loads((out / "certificate.json").read_text(encoding="utf-8"))["certificate"]
    assert sorted(certificate["evidence"]["payload-hashes"]) == sorted(
        read_log(log).content_hash for log in logs)


def test_a_faulty_live_system_fails_the_requirement_it_breaks(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with start_reference_system("co-approver", fault="no-copy-header",
                                time_scale=float(TIME_SCALE)) as system:
        done = _run(out, system.inbox, "--class", "co-approver", "--scenario", "happy-path")
    assert done.returncode == 1, done.stdout + done.stderr
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    failed = sorted(r["id"] for r in results["requirements"] if r["outcome"] == "failed")
    assert failed == ["APR-107"]
    assert not (out / "certificate.json").exists()
    assert "APR-107" in done.stdout and "event " in done.stdout


def test_plain_pytest_runs_a_generated_suite_live(tmp_path: Path) -> None:
    suite, reports = tmp_path / "suite", tmp_path / "reports"
    generated = subprocess.run([sys.executable, "-m", "conformance", "generate", STANDARD, "--class", "lead",
                                "--out", str(suite)], cwd=REPO, capture_output=True, text=True, timeout=120,
                               check=False)
    assert generated.returncode == 0, generated.stderr
    with start_reference_system("lead", time_scale=float(TIME_SCALE)) as system:
        done = subprocess.run([sys.executable, "-m", "pytest", str(suite), "-q", "-p", "no:cacheprovider",
                               "--conformance-endpoint", system.inbox, "--conformance-trigger",
                               str(system.trigger), "--conformance-time-scale", TIME_SCALE,
                               "--conformance-scenario", "happy-path",
                               "--conformance-report-dir", str(reports)],
                              cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((reports / "results.json").read_text(encoding="utf-8"))
    assert results["verdict"] == "conformant" and results["summary"]["payloads"] == 1
    assert (reports / "live" / "exchanges" / "happy-path" / "exchange.json").is_file()


def test_the_role_played_is_the_one_the_target_class_is_not() -> None:
    standard = Catalog([STANDARDS]).load(f"{STANDARD}@1.0.0")
    assert _role_played(standard, LiveOptions("http://127.0.0.1:9/"), "co-approver") == "lead"
    assert _role_played(standard, LiveOptions("http://127.0.0.1:9/"), "lead") == "co-approver"
    assert _role_played(standard, LiveOptions("http://127.0.0.1:9/", play="lead"), "message") == "lead"
    with pytest.raises(UsageError, match="name the role the tool plays"):
        _role_played(standard, LiveOptions("http://127.0.0.1:9/"), "message")


def test_run_needs_payloads_or_an_endpoint(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "conformance", "run", STANDARD, "--subject", "A/B/1",
                           "--out", str(tmp_path / "run")], cwd=REPO, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 2
    assert "--payloads" in done.stderr and "--endpoint" in done.stderr


@pytest.mark.parametrize(("extra", "says"), [
    (("--endpoint", "http://xn--/inbox"), "is not a URL a request can go to"),
    (("--endpoint", "ftp://127.0.0.1/inbox"), "is not an http:// or https:// URL"),
    (("--endpoint", "http://127.0.0.1:9/inbox", "--scenario", "chaos"), "'chaos' is not one of"),
    (("--endpoint", "http://127.0.0.1:9/inbox", "--listen", "nowhere"), "is not HOST:PORT"),
    (("--endpoint", "http://127.0.0.1:9/inbox", "--conversation", "nope"), "--conversation 'nope'"),
    (("--endpoint", "http://127.0.0.1:9/inbox", "--play", "judge"), "--play 'judge'"),
])
def test_live_options_of_run_are_usage_errors_in_its_own_words(extra: tuple[str, ...], says: str,
                                                               tmp_path: Path) -> None:
    args = [sys.executable, "-m", "conformance", "run", STANDARD, "--subject", "A/B/1",
            "--out", str(tmp_path / "run"), *extra]
    done = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert says in done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "INTERNALERROR" not in done.stdout + done.stderr
    assert "--conformance-" not in done.stderr.split("pytest exit code")[0]


def test_collecting_a_live_suite_plays_nothing(tmp_path: Path) -> None:
    suite = tmp_path / "suite"
    generated = subprocess.run([sys.executable, "-m", "conformance", "generate", STANDARD, "--class", "lead",
                                "--out", str(suite)], cwd=REPO, capture_output=True, text=True, timeout=120,
                               check=False)
    assert generated.returncode == 0, generated.stderr
    with socket.socket() as silent:  # listening, never answering: a scenario played would wait
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        endpoint = f"http://127.0.0.1:{silent.getsockname()[1]}/inbox"
        done = subprocess.run([sys.executable, "-m", "pytest", str(suite), "-q", "-p", "no:cacheprovider",
                               "--collect-only", "--conformance-endpoint", endpoint,
                               "--conformance-report-dir", str(tmp_path / "reports")],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "test_" in done.stdout
    assert not (tmp_path / "reports" / "live").exists()


def test_live_options_check_urls_scenarios_and_listen_addresses() -> None:
    LiveOptions("http://127.0.0.1:9/inbox", scenarios=("late",)).check()
    with pytest.raises(UsageError, match="--conformance-trigger: 'http://xn--/start' is not a URL"):
        LiveOptions("http://127.0.0.1:9/inbox", trigger="http://xn--/start").check()
    with pytest.raises(UsageError, match="--scenario: unknown scenario 'chaos'"):
        LiveOptions("http://127.0.0.1:9/inbox", scenarios=("chaos",),
                    names={"scenario": "--scenario"}).check()
    assert listen_address("[::1]:0") == ("::1", 0) and listen_address("0.0.0.0:8401") == ("0.0.0.0", 8401)
    for bad in ("nowhere", ":80", "h:99999", "h:\u0661"):
        with pytest.raises(ValueError, match="is not HOST:PORT"):
            listen_address(bad)


def test_live_without_a_role_asks_which_role_the_system_plays(tmp_path: Path) -> None:
    # One message is no evidence of a role, so the standard's default class (message) is not the
    # class of a live run: the command asks rather than certifying messages only.
    done = _run(tmp_path / "run", "http://127.0.0.1:9/inbox")
    assert done.returncode == 2
    assert "--class (lead|co-approver)" in done.stderr and "--play" in done.stderr

