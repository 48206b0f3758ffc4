"""The pytest plugin (entry point `pytest11`): binds payloads to a generated suite and runs it.

Registered for every pytest session but inert unless a generated suite is collected or
`--conformance-payloads` is given. The controlling process (the only process without xdist)
validates all payloads once, on `--conformance-jobs` processes, and writes the canonical results;
xdist workers load that document, so `pytest -n 2` gives the same results as one process. Items
are one per requirement (see ARCHITECTURE.md, "Item granularity").
"""

from __future__ import annotations

import argparse
import json
import tempfile
import warnings
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from conformance.core.errors import (
    ConformanceError,
    ConformanceWarning,
    RequirementFailed,
    RequirementUndecided,
)
from conformance.core.findings import Level, Outcome
from conformance.core.limits import PAYLOAD_SECONDS, WORKER_MAX_MIB

# Loaded by every pytest session of an environment that has this package installed: the engine,
# the catalog and the reports are imported only when a conformance run is actually made.
from conformance.runs import SUITE_MANIFEST
from conformance.runs import jobs as conformance_jobs

if TYPE_CHECKING:  # the record and its view are imported when a conformance run is made
    from conformance.records.record import RunRecord
    from conformance.runs.results_view import RunView

_WORKER_KEY = "conformance_results"


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from conformance.runs import hookspec  # pytest and typing names only: cheap in every session

    pluginmanager.add_hookspecs(hookspec)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "egov-conformance: run a generated conformance suite")
    group.addoption("--conformance-payloads", action="append", default=[], metavar="PATH",
                    help="Payloads to test: a file, folder, glob or manifest (repeatable).")
    group.addoption("--conformance-class", metavar="CLASS",
                    help="Target conformance class (default: the class the suite was generated for).")
    group.addoption("--conformance-report-dir", metavar="DIR",
                    help="Write the results and every report into DIR.")
    group.addoption("--conformance-report-shown-as", metavar="DIR",
                    help="The report folder as the summary names it (conform run writes into a "
                         "staging folder that becomes DIR when the run is complete).")
    group.addoption("--conformance-subject", metavar="ORG/PRODUCT/VERSION",
                    help="What is being tested, recorded in the results and certificates.")
    group.addoption("--conformance-jobs", type=conformance_jobs, default=0, metavar="N|auto",
                    help="Processes validating payloads (default auto: one per CPU available; never "
                         "more than the CPUs or the payloads).")
    # The budgets of `conform validate --timeout/--max-memory`, with the same defaults.
    group.addoption("--conformance-timeout", type=float, default=PAYLOAD_SECONDS, metavar="SECONDS",
                    help="Wall-clock budget of one payload: a payload over it is stopped and is a "
                         f"processing error (default {PAYLOAD_SECONDS:g}; 0: no limit).")
    group.addoption("--conformance-max-memory", type=int, default=WORKER_MAX_MIB, metavar="MiB",
                    help="Resident memory budget of each validating process: the payload that "
                         f"crosses it is a processing error (default {WORKER_MAX_MIB}; 0: no limit).")
    group.addoption("--conformance-lang", choices=("en", "zh"), default="en",
                    help="Language of the conformance summary and of the requirement reports "
                         "(default en).")
    group.addoption("--conformance-standards-path", action="append", default=[], metavar="DIR",
                    help="Folder of standard bundles (default: the usual places).")
    # Live: the tool plays the partner of a system under test, and its exchange logs are payloads.
    group.addoption("--conformance-endpoint", metavar="URL",
                    help="Test a live system: its inbox URL. The tool plays the other role of the "
                         "conversation, records every scenario and tests the logs.")
    group.addoption("--conformance-play", metavar="ROLE",
                    help="The role the tool plays live (default: the role the target class is not).")
    group.addoption("--conformance-conversation", metavar="ID", help="Conversation played live.")
    group.addoption("--conformance-trigger", metavar="URL",
                    help="Live: where to ask the system under test to open the conversation.")
    group.addoption("--conformance-time-scale", type=float, default=1.0, metavar="F",
                    help="Live: multiply the standard's deadlines by F (e.g. 0.01 in a test environment).")
    from conformance.runs.live import DEFAULT_LIVE_TIMEOUT, SCENARIO_NAMES

    group.addoption("--conformance-scenario", action="append", default=[], choices=SCENARIO_NAMES,
                    help="Live: scenario to play (repeatable; default: all).")
    group.addoption("--conformance-listen", default="127.0.0.1:0", metavar="HOST:PORT",
                    help="Live: where the tool's own inbox listens (default 127.0.0.1:0, any free port); "
                         "the address the system under test is told to reply to.")
    group.addoption("--conformance-live-timeout", type=float, default=DEFAULT_LIVE_TIMEOUT,
                    metavar="SECONDS",
                    help="Live: the longest any one wait of the partner lasts, whatever the deadline "
                         f"(default {DEFAULT_LIVE_TIMEOUT:g}).")
    # Internal (`conform run`): {"play": "--play", ...}, how the user's command spells the live options.
    group.addoption("--conformance-live-names", default=None, help=argparse.SUPPRESS)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requirement(id, uri, level): the requirement a test checks")
    config.addinivalue_line("markers", "conformance_class(id): the conformance class of a module")
    suite_dir = _find_suite(config)
    if suite_dir is not None or config.getoption("conformance_payloads") or config.getoption(
            "conformance_endpoint"):
        config.pluginmanager.register(ConformanceRun(config, suite_dir), "conformance-run")


