"""Files an import reads: regular files only, local relative references, and their bundle layout."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from lxml import etree

from conformance.core.errors import BundlePathError, SpecError
from conformance.core.files import read_bounded
from conformance.core.limits import XML_ARTEFACT_MAX_BYTES
from conformance.core.xmlparser import xml_parser

_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def read_file(path: Path, *, referrer: str | None = None) -> bytes:
    """The bytes of a regular file of bounded size; SpecError otherwise (FIFOs and devices are
    never opened, and nothing blocks)."""
    try:
        return read_bounded(path, max_bytes=XML_ARTEFACT_MAX_BYTES, error=SpecError, what="artefact",
                            what_zh="工件")
    except SpecError as exc:
        raise SpecError(f"{path}: {exc.message}", location=referrer or str(path)) from None


def parse(data: bytes, path: Path) -> etree._Element:
    """Parse with the house hardened parser; SpecError for anything that is not well-formed XML."""
    try:
        return etree.fromstring(data, xml_parser(remove_comments=True, remove_pis=True),
                                base_url=str(path))
    except etree.XMLSyntaxError as exc:
        raise SpecError(f"not well-formed XML: {exc.msg}", location=f"{path}:{exc.lineno}") from exc


def local_reference(href: str, referrer: Path, where: str, *, boundary: Path) -> Path:
    """Resolve a reference between artefacts; it must be a relative path to a local file.

    A bundle is self-contained and nothing is ever fetched, so URIs and absolute paths are
    refused, and the file must lie inside `boundary` (the folder given to the import, or the folder
    of a file given by name).
    """
    if not href or _URI_SCHEME.match(href) or href.startswith("/") or "\\" in href:
        raise BundlePathError(
            f"reference {href!r} is not a relative path to a local file (a bundle must be "
            "self-contained; nothing is fetched)", location=where)
    target = Path(os.path.abspath(referrer.parent / href))
    check_inside(target, boundary, where)
    return target


def check_inside(path: Path, boundary: Path, where: str) -> None:
    """Refuse a file outside the folder being imported (symlinks are followed for the check)."""
    if not Path(os.path.realpath(path)).is_relative_to(Path(os.path.realpath(boundary))):
        raise BundlePathError(f"{path} lies outside the imported folder {boundary}: a bundle holds "
                              "only what the import was given (import a folder that holds every "
                              "file it needs)", location=where)


def layout(files: Iterable[Path], folder: str) -> dict[Path, str]:
    """Bundle paths under `folder`, keeping the files' layout relative to their common folder."""
    paths = sorted({Path(os.path.abspath(f)) for f in files})
    if not paths:
        return {}
    base = Path(os.path.commonpath([str(p.parent) for p in paths]))
    return {p: f"{folder}/{p.relative_to(base).as_posix()}" for p in paths}
