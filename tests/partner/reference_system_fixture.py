"""Starting and stopping the reference system under test (fixtures/.../reference-system) on loopback.

    with start_reference_system("co-approver", fault="late-ack") as system:
        ...  # POST messages to system.inbox; for the lead, POST /start to system.trigger

The system runs in its own process, on a free loopback port it prints on its first line of stdout;
it is always stopped (SIGTERM, then SIGKILL) when the block ends, and it stops itself after
`lifetime` seconds should this process die without cleaning up.
"""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO

from tests.conftest import FIXTURES, REPO

REFERENCE_SYSTEM = FIXTURES / "egov-parallel-approval" / "reference-system" / "refsys.py"
# Loading and compiling the bundle is most of the start-up; a loaded CI machine is slow.
STARTUP_SECONDS = 90.0
STOP_SECONDS = 10.0
LISTENING = "listening "


@dataclass
class ReferenceSystem:
    """A running reference system: its inbox, its trigger (lead only) and what it logged."""

    role: str
    fault: str | None
    inbox: str  # POST messages here
    trigger: str | None  # lead only: POST {"partner-inbox": URL, "case-id": ID} here
    process: subprocess.Popen[str]
    _log: list[str] = field(default_factory=list)

    def log(self) -> str:
        """Everything it wrote on stderr so far (one line per action)."""
        return "".join(list(self._log))


def _drain(stream: IO[str], sink: list[str] | queue.Queue[str]) -> None:
    for line in stream:
        if isinstance(sink, list):
            sink.append(line)
        else:
            sink.put(line)


def reference_system_command(role: str, fault: str | None = None, time_scale: float = 0.001, *,
                             lifetime: float = 600.0, extra_args: Sequence[str] = ()) -> list[str]:
    """The command line that starts the reference system (port 0: any free loopback port)."""
    command = [sys.executable, str(REFERENCE_SYSTEM), "--role", role, "--host", "127.0.0.1",
               "--port", "0", "--time-scale", repr(time_scale), "--exit-after", repr(lifetime)]
    if fault is not None:
        command += ["--fault", fault]
    return [*command, *extra_args]


@contextmanager
def start_reference_system(role: str, fault: str | None = None, time_scale: float = 0.001, *,
                           lifetime: float = 600.0,
                           extra_args: Sequence[str] = ()) -> Iterator[ReferenceSystem]:
    """Run the reference system in `role` (with `fault`) for the duration of the block."""
    process = subprocess.Popen(
        reference_system_command(role, fault, time_scale, lifetime=lifetime, extra_args=extra_args),
        cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, encoding="utf-8", errors="replace",
    )
    assert process.stdout is not None and process.stderr is not None
    lines: queue.Queue[str] = queue.Queue()
    log: list[str] = []
    readers = [threading.Thread(target=_drain, args=(process.stdout, lines), daemon=True),
               threading.Thread(target=_drain, args=(process.stderr, log), daemon=True)]
    for reader in readers:
        reader.start()
    try:
        try:
            first = lines.get(timeout=STARTUP_SECONDS)
        except queue.Empty:
            first = ""
        if not first.startswith(LISTENING):
            process.kill()
            process.wait(STOP_SECONDS)
            for reader in readers:
                reader.join(STOP_SECONDS)
            raise RuntimeError(f"the reference system did not start (exit {process.returncode}): "
                               f"{first!r}\n{''.join(log)}")
        inbox = first[len(LISTENING):].strip()
        trigger = inbox.rsplit("/", 1)[0] + "/start" if role == "lead" else None
        yield ReferenceSystem(role, fault, inbox, trigger, process, log)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_SECONDS)
        for reader in readers:
            reader.join(STOP_SECONDS)
