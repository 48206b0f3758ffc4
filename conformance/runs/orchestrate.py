"""`conform run`: generate the suite, run it under pytest, read back the canonical results.

pytest runs in this process with the plugin, so the run is exactly what a CI pipeline gets from
`pytest SUITE --conformance-payloads ...`; only the orchestration is added here.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance.core.errors import UsageError
from conformance.reports.run_results import RESULTS_FILE, load_run_results
from conformance.runs.plugin import PROGRESS_PLUGIN
from conformance.runs.suite import Suite, generate_suite
from conformance.spec.model import Standard

SUITE_FOLDER = "suite"


@dataclass(frozen=True, slots=True)
class RunOutcome:
    suite: Suite
    pytest_exit: int
    results_path: Path
    document: dict[str, Any]


def run_suite(
    standard: Standard,
    class_id: str | None,
    payloads: Sequence[str],
    out: Path,
    *,
    subject: str | None,
    jobs: int = 1,
    progress: object | None = None,
    pytest_args: Sequence[str] = (),
) -> RunOutcome:
    """Generate the suite into `out/suite`, run it, and return the results it wrote to `out`."""
    suite = generate_suite(standard, class_id, out / SUITE_FOLDER, force=True)
    stale = out / RESULTS_FILE
    if stale.exists():
        stale.unlink()  # never read back a previous run's results
    args = [str(suite.folder), "-p", "no:cacheprovider", "--conformance-report-dir", str(out),
            "--conformance-jobs", str(jobs),
            # The bundle the suite was generated from, found again by the plugin through its catalog.
            "--conformance-standards-path", str(standard.root.parent.parent)]
    if class_id:
        args += ["--conformance-class", class_id]
    if subject:
        args += ["--conformance-subject", subject]
    for spec in payloads:
        args += ["--conformance-payloads", spec]
    args += list(pytest_args)
    plugins: list[object] = []
    if progress is not None:
        plugins.append(progress)
    # pytest reads PYTEST_ADDOPTS; a user's setting there must not change what the suite runs.
    saved = os.environ.pop("PYTEST_ADDOPTS", None)
    try:
        code = int(pytest.main(args, plugins=[_Named(p) for p in plugins]))
    finally:
        if saved is not None:
            os.environ["PYTEST_ADDOPTS"] = saved
    results = out / RESULTS_FILE
    if not results.is_file():
        raise UsageError(f"the run wrote no results (pytest exit code {code}); see the messages above")
    return RunOutcome(suite, code, results, load_run_results(results))


class _Named:
    """Registers a progress object under the name the plugin looks for."""

    def __init__(self, progress: object) -> None:
        self.progress = progress

    @pytest.hookimpl
    def pytest_configure(self, config: pytest.Config) -> None:
        config.pluginmanager.register(self.progress, PROGRESS_PLUGIN)
