"""Generating a readable pytest suite from one standard version, and checking one before a run.

The suite is a folder: a `pytest.ini` (the folder is the rootdir, so test ids are the same on
every machine), one module per conformance class holding a test per requirement the class adds,
and `conformance-suite.json`, which names the standard bundle (with its content hash), the folder it
was generated from, and the hash of every generated file. Rendering is deterministic: the same bundle,
tool version and output folder give byte-identical files, hence the same suite hash.

The bundle's folder is recorded so that plain `pytest SUITE` finds a bundle that no default place
holds (an imported one): relative to the suite when both sit under one folder below the filesystem
root (a project tree moves, is cloned or checked into CI whole, and the suite stays the same bytes
on every machine), absolute otherwise; a standard shipped with the tool is not recorded at all,
since every installation finds it and its install path differs between machines. The folder is not
part of the suite hash (the hash covers what runs: the modules and `pytest.ini`).
"""

from __future__ import annotations

import json
import keyword
import os
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from conformance._version import __version__
from conformance.core.digests import sha256_digest
from conformance.core.errors import UsageError
from conformance.runs import SUITE_MANIFEST
from conformance.standard.catalog import bundled_roots
from conformance.standard.model import ConformanceClass, Standard

FORMAT = "egov-conformance/suite"
FORMAT_VERSION = "1.1"  # 1.1: the standard's "folder", where the suite was generated from
_PATH_MAX = 4096  # a recorded bundle folder longer than PATH_MAX names nothing on Linux


@dataclass(frozen=True, slots=True)
class Suite:
    """A generated suite as its manifest describes it."""

    folder: Path
    standard_id: str
    standard_version: str
    content_hash: str
    class_id: str
    files: dict[str, str]
    hash: str
    standard_folder: str | None = None  # as recorded: relative to the suite, absolute, or None

    @property
    def standard_ref(self) -> str:
        return f"{self.standard_id}@{self.standard_version}"

    @property
    def bundle_folder(self) -> Path | None:
        """The folder of the bundle the suite was generated from, when recorded (it may be gone)."""
        if self.standard_folder is None:
            return None
        recorded = Path(self.standard_folder)
        # Lexically normalised (no `suite/..` in messages); symlinks are left as the user made them.
        return recorded if recorded.is_absolute() else Path(os.path.normpath(self.folder / recorded))


def recorded_folder(standard_root: Path, suite_folder: Path) -> str | None:
    """How the suite's manifest names the bundle's folder (see the module docstring); POSIX separators."""
    root = standard_root.resolve()
    if any(root.is_relative_to(shipped.resolve()) for shipped in bundled_roots()):
        return None
    suite = suite_folder.resolve()
    common = Path(os.path.commonpath([root, suite])) if root.anchor == suite.anchor else None
    if common is None or common == Path(common.anchor):
        return root.as_posix()
    return Path(os.path.relpath(root, suite)).as_posix()


def _snake(text: str) -> str:
    name = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()
    return name if name and not name[0].isdigit() else f"_{name}"


def module_name(standard: Standard, class_id: str) -> str:
    return f"test_{_snake(standard.id)}_{_snake(class_id)}.py"


