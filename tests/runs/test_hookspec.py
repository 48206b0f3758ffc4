"""The plugin's hooks, implemented the way a third-party plugin would: no name to know, one method."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance import api
from conformance.runs import hookspec
from conformance.runs.suite import generate_suite
from tests.conftest import ENVELOPE_FIXTURES

RECORDER = '''
import json, os
import pytest

def pytest_conformance_event(event, config):
    assert isinstance(config, pytest.Config)
    with open(os.environ["EVENTS_FILE"], "a", encoding="utf-8") as out:
        out.write(json.dumps([type(event).__name__, getattr(event, "index", None),
                              getattr(event, "total", None)]) + "\\n")
'''


def test_every_event_of_the_engine_pass_reaches_a_plugin_in_order(pytester: pytest.Pytester,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    suite = pytester.path / "suite"
    generate_suite(api.load_standard("egov-exchange-envelope"), "full", suite)
    pytester.makepyfile(recorder=RECORDER)
    events = pytester.path / "events.jsonl"
    monkeypatch.setenv("EVENTS_FILE", str(events))
    payloads = ["xml/conformant-full.xml", "json/conformant-minimal.json", "xml/conformant-minimal.xml"]
    args = [str(suite), "-p", "no:cacheprovider", "-p", "recorder", "-q"]
    for name in payloads:
        args += ["--conformance-payloads", str(ENVELOPE_FIXTURES / name)]
    result = pytester.runpytest_subprocess(*args)
    assert result.ret == 0, result.stdout.str()
    seen = [json.loads(line) for line in events.read_text(encoding="utf-8").splitlines()]
    assert seen == [["RunStarted", None, 3], ["PayloadValidated", 0, None], ["PayloadValidated", 1, None],
                    ["PayloadValidated", 2, None], ["RunFinished", None, None]]


def test_the_hook_specifications_import_nothing_of_the_engine() -> None:
    """The plugin adds them in every pytest session: they must stay as cheap as the plugin."""
    code = ("import json, sys, conformance.runs.hookspec; "
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('conformance.'))))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                       check=True, cwd=Path(hookspec.__file__).parents[2]).stdout)
    assert "conformance.runs.hookspec" in loaded
    assert set(loaded) <= {"conformance._version", "conformance.runs", "conformance.runs.hookspec"}
