"""`conform exchange import-har`: exchange logs (EXCHANGE-LOG.md) made from what others recorded."""

from __future__ import annotations

from pathlib import Path

import click

from conformance.cli.common import say, tool_errors
from conformance.core.errors import UsageError


@click.group()
def exchange() -> None:
    """Exchange logs of conversations: import a HAR capture as a log."""


def _roles(values: tuple[str, ...]) -> dict[str, str]:
    roles: dict[str, str] = {}
    for value in values:
        role, sep, prefix = value.partition("=")
        if not sep or not role or not prefix:
            raise UsageError(f"--role {value[:80]!r} is not ROLE=URLPREFIX (lead=http://127.0.0.1:8401/)")
        if role in roles:
            raise UsageError(f"--role {role!r} is given twice")
        roles[role] = prefix
    return roles


@exchange.command("import-har")
@click.argument("har", metavar="FILE.har", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="The new log folder (must not exist, or be empty).")
@click.option("--standard", required=True, metavar="ID@VERSION", help="The standard of the conversation.")
@click.option("--conversation", required=True, metavar="ID", help="The conversation id in that standard.")
@click.option("--sut", "system_under_test", required=True, metavar="ROLE",
              help="The role of the system under test (one of the two --role).")
@click.option("--role", "roles", multiple=True, required=True, metavar="ROLE=URLPREFIX",
              help="A role and the URL prefix of its inbox; twice, once per role. An entry whose request "
                   "URL starts with the prefix is a message to that role from the other one.")
@tool_errors
def import_har(har: Path, out: Path, standard: str, conversation: str, system_under_test: str,
               roles: tuple[str, ...]) -> None:
    """Make an exchange log of the request bodies of a HAR file (browser or proxy capture).

    Times come from each entry's startedDateTime, which must carry a zone; method, URL, status and
    request headers become the transport of each event (Authorization and Cookie are not copied).
    Entries to no role's prefix, and requests without a body, are skipped and counted.
    """
    from conformance.conversations.har import import_har as run_import

    done = run_import(har, out, standard=standard, conversation=conversation,
                      system_under_test=system_under_test, roles=_roles(roles))
    say(f"imported {done.imported} messages into {out}")
    if done.skipped:
        say(f"skipped {done.skipped} entries whose URL starts with no role's prefix")
    if done.without_body:
        say(f"skipped {done.without_body} requests to a role without a body")
    say(f"content hash: {done.log.content_hash}")
