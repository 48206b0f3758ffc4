"""Building a standard bundle from existing artefacts: a Schematron rule set, an XSD, or a folder.

`plan_import` reads the artefacts and makes the manifest text (nothing is written);
`write_bundle` writes `OUT/ID/VERSION/` (artefacts copied with their layout, plus `standard.yaml`)
through a staging folder, checks that the bundle loads and compiles, then moves it into place;
`temporary_standard` does the same in a temporary folder for ad-hoc validation.
See `_manifest.py` for how assertions become requirements.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from conformance.core.errors import ConformanceError, SpecError, UsageError
from conformance.standard.bundle import resolve_inside
from conformance.standard.manifest import load_standard
from conformance.standard.model import BUNDLE_MANIFEST, Standard
from conformance.validation.validator import MessageTypeValidator

from ._collect import collect
from ._files import layout
from ._manifest import CLASS_ID, ManifestInput, Root, build_manifest, identifier

__all__ = ["CLASS_ID", "ImportPlan", "Root", "import_standard", "parse_root", "plan_import",
           "temporary_standard", "write_bundle"]

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9._-]*$")
_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$")
_ROOT = re.compile(r"^(?:\{([^{}]*)\})?([^\s{}:/]+)$")
ADHOC_VERSION = "0.0.0-adhoc"


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """What an import will write: the manifest text and every artefact by its bundle path."""

    standard_id: str
    version: str
    manifest: str
    files: Mapping[str, bytes]
    requirements: int
    message_types: tuple[str, ...]
    # Derived or rewritten ids, defaulted levels, shared ids: also comments in the manifest.
    notes: tuple[str, ...]
    # A message type without a schema; files of an imported folder that nothing uses.
    warnings: tuple[str, ...]
    # Bundle path -> the file it was read from: errors found in the written bundle name the latter.
    sources: Mapping[str, Path] = field(default_factory=dict)


def parse_root(text: str) -> Root:
    """`{namespace}Name` (or `Name` for no namespace) as a Root."""
    match = _ROOT.match(text.strip())
    if not match:
        raise UsageError(f"--root {text!r}: expected '{{namespace}}Name' or 'Name'")
    return Root(match.group(1) or "", match.group(2))


def plan_import(
    artefacts: Sequence[Path],
    *,
    standard_id: str,
    version: str,
    title: str | None = None,
    phase: str | None = None,
    roots: Sequence[Root] = (),
    within: Path | None = None,
) -> ImportPlan:
    """Read `artefacts` (Schematron schemas, XSDs, folders of them) and make the bundle's content.

    `within`: the folder that bounds what files given by name may include (default: their own)."""
    if not _IDENTIFIER.match(standard_id):
        raise UsageError(f"--id {standard_id!r}: an id is ASCII letters, digits, '.', '_' and '-', "
                         "starting with a letter")
    if not _SEMVER.match(version):
        raise UsageError(f"--version {version!r}: expected a semantic version such as 1.0.0")
    if title is not None and not title.strip():
        raise UsageError("--title must not be empty")
    found = collect(artefacts, phase=phase, within=within)
    if phase is not None and not found.rule_sets:
        raise UsageError("--phase selects patterns of a Schematron rule set, and there is none")
    rules = layout((f for rs in found.rule_sets for f in rs.files), "rules")
    schemas = layout((f for s in found.schema_sets for f in s.files), "schemas")
    bundle_path = {**rules, **schemas}
    manifest = build_manifest(ManifestInput(
        standard_id=standard_id, version=version, title=title.strip() if title else None,
        phase=phase, rule_sets=found.rule_sets, schema_sets=found.schema_sets, roots=roots,
        bundle_path=bundle_path,
    ))
    return ImportPlan(
        standard_id=standard_id,
        version=version,
        manifest=manifest.text,
        files={bundle_path[p]: found.contents[p] for p in sorted(bundle_path)},
        requirements=manifest.requirements,
        message_types=manifest.message_types,
        notes=manifest.notes,
        warnings=(*manifest.warnings, *found.warnings),
        sources={bundle_path[p]: p for p in sorted(bundle_path)},
    )


def write_bundle(plan: ImportPlan, out: Path, *, force: bool = False, verify: bool = True) -> Path:
    """Write the bundle to `out/ID/VERSION`; refuse to replace one unless `force`."""
    target = Path(out) / plan.standard_id / plan.version
    if target.exists() or target.is_symlink():
        if not force:
            raise UsageError(f"{target} already exists; pass --force to replace it")
        if not target.is_dir() or target.is_symlink() or (
            any(target.iterdir()) and not (target / BUNDLE_MANIFEST).is_file()
        ):
            raise UsageError(f"{target} exists and is not a standard bundle; not replaced")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{plan.version}.import-", dir=target.parent))
    except OSError as exc:
        raise UsageError(f"cannot write to {target.parent}: {exc.strerror or exc}") from exc
    try:
        _write(plan, staging)
        if verify:
            _verify(staging, plan)
        if target.exists():
            # Moved aside rather than deleted first: the old bundle survives a failed move.
            old = staging.with_name(staging.name + ".old")
            os.replace(target, old)
            os.replace(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, target)
    except OSError as exc:
        raise UsageError(f"cannot write the bundle {target}: {exc.strerror or exc}") from exc
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _write(plan: ImportPlan, folder: Path) -> None:
    for relative, data in plan.files.items():
        # The layout keeps every path below rules/ or schemas/; checked all the same.
        path = resolve_inside(folder, relative, where=f"{folder / BUNDLE_MANIFEST}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (folder / BUNDLE_MANIFEST).write_text(plan.manifest, encoding="utf-8")


def _verify(folder: Path, plan: ImportPlan) -> None:
    """Load the written bundle and compile each message type, as `conform validate` will."""
    try:
        standard = load_standard(folder)
        for message_type in standard.message_types.values():
            MessageTypeValidator(standard, message_type)
    except ConformanceError as exc:
        raise SpecError(f"the imported bundle does not work: {_as_sources(str(exc), folder, plan)}") from exc


def _as_sources(text: str, folder: Path, plan: ImportPlan) -> str:
    """`text` with each file of the staging folder named as the file the user gave: the staging
    folder is removed when the import fails, and its name (`.1.0.0.import-x1y2`) tells nothing."""
    for staged in dict.fromkeys((folder, folder.resolve())):
        # Longest paths first, so that `rules/a.sch` is not cut by a shorter bundle path.
        for relative in sorted(plan.sources, key=len, reverse=True):
            text = text.replace(str(staged / relative), str(plan.sources[relative]))
        text = text.replace(str(staged / BUNDLE_MANIFEST), f"the generated {BUNDLE_MANIFEST}")
    return text


def import_standard(
    artefacts: Sequence[Path],
    *,
    out: Path,
    standard_id: str,
    version: str,
    title: str | None = None,
    phase: str | None = None,
    roots: Sequence[Root] = (),
    force: bool = False,
    within: Path | None = None,
) -> tuple[Path, ImportPlan]:
    """Import `artefacts` into the bundle folder `out/ID/VERSION`; returns it and the plan."""
    plan = plan_import(artefacts, standard_id=standard_id, version=version, title=title,
                       phase=phase, roots=roots, within=within)
    return write_bundle(plan, out, force=force), plan


@contextmanager
def temporary_standard(
    artefacts: Sequence[Path], *, phase: str | None = None, roots: Sequence[Root] = (),
    within: Path | None = None,
) -> Iterator[tuple[Standard, ImportPlan]]:
    """A standard imported into a temporary folder, removed on exit (ad-hoc validation).

    A folder rather than memory: worker processes of a parallel run load standards from disk.
    """
    stem = Path(artefacts[0]).stem if artefacts else "adhoc"
    plan = plan_import(artefacts, standard_id=identifier(stem, prefix="adhoc"),
                       version=ADHOC_VERSION, phase=phase, roots=roots, within=within)
    with tempfile.TemporaryDirectory(prefix="conform-adhoc-") as tmp:
        # Compiling happens in the session that uses the standard: no second compile here.
        folder = write_bundle(plan, Path(tmp), verify=False)
        yield load_standard(folder), plan
