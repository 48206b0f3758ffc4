"""Layer 11: the `conform` command. Exit codes: 0 all conformant, 1 some payload not, 2 usage/spec."""

from __future__ import annotations

import sys

import click

from conformance._version import __version__
from conformance.cli.certify import certificate, keys
from conformance.cli.generate import generate
from conformance.cli.run import run
from conformance.cli.standards import standards
from conformance.cli.validate import validate
from conformance.core.errors import ConformanceError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="conform")
def cli() -> None:
    """Conformance testing of e-government message standards."""


cli.add_command(validate)
cli.add_command(standards)
cli.add_command(generate)
cli.add_command(run)
cli.add_command(keys)
cli.add_command(certificate)


def main() -> None:
    """Console entry point: tool errors become one clear line and exit code 2, never a traceback."""
    try:
        cli.main(prog_name="conform", standalone_mode=True)
    except ConformanceError as exc:  # pragma: no cover - commands catch their own
        click.echo(f"conform: error: {exc}", err=True)
        sys.exit(2)
