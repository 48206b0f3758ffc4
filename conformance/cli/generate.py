"""`conform generate STANDARD[@VERSION] --out DIR`

Jinja2 and the engine are imported when the command runs: shell completion loads this module.
"""

from __future__ import annotations

from pathlib import Path

import click

from conformance.cli.common import say, standards_path_option, tool_errors
from conformance.cli.completion import complete_class, complete_standard_ref


@click.command()
@click.argument("standard", metavar="STANDARD[@VERSION]", shell_complete=complete_standard_ref)
@click.option("--class", "-c", "class_id", metavar="CLASS", shell_complete=complete_class,
              help="Conformance class (default: the standard's default class).")
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the suite (created; an existing suite there is replaced whole; a folder "
                   "of other files is refused).")
@click.option("--payloads", "-p", "payloads", multiple=True, metavar="PATH",
              help="Bind these payloads (file, folder, glob or manifest) in the suite's pytest.ini.")
@standards_path_option
@tool_errors
def generate(standard: str, class_id: str | None, out: Path, payloads: tuple[str, ...],
             standards_path: tuple[str, ...]) -> None:
    """Generate a readable pytest suite for a standard and conformance class.

    Run it with `pytest DIR --conformance-payloads PATH` (a folder, glob or manifest), or bind
    the payloads now with --payloads and run plain `pytest DIR`.
    """
    from conformance import api
    from conformance.runs import SUITE_MANIFEST
    from conformance.runs.orchestrate import output_folder
    from conformance.runs.suite import generate_suite

    loaded = api.load_standard(standard, standards_path=standards_path or None)
    # Generated beside OUT and swapped in whole: a concurrent `generate` is refused, an existing
    # suite is replaced without leaving old modules beside new ones, other files are never touched.
    with output_folder(out, what="`conform generate`", marks=(SUITE_MANIFEST,)) as folder:
        suite = generate_suite(loaded, class_id, folder.path, payloads=payloads)
        folder.commit()
    say(f"generated {len(suite.files) - 1} test module(s) for {suite.standard_ref}, "
               f"class {suite.class_id}, in {out}")
    say(f"suite hash {suite.hash}")
