"""Reading the fields a conversation exposes from a judged message: XPath 1.0 or JSON pointer.

Each binding of a conversation is compiled once per checker. A field's value is the string value
of the first node it selects (XPath `string()` semantics, a JSON member as text); a field that
selects nothing, or a JSON `null`, is None. XML values are read as xs:token (whitespace collapsed,
as the schema's token types and the bundle's normalize-space() read them); JSON values as they are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from conformance.core.errors import SpecError
from conformance.standard.conversation import Conversation
from conformance.standard.model import MessageType, Standard, Syntax
from conformance.validation.documents.jsondoc import JsonDocument
from conformance.validation.documents.xmldoc import XmlDocument
from conformance.validation.selector import parse_selector

# A value longer than this is cut: exposed fields are ids and codes, and messages quote them.
FIELD_MAX_CHARS = 4096

Fields = Mapping[str, str | None]
_Reader = Callable[[Any], str | None]


def binding_key(standard: Standard, message_standard: Standard, message_type: MessageType) -> str:
    """How a conversation of `standard` names a message type: its id, or `ref:id` for another bundle's."""
    if message_standard.ref == standard.ref:
        return message_type.id
    return f"{message_standard.ref}:{message_type.id}"


@dataclass(frozen=True, slots=True)
class BindingReader:
    """The compiled field selectors of one binding (one message type)."""

    message_type: str
    readers: Mapping[str, _Reader]
    # The fields of an XML binding that are plain child-step paths, read with one XPath together.
    merged: _MergedPaths | None = None

    def read(self, document: XmlDocument | JsonDocument) -> dict[str, str | None]:
        """Every exposed field of `document`."""
        if isinstance(document, XmlDocument):
            root = document.root
            merged = self.merged
            if merged is not None:
                found = merged.read(root)
                return {name: found.get(name) if name in merged.names else reader(root)
                        for name, reader in self.readers.items()}
            return {name: reader(root) for name, reader in self.readers.items()}
        value = document.value
        return {name: reader(value) for name, reader in self.readers.items()}


_NAME = r"[A-Za-z_][A-Za-z0-9_.\-]*"
_CHILD_STEPS = re.compile(rf"(?:/(?:{_NAME}:)?{_NAME})+")


def _child_tags(path: str, namespaces: Mapping[str, str]) -> tuple[str, ...] | None:
    """The tags (Clark notation) along an absolute path of child steps, `/p:A/p:B/C`; None for any other
    XPath, or one with a prefix the message type does not declare (XPath alone then says what it does)."""
    if not _CHILD_STEPS.fullmatch(path):
        return None
    tags = []
    for step in path[1:].split("/"):
        prefix, _, local = step.rpartition(":")
        if not prefix:
            tags.append(local)  # lxml's tag of an element in no namespace, as XPath's unprefixed test
        elif prefix in namespaces:
            tags.append(f"{{{namespaces[prefix]}}}{local}")
        else:
            return None
    return tuple(tags)


def _text(node: Any) -> str:
    """The string value the field reader gives for an element (see `_xml_reader`)."""
    # An element with no children (no element, comment or entity) holds only its text: what itertext
    # gives, without the iterator that costs more than the XPath itself.
    # A comment or processing instruction has no children either, and no itertext (it raises): its
    # string value is its content, as XPath's string() says.
    return _token((node.text or "") if len(node) == 0 else "".join(node.itertext()))


_XML_SPACE = re.compile(r"[ \t\n\r]+")


def _token(text: str) -> str:
    """`text` as an xs:token: XML whitespace runs collapsed to one space, none at either end (a
    pretty-printed `<CaseId>` is the case id its schema's token type says), then bounded."""
    return _XML_SPACE.sub(" ", text).strip(" ")[:FIELD_MAX_CHARS]


