"""Shell completion of standard references and conformance classes (click's completion protocol).

Completion runs on every Tab press, so it stays cheap: standard references come from the catalog's
folder listing (no bundle is loaded), classes from the `conformance-classes` ids of one manifest read
with the project's bounded YAML loader (no manifest schema, no engine). It never raises: a broken or
hostile bundle completes nothing, and only values made of plain characters are offered, since the
shell protocol is one value a line and a folder name or class id holding a newline or a quote would
forge completions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click
from click.shell_completion import CompletionItem

# What a completion may offer: ids, versions and class ids as the manifest schema spells them.
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,127}")
# The parameter names that hold a standard reference in our commands (`--standard`, `STANDARD`,
# `standards show ID`).
_STANDARD_PARAMS = ("standard", "ref")
_TITLE_MAX = 80


def complete_standard_ref(ctx: click.Context, param: click.Parameter,
                          incomplete: str) -> list[CompletionItem]:
    """Standard ids and `ID@VERSION` references starting with `incomplete`."""
    try:
        refs = _standard_refs(_standards_path(ctx))
    except Exception:  # completion must never print a traceback into the shell
        return []
    return [CompletionItem(ref) for ref in refs if ref.startswith(incomplete)]


def complete_class(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The conformance classes of the standard named earlier on the line (or of the only one)."""
    try:
        folder = _bundle_folder(ctx)
        classes = _classes(folder) if folder is not None else []
    except Exception:  # a broken bundle completes nothing
        return []
    return [CompletionItem(class_id, help=title) for class_id, title in classes
            if class_id.startswith(incomplete)]


def _standards_path(ctx: click.Context) -> tuple[str, ...]:
    """`--standards-path` values already on the command line (click parses them before completing)."""
    value = ctx.params.get("standards_path")
    if isinstance(value, (tuple, list)):
        return tuple(str(v) for v in value)
    return ()


def _catalog(standards_path: tuple[str, ...]) -> Any:
    from conformance.standard.catalog import Catalog  # only when completing

    return Catalog([Path(p) for p in standards_path] if standards_path else None)


def _standard_refs(standards_path: tuple[str, ...]) -> list[str]:
    """Every id (once) followed by its `ID@VERSION` references, in catalog order."""
    refs: list[str] = []
    for bundle in _catalog(standards_path).bundles():
        if not (_PLAIN.fullmatch(bundle.id) and _PLAIN.fullmatch(bundle.version)):
            continue
        if bundle.id not in refs:
            refs.append(bundle.id)
        refs.append(f"{bundle.id}@{bundle.version}")
    # Ids first, so that a bare Tab offers the short forms before the versioned ones.
    return [r for r in refs if "@" not in r] + [r for r in refs if "@" in r]


def _bundle_folder(ctx: click.Context) -> Path | None:
    """The bundle of the standard named on the line; with none named, the only bundle there is."""
    catalog = _catalog(_standards_path(ctx))
    ref = next((ctx.params[name] for name in _STANDARD_PARAMS if isinstance(ctx.params.get(name), str)),
               None) or _positional_ref(ctx)
    if ref:
        folder: Path = catalog.resolve(ref).folder
        return folder
    bundles = catalog.bundles()
    ids = {b.id for b in bundles}
    return bundles[-1].folder if len(ids) == 1 else None


def _positional_ref(ctx: click.Context) -> str | None:
    """A `STANDARD` argument not parsed yet: while an option's value is completed, click leaves the
    positional words it has seen in `ctx.args` (`conform generate ID --class <Tab>`)."""
    first = next((p for p in ctx.command.params if isinstance(p, click.Argument)), None)
    if first is None or first.name not in _STANDARD_PARAMS:
        return None
    words = [a for a in ctx.args if not a.startswith("-")]
    return words[0] if words else None


def _classes(folder: Path) -> list[tuple[str, str | None]]:
    """(id, English title) of each conformance class in the bundle's manifest."""
    from conformance.core.yamlload import read_yaml
    from conformance.standard.model import BUNDLE_MANIFEST

    manifest = read_yaml(folder / BUNDLE_MANIFEST)
    entries = manifest.get("conformance-classes") if isinstance(manifest, dict) else None
    return [(entry["id"], _title(entry.get("title"))) for entry in _mappings(entries)
            if isinstance(entry.get("id"), str) and _PLAIN.fullmatch(entry["id"])]


def _mappings(value: object) -> Iterable[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _title(title: object) -> str | None:
    """A one-line, printable title for shells that show help beside a completion (zsh, fish)."""
    text = title.get("en") if isinstance(title, dict) else title
    if not isinstance(text, str):
        return None
    line = " ".join("".join(c if c.isprintable() else " " for c in text[: _TITLE_MAX * 2]).split())
    return line[:_TITLE_MAX] or None
