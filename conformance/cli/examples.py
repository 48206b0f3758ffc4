"""`conform examples ID[@VERSION]`: payloads generated from a bundle, valid or failing one requirement."""

from __future__ import annotations

from pathlib import Path

import click

from conformance import api
from conformance.cli.common import EXIT_NOT_CONFORMANT, say, standards_path_option, tool_errors
from conformance.cli.completion import complete_standard_ref
from conformance.core.errors import UsageError
from conformance.standard.model import CheckKind, MessageType, Standard

_MAX_COUNT = 1000  # generation.MAX_COUNT, written here so that `--help` does not load the generator


@click.command("examples")
@click.argument("ref", metavar="ID[@VERSION]", shell_complete=complete_standard_ref)
@click.option("--message-type", "-m", "message_type", metavar="TYPE",
              help="The message type (default: every message type; with --violate, every one the "
                   "requirement checks).")
@click.option("--count", "-n", type=click.IntRange(1, _MAX_COUNT), default=1, show_default=True,
              help="Distinct payloads per message type.")
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=0, show_default=True,
              help="The same seed writes the same bytes.")
@click.option("--violate", "requirement", metavar="REQ-ID",
              help="Write mutants that fail exactly this requirement and pass every other one.")
@click.option("--out", "-o", "out", type=click.Path(path_type=Path),
              help="Write the payloads into this folder (TYPE-0001.xml, TYPE-REQ-0001.json, ...). "
                   "Without it, one payload is printed.")
@click.option("--budget", "seconds", type=click.FloatRange(0.1, 3600), default=60.0, show_default=True,
              help="Seconds the search may take per message type.")
@standards_path_option
@tool_errors
def examples(ref: str, message_type: str | None, count: int, seed: int, requirement: str | None,
             out: Path | None, seconds: float, standards_path: tuple[str, ...]) -> None:
    """Generate payloads from a standard: valid ones, or mutants failing exactly one requirement.

    Every payload written was judged by the engine: a valid one fails no requirement of its
    message type, a mutant (--violate) fails that requirement and no other. When none can be
    found within the budget, the exit code is 1 and the reason is printed.
    """
    from conformance.generation import GenerationError, mutants, valid_payloads

    standard = api.load_standard(ref, standards_path=standards_path or None)
    chosen = _message_types(standard, message_type, requirement)
    if out is None and (count > 1 or len(chosen) > 1):
        raise UsageError(f"{count * len(chosen)} payloads: give --out DIR to write them")
    written: list[tuple[MessageType, list[bytes]]] = []
    failed = False
    for mt in chosen:
        try:
            if requirement is None:
                made = valid_payloads(standard, mt.id, count=count, seed=seed, seconds=seconds)
            else:
                made = mutants(standard, mt.id, requirement, count=count, seed=seed, seconds=seconds)
        except GenerationError as exc:
            say(f"conform: {mt.id}: {exc}", err=True)
            failed = True
            continue
        if len(made) < count:
            say(f"conform: {mt.id}: found {len(made)} of {count} payloads within the budget", err=True)
            failed = True
        written.append((mt, made))
    for mt, made in written:
        _write(out, mt, requirement, made)
    if failed:
        raise click.exceptions.Exit(EXIT_NOT_CONFORMANT)


def _message_types(standard: Standard, message_type: str | None,
                   requirement: str | None) -> list[MessageType]:
    if requirement is not None and requirement not in standard.requirements:
        raise UsageError(f"--violate {requirement!r}: {standard.ref} has no such requirement")
    checks = standard.requirements[requirement].checks if requirement is not None else ()
    if checks and all(c.kind is CheckKind.CONVERSATION for c in checks):
        # Whatever -m says: no payload of any message type can fail what a conversation judges.
        rules = ", ".join(sorted({f"conversation {c.conversation}, rule {c.rule}" for c in checks}))
        raise UsageError(f"--violate {requirement}: it is judged on exchange logs ({rules}), never on one "
                         "payload: check a recorded exchange with `conform validate LOG-FOLDER`, or test a "
                         "live system with `conform partner`")
    if message_type is not None:
        if message_type not in standard.message_types:
            raise UsageError(f"--message-type {message_type!r}: {standard.ref} has the message types "
                             + ", ".join(standard.message_types))
        return [standard.message_types[message_type]]
    if requirement is None:
        return list(standard.message_types.values())
    checked = {t for check in standard.requirements[requirement].checks for t in check.message_types}
    found = [mt for mt in standard.message_types.values() if mt.id in checked]
    if not found:
        raise UsageError(f"--violate {requirement}: it has no check on any message type, so no payload "
                         "can fail it")
    return found


def _write(out: Path | None, mt: MessageType, requirement: str | None, made: list[bytes]) -> None:
    if out is None:
        click.echo(made[0].decode("utf-8"), nl=False)
        return
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the folder {out}: {exc.strerror or exc}") from None
    suffix = "." + mt.syntax.value
    stem = mt.id if requirement is None else f"{mt.id}-{requirement}"
    for number, data in enumerate(made, start=1):
        target = out / f"{stem}-{number:04d}{suffix}"
        try:
            target.write_bytes(data)
        except OSError as exc:
            raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
        say(f"wrote {target}", err=True)
