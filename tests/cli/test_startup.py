"""What a `conform` call imports (issue 10 §2): each command pays only for what it uses.

Timings are measured by benchmarks/bench_startup.py; these tests pin the behaviour behind them, the
modules a fresh process loads, which is what the timings follow from.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

from conformance.cli import COMMANDS, cli
from tests.conftest import ENVELOPE_FIXTURES, ENVELOPE_REF, invoke

# Never needed to print the version or the help, nor to validate a payload of the built-in standard.
HEAVY = ("pytest", "hypothesis", "jinja2", "jsonschema", "rfc3987_syntax", "saxonche", "conformance.certify",
         "conformance.reports.html", "conformance.runs")


def _loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running `code`."""
    probe = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                          check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def _heavy(loaded: set[str]) -> list[str]:
    return sorted(m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_help_table_says_what_each_command_says(name: str) -> None:
    module, attribute, short_help = COMMANDS[name]
    command = getattr(importlib.import_module(module), attribute)
    assert command.get_short_help_str(limit=300) == short_help
    assert command.name == name


def test_every_command_is_listed_and_runs() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for name, (_, _, short_help) in COMMANDS.items():
        assert name in result.output and short_help[:30] in result.output
    assert invoke("validate", "--help").exit_code == 0
    assert cli.get_command(None, "no-such-command") is None  # type: ignore[arg-type]


def test_version_and_help_import_no_command() -> None:
    loaded = _loaded_after("from conformance.cli import cli\n"
                           "try:\n    cli.main(['--help'], standalone_mode=False)\n"
                           "except SystemExit:\n    pass")
    assert not _heavy(loaded)
    assert not [m for m in loaded if m.startswith("conformance.") and m.split(".")[1] not in {
        "cli", "core", "_version"}], "the help imports only the CLI and core"


def test_validating_one_payload_imports_nothing_it_does_not_use() -> None:
    payload = min(ENVELOPE_FIXTURES.glob("xml/conformant-*.xml"), key=lambda p: p.stat().st_size)
    loaded = _loaded_after(
        "from conformance.cli import cli\n"
        f"try:\n    cli.main(['validate', {str(payload)!r}, '--standard', {ENVELOPE_REF!r}],"
        " standalone_mode=False)\nexcept SystemExit:\n    pass")
    assert "conformance.validation.validator" in loaded  # it did validate
    assert _heavy(loaded) == []