@dataclass(frozen=True, slots=True)
class _MergedPaths:
    """Child-step fields read with one XPath, the union of their paths, instead of one XPath each.

    The union is in document order, so a field's first node is the first node of the union on its
    path. An element of the union on a path ending with a tag no other path ends with is on that
    path; otherwise its tags up to the root say which paths it is on.
    """

    xpath: Any  # etree.XPath
    names: frozenset[str]
    # last tag -> the paths ending with it: (tags along the path, the fields read at it)
    by_tag: Mapping[str, tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]]

    @classmethod
    def build(cls, paths: Mapping[str, tuple[str, tuple[str, ...]]],
              namespaces: Mapping[str, str]) -> _MergedPaths:
        """From field name -> (its XPath, its tags)."""
        fields: dict[tuple[str, ...], list[str]] = {}
        for name, (_, tags) in paths.items():
            fields.setdefault(tags, []).append(name)
        by_tag: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        for tags, names in fields.items():
            by_tag.setdefault(tags[-1], []).append((tags, tuple(names)))
        union = " | ".join(dict.fromkeys(path for path, _ in paths.values()))
        return cls(etree.XPath(union, namespaces=dict(namespaces), regexp=False), frozenset(paths),
                   {tag: tuple(entries) for tag, entries in by_tag.items()})

    def read(self, root: Any) -> dict[str, str]:
        """The fields found in the document of `root` (a field not found is absent)."""
        found: dict[str, str] = {}
        wanted = len(self.names)
        for node in self.xpath(root):
            entries = self.by_tag.get(node.tag, ())
            if len(entries) == 1:
                names = entries[0][1]
            else:
                along = []
                step = node
                while step is not None:
                    along.append(step.tag)
                    step = step.getparent()
                tags = tuple(reversed(along))
                names = next((n for t, n in entries if t == tags), ())
            text = None
            for name in names:
                if name not in found:
                    found[name] = text = _text(node) if text is None else text
            if len(found) == wanted:
                break
        return found


def compile_bindings(standard: Standard, conversation: Conversation,
                     standards: Sequence[Standard]) -> dict[str, BindingReader]:
    """A reader per bound message type; SpecError naming the conversation file for a bad selector."""
    loaded = {s.ref: s for s in standards}
    loaded[standard.ref] = standard
    compiled: dict[str, BindingReader] = {}
    where = str(conversation.path)
    for key, binding in conversation.bindings.items():
        message_type = _message_type(standard, loaded, binding.message_type, where)
        readers: dict[str, _Reader] = {}
        plain: dict[str, tuple[str, tuple[str, ...]]] = {}
        for name, path in binding.fields.items():
            field = f"bindings ({binding.message_type}).fields.{name}"
            if message_type.syntax is Syntax.XML:
                readers[name] = _xml_reader(path, message_type.namespaces, field, where)
                tags = _child_tags(path, message_type.namespaces)
                if tags is not None:
                    plain[name] = (path, tags)
            else:
                readers[name] = _json_reader(path, field, where)
        merged = _MergedPaths.build(plain, message_type.namespaces) if len(plain) > 1 else None
        compiled[key] = BindingReader(binding.message_type, readers, merged)
    return compiled


def _message_type(standard: Standard, loaded: Mapping[str, Standard], name: str,
                  where: str) -> MessageType:
    ref, _, type_id = name.rpartition(":")
    owner = loaded.get(ref) if ref else standard
    if owner is None:
        raise SpecError(f"bindings: message type {name!r} belongs to {ref}, which is not loaded; "
                        f"loaded: {', '.join(sorted(loaded))}", location=where)
    found = owner.message_types.get(type_id)
    if found is None:
        raise SpecError(f"bindings: unknown message type {name!r}", location=where)
    return found


def _xml_reader(path: str, namespaces: Mapping[str, str], field: str, where: str) -> _Reader:
    try:
        # No EXSLT regular expressions: a field path is a location path, and a bundle's regex could
        # backtrack for seconds on every message.
        xpath = etree.XPath(path, namespaces=dict(namespaces), regexp=False)
    except etree.XPathSyntaxError as exc:
        raise SpecError(f"{field}: {path!r} is not an XPath 1.0 expression: {exc}",
                        location=where) from exc

    def read(root: Any) -> str | None:
        try:
            found = xpath(root)
        except etree.XPathEvalError:
            return None  # an unbound prefix or function: the field is not there to read
        if isinstance(found, list):
            if not found:
                return None
            node = found[0]
            if isinstance(node, etree._Element):
                return _text(node)
            value = str(node)
        elif isinstance(found, bool):
            value = "true" if found else "false"
        elif isinstance(found, float):
            value = str(int(found)) if found.is_integer() else repr(found)
        else:
            value = str(found)
        return _token(value)

    return read


def _json_reader(path: str, field: str, where: str) -> _Reader:
    selector = parse_selector(path, what=field, where=where)
    if any(step.wildcard for step in selector.steps):
        raise SpecError(f"{field}: {path!r} has a `*` step; an exposed field is one value",
                        location=where)

    def read(value: Any) -> str | None:
        found = selector.values(value)
        if not found or found[0] is None:
            return None
        first = found[0]
        if isinstance(first, str):
            text = first
        elif isinstance(first, bool):
            text = "true" if first else "false"
        elif isinstance(first, int | float):
            text = str(first)
        else:
            text = json.dumps(first, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return text[:FIELD_MAX_CHARS]

    return read
