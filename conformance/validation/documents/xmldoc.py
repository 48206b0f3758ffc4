"""Hardened XML parsing: no DTDs, no entities, no network, bounded depth and size."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from lxml import etree

from conformance.core.errors import PayloadError
from conformance.core.xmlparser import xml_parser
from conformance.validation.documents.payload import Payload

_local = threading.local()
_LINE_SUFFIX = re.compile(r",? line \d+, column \d+$")


def hardened_parser() -> etree.XMLParser:
    """The only XML parser payloads ever meet (one per thread: lxml parsers are not shareable).

    `collect_ids=False` spares an ID table no check uses, but with libxml2 2.14 it also makes the
    parser load external parameter entities and the external subset: safe only because every
    parser from `xml_parser` answers each such load with an empty document (nothing is opened).
    """
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = xml_parser(remove_blank_text=False, collect_ids=False)
        _local.parser = parser
    return parser


@dataclass(frozen=True, slots=True)
class XmlDocument:
    payload: Payload
    tree: etree._ElementTree

    @property
    def root(self) -> etree._Element:
        return self.tree.getroot()


def parse_xml(payload: Payload) -> XmlDocument:
    """Parse a payload as XML or raise PayloadError with line and column."""
    parser = hardened_parser()
    try:
        root = etree.fromstring(payload.data, parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        message = _LINE_SUFFIX.sub("", exc.msg or str(exc))
        if message.startswith("Excessive depth"):
            message = "elements nested deeper than 256 levels (limit for payloads)"
        elif "amplification" in message:
            message = "entity expansion exceeds the amplification limit (an entity bomb?)"
        raise PayloadError(
            f"not well-formed XML: {message}",
            message_zh=f"XML 格式不正确：{message}",
            location=payload.name, line=line or None, column=column or None,
        ) from exc
    except ValueError as exc:  # e.g. a str with an encoding declaration; never for bytes, kept safe
        raise PayloadError(f"cannot parse XML: {exc}", location=payload.name) from exc
    if root is None:
        raise PayloadError("empty XML document", message_zh="XML 文档为空", location=payload.name)
    tree = root.getroottree()
    if tree.docinfo.doctype:
        # A payload has no business declaring a DTD; it is the vehicle of XXE and entity bombs.
        raise PayloadError(
            f"a DOCTYPE declaration is not allowed in a payload ({tree.docinfo.doctype[:80]})",
            message_zh="报文中不允许出现 DOCTYPE 声明（可能是 XXE 或实体膨胀攻击）",
            location=payload.name, line=1,
        )
    return XmlDocument(payload=payload, tree=tree)
