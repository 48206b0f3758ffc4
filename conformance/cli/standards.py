"""`conform standards list`, `show ID[@VERSION]`, `example ID[@VERSION]` and `import`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from conformance import api
from conformance.authoring.importer import import_standard, parse_root
from conformance.cli.common import (
    EXIT_USAGE,
    echo_notes,
    say,
    standards_path_option,
    tool_errors,
    within_option,
)
from conformance.cli.completion import complete_standard_ref
from conformance.core.errors import UsageError
from conformance.core.printable import json_text, terminal
from conformance.standard.model import CheckKind, Standard
from conformance.validation.checks import get_check


@click.group()
def standards() -> None:
    """List, inspect and import standards."""


@standards.command("list")
@click.option("--format", "-f", "output_format", type=click.Choice(["text", "json"]), default="text")
@standards_path_option
@tool_errors
def list_(output_format: str, standards_path: tuple[str, ...]) -> None:
    """List every standard bundle found, newest version last."""
    catalog = api.catalog(standards_path or None)
    items = [api.load_standard(f"{b.id}@{b.version}", standards_path=standards_path or None)
             for b in catalog.bundles()]
    if not items:
        # Exit 2: a tool with no standard can do nothing, and a script must not read on.
        say("conform: error: no standards found; searched " + catalog.where()
            + ". Pass --standards-path or set CONFORMANCE_STANDARDS_PATH.", err=True)
        raise click.exceptions.Exit(EXIT_USAGE)
    if output_format == "json":
        click.echo(json_text(json.dumps([_summary(s) for s in items], ensure_ascii=False, indent=2)))
        return
    for s in items:
        labelled = "reference specification" in s.title.en.lower()
        note = " (reference specification)" if s.reference_note and not labelled else ""
        say(f"{s.ref:<40} {s.lifecycle.status.value:<10} {s.title.en}{note}")


def _summary(s: Standard) -> dict[str, Any]:
    return {
        "id": s.id, "version": s.version, "title": s.title.as_dict(),
        "status": s.lifecycle.status.value, "content-hash": s.content_hash,
        "reference-specification": s.reference_note is not None, "folder": str(s.root),
    }


@standards.command("show")
@click.argument("ref", metavar="ID[@VERSION]", shell_complete=complete_standard_ref)
@click.option("--format", "-f", "output_format", type=click.Choice(["text", "json"]), default="text")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en")
@click.option("--codes", is_flag=True, help="Print every value of each code list (default: the first few).")
@click.option("--depth", type=click.IntRange(1, 64), default=12, show_default=True,
              help="How many levels of the document structure to show.")
@standards_path_option
@tool_errors
def show(ref: str, output_format: str, lang: str, codes: bool, depth: int,
         standards_path: tuple[str, ...]) -> None:
    """Show a standard: what a payload needs (recognition, structure, code lists, requirements by field).

    Per message type: the root element and namespace (XML) or the field that names it (JSON), the
    elements and attributes in order with [min..max] and types, the code lists bound to fields, and
    which requirement checks which XPath or JSON pointer. `conform standards example` prints a
    payload to start from.
    """
    from conformance.generation.describe import Limits, as_json, describe_standard, render

    s = api.load_standard(ref, standards_path=standards_path or None)
    described = describe_standard(s, Limits(depth=depth, samples=False))  # samples are for skeletons
    if output_format == "json":
        detail = _detail(s, [as_json(d) for d in described])
        click.echo(json_text(json.dumps(detail, ensure_ascii=False, indent=2)))
        return
    lc = s.lifecycle
    lines = [
        f"{s.ref}  {s.title.get(lang)}",
        f"  {s.description.get(lang)}",
        f"  publisher: {s.publisher.get(lang)}",
    ]
    if s.reference_note:
        lines.append(f"  note: {s.reference_note.get(lang)}")
    lines.append(f"  status: {lc.status.value}; valid {lc.valid_from or '-'} .. {lc.valid_to or '-'}"
                 + (f"; replaced by {lc.replaced_by}" if lc.replaced_by else ""))
    lines.append(f"  content hash: {s.content_hash}")
    lines.append(f"  folder: {s.root}")
    lines.append("message types:")
    for d in described:
        lines.extend(render(d, ref=s.ref, lang=lang, codes=codes))
    lines.append("conformance classes:")
    for c in s.classes.values():
        base = f" builds on {', '.join(c.builds_on)}" if c.builds_on else ""
        lines.append(f"  {c.id}: {c.title.get(lang)} ({len(c.requirements)} requirements){base}")
    lines.append("requirements:")
    for r in s.requirements.values():
        how = ", ".join(_how(c) for c in r.checks)
        lines.append(f"  {r.id} {r.level.value:<6} [{', '.join(r.classes)}] {r.statement.get(lang)}")
        lines.append(f"      {how}")
    if s.code_lists:
        lines.append("code lists:")
        for cl in s.code_lists.values():
            lines.append(f"  {cl.id} version {cl.version} ({cl.date}), {len(cl.codes)} codes")
    for line in lines:  # each line of ours is one terminal line, whatever the bundle holds
        say(line)


def _how(check: Any) -> str:
    types = "/".join(check.message_types)
    if check.kind is CheckKind.SCHEMA:
        return f"schema ({types})"
    if check.kind is CheckKind.RULE:
        return f"rule {check.rule} ({types})"
    if check.kind is CheckKind.CONVERSATION:
        return f"conversation {check.conversation} rule {check.rule} (exchange logs)"
    title = get_check(check.name).title.en
    return f"check {check.name} [{title}] on {check.target} ({types})"


def _detail(s: Standard, message_types: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        **_summary(s),
        "description": s.description.as_dict(),
        "publisher": s.publisher.as_dict(),
        "note": s.reference_note.as_dict() if s.reference_note else None,
        "lifecycle": {
            "status": s.lifecycle.status.value,
            "valid-from": s.lifecycle.valid_from.isoformat() if s.lifecycle.valid_from else None,
            "valid-to": s.lifecycle.valid_to.isoformat() if s.lifecycle.valid_to else None,
            "replaced-by": s.lifecycle.replaced_by,
        },
        "message-types": message_types,
        "conformance-classes": [
            {"id": c.id, "title": c.title.as_dict(), "builds-on": list(c.builds_on),
             "requirements": list(c.requirements)}
            for c in s.classes.values()
        ],
        "requirements": [
            {"id": r.id, "uri": r.uri, "level": r.level.value, "statement": r.statement.as_dict(),
             "classes": list(r.classes), "checks": [_how(c) for c in r.checks]}
            for r in s.requirements.values()
        ],
        "code-lists": [
            {"id": cl.id, "version": cl.version, "date": cl.date.isoformat(), "codes": len(cl.codes)}
            for cl in s.code_lists.values()
        ],
    }


@standards.command("import")
@click.argument("artefacts", nargs=-1, required=True, metavar="ARTEFACT...",
                type=click.Path(exists=True, path_type=Path))
@click.option("--id", "standard_id", required=True, metavar="ID", help="Id of the new standard.")
@click.option("--version", "version", required=True, metavar="X.Y.Z",
              help="Semantic version of the new standard.")
@click.option("--out", "-o", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Standards folder: the bundle is written to OUT/ID/VERSION.")
@click.option("--title", help="Title of the standard (default: 'ID VERSION (imported)').")
@click.option("--phase", metavar="PHASE",
              help="Schematron phase to import and run (default: the rule set's default phase).")
@click.option("--root", "roots", multiple=True, metavar="{NS}NAME",
              help="Document element of a message type (repeatable). Default: the XSD's global "
                   "elements, else the roots named by absolute Schematron rule contexts.")
@within_option
@click.option("--force", is_flag=True, help="Replace an existing bundle of that id and version.")
@tool_errors
def import_(artefacts: tuple[Path, ...], standard_id: str, version: str, out: Path,
            title: str | None, phase: str | None, roots: tuple[str, ...], within: Path | None,
            force: bool) -> None:
    """Build a draft standard bundle from a Schematron rule set, an XSD, or a folder of them.

    The artefacts (with the files they include) are copied into OUT/ID/VERSION beside a generated
    standard.yaml: one requirement per Schematron assertion id, one for XSD validity, one
    conformance class `all`. Review and edit the manifest before use.
    """
    folder, plan = import_standard(
        list(artefacts), out=out, standard_id=standard_id, version=version, title=title,
        phase=phase, roots=[parse_root(r) for r in roots], force=force, within=within)
    for warning in plan.warnings:
        say(f"conform: warning: {warning}", err=True)
    echo_notes(plan.notes, more="comments in standard.yaml")
    say(f"imported {plan.standard_id}@{plan.version} into {folder}: {plan.requirements} "
               f"requirements, message types {', '.join(plan.message_types)}, "
               f"{len(plan.files)} artefact file(s); status draft: review {folder / 'standard.yaml'}")


@standards.command("example")
@click.argument("ref", metavar="ID[@VERSION]", shell_complete=complete_standard_ref)
@click.option("--message-type", "-m", "message_type", metavar="TYPE",
              help="The message type (default: every message type of the standard, one after "
                   "another).")
@click.option("--out", "-o", "out", type=click.Path(path_type=Path),
              help="Write to this file (with several message types: this folder, one TYPE.xml/.json each).")
@click.option("--skeleton", is_flag=True,
              help="Generate from the schema even when the bundle declares an example.")
@standards_path_option
@tool_errors
def example(ref: str, message_type: str | None, out: Path | None, skeleton: bool,
            standards_path: tuple[str, ...]) -> None:
    """Print a minimal payload of each message type, to start a payload from.

    The example the bundle declares (standard.yaml `examples:`), which passes `conform validate`;
    for a bundle that declares none, a skeleton generated from the schema: required elements in
    order, required attributes, first code-list values. A skeleton may not pass the business rules
    (a note on standard error says so).
    """
    from conformance.generation import examples

    s = api.load_standard(ref, standards_path=standards_path or None)
    if message_type is not None and message_type not in s.message_types:
        raise UsageError(f"--message-type {message_type!r}: {s.ref} has the message types "
                         + ", ".join(s.message_types))
    chosen = [s.message_types[message_type]] if message_type else list(s.message_types.values())
    made = [examples.skeleton(s, mt) if skeleton else examples.example_payload(s, mt) for mt in chosen]
    for item in made:
        origin = (f"the example the bundle declares ({item.declared})" if item.declared
                  else "no example declared" if not skeleton else "a skeleton, as asked")
        say(f"conform: note: {item.message_type}: {origin}", err=True)
        for note in item.notes:
            say(f"conform: note: {item.message_type}: {note}", err=True)
    if out is not None and len(made) > 1:
        _write_folder(out, made)
    elif out is not None:
        _write(out, made[0].data)
        say(f"wrote {out}", err=True)
    else:
        for item in made:
            _print_payload(item.data)


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def _write_folder(folder: Path, made: list[Any]) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the folder {folder}: {exc.strerror or exc}") from None
    for item in made:
        target = folder / f"{item.message_type}{item.suffix}"
        _write(target, item.data)
        say(f"wrote {target}", err=True)


def _print_payload(data: bytes) -> None:
    """The payload as its bytes; on a terminal, every line escaped (a bundle is third-party data)."""
    if sys.stdout.isatty():
        text = data.decode("utf-8", "replace")
        click.echo("\n".join(terminal(line) for line in text.split("\n")).rstrip("\n"))
        return
    sys.stdout.flush()
    sys.stdout.buffer.write(data if data.endswith(b"\n") else data + b"\n")
    sys.stdout.buffer.flush()
