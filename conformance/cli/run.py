"""`conform run STANDARD[@VERSION] --payloads PATH --subject ORG/PRODUCT/VERSION`"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import click

from conformance import api
from conformance.cli.common import (
    EXIT_NOT_CONFORMANT,
    EXIT_OK,
    budget_options,
    http_url,
    jobs_option,
    listen_option,
    say,
    standards_path_option,
    tool_errors,
)
from conformance.cli.completion import complete_standard_ref
from conformance.core.errors import UsageError
from conformance.core.events import PayloadValidated, RunEvent, RunStarted
from conformance.core.findings import Verdict
from conformance.records.run_results import Subject
from conformance.reports.labels import label, verdict_label
from conformance.runs.live import SCENARIO_NAMES
from conformance.runs.orchestrate import certify_run, run_output, run_suite

# 128 + SIGINT, what a shell reports for a command stopped by Ctrl-C.
EXIT_INTERRUPTED = 130


class Progress:
    """Validation progress: a bar on a terminal, a plain line every tenth otherwise.

    A plugin of the run's pytest session, fed by the `pytest_conformance_event` hook.
    """

    def __init__(self, stream: TextIO, lang: str = "en") -> None:
        self.stream = stream
        self.lang = lang
        self.tty = stream.isatty()
        self._bar: Any = None
        self._shown = 0
        self._next_line = 0
        self._total: int | None = None

    def pytest_conformance_event(self, event: RunEvent) -> None:
        """Advance by one for each validated payload, out of the total the run started with."""
        if isinstance(event, RunStarted):
            self._total = event.total
        elif isinstance(event, PayloadValidated) and self._total is not None:
            # The plugin's payloads are a list, so the total is known; a stream would show nothing.
            self.update(event.index + 1, self._total)

    def update(self, done: int, total: int) -> None:
        if self.tty:
            if self._bar is None:
                self._bar = click.progressbar(length=total, label=label("validating", self.lang),
                                              file=self.stream)
                self._bar.__enter__()
            self._bar.update(done - self._shown)
            self._shown = done
            if done == total:
                self._bar.__exit__(None, None, None)
            return
        if done >= self._next_line or done == total:
            self.stream.write(label("validated", self.lang, done=done, total=total) + "\n")
            self.stream.flush()
            self._next_line = done + max(1, total // 10)


@click.command()
@click.argument("standard", metavar="STANDARD[@VERSION]", shell_complete=complete_standard_ref)
@click.option(
    "--payloads",
    "-p",
    "payloads",
    multiple=True,
    metavar="PATH",
    help="Payloads: a file, folder, glob, manifest or exchange log (repeatable); needed unless "
    "--endpoint is given.",
)
@click.option("--subject", required=True, metavar="ORG/PRODUCT/VERSION", help="What is being tested.")
@click.option(
    "--class",
    "-c",
    "class_id",
    metavar="CLASS",
    help="Target conformance class (default: the standard's default class).",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports/run"),
    show_default=True,
    help="Folder for the suite, the results and every report.",
)
@jobs_option
@budget_options
@click.option(
    "--key",
    "key_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Issuer's Ed25519 private key (`conform keys generate`); without it a key pair is made "
    "for the run under OUT/keys and the certificate is a self-test.",
)
@click.option("--issuer", default="self-test (egov-conformance)", show_default=True,
              help="Issuer name written in the certificate.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of the summary: statements, messages and every label.")
@click.option("--endpoint", metavar="URL", callback=http_url,
              help="Test a live system at this inbox URL: the tool plays the other role of the "
              "conversation, records each scenario as an exchange log and tests the logs.")
@click.option("--play", metavar="ROLE", help="With --endpoint: the role the tool plays (default: the "
              "role the target class is not).")
@click.option("--conversation", metavar="ID",
              help="With --endpoint: the conversation played (default: the standard's only one).")
@click.option("--trigger", metavar="URL", callback=http_url,
              help="With --endpoint: where to ask the system under test to open the conversation.")
@click.option("--listen", default="127.0.0.1:0", show_default=True, metavar="HOST:PORT",
              callback=listen_option,
              help="With --endpoint: where the tool's own inbox listens (port 0: any free port).")
@click.option("--time-scale", type=click.FloatRange(1e-6, 1.0), default=1.0, show_default=True,
              help="With --endpoint: multiply the standard's deadlines by this.")
@click.option("--live-timeout", type=click.FloatRange(min=0.01, max=86400.0), default=30.0,
              show_default=True, metavar="SECONDS",
              help="With --endpoint: the longest any one wait of the partner lasts, whatever the deadline "
              "(--timeout is the budget of validating one payload).")
@click.option("--scenario", "scenarios", multiple=True, type=click.Choice(SCENARIO_NAMES),
              help="With --endpoint: scenario to play (repeatable; default: all).")
@standards_path_option
@tool_errors
def run(
    standard: str,
    payloads: tuple[str, ...],
    subject: str,
    class_id: str | None,
    out: Path,
    jobs: int,
    timeout: float,
    max_memory: int,
    key_path: Path | None,
    issuer: str,
    lang: str,
    endpoint: str | None,
    play: str | None,
    conversation: str | None,
    trigger: str | None,
    listen: str,
    time_scale: float,
    live_timeout: float,
    scenarios: tuple[str, ...],
    standards_path: tuple[str, ...],
) -> None:
    """Generate the suite, run it on the payloads and write every report, in one command.

    Exit code 0 when the class passed, 1 when it did not (or a payload could not be processed),
    2 on a usage or specification error, 130 when interrupted (Ctrl-C).

    Everything is written into a fresh folder beside OUT and moved into place only when complete:
    an interrupted or failed run leaves OUT as the previous run left it. A second run into the
    same OUT while one is going is refused (exit code 2).
    """
    Subject.parse(subject)  # a malformed subject is a usage error before any work is done
    if not payloads and endpoint is None:
        raise UsageError("give the payloads to test (--payloads) or a live system (--endpoint)")
    live: list[str] = []
    if endpoint is not None:
        # Errors the plugin finds name this command's options (--play), not its own (--conformance-play).
        names = {name: f"--{name}" for name in ("endpoint", "play", "conversation", "trigger", "listen",
                                               "time-scale", "scenario")}
        names["timeout"] = "--live-timeout"
        live += ["--conformance-endpoint", endpoint, "--conformance-time-scale", repr(time_scale),
                 "--conformance-listen", listen, "--conformance-live-timeout", repr(live_timeout),
                 "--conformance-live-names", json.dumps(names)]
        for option, value in (("--conformance-play", play), ("--conformance-trigger", trigger),
                              ("--conformance-conversation", conversation)):
            if value is not None:
                live += [option, value]
        for scenario in scenarios:
            live += ["--conformance-scenario", scenario]
    try:
        loaded = api.load_standard(standard, standards_path=standards_path or None)
        if endpoint is not None and class_id is None:
            class_id = _class_of_system_under_test(loaded, play, conversation)
        with run_output(out) as folder:
            outcome = run_suite(
                loaded,
                class_id,
                payloads,
                folder.path,
                subject=subject,
                jobs=jobs,
                timeout=timeout,
                max_memory=max_memory,
                progress=Progress(sys.stderr, lang),
                # The plugin's conformance summary names every failure by requirement, with where
                # and why: pytest's own list of FAILED/ERROR test ids and its warnings summary
                # (SHOULD failures) would only repeat it less usefully. Exit codes are pytest's.
                pytest_args=["-q", "--tb=no", "-rN", "--disable-warnings", *live],
                shown_as=folder.out,
                lang=lang,
            )
            if outcome.pytest_exit not in (0, 1):
                # No verdict is printed for a run that did not run to its end: it would not be one.
                raise UsageError(f"the suite did not run to its end (pytest exit code {outcome.pytest_exit}, "
                                 f"see above); {out} is left as it was")
            document = outcome.document
            issued = None
            if document["verdict"] == "conformant":
                issued = certify_run(outcome, folder.path, key_path=key_path, issuer=issuer,
                                     now=datetime.now(UTC))
            folder.commit()
    except KeyboardInterrupt:
        # One line, no traceback; the run's partial folder is gone and OUT is as it was.
        say(label("interrupted", lang, folder=out), err=True)
        raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
    verdict = verdict_label(Verdict(document["verdict"]), lang)
    say(label("run-verdict", lang, klass=document["class"], verdict=verdict))
    say(label("run-reports", lang, folder=out, files="results.json junit.xml earl.jsonld report.html"))
    if issued is None:
        say(label("no-certificate", lang))
        raise click.exceptions.Exit(EXIT_NOT_CONFORMANT)
    certificate, html = folder.final(issued.path), folder.final(issued.html)
    public_key = folder.final(issued.public_key) if issued.self_signed_key else issued.public_key
    say(label("certificate", lang, path=certificate, html=html))
    say(label("verify-with", lang,
              command=f"conform certificate verify {certificate} --issuer-key {public_key}"))
    raise click.exceptions.Exit(EXIT_OK)


def _class_of_system_under_test(standard: Any, play: str | None, conversation: str | None) -> str:
    """Live, with no --class: the class named after the role the system under test plays (the
    one the tool does not), since one message is no evidence of a role and the default class of a
    collaboration standard is usually its message class."""
    conversations = [c for c in standard.conversations.values() if conversation in (None, c.id)]
    roles = list(conversations[0].roles) if len(conversations) == 1 else []
    if play is not None and roles and play not in roles:
        raise UsageError(f"--play {play!r}: conversation {conversations[0].id} has the roles "
                         f"{', '.join(roles)}")
    if play is not None and play in roles and len(roles) == 2:
        sut = next(r for r in roles if r != play)
        if sut in standard.classes:
            return str(sut)
    role_classes = [r for r in roles if r in standard.classes]
    if len(roles) == 2 and role_classes:
        raise UsageError(f"name the role of the system under test with --class "
                         f"({'|'.join(role_classes)}), or the role the tool plays with --play")
    if standard.default_class is None:
        raise UsageError("name the conformance class to test with --class")
    return str(standard.default_class)
