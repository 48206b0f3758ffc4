"""Code lists in OASIS Genericode 1.0: the format EN 16931, Peppol and KoSIT users already know.

Genericode carries its own identification and version, keys and multilingual columns, and is
XML that any XSLT or XPath tool can read; CSV would need a side file for the same metadata.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from lxml import etree

from conformance.core.errors import SpecError
from conformance.core.text import Text
from conformance.core.xmlparser import xml_parser
from conformance.spec.model import CodeList

GC_NS = "http://docs.oasis-open.org/codelist/ns/genericode/1.0/"
_MAX_BYTES = 32 * 1024 * 1024


def _parser() -> etree.XMLParser:
    return xml_parser(remove_comments=True)


def load_genericode(path: Path, *, list_id: str, version: str, list_date: date) -> CodeList:
    """Load one Genericode file; its Identification/Version must equal the manifest's version."""
    where = str(path)
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise SpecError(f"code list larger than {_MAX_BYTES} bytes", location=where)
        root = etree.parse(str(path), _parser()).getroot()
    except OSError as exc:
        raise SpecError(f"cannot read code list: {exc.strerror or exc}", location=where) from exc
    except etree.XMLSyntaxError as exc:
        raise SpecError(f"code list is not well-formed XML: {exc}", location=where) from exc
    if root.tag != f"{{{GC_NS}}}CodeList":
        raise SpecError(f"expected a genericode CodeList root element, found {root.tag}", location=where)
    ns = {"gc": GC_NS}
    file_version = root.findtext("Identification/Version", namespaces=ns)
    if file_version is None:
        file_version = root.findtext("gc:Identification/gc:Version", namespaces=ns)
    if (file_version or "").strip() != version:
        raise SpecError(
            f"Identification/Version is {file_version!r} but standard.yaml says {version!r}",
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
            raise SpecError(f"row {row_number}: duplicate code {code!r}", location=where)
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
