"""Recognising a payload: which standard, version and message type it claims to be."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from conformance.core.errors import RecognitionError, SpecError
from conformance.core.printable import quoted
from conformance.standard.model import MessageType, Standard, Syntax
from conformance.validation.documents.jsondoc import JsonDocument
from conformance.validation.documents.xmldoc import XmlDocument
from conformance.validation.selector import step_of


@dataclass(frozen=True, slots=True)
class Candidate:
    standard: Standard
    message_type: MessageType

    @property
    def label(self) -> str:
        return f"{self.standard.ref} {self.message_type.id}"

    def criteria(self) -> str:
        r = self.message_type.recognition
        if self.message_type.syntax is Syntax.XML:
            ns = f"in namespace {quoted(r.namespace, 100)}" if r.namespace else "in no namespace"
            return f"root {quoted(r.root, 100)} {ns}" + (f" where {r.xpath}" if r.xpath else "")
        return f"{r.pointer} = {r.value!r}"


def resolve_pointer(value: Any, pointer: str) -> tuple[bool, Any]:
    """(found, value) for a plain RFC 6901 pointer."""
    if pointer == "":
        return True, value
    if not pointer.startswith("/"):
        return False, None
    node = value
    # Tokens are read as the selector reads them (validation/selector.py), so `/01` and `/²` name
    # no array item here either; `*` is a member name: recognition pointers have no wildcard.
    for raw in pointer[1:].split("/"):
        step = step_of(raw)
        if isinstance(node, dict) and step.name in node:
            node = node[step.name]
        elif isinstance(node, list) and 0 <= step.index < len(node):
            node = node[step.index]
        else:
            return False, None
    return True, node


class Recognizer:
    """Matches parsed payloads against the message types of some standards."""

    def __init__(self, standards: Sequence[Standard]) -> None:
        self.candidates = tuple(
            Candidate(s, mt) for s in standards for mt in s.message_types.values()
        )
        self._xpaths: dict[tuple[str, str], etree.XPath] = {}
        for c in self.candidates:
            r = c.message_type.recognition
            if c.message_type.syntax is Syntax.XML and r.xpath:
                try:
                    self._xpaths[(c.standard.ref, c.message_type.id)] = etree.XPath(
                        f"boolean({r.xpath})", namespaces=dict(c.message_type.namespaces)
                    )
                except etree.XPathSyntaxError as exc:
                    raise SpecError(f"recognise.xpath of {c.message_type.id}: {exc}",
                                    location=str(c.standard.manifest)) from exc

    def _matches(self, c: Candidate, doc: XmlDocument | JsonDocument) -> bool:
        r = c.message_type.recognition
        if isinstance(doc, XmlDocument):
            if c.message_type.syntax is not Syntax.XML:
                return False
            root = doc.root
            if etree.QName(root).localname != r.root or (etree.QName(root).namespace or "") != (
                r.namespace or ""
            ):
                return False
            test = self._xpaths.get((c.standard.ref, c.message_type.id))
            return bool(test(root)) if test is not None else True
        if c.message_type.syntax is not Syntax.JSON:
            return False
        found, value = resolve_pointer(doc.value, r.pointer or "")
        return found and isinstance(value, str) and value == r.value

    def recognise(self, doc: XmlDocument | JsonDocument) -> Candidate:
        """The one candidate the payload matches; RecognitionError listing candidates otherwise."""
        matches = [c for c in self.candidates if self._matches(c, doc)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            labels = tuple(c.label for c in matches)
            raise RecognitionError(
                "payload matches several message types; name one with --standard ID@VERSION: "
                + "; ".join(labels), location=doc.payload.name, candidates=labels,
            )
        syntax = Syntax.XML if isinstance(doc, XmlDocument) else Syntax.JSON
        same = [c for c in self.candidates if c.message_type.syntax is syntax]
        listing = "; ".join(f"{c.label} ({c.criteria()})" for c in same[:MAX_LISTED]) or "none"
        if len(same) > MAX_LISTED:
            listing += f"; and {len(same) - MAX_LISTED} more"
        raise RecognitionError(
            f"{_found(doc, same)}, which no {syntax.value.upper()} message type of "
            f"{_standards(same)} has; the candidates expect: {listing}",
            location=doc.payload.name, candidates=tuple(c.label for c in same),
        )


# Recognition lists what it expected; a catalog of many standards must not print all of them.
MAX_LISTED = 10
_JSON_TYPES = {list: "array", str: "string", int: "number", float: "number", bool: "boolean",
               type(None): "null"}


def _standards(candidates: Sequence[Candidate]) -> str:
    refs = sorted({c.standard.ref for c in candidates})
    return ", ".join(refs[:MAX_LISTED]) + (" and others" if len(refs) > MAX_LISTED else "") or "the catalog"


def _found(doc: XmlDocument | JsonDocument, candidates: Sequence[Candidate]) -> str:
    """What the payload shows where recognition looks: its root element and namespace, or the
    value at each discriminator pointer the candidates read."""
    if isinstance(doc, XmlDocument):
        q = etree.QName(doc.root)
        where = f"in namespace {quoted(q.namespace, 100)}" if q.namespace else "in no namespace"
        return f"the root element is {quoted(q.localname, 100)} {where}"
    if not isinstance(doc.value, dict):
        return f"the payload is a JSON {_JSON_TYPES.get(type(doc.value), 'value')}, not an object"
    seen: list[str] = []
    for pointer in sorted({c.message_type.recognition.pointer or "" for c in candidates})[:MAX_LISTED]:
        found, value = resolve_pointer(doc.value, pointer)
        seen.append(f"{pointer or '/'} = {quoted(value, 100)}" if found else f"no {pointer or '/'}")
    return "the payload has " + ("; ".join(seen) if seen else "no discriminator")
