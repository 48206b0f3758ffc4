"""Issue 8, item 1 (the backstop): a payload that hangs in native code cannot stop a run.

The hanging payload is real work inside libxslt: an XPath 1.0 assertion that is cubic in the number
of elements (always true, so a fast machine could only ever make it pass, never hang less than
minutes on 5,000 elements). libxslt does not return to Python while it evaluates, so only the
supervisor, killing the worker from outside, can stop it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ENVELOPE_FIXTURES
from tests.hostile.bounded import Outcome, assert_no_traceback, conform, run_bounded

pytestmark = pytest.mark.hostile

CUBIC_SCHEMATRON = """\
<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt">
  <pattern>
    <rule context="/doc">
      <assert id="R1" test="count(//x[count(//x[count(//x) &gt; 0]) &gt; 0]) &gt;= 0">cubic</assert>
    </rule>
  </pattern>
</schema>
"""


@pytest.fixture
def payloads(tmp_path: Path) -> tuple[Path, list[Path]]:
    (tmp_path / "cubic.sch").write_text(CUBIC_SCHEMATRON, encoding="utf-8")
    good = "<doc><x/></doc>"
    files = [tmp_path / "a-good.xml", tmp_path / "b-hangs.xml", tmp_path / "c-good.xml"]
    for path, text in zip(files, [good, "<doc>" + "<x/>" * 5000 + "</doc>", good], strict=True):
        path.write_text(text, encoding="utf-8")
    return tmp_path / "cubic.sch", files


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_hanging_payload_gets_a_processing_error_and_the_others_their_results(
        payloads: tuple[Path, list[Path]], jobs: str) -> None:
    rules, files = payloads
    seen = conform("validate", *files, "--schematron", rules, "--timeout", "2", "--jobs", jobs,
                   "--format", "json", seconds=45, memory_mib=1024)
    assert_no_traceback(seen)
    assert seen.returncode == 1, seen.output
    payload_results = json.loads(seen.stdout)["payloads"]
    assert [r["name"] for r in payload_results] == [str(f) for f in files]
    assert [r["verdict"] for r in payload_results] == ["conformant", "error", "conformant"]
    assert "exceeded the time budget of 2 s" in json.dumps(payload_results[1])


def test_text_output_names_the_budget_and_keeps_the_order(payloads: tuple[Path, list[Path]]) -> None:
    rules, files = payloads
    seen = conform("validate", *files, "--schematron", rules, "--timeout", "2", seconds=45)
    assert_no_traceback(seen)
    assert seen.returncode == 1
    lines = [line for line in seen.stdout.splitlines() if line.startswith(("PASS", "ERROR", "FAIL"))]
    assert [line.split()[0] for line in lines] == ["PASS", "ERROR", "PASS"], seen.stdout
    assert [line.split()[1] for line in lines] == [str(f) for f in files]
    assert "exceeded the time budget of 2 s" in seen.stdout


_INTERRUPTED = """
import os, signal, sys, threading, time, multiprocessing
from pathlib import Path
from conformance import api
from conformance.execution.session import ValidationSession
real = ValidationSession.validate_path
def validate_path(self, path):
    if path.name == "hangs.xml":
        sum(range(10**18))  # in C: no signal handler runs
    return real(self, path)
ValidationSession.validate_path = validate_path
files = [Path(p) for p in sys.argv[1:]]
pids = []
def {how}():
    time.sleep(3)
    pids.extend(c.pid for c in multiprocessing.active_children())
    print("workers", *pids, flush=True)
    {action}
threading.Thread(target={how}, daemon=True).start()
try:
    for result in api.validate(files, standard="egov-exchange-envelope@1.0.0", jobs=2):
        pass
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


def _workers_of(output: str) -> list[int]:
    line = next(line for line in output.splitlines() if line.startswith("workers"))
    return [int(pid) for pid in line.split()[1:]]


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def _envelopes(tmp_path: Path) -> list[str]:
    good = (ENVELOPE_FIXTURES / "xml" / "conformant-full.xml").read_bytes()
    names = ["a.xml", "hangs.xml", "c.xml", "d.xml", "e.xml"]
    for name in names:
        (tmp_path / name).write_bytes(good)
    return [str(tmp_path / name) for name in names]


def _run(code: str, args: list[str]) -> Outcome:
    return run_bounded([sys.executable, "-c", code, *args], seconds=40, memory_mib=1024)


def test_ctrl_c_stops_every_worker(tmp_path: Path) -> None:
    code = _INTERRUPTED.format(how="interrupt", action="os.killpg(0, signal.SIGINT)")
    seen = _run(code, _envelopes(tmp_path))
    assert "interrupted" in seen.stdout, seen.output
    assert_no_traceback(seen)
    workers = _workers_of(seen.stdout)
    assert len(workers) == 2
    assert not [pid for pid in workers if _alive(pid)]


def test_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    """Even SIGKILL, which runs no clean-up, leaves no orphan spinning in native code."""
    code = _INTERRUPTED.format(how="die", action="os.kill(os.getpid(), signal.SIGKILL)")
    seen = _run(code, _envelopes(tmp_path))
    assert seen.returncode == -9
    workers = _workers_of(seen.stdout)
    deadline = time.monotonic() + 5
    while [pid for pid in workers if _alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)]