def _find_suite(config: pytest.Config) -> Path | None:
    for arg in config.args:
        path = Path(arg.split("::", 1)[0])
        folder = path if path.is_dir() else path.parent
        if (folder / SUITE_MANIFEST).is_file():
            return folder
    return None


class ConformanceRun:
    """The session's run: made in the controlling process, loaded by xdist workers."""

    def __init__(self, config: pytest.Config, suite_dir: Path | None) -> None:
        self.config = config
        self.suite_dir = suite_dir
        self.record: RunRecord | None = None
        self._view: RunView | None = None
        self.results_path: Path | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    @property
    def lang(self) -> str:
        """The language of the summary and the requirement reports (`--conformance-lang`)."""
        return str(self.config.getoption("conformance_lang"))

    @property
    def is_worker(self) -> bool:
        return hasattr(self.config, "workerinput")

    @pytest.hookimpl(tryfirst=True)  # before xdist starts its workers, which need the results
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        try:
            if self.is_worker:
                # Written moments ago by this session's controlling process from its own run:
                # read, not checked against the schema a second time in every worker.
                path = Path(self.config.workerinput[_WORKER_KEY])  # type: ignore[attr-defined]
                from conformance.records.record import RunRecord

                self.record = RunRecord.from_document(json.loads(path.read_text(encoding="utf-8")))
            elif self.config.option.collectonly and self.config.getoption("conformance_endpoint"):
                # Listing the tests must not play every scenario against a live system.
                return
            else:
                self.record = self._execute()
        except ConformanceError as exc:
            raise pytest.UsageError(f"conformance: {exc}") from None

    @property
    def view(self) -> RunView | None:
        """The results by requirement, built on first use: an xdist controller runs no test."""
        if self._view is None and self.record is not None:
            from conformance.runs.results_view import RunView

            self._view = RunView(self.record)
        return self._view

    def _execute(self) -> RunRecord:
        from conformance.execution.supervisor import ExecutionBudget
        from conformance.reports.writer import write_reports
        from conformance.runs.execute import execute_run
        from conformance.runs.payloads import bind_payloads
        from conformance.runs.suite import load_suite

        opt = self.config.getoption
        if self.suite_dir is None:
            raise ConformanceError("no generated suite collected (make one with `conform generate`)")
        suite = load_suite(self.suite_dir)
        standard = _load_standard(suite, opt("conformance_standards_path"))
        class_id = opt("conformance_class") or suite.class_id
        report_dir = opt("conformance_report_dir")
        if report_dir:
            folder = Path(report_dir)
            folder.mkdir(parents=True, exist_ok=True)
        else:
            self._tmp = tempfile.TemporaryDirectory(prefix="conformance-")
            folder = Path(self._tmp.name)
        specs = list(opt("conformance_payloads"))
        live_logs: list[Path] = []
        if opt("conformance_endpoint"):
            live_logs = self._record_live(standard, class_id, folder)
            specs += [str(log) for log in live_logs]
        payloads = bind_payloads(specs)
        from conformance.records.record import Subject

        subject = Subject.parse(opt("conformance_subject")) if opt("conformance_subject") else None
        record = execute_run(standard, class_id, payloads,
                               jobs=opt("conformance_jobs"), subject=subject, suite_hash=suite.hash,
                               budget=ExecutionBudget.of(opt("conformance_timeout"),
                                                         opt("conformance_max_memory")),
                               on_event=lambda event: self.config.hook.pytest_conformance_event(
                                   event=event, config=self.config))
        if live_logs:
            record = _live_names(record, folder, opt("conformance_report_shown_as"))
        # The canonical results first (xdist workers read them); the other reports at the end.
        self.results_path = write_reports(record, folder, formats=("json",))["json"]
        return record

    def _record_live(self, standard: Any, class_id: str | None, folder: Path) -> list[Path]:
        """Play the live scenarios (`--conformance-endpoint`); the exchange logs recorded."""
        import sys

        from conformance.core.printable import terminal
        from conformance.runs.live import LiveOptions, listen_address, record_live

        opt = self.config.getoption
        # `conform run` passes its own spelling of the options, so that errors name what was typed.
        try:
            names = json.loads(opt("conformance_live_names") or "{}")
        except ValueError:
            names = {}
        names = {k: v for k, v in names.items() if isinstance(v, str)} if isinstance(names, dict) else {}
        try:
            listen = listen_address(opt("conformance_listen"))
        except ValueError as exc:
            raise ConformanceError(f"{names.get('listen', '--conformance-listen')}: {exc}") from None
        live = LiveOptions(opt("conformance_endpoint"), opt("conformance_play"),
                           opt("conformance_conversation"), opt("conformance_trigger"),
                           opt("conformance_time_scale"), timeout=opt("conformance_live_timeout"),
                           scenarios=opt("conformance_scenario"), listen=listen, names=names)

        def announce(text: str) -> None:
            # Before the suite runs, on standard error: pytest's capture is not on yet, and a tester
            # whose lead system waits for its partner's inbox URL must see it now.
            sys.stderr.write(terminal(f"conformance: {text}") + "\n")
            sys.stderr.flush()

        return record_live(standard, live, class_id, folder, announce=announce)

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[_WORKER_KEY] = str(self.results_path)

    def pytest_report_header(self, config: pytest.Config) -> str | None:
        record = self.record
        if record is None:
            return None
        std = record.standard
        return (f"conformance: {std.ref} ({std.content_hash[:19]}), class {record.class_id}, "
                f"{record.summary.payloads} payloads, suite {record.suite_hash}")

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.is_worker or self.record is None:
            return
        report_dir = self.config.getoption("conformance_report_dir")
        if report_dir:
            from conformance.reports.writer import FORMATS, write_reports

            write_reports(self.record, Path(report_dir), formats=[f for f in FORMATS if f != "json"],
                          jobs=self.config.getoption("conformance_jobs"))
        if self._tmp is not None:
            self._tmp.cleanup()

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        view = self.view  # None exactly when there is no record
        if view is None or self.is_worker:
            return
        from conformance.reports.labels import label
        from conformance.runs.summary import summary_lines

        lang = self.lang
        terminalreporter.section(label("summary-section", lang))
        for line in summary_lines(view, lang):
            terminalreporter.write_line(line)
        shown = (self.config.getoption("conformance_report_shown_as")
                 or self.config.getoption("conformance_report_dir"))
        if shown:
            from conformance.core.printable import terminal

            terminalreporter.write_line(terminal(label("reports-in", lang, folder=shown)))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[
            None, Any, None]:
        outcome = yield
        report = outcome.get_result()
        if call.excinfo is not None and isinstance(call.excinfo.value,
                                                   RequirementFailed | RequirementUndecided):
            # The requirement's own report replaces the Python traceback.
            report.longrepr = str(call.excinfo.value)


