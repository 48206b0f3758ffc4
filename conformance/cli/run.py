"""`conform run STANDARD[@VERSION] --payloads PATH --subject ORG/PRODUCT/VERSION`"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import click

from conformance import api
from conformance.cli.common import (
    EXIT_NOT_CONFORMANT,
    EXIT_OK,
    EXIT_USAGE,
    standards_path_option,
    tool_errors,
)
from conformance.reports.run_results import Subject
from conformance.runs.orchestrate import certify_run, run_suite


class Progress:
    """Validation progress: a bar on a terminal, a plain line every tenth otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self._bar: Any = None
        self._shown = 0
        self._next_line = 0

    def update(self, done: int, total: int) -> None:
        if self.tty:
            if self._bar is None:
                self._bar = click.progressbar(length=total, label="validating", file=self.stream)
                self._bar.__enter__()
            self._bar.update(done - self._shown)
            self._shown = done
            if done == total:
                self._bar.__exit__(None, None, None)
            return
        if done >= self._next_line or done == total:
            self.stream.write(f"validated {done}/{total} payloads\n")
            self.stream.flush()
            self._next_line = done + max(1, total // 10)


@click.command()
@click.argument("standard", metavar="STANDARD[@VERSION]")
@click.option(
    "--payloads",
    "-p",
    "payloads",
    multiple=True,
    required=True,
    metavar="PATH",
    help="Payloads: a file, folder, glob or manifest (repeatable).",
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
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Processes validating payloads.",
)
@click.option(
    "--key",
    "key_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Issuer's Ed25519 private key (`conform keys generate`); without it a key pair is made "
    "for the run under OUT/keys and the certificate is a self-test.",
)
@click.option("--issuer", default="self-test (egov-conformance)", show_default=True,
              help="Issuer name written in the certificate.")
@standards_path_option
@tool_errors
def run(
    standard: str,
    payloads: tuple[str, ...],
    subject: str,
    class_id: str | None,
    out: Path,
    jobs: int,
    key_path: Path | None,
    issuer: str,
    standards_path: tuple[str, ...],
) -> None:
    """Generate the suite, run it on the payloads and write every report, in one command.

    Exit code 0 when the class passed, 1 when it did not (or a payload could not be processed),
    2 on a usage or specification error.
    """
    Subject.parse(subject)  # a malformed subject is a usage error before any work is done
    loaded = api.load_standard(standard, standards_path=standards_path or None)
    outcome = run_suite(
        loaded,
        class_id,
        payloads,
        out,
        subject=subject,
        jobs=jobs,
        progress=Progress(sys.stderr),
        pytest_args=["-q", "--tb=no", "-rfE"],
    )
    document = outcome.document
    click.echo(f"verdict for class {document['class']}: {document['verdict']}")
    click.echo(f"results and reports in {out}: results.json junit.xml earl.jsonld report.html")
    if outcome.pytest_exit not in (0, 1):
        raise click.exceptions.Exit(EXIT_USAGE)
    if document["verdict"] != "conformant":
        click.echo("no certificate: the class did not pass")
        raise click.exceptions.Exit(EXIT_NOT_CONFORMANT)
    issued = certify_run(outcome, out, key_path=key_path, issuer=issuer, now=datetime.now(UTC))
    click.echo(f"certificate: {issued.path} (printable: {issued.html})")
    click.echo(f"verify with: conform certificate verify {issued.path} --issuer-key {issued.public_key}")
    raise click.exceptions.Exit(EXIT_OK)
