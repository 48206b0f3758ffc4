"""`conform partner`: options, exit codes, the CI summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conformance.cli.partner import SCENARIO_NAMES, SUMMARY_NAME, _exit_code, partner
from conformance.core.findings import Verdict
from conformance.partner import SCENARIOS, overall
from tests.conftest import STANDARDS
from tests.partner.fake_system import REF, approval, fake_system
from tests.partner.reference_system_fixture import start_reference_system
from tests.partner.test_partner import bounded


def conform_partner(*args: object) -> Result:
    def work() -> Result:
        return CliRunner().invoke(partner, [str(a) for a in (REF, "--standards-path", STANDARDS, *args)],
                                  catch_exceptions=False)
    result: Result = bounded(work, 180)
    assert "Traceback" not in result.output, result.output
    return result


def test_the_cli_knows_every_scenario_without_importing_the_partner() -> None:
    assert SCENARIO_NAMES == SCENARIOS


def test_ci_mode_prints_a_json_summary_and_exits_0_when_conformant(tmp_path: Path) -> None:
    with fake_system(approval()) as system:
        result = conform_partner("--play", "lead", "--endpoint", system.url, "--scenario", "happy-path",
                                 "--time-scale", "0.001", "--timeout", "2", "--settle", "0.2",
                                 "--out", tmp_path / "run", "--ci")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["verdict"] == "conformant" and summary["system-under-test"] == "co-approver"
    assert summary["class"] == "co-approver" and summary["played"] == "lead"
    [scenario] = summary["scenarios"]
    assert scenario["scenario"] == "happy-path" and scenario["verdict"] == "conformant"
    assert scenario["failing"] == [] and scenario["log-sha256"].startswith("sha256:")
    assert Path(scenario["log"]) == tmp_path / "run" / "exchanges" / "happy-path"
    assert json.loads((tmp_path / "run" / SUMMARY_NAME).read_text(encoding="utf-8")) == summary
    assert "playing lead at http://127.0.0.1:" in result.stderr


def test_a_failing_system_exits_1_and_the_text_names_the_requirement_and_event(tmp_path: Path) -> None:
    with fake_system(approval(), "silent") as system:
        result = conform_partner("--play", "lead", "--endpoint", system.url, "--scenario", "happy-path",
                                 "--scenario", "late", "--time-scale", "0.001", "--timeout", "1",
                                 "--settle", "0", "--out", tmp_path / "run")
    assert result.exit_code == 1, result.output
    assert "happy-path: not-conformant" in result.stdout
    assert "APR-109 MUST failed (event 2): " in result.stdout
    assert "verdict: not-conformant" in result.stdout


def test_a_system_closing_the_connection_fails_the_delivery_requirement_at_the_note(tmp_path: Path) -> None:
    with fake_system(approval(), "close") as system:
        result = conform_partner("--play", "lead", "--endpoint", system.url, "--scenario", "happy-path",
                                 "--time-scale", "0.001", "--timeout", "1", "--settle", "0",
                                 "--out", tmp_path / "run", "--ci")
    assert result.exit_code == 1, result.output
    [scenario] = json.loads(result.stdout)["scenarios"]
    assert scenario["verdict"] == "not-conformant"
    delivery = [f for f in scenario["failing"] if f["requirement"] == "APR-117"]
    assert [(f["outcome"], f["level"], f["event"]) for f in delivery] == [("failed", "MUST", 3)]
    assert "closed the connection" in delivery[0]["message"]["en"]


def test_the_conformant_reference_system_gets_exit_0_in_ci(tmp_path: Path) -> None:
    # Scale 0.01: deadlines of 3 s and more, so that a CI machine busy with the rest of the suite
    # still answers in time (at 0.002 a result notice had 1.2 s, and once came late).
    with start_reference_system("lead", time_scale=0.01) as system:
        assert system.trigger is not None
        result = conform_partner("--play", "co-approver", "--endpoint", system.inbox, "--trigger",
                                 system.trigger, "--time-scale", "0.01", "--timeout", "15",
                                 "--settle", "0.3", "--out", tmp_path / "run", "--ci")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert [s["scenario"] for s in summary["scenarios"]] == list(SCENARIOS)
    assert {s["verdict"] for s in summary["scenarios"]} == {"conformant"}


@pytest.mark.parametrize(("args", "says"), [
    (("--play", "lead", "--endpoint", "ftp://x/inbox"), "is not an http:// or https:// URL"),
    (("--play", "lead", "--endpoint", "http://xn--/inbox"), "is not a URL a request can go to"),
    (("--play", "lead", "--endpoint", "http://[::1/inbox"), "is not a URL"),
    (("--play", "lead", "--endpoint", "http://127.0.0.1:9/inbox", "--trigger", "http://a b/"),
     "is not a URL"),
    (("--play", "lead", "--endpoint", "http://127.0.0.1:9/inbox", "--max-requests", "10000"), "10000"),
    (("--play", "lead", "--endpoint", "http://127.0.0.1:9/inbox", "--listen", "nowhere"), "is not HOST:PORT"),
    (("--play", "judge", "--endpoint", "http://127.0.0.1:9/inbox"), "--play 'judge'"),
    (("--play", "lead", "--endpoint", "http://127.0.0.1:9/inbox", "--scenario", "chaos"), "chaos"),
    (("--play", "lead", "--endpoint", "http://127.0.0.1:9/inbox", "--message-type", "other"),
     "binds no message type 'other'"),
])
def test_usage_errors_exit_2_with_a_clear_message(args: tuple[str, ...], says: str, tmp_path: Path) -> None:
    result = conform_partner(*args, "--out", tmp_path / "run")
    assert result.exit_code == 2, result.output
    assert says in result.output


def test_a_standard_without_conversations_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(partner, ["egov-exchange-envelope@1.0.0", "--standards-path", str(STANDARDS),
                                          "--play", "lead", "--endpoint", "http://127.0.0.1:9/inbox"])
    assert result.exit_code == 2
    assert "declares no conversations" in result.output


def test_exit_codes_follow_the_run_verdict() -> None:
    # A processing error exits 1, as in `conform validate` and `conform run`: never 0, never usage (2).
    assert [_exit_code(v) for v in (Verdict.CONFORMANT, Verdict.NOT_CONFORMANT, Verdict.ERROR)] == [0, 1, 1]
    assert overall([], "lead") is Verdict.ERROR  # nothing played: never a pass
