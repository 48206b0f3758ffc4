"""Run one hostile case in a child process under a wall-clock and a memory bound.

A hostile input that hangs or eats memory must not take the test run with it, and "it finished"
is not enough: the bound itself is the assertion. The child is watched from here (resident memory
its peak resident memory since exec, read from /proc every few milliseconds) rather than limited with
`RLIMIT_AS`, because SaxonC's native image reserves far more address space than it ever touches.
A child that crosses either bound is killed and the case fails with what it had printed so far.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Time bounds are hang detectors set on a 2-core machine; the unfixed cases ran forever or for many
# minutes. A slower or busier machine (CI, a parallel test run) gets this much more wall clock, so
# a bound catches a hang but not a slow start-up. Memory bounds are not scaled.
TIME_SCALE = float(os.environ.get("CONFORMANCE_HOSTILE_TIME_SCALE", "2"))
CONFORM = [sys.executable, "-c", "from conformance.cli import main; main()"]


@dataclass(frozen=True)
class Outcome:
    """What a bounded child did: exit code, its output, how long and how much memory it took."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_mib: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class BoundExceeded(AssertionError):
    """The child ran past its time or memory bound (it has been killed)."""


def _rss_mib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                # The peak since exec: a child forked from a big pytest worker counts the worker's
                # pages until it execs, so wait4's ru_maxrss would blame the child for them.
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def run_bounded(argv: list[str], *, seconds: float = 30.0, memory_mib: float = 1024.0,
                cwd: Path | None = None, env: dict[str, str] | None = None,
                stdin: bytes | None = None) -> Outcome:
    """Run `argv`; kill it and raise BoundExceeded past `seconds` or `memory_mib` resident memory."""
    seconds *= TIME_SCALE
    child_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    child_env.pop("COLUMNS", None)
    out_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"bounded-{os.getpid()}-{time.monotonic_ns()}"
    with open(f"{out_path}.out", "w+b") as out, open(f"{out_path}.err", "w+b") as err:
        start = time.monotonic()
        proc = subprocess.Popen(argv, cwd=cwd or REPO, env=child_env, stdout=out, stderr=err,
                                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                                start_new_session=True)
        if stdin is not None:
            assert proc.stdin is not None
            proc.stdin.write(stdin)
            proc.stdin.close()
        exceeded = ""
        peak = 0.0
        while True:
            pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            elapsed = time.monotonic() - start
            peak = max(peak, _rss_mib(proc.pid))
            if elapsed > seconds:
                exceeded = f"ran longer than {seconds} s"
            elif peak > memory_mib:
                exceeded = f"used {peak:.0f} MiB, over {memory_mib:.0f} MiB"
            if exceeded:
                os.killpg(proc.pid, signal.SIGKILL)
                os.wait4(proc.pid, 0)
                break
            time.sleep(0.005 if elapsed < 1 else 0.02)
        proc.returncode = os.waitstatus_to_exitcode(status) if not exceeded else -9
        elapsed = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "backslashreplace")
        stderr = err.read().decode("utf-8", "backslashreplace")
    for suffix in (".out", ".err"):
        Path(f"{out_path}{suffix}").unlink(missing_ok=True)
    if exceeded:
        raise BoundExceeded(f"{' '.join(argv[-6:])}: {exceeded}\n--- stdout\n{stdout[-2000:]}"
                            f"\n--- stderr\n{stderr[-2000:]}")
    return Outcome(proc.returncode, stdout, stderr, elapsed, peak)


def conform(*args: str | Path, seconds: float = 30.0, memory_mib: float = 1024.0,
            cwd: Path | None = None, env: dict[str, str] | None = None) -> Outcome:
    """`conform ARGS...` in a bounded child process."""
    return run_bounded([*CONFORM, *map(str, args)], seconds=seconds, memory_mib=memory_mib, cwd=cwd, env=env)


def python(code: str, *, seconds: float = 30.0, memory_mib: float = 1024.0,
           cwd: Path | None = None, env: dict[str, str] | None = None) -> Outcome:
    """`python -c CODE` in a bounded child process (for cases below the CLI)."""
    return run_bounded([sys.executable, "-c", code], seconds=seconds, memory_mib=memory_mib, cwd=cwd, env=env)


def assert_no_traceback(outcome: Outcome) -> None:
    """A hostile input gets a clear message, never a Python traceback."""
    assert "Traceback (most recent call last)" not in outcome.output, outcome.output[-3000:]
