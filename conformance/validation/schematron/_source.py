"""Reading a Schematron rule set: hardened parsing, `include` and `extends href`, content hash."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from conformance.core.errors import BundlePathError, SpecError
from conformance.core.files import read_bounded
from conformance.core.limits import (
    QUOTE_MAX_CHARS,
    SCHEMATRON_MAX_BYTES,
    SCHEMATRON_MAX_FILE_BYTES,
    SCHEMATRON_MAX_FILES,
    SCHEMATRON_MAX_INCLUDE_DEPTH,
    SCHEMATRON_MAX_INCLUDED_BYTES,
    SCHEMATRON_MAX_INCLUDES,
    SCHEMATRON_MAX_TREE_DEPTH,
)
from conformance.core.xmlparser import xml_parser

SCH_NS = "http://purl.oclc.org/dsdl/schematron"
XSL_NS = "http://www.w3.org/1999/XSL/Transform"
# Our own namespace: bookkeeping attributes on the resolved tree and in the generated XSLT.
CF_NS = "urn:egov-conformance:schematron"
FILE_ATTR = f"{{{CF_NS}}}file"

_INCLUDE = f"{{{SCH_NS}}}include"
_EXTENDS = f"{{{SCH_NS}}}extends"
_SCHEMA = f"{{{SCH_NS}}}schema"
_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def hardened_parser() -> etree.XMLParser:
    """The house XML parser: no entities, no DTD, no network, no huge trees."""
    return xml_parser(remove_comments=True, remove_pis=True)


@dataclass(frozen=True, slots=True)
class SourceSet:
    """A rule set with every include resolved, the files it came from and their joint hash."""

    schema: etree._Element
    files: tuple[Path, ...]
    digest: str


def where(element: etree._Element) -> str:
    """'file:line <element>' for error messages about a Schematron element."""
    node: etree._Element | None = element
    file = "?"
    while node is not None:
        value = node.get(FILE_ATTR)
        if value is not None:
            file = value
            break
        node = node.getparent()
    tag = etree.QName(element).localname if isinstance(element.tag, str) else "node"
    return f"{file}:{element.sourceline} <{tag}>"


class _Loader:
    """Reads files once each, hashing their bytes in first-read order, within the loading budgets.

    A file may be included many times (each copy is parsed again: a fragment may pick any part of
    it), so besides the distinct files and their bytes, the loader counts every inclusion and the
    bytes it parses: an include bomb stops at a budget, not at memory exhaustion.
    """

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.files: list[Path] = []
        self.contents: dict[Path, bytes] = {}
        self.total_bytes = 0
        self.included_bytes = 0
        self.includes = 0

    def check_inside(self, path: Path, referrer: str) -> None:
        if self.root is not None and not path.is_relative_to(self.root):
            raise BundlePathError(f"{path} is outside the bundle folder {self.root}", location=referrer)

    def count_include(self, referrer: str, depth: int) -> None:
        self.includes += 1
        if self.includes > SCHEMATRON_MAX_INCLUDES:
            raise SpecError(f"the rule set resolves more than {SCHEMATRON_MAX_INCLUDES} includes "
                            "(an include bomb?)", location=referrer)
        if depth > SCHEMATRON_MAX_INCLUDE_DEPTH:
            raise SpecError(f"includes are nested more than {SCHEMATRON_MAX_INCLUDE_DEPTH} deep",
                            location=referrer)

    def parse(self, path: Path, referrer: str) -> etree._Element:
        data = self.contents.get(path)
        if data is None:
            if len(self.files) >= SCHEMATRON_MAX_FILES:
                raise SpecError(f"the rule set has more than {SCHEMATRON_MAX_FILES} files", location=referrer)
            try:
                data = read_bounded(path, max_bytes=SCHEMATRON_MAX_FILE_BYTES, error=SpecError,
                                    what="Schematron file", what_zh="Schematron 文件")
            except SpecError as exc:
                raise SpecError(f"{path}: {exc.message}", location=referrer) from None
            self.total_bytes += len(data)
            if self.total_bytes > SCHEMATRON_MAX_BYTES:
                raise SpecError(f"the files of the rule set hold more than {SCHEMATRON_MAX_BYTES} bytes",
                                location=referrer)
            self.contents[path] = data
            self.files.append(path)
        self.included_bytes += len(data)
        if self.included_bytes > SCHEMATRON_MAX_INCLUDED_BYTES:
            raise SpecError(f"including {path} again takes the rule set over "
                            f"{SCHEMATRON_MAX_INCLUDED_BYTES} bytes parsed (an include bomb?)",
                            location=referrer)
        try:
            root = etree.fromstring(data, hardened_parser(), base_url=str(path))
        except etree.XMLSyntaxError as exc:
            raise SpecError(f"not well-formed XML: {exc.msg}", location=f"{path}:{exc.lineno}") from exc
        root.set(FILE_ATTR, str(path))
        return root

    def digest(self) -> str:
        hasher = hashlib.sha256()
        for path in self.files:
            content = self.contents[path]
            # Length-prefixed so that moving bytes between files changes the digest.
            hasher.update(len(content).to_bytes(8, "big"))
            hasher.update(content)
        return hasher.hexdigest()


def load_source(path: Path, *, root: Path | None = None) -> SourceSet:
    """Parse the rule set at `path`, resolving includes relative to each including file."""
    path = Path(os.path.abspath(path))
    bundle = Path(os.path.realpath(root)) if root is not None else None
    loader = _Loader(bundle)
    loader.check_inside(Path(os.path.realpath(path)), str(path))
    schema = loader.parse(path, str(path))
    _resolve(schema, path, ((path, None),), loader, 1)
    if schema.tag != _SCHEMA:
        raise SpecError(f"the root element is {schema.tag}, not an ISO Schematron schema", location=str(path))
    return SourceSet(schema=schema, files=tuple(loader.files), digest=loader.digest())


def _target(element: etree._Element, file: Path, loader: _Loader) -> tuple[Path, str | None]:
    href = (element.get("href") or "").strip()
    if not href:
        raise SpecError("include without href", location=where(element))
    if _URI_SCHEME.match(href):
        # Rule sets are read from their bundle only: never from the network.
        raise SpecError(f"include of a URI is not allowed: {quote(href)}", location=where(element))
    target, _, fragment = href.partition("#")
    resolved = Path(os.path.abspath(file.parent / target)) if target else file
    loader.check_inside(Path(os.path.realpath(resolved)), where(element))
    return resolved, fragment or None


# What an include refers to: a file, and the id of an element in it (None: the whole file).
_Ref = tuple[Path, str | None]


def _resolve(element: etree._Element, file: Path, stack: tuple[_Ref, ...], loader: _Loader,
             depth: int) -> None:
    """Replace `include` (and `extends href`) below `element`, depth first, in place.

    `stack` holds the includes being resolved; `depth` is the element nesting of the resolved
    tree, which every later stage walks recursively.
    """
    if depth > SCHEMATRON_MAX_TREE_DEPTH:
        raise SpecError(f"elements are nested more than {SCHEMATRON_MAX_TREE_DEPTH} deep (with includes)",
                        location=where(element))
    for child in list(element):
        if child.tag == _INCLUDE or (child.tag == _EXTENDS and child.get("href") is not None):
            target, fragment = _target(child, file, loader)
            # The whole of a file being resolved holds the include, and so does the same fragment;
            # another fragment of it need not.
            if (target, fragment) in stack or (fragment is None and any(target == f for f, _ in stack)):
                through = f"{target}#{quote(fragment)}" if fragment else str(target)
                raise SpecError(f"include cycle through {through}", location=where(child))
            loader.count_include(where(child), len(stack))
            included = loader.parse(target, where(child))
            if fragment is not None:
                found = included.xpath("//*[@id=$f or @xml:id=$f]", f=fragment)
                if not found:
                    raise SpecError(f"no element with id {quote(fragment)} in {target}",
                                    location=where(child))
                included = found[0]
                included.set(FILE_ATTR, str(target))
            _resolve(included, target, (*stack, (target, fragment)), loader, depth + 1)
            parent_tail = child.tail
            if child.tag == _EXTENDS:
                # ISO 2016 `extends href`: the children of the referenced schema join this one.
                if included.tag != _SCHEMA:
                    raise SpecError("extends href must point to a schema", location=where(child))
                for grandchild in list(included):
                    if isinstance(grandchild.tag, str):
                        grandchild.set(FILE_ATTR, str(target))
                    child.addprevious(grandchild)
                element.remove(child)
            else:
                element.replace(child, included)
                included.tail = parent_tail
        elif isinstance(child.tag, str):
            _resolve(child, file, stack, loader, depth + 1)


def quote(text: str) -> str:
    """Author text in a message: capped and escaped (repr), so a hostile value prints harmlessly."""
    if len(text) > QUOTE_MAX_CHARS:
        text = text[:QUOTE_MAX_CHARS] + "..."
    return repr(text)
