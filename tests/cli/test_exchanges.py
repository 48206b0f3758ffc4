"""`conform exchange import-har`: what it prints, and exit code 2 with a located message on bad input."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from conformance.cli.exchanges import exchange
from conformance.conversations.logfile import read_log
from tests.conversations.test_har import CO, LEAD, capture, entry


def _import(tmp_path: Path, har: object, *extra: str) -> Result:
    path = tmp_path / "capture.har"
    path.write_text(har if isinstance(har, str) else json.dumps(har), encoding="utf-8")
    arguments = ["import-har", str(path), "--out", str(tmp_path / "log"), "--standard",
                 "egov-parallel-approval@1.0.0", "--conversation", "parallel-approval",
                 "--sut", "co-approver",
                 "--role", f"lead={LEAD}", "--role", f"co-approver={CO}", *extra]
    result = CliRunner().invoke(exchange, arguments, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def test_import_har_writes_a_log_and_counts_what_it_skipped(tmp_path: Path) -> None:
    result = _import(tmp_path, capture())
    assert result.exit_code == 0, result.output
    log = read_log(tmp_path / "log")
    assert result.output.splitlines() == [
        f"imported 2 messages into {tmp_path / 'log'}",
        "skipped 1 entries whose URL starts with no role's prefix",
        "skipped 1 requests to a role without a body",
        f"content hash: {log.content_hash}",
    ]


def test_a_bad_har_is_exit_2_naming_file_entry_and_field(tmp_path: Path) -> None:
    har = {"log": {"entries": [entry(CO, "2026-12-01T10:00:00Z", text="<a/>"),
                               entry(CO, "2026-12-01T10:00:01", text="<b/>")]}}
    result = _import(tmp_path, har)
    assert result.exit_code == 2
    assert (f"conform: error: {tmp_path / 'capture.har'}: log.entries[1].startedDateTime: time "
            "'2026-12-01T10:00:01' has no zone offset") in result.output
    assert not (tmp_path / "log").exists()


def test_bad_options_are_exit_2(tmp_path: Path) -> None:
    result = _import(tmp_path, capture(), "--role", "auditor")
    assert result.exit_code == 2 and "'auditor' is not ROLE=URLPREFIX" in result.output
    result = _import(tmp_path, capture(), "--role", "lead=http://x/")
    assert result.exit_code == 2 and "--role 'lead' is given twice" in result.output
    (tmp_path / "log").mkdir()
    (tmp_path / "log" / "keep.txt").write_text("mine")
    result = _import(tmp_path, capture())
    assert result.exit_code == 2 and "exists and is not an empty folder" in result.output
    assert (tmp_path / "log" / "keep.txt").read_text() == "mine"


def test_the_group_says_what_the_command_table_prints() -> None:
    assert exchange.name == "exchange"
    short = "Exchange logs of conversations: import a HAR capture as a log."
    assert exchange.get_short_help_str(limit=300) == short
