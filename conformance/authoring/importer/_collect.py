"""From the paths given to an import to entry files: rule sets and XSDs, with what they include.

A file given by name must be a Schematron schema or an XSD. A folder is walked (sorted, hidden
entries skipped) for `*.sch` and `*.xsd`; its entry files are those no other file includes. What a
file includes must stay inside the folder given (for a file given by name, the folder that holds
it), symlinks followed: nothing outside what the user named is read or copied into the bundle.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from conformance.core.errors import SpecError, UsageError
from conformance.validation.schematron import RuleSetOutline, outline_schematron

from ._files import check_inside, local_reference, parse, read_file
from ._xsd import SchemaSet, is_xsd, load_schema_set

SCH_NS = "http://purl.oclc.org/dsdl/schematron"
_SCH_SCHEMA = f"{{{SCH_NS}}}schema"
_SCH_REFERENCES = (f"{{{SCH_NS}}}include", f"{{{SCH_NS}}}extends")
# Schematron 1.5 (pre-ISO): a different language we do not run.
_OLD_SCH_NS = "http://www.ascc.net/xml/schematron"
_SUFFIXES = (".sch", ".xsd")


@dataclass(slots=True)
class Artefacts:
    """What an import found: entry rule sets and XSDs, every file's bytes, and warnings."""

    rule_sets: list[RuleSetOutline] = field(default_factory=list)
    schema_sets: list[SchemaSet] = field(default_factory=list)
    contents: dict[Path, bytes] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Candidate:
    path: Path
    kind: str  # "schematron" | "fragment" (Schematron, not a schema) | "xsd"
    boundary: Path
    named: bool  # given by name rather than found in a folder


def collect(paths: Sequence[Path], *, phase: str | None, within: Path | None = None) -> Artefacts:
    """Find and read the entry files among `paths` (files and folders).

    A file given by name may include files up to `within` (default: its own folder): a published
    profile's entry file often includes a sibling folder's file (XRechnung's `ubl/X.sch` includes
    `../common.sch`), and importing the whole folder would mix its UBL and CII rule sets.
    """
    bound = Path(os.path.abspath(within)) if within is not None else None
    if bound is not None and not bound.is_dir():
        raise UsageError(f"--within {within}: not a folder")
    candidates: dict[Path, _Candidate] = {}
    for given in paths:
        path = Path(os.path.abspath(given))
        if path.is_dir():
            for file in _walk(path):
                # A symlink in the folder may point anywhere: checked before it is opened.
                check_inside(file, path, str(file))
                kind = _kind(file, named=False)
                if kind is not None and file not in candidates:
                    candidates[file] = _Candidate(file, kind, path, named=False)
        elif path.exists():
            kind = _kind(path, named=True)
            assert kind is not None
            # The file's own folder bounds what it includes, as a folder given by name would;
            # `within` widens that for every file given by name, and must hold them.
            boundary = path.parent
            if bound is not None:
                check_inside(path, bound, str(path))
                boundary = bound
            candidates.setdefault(path, _Candidate(path, kind, boundary, named=True))
        else:
            raise UsageError(f"no such file or folder: {given}")
    found = Artefacts()
    ordered = sorted(candidates.values(), key=lambda c: c.path)
    _rule_sets([c for c in ordered if c.kind != "xsd"], phase, found)
    _schema_sets([c for c in ordered if c.kind == "xsd"], found)
    if not found.rule_sets and not found.schema_sets:
        raise UsageError("no Schematron schema or XSD found in " + ", ".join(map(str, paths)))
    return found


def _walk(folder: Path) -> list[Path]:
    files: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        files.extend(Path(dirpath) / n for n in sorted(filenames)
                     if not n.startswith(".") and n.lower().endswith(_SUFFIXES))
    return sorted(files)


def _kind(path: Path, *, named: bool) -> str | None:
    """What a file is, from its root element; None for a folder's file that is neither."""
    root = parse(read_file(path), path)
    namespace = etree.QName(root).namespace
    if root.tag == _SCH_SCHEMA:
        return "schematron"
    if namespace == SCH_NS:
        return "fragment"
    if is_xsd(root):
        return "xsd"
    if namespace == _OLD_SCH_NS:
        raise SpecError("Schematron 1.5 (namespace http://www.ascc.net/xml/schematron) is not "
                        "supported; convert the rule set to ISO Schematron", location=str(path))
    if named:
        raise SpecError(f"neither an ISO Schematron schema nor an XML Schema (root element "
                        f"{root.tag})", location=str(path))
    return None


def _rule_sets(candidates: list[_Candidate], phase: str | None, found: Artefacts) -> None:
    outlines: dict[Path, RuleSetOutline] = {}
    failures: dict[Path, SpecError] = {}
    for c in candidates:
        if c.kind != "schematron":
            continue
        try:
            _check_includes(c.path, c.boundary)
            outlines[c.path] = outline_schematron(c.path, phase=phase, root=c.boundary)
        except SpecError as exc:
            # A schema that another one includes may not stand alone: decided below.
            failures[c.path] = exc
    included = {f for path, o in outlines.items() for f in o.files if f != path}
    for c in candidates:
        if c.path in included:
            continue
        if c.path in failures:
            raise failures[c.path]
        if c.kind == "fragment":
            message = (f"{c.path} is a Schematron fragment (not a schema) that no rule set includes; "
                       "import the schema that includes it")
            if c.named:
                raise SpecError(message)
            found.warnings.append(message + "; ignored")
            continue
        outline = outlines[c.path]
        for file in outline.files:
            found.contents[file] = read_file(file)
        found.rule_sets.append(outline)


def _check_includes(entry: Path, boundary: Path) -> None:
    """Check every include before the Schematron loader reads it.

    The loader accepts any local path; a bundle needs relative ones it can carry along, and a
    file outside them is not even opened.
    """
    pending, seen = [entry], {entry}
    while pending:
        file = pending.pop()
        for node in parse(read_file(file), file).iter(*_SCH_REFERENCES):
            href = (node.get("href") or "").strip().partition("#")[0]
            if not href:
                continue
            where = f"{file}:{node.sourceline}"
            target = local_reference(href, file, where, boundary=boundary)
            if not target.is_file():
                raise SpecError(f"broken include: {href!r} does not exist ({target})", location=where)
            if target not in seen:
                seen.add(target)
                pending.append(target)


def _schema_sets(candidates: list[_Candidate], found: Artefacts) -> None:
    sets = {c.path: load_schema_set(c.path, boundary=c.boundary) for c in candidates}
    included = {f for path, s in sets.items() for f in s.files if f != path}
    for path, schema_set in sets.items():
        if path in included:
            continue
        found.contents.update(schema_set.contents)
        found.schema_sets.append(schema_set)
