"""`conform validate PATH...`, against a standard bundle or ad hoc against a rule set and an XSD.

The engine is imported when the command runs, not with the module: `conform validate --help` and
shell completion (which loads the command to read its options) stay as cheap as the catalog.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from conformance.cli.common import (
    EXIT_NOT_CONFORMANT,
    EXIT_OK,
    EXIT_USAGE,
    budget_options,
    echo_notes,
    jobs_option,
    say,
    standards_path_option,
    tool_errors,
    within_option,
)
from conformance.cli.completion import complete_class, complete_standard_ref
from conformance.core.events import PayloadValidated, RunStarted
from conformance.core.findings import Verdict
from conformance.core.limits import PAYLOAD_MAX_BYTES
from conformance.core.printable import terminal

if TYPE_CHECKING:
    from conformance.execution.session import ValidationSession
    from conformance.execution.supervisor import ExecutionBudget

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
# conformance.execution.batch.DEFAULT_PATTERNS and STDIN, here without importing the engine
# (tests/cli/test_validate.py checks that they agree).
DEFAULT_PATTERNS = ("*.xml", "*.json")
STDIN = Path("-")


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--standard", "-s", "standard", metavar="ID[@VERSION]", shell_complete=complete_standard_ref,
              help="Validate against this standard (default: recognise each payload).")
@click.option("--schematron", "schematron", multiple=True, type=_FILE, metavar="FILE.sch",
              help="Validate ad hoc against this ISO Schematron rule set, without a bundle "
                   "(repeatable; not with --standard).")
@click.option("--xsd", "xsd", multiple=True, type=_FILE, metavar="FILE.xsd",
              help="Validate ad hoc against this XML Schema too, or alone (repeatable).")
@click.option("--phase", metavar="PHASE",
              help="Schematron phase of the ad hoc rule set (default: its default phase).")
@click.option("--root", "roots", multiple=True, metavar="{NS}NAME",
              help="Document element for ad hoc validation when the XSD and the rule contexts "
                   "do not name it (repeatable).")
@within_option
@click.option("--class", "-c", "class_id", metavar="CLASS", shell_complete=complete_class,
              help="Conformance class for the verdict (default: the standard's default class).")
@click.option("--format", "-f", "output_format", type=click.Choice(["text", "json"]),
              default="text", show_default=True)
@jobs_option
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of statements and messages in text output.")
@click.option("--glob", "patterns", multiple=True, metavar="PATTERN",
              help=f"File patterns taken from folders (repeatable; default {' '.join(DEFAULT_PATTERNS)}).")
@click.option("--max-bytes", type=click.IntRange(min=1), default=PAYLOAD_MAX_BYTES, show_default=True,
              help="Largest payload read; larger ones are reported as processing errors.")
@budget_options
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
@standards_path_option
@tool_errors
def validate(paths: tuple[Path, ...], standard: str | None, schematron: tuple[Path, ...],
             xsd: tuple[Path, ...], phase: str | None, roots: tuple[str, ...], within: Path | None,
             class_id: str | None,
             output_format: str, jobs: int, lang: str, patterns: tuple[str, ...], max_bytes: int,
             timeout: float, max_memory: int, output: Path | None,
             standards_path: tuple[str, ...]) -> None:
    """Validate payload files and folders against a standard.

    `-` reads one payload from standard input (named <stdin> in the results).

    With --schematron and/or --xsd, a draft standard is built from those files for this run only
    (as `conform standards import` would build it) instead of using a bundle.

    Exit code 0 when every payload conforms, 1 when some does not (or could not be processed),
    2 on a usage or specification error.
    """
    adhoc = bool(schematron or xsd)
    if adhoc and (standard or standards_path):
        raise click.UsageError("--schematron/--xsd validate without a bundle: not with --standard "
                               "or --standards-path")
    if not adhoc and (phase or roots or within):
        raise click.UsageError("--phase, --root and --within need --schematron or --xsd")
    if paths.count(STDIN) > 1:
        raise click.UsageError("standard input (-) can be read only once")
    missing = [str(p) for p in paths if p != STDIN and not p.exists()]
    if missing:
        raise click.UsageError(f"no such file or folder: {terminal(', '.join(missing))}")
    from conformance.execution.supervisor import ExecutionBudget

    with _session(standard, schematron + xsd, phase, roots, within, class_id, standards_path,
                  max_bytes) as session:
        all_conformant, count = _run(session, paths, class_id, output_format, jobs, lang, patterns,
                                     output, ExecutionBudget.of(timeout, max_memory), max_bytes)
    if count == 0:
        click.echo("conform: no payloads found (folders are searched for "
                   f"{' '.join(patterns or DEFAULT_PATTERNS)})", err=True)
        raise click.exceptions.Exit(EXIT_USAGE)
    raise click.exceptions.Exit(EXIT_OK if all_conformant else EXIT_NOT_CONFORMANT)


@contextmanager
def _session(standard: str | None, artefacts: tuple[Path, ...], phase: str | None,
             roots: tuple[str, ...], within: Path | None, class_id: str | None,
             standards_path: tuple[str, ...],
             max_bytes: int) -> Iterator[ValidationSession]:
    """A session on a bundle, or on a standard imported for this run (removed afterwards)."""
    from conformance import api

    if not artefacts:
        yield api.session(standard, class_id=class_id, standards_path=standards_path or None,
                          max_bytes=max_bytes)
        return
    from conformance.authoring.importer import parse_root, temporary_standard  # ad hoc runs only

    with temporary_standard(list(artefacts), phase=phase, roots=[parse_root(r) for r in roots],
                            within=within) as (imported, plan):
        echo_notes(plan.notes, more="`conform standards import` writes them all into the manifest")
        yield api.session(imported, class_id=class_id, max_bytes=max_bytes)


def _run(session: ValidationSession, paths: tuple[Path, ...], class_id: str | None,
         output_format: str, jobs: int, lang: str, patterns: tuple[str, ...],
         output: Path | None, budget: ExecutionBudget, max_bytes: int) -> tuple[bool, int]:
    """Validate and write the results; (every payload conformant, number of payloads)."""
    from conformance.execution.batch import iter_payload_inputs
    from conformance.execution.executors import executor_for, stop
    from conformance.records.results_json import ResultsJsonWriter
    from conformance.reports.text import TextWriter

    # Standard input as bytes (`-`): the syntax is sniffed from them as from a file's.
    stdin = getattr(sys.stdin, "buffer", None)
    inputs = iter_payload_inputs(paths, patterns or DEFAULT_PATTERNS, stdin=stdin, max_bytes=max_bytes)
    with _results_stream(output) as stream:
        writer: ResultsJsonWriter | TextWriter
        if output_format == "json":
            writer = ResultsJsonWriter(stream, session.standards, class_id)
        else:
            writer = TextWriter(stream, {s.ref: s for s in session.standards}, lang=lang)
        all_conformant = True
        count = 0
        events = executor_for(jobs, budget).run(session, inputs)
        try:
            for event in events:
                if isinstance(event, RunStarted):
                    _note_workers(jobs, event.jobs)
                elif isinstance(event, PayloadValidated):
                    count += 1
                    all_conformant &= event.result.verdict is Verdict.CONFORMANT
                    writer.write(event.result)
        finally:
            stop(events)
        writer.close()
    return all_conformant, count


def _note_workers(asked: int, started: int) -> None:
    """Say so when fewer worker processes run than `--jobs N` asked for (never for `auto`)."""
    from conformance.execution.executors import AUTO_JOBS, available_cpus

    if asked == AUTO_JOBS or started >= asked or started == 0:
        return
    say(f"conform: note: --jobs {asked}: {started} worker process(es), never more than the CPUs "
        f"available to this process ({available_cpus()}) or the payloads", err=True)


@contextmanager
def _results_stream(output: Path | None) -> Iterator[TextIO]:
    """Standard output, or a temporary file beside `output` renamed onto it once complete.

    Only a complete document takes the name: an interrupted run leaves the previous file, or none.
    `backslashreplace`: a character no writer made encodable is written as an escape (`\\udcff`,
    still valid inside a JSON string) instead of ending the run with half a document.
    """
    if output is None:
        yield _terminal_stream()
        return
    partial = output.with_name(f".{output.name}.{os.getpid()}.partial")
    try:
        with partial.open("x", encoding="utf-8", errors="backslashreplace") as stream:
            yield stream
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)


def _terminal_stream() -> TextIO:
    """Standard output, made unable to fail on a character its encoding lacks."""
    stream = sys.stdout
    if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
        stream.reconfigure(errors="backslashreplace")
    return stream
