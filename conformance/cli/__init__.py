"""Layer 11: the `conform` command. Exit codes: 0 all conformant, 1 some payload not, 2 usage/spec.

The commands are imported only when one is run (issue 10 §2): `conform --version` and
`conform --help` must not pay for the engine, the certificate code or pytest, since users call the
tool in loops and from editors. `COMMANDS` holds the one-line help shown by `conform --help`;
tests/cli/test_startup.py checks it against each command's own help, so the two cannot drift.
"""

from __future__ import annotations

import importlib
import sys

import click

from conformance._version import __version__
from conformance.core.errors import ConformanceError

# name -> (module, attribute, the short help `conform --help` prints)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "certificate": ("conformance.cli.certify", "certificate",
                    "Signed conformance certificates: issue, verify, revoke, refresh, render."),
    "examples": ("conformance.cli.examples", "examples", "Generate payloads from a standard: valid "
                 "ones, or mutants failing exactly one requirement."),
    "exchange": ("conformance.cli.exchanges", "exchange",
                 "Exchange logs of conversations: import a HAR capture as a log."),
    "generate": ("conformance.cli.generate", "generate",
                 "Generate a readable pytest suite for a standard and conformance class."),
    "keys": ("conformance.cli.certify", "keys", "Issuer keys (Ed25519) for signing certificates."),
    "partner": ("conformance.cli.partner", "partner",
                "Play a role of a conversation against a live system under test and grade the exchange."),
    "run": ("conformance.cli.run", "run",
            "Generate the suite, run it on the payloads and write every report, in one command."),
    "standards": ("conformance.cli.standards", "standards", "List, inspect and import standards."),
    "validate": ("conformance.cli.validate", "validate",
                 "Validate payload files and folders against a standard."),
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use; `--help` lists them from `COMMANDS`."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module, attribute, _ = entry
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Without importing every command: the short help comes from the table.
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="conform")
def cli() -> None:
    """Conformance testing of e-government message standards."""


def main() -> None:
    """Console entry point: tool errors become one clear line and exit code 2, never a traceback."""
    try:
        cli.main(prog_name="conform", standalone_mode=True)
    except ConformanceError as exc:  # pragma: no cover - commands catch their own
        click.echo(f"conform: error: {exc}", err=True)
        sys.exit(2)
