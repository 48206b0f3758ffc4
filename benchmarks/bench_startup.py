"""Start-up of `conform`, measured as whole processes against `python -c pass` in the same run.

Users call `conform validate one-file.xml` in loops and from editors, so what a call costs before it
does anything matters (issue 10 §2). Each command runs as a fresh process, as a user runs it; the
floor is the same interpreter doing nothing. Bytecode caching is on (as after `pip install`), and
each command runs once unmeasured first so that the caches are written.

Targets (differences to the floor, medians): `--version` and `--help` within 0.15 s; validating one
small payload of the built-in standard within 0.5 s (XML and JSON).

    python benchmarks/bench_startup.py              # 15 runs of each
    python benchmarks/bench_startup.py --runs 5
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures" / "egov-exchange-envelope" / "1.0.0"
STANDARD = "egov-exchange-envelope@1.0.0"

TARGETS = {"--version": 0.15, "--help": 0.15, "validate one XML payload": 0.5,
           "validate one JSON payload": 0.5}


def _conform() -> list[str]:
    """The `conform` of this interpreter's environment (the console script, as users call it)."""
    script = Path(sys.executable).with_name("conform")
    if script.exists():
        return [str(script)]
    found = shutil.which("conform")
    return [found] if found else [sys.executable, "-m", "conformance"]


def _smallest(pattern: str) -> Path:
    return min(FIXTURES.glob(pattern), key=lambda p: p.stat().st_size)


def _time(command: list[str], runs: int, env: dict[str, str]) -> float:
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              check=False)
        samples.append(time.perf_counter() - start)
        if done.returncode not in (0,):
            raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    conform = _conform()
    xml, js = _smallest("xml/conformant-*.xml"), _smallest("json/conformant-*.json")
    commands = {
        "--version": [*conform, "--version"],
        "--help": [*conform, "--help"],
        "validate one XML payload": [*conform, "validate", str(xml), "--standard", STANDARD],
        "validate one JSON payload": [*conform, "validate", str(js), "--standard", STANDARD],
    }
    floor = _time([sys.executable, "-c", "pass"], args.runs, env)
    print(f"floor (python -c pass): {floor * 1000:.0f} ms, median of {args.runs}")
    failed = False
    for name, command in commands.items():
        took = _time(command, args.runs, env)
        over = took - floor
        ok = over <= TARGETS[name]
        failed |= not ok
        print(f"{name:<28} {took * 1000:6.0f} ms  floor + {over * 1000:4.0f} ms  "
              f"(target + {TARGETS[name] * 1000:.0f} ms) {'ok' if ok else 'MISSED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
