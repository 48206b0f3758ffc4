"""`conform run`: generate the suite, run it under pytest, read back the canonical results.

pytest runs in this process with the plugin, so the run is exactly what a CI pipeline gets from
`pytest SUITE --conformance-payloads ...`; only the orchestration is added here.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from conformance.certify import IssueOptions, generate_keys, issue_file, load_certificate, load_private_key
from conformance.certify.render import render_html
from conformance.certify.signed_file import dumps as signed_dumps
from conformance.core.errors import UsageError
from conformance.reports.run_results import RESULTS_FILE, load_run_results
from conformance.runs.payloads import bind_payloads
from conformance.runs.plugin import PROGRESS_PLUGIN
from conformance.runs.suite import Suite, generate_suite
from conformance.spec.model import Standard

SUITE_FOLDER = "suite"
CERTIFICATE_FILE = "certificate.json"


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
    # A missing folder or an empty payload set is the user's mistake: say so in one line, before
    # anything is generated (the plugin binds the same specs again, a cheap walk of the names).
    bind_payloads(payloads)
    suite = generate_suite(standard, class_id, out / SUITE_FOLDER, force=True)
    for name in (RESULTS_FILE, CERTIFICATE_FILE, "certificate.html"):
        stale = out / name
        if stale.exists():
            stale.unlink()  # never read back, or leave beside new results, a previous run's files
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


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    path: Path
    html: Path
    public_key: Path
    self_signed_key: bool


def certify_run(outcome: RunOutcome, out: Path, *, key_path: Path | None, issuer: str,
                now: datetime) -> IssuedCertificate:
    """Issue and render the certificate for a conformant run.

    With no issuer key, a key pair is made for this run under `out/keys` and the certificate is a
    self-test: anyone can verify it offline with the public key written beside it.
    """
    made_key = key_path is None
    if key_path is None:
        keys_dir = out / "keys"
        for stale in keys_dir.glob("self-test.*") if keys_dir.is_dir() else ():
            stale.unlink()  # a key from an earlier run must not sign this one
        files = generate_keys(keys_dir, "self-test")
        key_path, public = files.private_pem, files.public_jwk
    else:
        public = key_path.with_name(key_path.name.replace(".private.pem", ".public.jwk"))
    key = load_private_key(key_path)
    document = issue_file(outcome.results_path, key, IssueOptions(issuer=issuer, self_test=made_key),
                          now=now)
    path = out / CERTIFICATE_FILE
    path.write_text(signed_dumps(document), encoding="utf-8")
    html = out / "certificate.html"
    html.write_text(render_html(load_certificate(path)), encoding="utf-8")
    return IssuedCertificate(path, html, public, made_key)
