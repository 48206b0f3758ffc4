"""A long fuzzing campaign: every `fuzz`-marked test under the Hypothesis profile `long`.

    python benchmarks/fuzz_campaign.py                 # the long profile's count (50,000 a test)
    python benchmarks/fuzz_campaign.py --examples 1000 # another count (CONFORMANCE_FUZZ_EXAMPLES)
    python benchmarks/fuzz_campaign.py -- -k manifest  # anything after `--` goes to pytest

Not run in CI (hours at the full count). It runs pytest once, with `--hypothesis-show-statistics`,
adds up the examples Hypothesis reports for every phase of every test (passing, failing and invalid
ones: every input tried), and prints the count and the result. A failing example is printed by
pytest above the summary, shrunk, with the seed to reproduce it.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ENV_EXAMPLES = "CONFORMANCE_FUZZ_EXAMPLES"  # read by the `long` profile in tests/conftest.py
# `tests/x.py::test_y:`, then per phase `  - during generate phase (12.34 seconds):` and
# `    - 100 passing, 0 failing, and 0 invalid test cases` (older Hypothesis: `100 passing examples,
# 0 failing examples, 0 invalid examples`).
_TEST = re.compile(r"^(?P<id>\S+::\S+):\s*$")
_COUNTS = re.compile(r"- (?P<passing>\d+) passing(?: examples?)?, (?P<failing>\d+) failing(?: examples?)?,"
                     r"(?: and)? (?P<invalid>\d+) invalid")
# `6 passed, 1644 deselected in 64.65s (0:01:04)`, framed by `=` unless pytest runs with -q.
_SUMMARY = re.compile(r"^=*\s*(?P<summary>\d+ (?:passed|failed|errors?|skipped|deselected)\b"
                      r".* in [\d.]+s\b.*?)\s*=*$")


@dataclass
class Statistics:
    """Examples Hypothesis tried, per test and in all, as `--hypothesis-show-statistics` reports them."""

    per_test: dict[str, int] = field(default_factory=dict)
    failing: int = 0
    invalid: int = 0

    @property
    def total(self) -> int:
        return sum(self.per_test.values())


def parse_statistics(output: str) -> Statistics:
    """Add up every phase's passing, failing and invalid examples, by test."""
    stats = Statistics()
    current = "(unknown test)"
    for line in output.splitlines():
        test = _TEST.match(line.strip())
        if test:
            current = test["id"]
            continue
        counts = _COUNTS.search(line)
        if counts:
            tried = int(counts["passing"]) + int(counts["failing"]) + int(counts["invalid"])
            stats.per_test[current] = stats.per_test.get(current, 0) + tried
            stats.failing += int(counts["failing"])
            stats.invalid += int(counts["invalid"])
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, metavar="N",
                        help=f"examples per test (sets {ENV_EXAMPLES}; default: the profile's 50,000)")
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments (after --)")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    if args.examples is not None:
        env[ENV_EXAMPLES] = str(args.examples)
    command = [sys.executable, "-m", "pytest", "-m", "fuzz", "--hypothesis-profile=long",
               "--hypothesis-show-statistics", "-q", *args.pytest_args]
    count = env.get(ENV_EXAMPLES, "the profile's")
    print("fuzz campaign:", " ".join(command[1:]), f"({ENV_EXAMPLES}={count})", flush=True)
    start = time.monotonic()
    run = subprocess.run(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, check=False)
    seconds = time.monotonic() - start
    sys.stdout.write(run.stdout)
    stats = parse_statistics(run.stdout)
    summary = next((m["summary"] for line in reversed(run.stdout.splitlines())
                    if (m := _SUMMARY.match(line.strip()))), "no pytest summary")
    result = "PASSED" if run.returncode == 0 else f"FAILED (pytest exit code {run.returncode})"
    print("\n--- fuzz campaign summary ---")
    for test, tried in sorted(stats.per_test.items()):
        print(f"{tried:>12,}  {test}")
    print(f"{stats.total:>12,}  inputs tried in {len(stats.per_test)} tests "
          f"({stats.invalid:,} invalid, {stats.failing:,} failing) in {seconds:,.0f} s")
    print(f"result: {result}; pytest: {summary}")
    return run.returncode


if __name__ == "__main__":
    raise SystemExit(main())
