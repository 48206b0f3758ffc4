"""`conform validate PATH...`"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from conformance import api
from conformance.cli.common import (
    EXIT_NOT_CONFORMANT,
    EXIT_OK,
    EXIT_USAGE,
    standards_path_option,
    tool_errors,
)
from conformance.core.findings import Verdict
from conformance.engine.batch import DEFAULT_PATTERNS, iter_payload_paths, validate_paths
from conformance.engine.payload import DEFAULT_MAX_BYTES
from conformance.reports.results_json import ResultsJsonWriter
from conformance.reports.text import TextWriter


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--standard", "-s", "standard", metavar="ID[@VERSION]",
              help="Validate against this standard (default: recognise each payload).")
@click.option("--class", "-c", "class_id", metavar="CLASS",
              help="Conformance class for the verdict (default: the standard's default class).")
@click.option("--format", "-f", "output_format", type=click.Choice(["text", "json"]),
              default="text", show_default=True)
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of statements and messages in text output.")
@click.option("--glob", "patterns", multiple=True, metavar="PATTERN",
              help=f"File patterns taken from folders (repeatable; default {' '.join(DEFAULT_PATTERNS)}).")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES, show_default=True,
              help="Largest payload read; larger ones are reported as processing errors.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
@standards_path_option
@tool_errors
def validate(paths: tuple[Path, ...], standard: str | None, class_id: str | None,
             output_format: str, jobs: int, lang: str, patterns: tuple[str, ...], max_bytes: int,
             output: Path | None, standards_path: tuple[str, ...]) -> None:
    """Validate payload files and folders against a standard.

    Exit code 0 when every payload conforms, 1 when some does not (or could not be processed),
    2 on a usage or specification error.
    """
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise click.UsageError(f"no such file or folder: {', '.join(missing)}")
    session = api.session(standard, class_id=class_id, standards_path=standards_path or None,
                          max_bytes=max_bytes)
    stream = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        writer: ResultsJsonWriter | TextWriter
        if output_format == "json":
            writer = ResultsJsonWriter(stream, session.standards, class_id)
        else:
            writer = TextWriter(stream, {s.ref: s for s in session.standards}, lang=lang)
        all_conformant = True
        count = 0
        for result in validate_paths(session, iter_payload_paths(paths, patterns or DEFAULT_PATTERNS),
                                     jobs=jobs):
            count += 1
            all_conformant &= result.verdict is Verdict.CONFORMANT
            writer.write(result)
        writer.close()
    finally:
        if output:
            stream.close()
    if count == 0:
        click.echo("conform: no payloads found (folders are searched for "
                   f"{' '.join(patterns or DEFAULT_PATTERNS)})", err=True)
        raise click.exceptions.Exit(EXIT_USAGE)
    raise click.exceptions.Exit(EXIT_OK if all_conformant else EXIT_NOT_CONFORMANT)
