"""A generated suite under pytest against `conform validate`, on the same payloads in the same run.

Both run as fresh processes, as a user runs them, on 2 worker processes:
  validate:  conform validate CORPUS --jobs 2 --format json
  suite:     pytest SUITE --conformance-payloads CORPUS --conformance-jobs 2 (collection + run),
             once writing the canonical results only, once writing every report as well
  suite -n2: the same under pytest-xdist with 2 workers (the controller validates; workers read)

Target (a ratio, not a time): suite / validate <= 3 over 10,000 payloads.

    python benchmarks/bench_suite.py                 # 5,000 envelopes per syntax = 10,000
    python benchmarks/bench_suite.py --count 500
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_validate import REPO, make_corpus

from conformance import api
from conformance.runs.suite import generate_suite


def _time(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=5000, help="envelopes per syntax")
    ap.add_argument("--corpus", type=Path, default=REPO / "benchmarks" / "corpus-suite")
    args = ap.parse_args()
    make_corpus(args.corpus, args.count)
    total = 2 * args.count
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        suite = generate_suite(api.load_standard("egov-exchange-envelope"), None, Path(tmp) / "suite").folder
        validate = [py, "-m", "conformance", "validate", str(args.corpus), "--jobs", "2", "--format", "json",
                    "--output", str(Path(tmp) / "validate.json")]
        pytest_cmd = [py, "-m", "pytest", str(suite), "-q", "-p", "no:cacheprovider",
                      "--conformance-payloads", str(args.corpus), "--conformance-jobs", "2",
                      "--conformance-report-dir", str(Path(tmp) / "reports")]
        _time(validate)  # warm the Schematron disk cache and the file cache once
        rows = [("conform validate --jobs 2", _time(validate)),
                ("pytest suite --conformance-jobs 2 (results only)", _time(pytest_cmd[:-2])),
                ("pytest suite --conformance-jobs 2 (+ all reports)", _time(pytest_cmd)),
                ("pytest suite -n 2 (+ all reports)", _time([*pytest_cmd, "-n", "2"]))]
    base = rows[0][1]
    print(f"{total} payloads")
    for label, seconds in rows:
        print(f"  {label:52} {seconds:7.2f} s  {total / seconds:7.0f}/s  ratio {seconds / base:4.2f}")
    worst = max(s for _, s in rows[1:]) / base
    print(f"target suite/validate <= 3: {'met' if worst <= 3 else 'MISSED'} (worst {worst:.2f})")


if __name__ == "__main__":
    main()
