"""An XSD for import: the entry document, the local files it includes or imports, its root elements."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from conformance.core.errors import SpecError

from ._files import local_reference, parse, read_file

XS_NS = "http://www.w3.org/2001/XMLSchema"
_SCHEMA = f"{{{XS_NS}}}schema"
_ELEMENT = f"{{{XS_NS}}}element"
_INCLUDE = f"{{{XS_NS}}}include"
# include, redefine and override bring components of the same target namespace; import another's.
_SAME_NAMESPACE = (_INCLUDE, f"{{{XS_NS}}}redefine", f"{{{XS_NS}}}override")
_REFERENCES = (*_SAME_NAMESPACE, f"{{{XS_NS}}}import")


@dataclass(frozen=True, slots=True)
class SchemaSet:
    """An entry XSD with every local file it reaches; `roots` are the likely document elements."""

    path: Path
    files: tuple[Path, ...]
    contents: Mapping[Path, bytes]
    target_namespace: str
    # Global elements of the entry's target namespace (declared in it or in what it includes).
    elements: tuple[str, ...]
    # Those not used by reference anywhere in the set: the candidates for a document's root.
    roots: tuple[str, ...]


def is_xsd(root: etree._Element) -> bool:
    return root.tag == _SCHEMA


def load_schema_set(path: Path, *, boundary: Path) -> SchemaSet:
    """Read the XSD at `path` and, recursively, the local files named by its schemaLocations."""
    contents: dict[Path, bytes] = {}
    trees: dict[Path, etree._Element] = {}
    same_namespace: list[Path] = []

    def visit(file: Path, referrer: str | None, inherits_namespace: bool) -> None:
        if file in trees:
            return
        data = read_file(file, referrer=referrer)
        root = parse(data, file)
        if not is_xsd(root):
            raise SpecError(f"{file} is not an XML Schema (root element {root.tag})",
                            location=referrer or str(file))
        contents[file], trees[file] = data, root
        if inherits_namespace:
            same_namespace.append(file)
        for node in root.iter(*_REFERENCES):
            href = node.get("schemaLocation")
            if href is None:
                continue  # an import without a location names a namespace, no file
            where = f"{file}:{node.sourceline}"
            target = local_reference(href.strip(), file, where, boundary=boundary)
            if not target.is_file():
                kind = etree.QName(node).localname
                raise SpecError(f"broken {kind}: {href!r} does not exist ({target})", location=where)
            visit(target, where, inherits_namespace and node.tag in _SAME_NAMESPACE)

    visit(path, None, True)
    entry = trees[path]
    namespace = entry.get("targetNamespace") or ""
    elements: list[str] = []
    for file in same_namespace:
        for element in trees[file].iterchildren(_ELEMENT):
            name = element.get("name")
            if name and element.get("abstract") not in ("true", "1") and name not in elements:
                elements.append(name)
    referenced = {_qname(e, e.get("ref", "")) for tree in trees.values() for e in tree.iter(_ELEMENT)
                  if e.get("ref")}
    roots = [n for n in elements if (namespace, n) not in referenced] or elements
    return SchemaSet(path=path, files=tuple(trees), contents=contents, target_namespace=namespace,
                     elements=tuple(elements), roots=tuple(roots))


def _qname(element: etree._Element, value: str) -> tuple[str, str]:
    prefix, _, local = value.strip().rpartition(":")
    return (element.nsmap.get(prefix or None) or "", local)
