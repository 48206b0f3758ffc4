"""Code lists in OASIS Genericode 1.0: the format EN 16931, Peppol and KoSIT users already know.

Genericode carries its own identification and version, keys and multilingual columns, and is
XML that any XSLT or XPath tool can read; CSV would need a side file for the same metadata.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from lxml import etree

from conformance.core.errors import SpecError
from conformance.core.files import read_bounded
from conformance.core.limits import CODE_LIST_MAX_BYTES
from conformance.core.text import Text
from conformance.core.xmlparser import xml_parser
from conformance.core.yamlload import quote
from conformance.standard.model import CodeList

GC_NS = "http://docs.oasis-open.org/codelist/ns/genericode/1.0/"


def _parser() -> etree.XMLParser:
    # Parsed from bytes we read: libxml2 needs to open nothing, and the hardened parser opens nothing.
    return xml_parser(remove_comments=True)


def load_genericode(path: Path, *, list_id: str, version: str, list_date: date) -> CodeList:
    """Load one Genericode file; its Identification/Version must equal the manifest's version."""
    where = str(path)
    # Read by us (a regular file, bounded, never blocking), parsed from bytes: a FIFO or
    # /dev/zero in place of a code list is refused before a byte is read.
    data = read_bounded(path, max_bytes=CODE_LIST_MAX_BYTES, error=SpecError, what="code list",
                        what_zh="代码表")
    try:
        root = etree.fromstring(data, _parser(), base_url=str(path))
    except etree.XMLSyntaxError as exc:
        raise SpecError(f"code list is not well-formed XML: {quote(str(exc))[1:-1]}",
                        location=where) from None
    if root.tag != f"{{{GC_NS}}}CodeList":
        raise SpecError(f"expected a genericode CodeList root element, found {quote(root.tag)}",
                        location=where)
    ns = {"gc": GC_NS}
    file_version = root.findtext("Identification/Version", namespaces=ns)
    if file_version is None:
        file_version = root.findtext("gc:Identification/gc:Version", namespaces=ns)
    if (file_version or "").strip() != version:
        raise SpecError(
            f"Identification/Version is {quote(file_version)} but standard.yaml says {quote(version)}",
            location=where,
        )
    long_name = root.findtext("Identification/LongName") or root.findtext("Identification/ShortName")
    codes: set[str] = set()
    names: dict[str, Text] = {}
    for row_number, row in enumerate(root.iterfind("SimpleCodeList/Row"), start=1):
        values = {
            v.get("ColumnRef"): (v.findtext("SimpleValue") or "").strip()
            for v in row.iterfind("Value")
        }
        code = values.get("code")
        if not code:
            raise SpecError(f"row {row_number} has no value in column 'code'", location=where)
        if code in codes:
            raise SpecError(f"row {row_number}: duplicate code {quote(code)}", location=where)
        codes.add(code)
        names[code] = Text(zh=values.get("name-zh") or code, en=values.get("name-en") or code)
    if not codes:
        raise SpecError("code list has no rows", location=where)
    return CodeList(
        id=list_id,
        version=version,
        date=list_date,
        title=Text.same(long_name or list_id),
        codes=frozenset(codes),
        names=names,
        path=path,
    )