def _doc(text: str) -> str:
    """Text safe inside a triple-quoted docstring, on one line."""
    return " ".join(text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').split())


def _py(value: str) -> str:
    """A Python string literal (a JSON string is one), double-quoted as our own code is."""
    return json.dumps(value, ensure_ascii=False)


def _test_name(requirement_id: str) -> str:
    name = f"test_{_snake(requirement_id)}"
    return f"{name}_" if keyword.iskeyword(name) else name


def _classes_for(standard: Standard, class_id: str) -> list[ConformanceClass]:
    """The class and every class it builds on, bases first, in a stable order."""
    ordered: list[ConformanceClass] = []

    def visit(cid: str) -> None:
        klass = standard.classes[cid]
        for base in klass.builds_on:
            visit(base)
        if klass not in ordered:
            ordered.append(klass)

    visit(class_id)
    return ordered


def _environment(standard: Standard) -> jinja2.Environment:
    # Python source, not HTML: nothing is escaped by Jinja; every value reaches the code through
    # the `py` (a Python literal) or `doc` (docstring-safe text) filters.
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("conformance.runs", "templates"),
        autoescape=False,  # noqa: S701 - generates Python; values go through `py`/`doc`
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(shell=shlex.quote, py=_py, doc=_doc, test_name=_test_name,
                       module_of=lambda cid: module_name(standard, cid))
    return env


def sha256_text(text: str) -> str:
    return sha256_digest(text.encode("utf-8"))


def suite_hash(files: dict[str, str]) -> str:
    """The suite's own hash: over the sorted names and hashes of its files."""
    listing = "".join(f"{digest}  {name}\n" for name, digest in sorted(files.items()))
    return sha256_text(listing)


def render_suite(standard: Standard, class_id: str | None, payloads: Sequence[str] = (),
                 out: Path | None = None) -> dict[str, str]:
    """File name -> content of the suite for `class_id` (default: the standard's default class).

    `payloads` (folders, globs, manifests) are bound in the suite's `pytest.ini`, made absolute so
    that the suite runs from anywhere. `out`, the suite's folder, is where the bundle's folder is
    recorded from (`recorded_folder`); without it none is recorded.
    """
    class_id = class_id or standard.default_class
    if class_id is None or class_id not in standard.classes:
        raise UsageError(f"conformance class {class_id!r} is not defined by {standard.ref}; "
                         f"classes: {', '.join(sorted(standard.classes))}")
    env = _environment(standard)
    bound = [str(Path(p).absolute()) for p in payloads]
    files: dict[str, str] = {"pytest.ini": env.get_template("pytest.ini.j2").render(
        tool_version=__version__, payloads=bound)}
    template = env.get_template("test_class.py.j2")
    for klass in _classes_for(standard, class_id):
        inherited = {r for base in klass.builds_on for r in standard.classes[base].requirements}
        own = [standard.requirements[r] for r in klass.requirements if r not in inherited]
        files[module_name(standard, klass.id)] = template.render(
            standard=standard, klass=klass, requirements=own, tool_version=__version__)
    digests = {name: sha256_text(text) for name, text in files.items()}
    recorded: dict[str, str] = {"id": standard.id, "version": standard.version,
                                "content-hash": standard.content_hash}
    folder = recorded_folder(standard.root, out) if out is not None else None
    if folder is not None:
        recorded["folder"] = folder
    manifest = {
        "format": FORMAT, "format-version": FORMAT_VERSION,
        "generator": {"name": "egov-conformance", "version": __version__},
        "standard": recorded,
        "class": class_id,
        "files": digests,
        "suite-hash": suite_hash(digests),
    }
    files[SUITE_MANIFEST] = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    return files


def generate_suite(standard: Standard, class_id: str | None, out: Path, *, force: bool = False,
                   payloads: Sequence[str] = ()) -> Suite:
    """Write the suite into `out` (created; an existing suite is replaced only with `force`)."""
    files = render_suite(standard, class_id, payloads, out)
    if out.exists() and any(out.iterdir()):
        if not force and not (out / SUITE_MANIFEST).is_file():
            raise UsageError(f"{out} exists and is not a generated suite; choose an empty folder")
        for old in out.glob("test_*.py"):
            old.unlink()
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8", newline="\n")
    return load_suite(out)


def load_suite(folder: Path) -> Suite:
    """Read a suite's manifest and check that its files are the ones generated."""
    path = folder / SUITE_MANIFEST
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path}: not a readable suite manifest: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UsageError(f"{path}: not an egov-conformance suite manifest")
    try:
        files = dict(data["files"])
        std = data["standard"]
        recorded = std.get("folder")
        if recorded is not None and not (isinstance(recorded, str) and 0 < len(recorded) <= _PATH_MAX
                                         and "\x00" not in recorded):
            raise ValueError("a readable standard folder")
        suite = Suite(folder, std["id"], std["version"], std["content-hash"], data["class"], files,
                      data["suite-hash"], recorded)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UsageError(f"{path}: suite manifest lacks {exc}") from None
    if suite_hash(files) != suite.hash:
        raise UsageError(f"{path}: the suite hash does not match its file list")
    for name, digest in sorted(files.items()):
        try:
            actual = sha256_text((folder / name).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            raise UsageError(f"{folder / name}: suite file missing or unreadable") from None
        if actual != digest:
            raise UsageError(f"{folder / name} was changed after generation (regenerate the suite "
                             "with `conform generate`: results must name the suite that ran)")
    return suite
