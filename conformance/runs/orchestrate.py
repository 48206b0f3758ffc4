"""`conform run`: generate the suite, run it under pytest, read back the canonical results.

pytest runs in this process with the plugin, so the run is exactly what a CI pipeline gets from
`pytest SUITE --conformance-payloads ...`; only the orchestration is added here.

A run never writes into `--out` directly. It holds `OUT.lock` (so a second run into the same
folder is refused at once instead of mixing its files, or its certificate, with the first's),
writes everything into a fresh `.OUT.partial-*` folder beside `OUT`, and only when the suite,
the results, every report and the certificate are complete swaps that folder into place. An
interrupted, failed or killed run therefore leaves `OUT` as the previous complete run left it (or
absent), never a mix of two runs; the swap itself is two renames with Ctrl-C held off between them.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from conformance.certify import IssueOptions, generate_keys, issue_file, load_certificate, load_private_key
from conformance.certify.render import render_html
from conformance.certify.signed_file import dumps as signed_dumps
from conformance.core.errors import UsageError
from conformance.core.limits import PAYLOAD_SECONDS, WORKER_MAX_MIB
from conformance.core.lockfile import Busy, exclusive
from conformance.records.run_results import RESULTS_FILE, load_run_results
from conformance.runs import SUITE_MANIFEST
from conformance.runs.payloads import bind_payloads
from conformance.runs.suite import Suite, generate_suite
from conformance.standard.model import Standard

SUITE_FOLDER = "suite"
CERTIFICATE_FILE = "certificate.json"
# Written last into every complete run folder: what lets a later run replace the folder whole.
RUN_MARKER = ".conform-run"


class OutputFolder:
    """A folder written elsewhere and swapped into place whole (see the module docstring)."""

    def __init__(self, out: Path, staging: Path, marker: str | None) -> None:
        self.out = out
        self.path = staging  # write here
        self.marker = marker
        self.committed = False

    def final(self, path: Path) -> Path:
        """Where `path` (inside the staging folder) is once committed."""
        return self.out / path.relative_to(self.path)

    def commit(self) -> None:
        """Put the staging folder in the place of `out`, whose previous content is removed."""
        if self.marker is not None:
            (self.path / self.marker).write_text("complete\n", encoding="utf-8")
        parent = self.out.parent
        # Ctrl-C between the two renames would leave neither folder at OUT: hold it off.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            old = None
            if self.out.exists():
                # Renaming onto an empty folder replaces it (POSIX); mkdtemp reserves a free name.
                old = Path(tempfile.mkdtemp(dir=parent, prefix=f".{self.out.name}.old-"))
                os.rename(self.out, old)
            os.rename(self.path, self.out)
            self.committed = True
        except OSError as exc:
            raise UsageError(f"{self.out}: cannot put the new output in place: "
                             f"{exc.strerror or exc}") from None
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _is_ours(folder: Path, marks: Sequence[str]) -> bool:
    return not any(folder.iterdir()) or any((folder / mark).exists() for mark in marks)


@contextmanager
def output_folder(out: Path, *, what: str, marks: Sequence[str],
                  marker: str | None = None) -> Iterator[OutputFolder]:
    """Lock `out`, make a fresh staging folder beside it, and remove it unless committed.

    `out` may be absent, empty, or hold one of `marks` (a previous output of the same command):
    anything else is a folder of someone else's files, which a swap would delete, and is refused.
    """
    out = Path(os.path.abspath(out))
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise UsageError(f"{out}: not a folder (a run replaces its output folder whole)")
    if out.is_dir() and not _is_ours(out, marks):
        raise UsageError(f"{out} holds files that are not the output of {what}; a run replaces its "
                         "output folder whole, so choose a new or empty folder")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{out.parent}: cannot create folder: {exc.strerror or exc}") from None
    try:
        with exclusive(out, wait=False, what=f"output folder of {what}"):
            for leftover in (*out.parent.glob(f".{out.name}.partial-*"),
                             *out.parent.glob(f".{out.name}.old-*")):
                # Only a holder of the lock makes these: any found now are from a killed run.
                shutil.rmtree(leftover, ignore_errors=True)
            staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.partial-"))
            os.chmod(staging, 0o755)  # noqa: S103 (mkdtemp makes 0700; reports are meant to be shared)
            folder = OutputFolder(out, staging, marker)
            try:
                yield folder
            finally:
                if not folder.committed:
                    shutil.rmtree(staging, ignore_errors=True)
    except Busy:
        raise UsageError(f"{out} is in use by another {what} (it holds {out}.lock); wait for it to "
                         "finish or choose another folder") from None


def run_output(out: Path) -> Any:
    """`output_folder` for `conform run` (a previous run's folder, old or new, may be replaced)."""
    return output_folder(out, what="`conform run`", marker=RUN_MARKER,
                         marks=(RUN_MARKER, f"{SUITE_FOLDER}/{SUITE_MANIFEST}"))


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
    timeout: float = PAYLOAD_SECONDS,
    max_memory: int = WORKER_MAX_MIB,
    progress: object | None = None,
    pytest_args: Sequence[str] = (),
    shown_as: Path | None = None,
    lang: str = "en",
) -> RunOutcome:
    """Generate the suite into `out/suite`, run it, and return the results it wrote to `out`.

    `progress`, when given, is a plugin implementing `pytest_conformance_event` (runs/hookspec.py).
    `out` is a fresh folder (`run_output`). KeyboardInterrupt when the run was interrupted (pytest
    itself catches Ctrl-C and returns; it is raised again here so that no caller reads on).
    `lang` is the language of the conformance summary the plugin prints (`--conformance-lang`)."""
    # A missing folder or an empty payload set is the user's mistake: say so in one line, before
    # anything is generated (the plugin binds the same specs again, a cheap walk of the names).
    if payloads or "--conformance-endpoint" not in pytest_args:  # live: the logs are made later
        bind_payloads(payloads)
    suite = generate_suite(standard, class_id, out / SUITE_FOLDER)
    # hypothesis's pytest plugin (hypothesis is a runtime dependency, so pytest loads it) imports all
    # of hypothesis at the terminal summary: 0.8 s that a generated suite never uses (issue 10 §2).
    args = [str(suite.folder), "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
            "--conformance-report-dir", str(out),
            "--conformance-jobs", str(jobs),
            "--conformance-timeout", str(timeout), "--conformance-max-memory", str(max_memory),
            "--conformance-lang", lang,
            # The bundle the suite was generated from, found again by the plugin through its catalog.
            "--conformance-standards-path", str(standard.root.parent.parent)]
    if shown_as is not None:  # `out` is a staging folder: name the folder it will become
        args += ["--conformance-report-shown-as", str(shown_as)]
    if class_id:
        args += ["--conformance-class", class_id]
    if subject:
        args += ["--conformance-subject", subject]
    for spec in payloads:
        args += ["--conformance-payloads", spec]
    args += list(pytest_args)
    hooks = _RunHooks(progress)
    # pytest reads PYTEST_ADDOPTS; a user's setting there must not change what the suite runs.
    saved = os.environ.pop("PYTEST_ADDOPTS", None)
    try:
        code = int(pytest.main(args, plugins=[hooks]))
    finally:
        if saved is not None:
            os.environ["PYTEST_ADDOPTS"] = saved
    if hooks.interrupted:
        raise KeyboardInterrupt
    results = out / RESULTS_FILE
    if not results.is_file():
        raise UsageError(f"the run wrote no results (pytest exit code {code}); see the messages above")
    return RunOutcome(suite, code, results, load_run_results(results))


class _RunHooks:
    """Registers the progress display as an ordinary plugin of the run, and notes Ctrl-C."""

    def __init__(self, progress: object | None) -> None:
        self.progress = progress
        self.interrupted = False
        self.config: pytest.Config | None = None

    @pytest.hookimpl
    def pytest_configure(self, config: pytest.Config) -> None:
        self.config = config
        if self.progress is not None:
            config.pluginmanager.register(self.progress)

    @pytest.hookimpl(tryfirst=True)
    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        # Also called for pytest.exit(); only Ctrl-C (or SIGINT) is an interruption of the run.
        if isinstance(excinfo.value, KeyboardInterrupt):
            self.interrupted = True
            # The terminal reporter would print a "KeyboardInterrupt" banner and the line of code
            # that was running; the caller says in one line what happened to the output instead.
            manager = self.config.pluginmanager if self.config is not None else None
            reporter = manager.get_plugin("terminalreporter") if manager is not None else None
            if manager is not None and reporter is not None:
                manager.unregister(reporter)


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
        files = generate_keys(out / "keys", "self-test")  # `out` is fresh: no earlier run's key
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