def _live_names(record: RunRecord, folder: Path, shown_as: str | None) -> RunRecord:
    """The record with each live log named where it will be: under the folder the report folder
    becomes (`--conformance-report-shown-as`: `conform run` writes into a staging folder), else as
    it is. A log recorded elsewhere (a payload given by name) keeps its name."""
    if not shown_as:
        return record
    import dataclasses

    def shown(name: str) -> str:
        try:
            return str(Path(shown_as) / Path(name).relative_to(folder))
        except ValueError:
            return name

    payloads = tuple(dataclasses.replace(p, name=shown(p.name)) for p in record.payloads)
    return dataclasses.replace(record, payloads=payloads)


def _load_standard(suite: Any, standards_path: list[str]) -> Any:
    """The bundle the suite was generated from: through --conformance-standards-path when given (the
    user's word wins, so a changed recorded bundle can be passed over), else from the folder the
    suite records, else from the usual places; its content hash must be the suite's."""
    from conformance.core.errors import StandardNotFound
    from conformance.standard.catalog import Catalog
    from conformance.standard.manifest import load_standard
    from conformance.standard.model import BUNDLE_MANIFEST

    recorded = suite.bundle_folder
    if not standards_path and recorded is not None and (recorded / BUNDLE_MANIFEST).is_file():
        standard = load_standard(recorded)
    else:
        catalog = Catalog([Path(p) for p in standards_path] if standards_path else None)
        try:
            standard = catalog.load(suite.standard_ref)
        except StandardNotFound as exc:
            where = (f"; the suite was generated from the bundle in {recorded}, which is not there any more"
                     if recorded is not None and not standards_path else "")
            raise StandardNotFound(
                f"{exc.message}{where}; pass --conformance-standards-path DIR (the folder holding "
                f"{suite.standard_id}/{suite.standard_version}/{BUNDLE_MANIFEST})") from None
    # The recorded folder may hold another version by now; the catalog finds the suite's by name.
    if (standard.id, standard.version, standard.content_hash) != (
            suite.standard_id, suite.standard_version, suite.content_hash):
        raise ConformanceError(
            f"the suite was generated from {suite.standard_ref} with content hash {suite.content_hash}, "
            f"but {standard.root} holds {standard.ref} with {standard.content_hash}: the bundle changed "
            "after the suite was generated, or this is another copy; regenerate the suite "
            "(`conform generate`) or pass --conformance-standards-path DIR to the original bundle")
    return standard


class RequirementCheck:
    """The `conformance` fixture: asks the run for one requirement's outcome over all payloads."""

    def __init__(self, view: RunView, lang: str = "en") -> None:
        self._view = view
        self._lang = lang

    def assert_passed(self, requirement_id: str) -> None:
        if requirement_id not in self._view:
            raise RequirementUndecided(f"{requirement_id} is not in the scope of this run's class")
        outcomes = self._view.requirement(requirement_id)
        failed = outcomes.with_outcome(Outcome.FAILED)
        if not failed:
            return
        from conformance.runs.results_view import report_text

        text = report_text(outcomes, failed, "failed", self._lang)
        if outcomes.requirement.level is Level.MUST:
            raise RequirementFailed(text)
        warnings.warn(ConformanceWarning(text), stacklevel=2)


@pytest.fixture
def conformance(request: pytest.FixtureRequest) -> RequirementCheck:
    """The run's results; an undecided requirement errors here, an inapplicable one is skipped."""
    plugin = request.config.pluginmanager.get_plugin("conformance-run")
    if plugin is None or plugin.view is None:
        raise RequirementUndecided("no conformance run: pass --conformance-payloads")
    view: RunView = plugin.view
    lang: str = plugin.lang
    from conformance.reports.labels import label

    marker = request.node.get_closest_marker("requirement")
    if marker is not None and marker.args and marker.args[0] not in view:
        pytest.skip(label("not-in-class", lang, id=marker.args[0], klass=view.record.class_id))
    if marker is not None and marker.args:
        outcomes = view.requirement(marker.args[0])
        if not outcomes.with_outcome(Outcome.FAILED):
            undecided = outcomes.with_outcome(Outcome.CANT_TELL, Outcome.UNTESTED)
            if undecided:
                from conformance.runs.results_view import report_text

                raise RequirementUndecided(report_text(outcomes, undecided, "could not be decided", lang))
            if not outcomes.with_outcome(Outcome.PASSED):
                pytest.skip(label("inapplicable-to-all", lang, id=outcomes.requirement.id,
                                  count=len(outcomes.cases)))
    return RequirementCheck(view, lang)
