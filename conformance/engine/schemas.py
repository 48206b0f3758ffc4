"""Schema validation: XSD 1.0 on lxml (fast path), XSD 1.1 on xmlschema, JSON Schema 2020-12.

JSON Schema runs on jsonschema-rs (Rust, about 100x faster than pure Python on our envelopes); the
pure-Python `jsonschema` checks schemas against the 2020-12 meta-schema, with its detailed errors.
A remote `$ref` is never fetched: the schema is refused as a specification error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
from lxml import etree

from conformance.core.errors import BundlePathError, SpecError
from conformance.core.xmlparser import xml_parser
from conformance.engine.jsonpos import escape_token

XS_NS = "http://www.w3.org/2001/XMLSchema"
VC_NS = "http://www.w3.org/2007/XMLSchema-versioning"
MAX_SCHEMA_ERRORS = 50


@dataclass(frozen=True, slots=True)
class SchemaViolation:
    """One schema error: a message and where (line/column, XPath or JSON pointer)."""

    message: str
    line: int | None = None
    column: int | None = None
    xpath: str | None = None
    pointer: str | None = None


def _schema_parser() -> etree.XMLParser:
    return xml_parser()


def _check_schema_locations(path: Path, root: Path, seen: set[Path]) -> etree._ElementTree:
    """Parse a schema document and, recursively, the documents it includes; all inside `root`."""
    try:
        tree = etree.parse(str(path), _schema_parser())
    except (OSError, etree.XMLSyntaxError) as exc:
        raise SpecError(f"cannot read schema: {exc}", location=str(path)) from exc
    seen.add(path)
    for node in tree.iter(f"{{{XS_NS}}}include", f"{{{XS_NS}}}import", f"{{{XS_NS}}}redefine",
                          f"{{{XS_NS}}}override"):
        location = node.get("schemaLocation")
        if not location:
            continue
        if "://" in location or location.startswith("/"):
            raise BundlePathError(f"schema location {location!r} is not a relative path in the "
                                  "bundle (validation never fetches)", location=f"{path}:{node.sourceline}")
        target = (path.parent / location).resolve()
        if not target.is_relative_to(root.resolve()):
            raise BundlePathError(f"schema location {location!r} leaves the bundle folder",
                                  location=f"{path}:{node.sourceline}")
        if target not in seen:
            _check_schema_locations(target, root, seen)
    return tree


class XsdValidator:
    """An XSD compiled once; XSD 1.1 schemas (vc:minVersion="1.1") go through xmlschema."""

    def __init__(self, path: Path, *, root: Path) -> None:
        self.path = path
        tree = _check_schema_locations(path, root, set())
        self.version = "1.1" if tree.getroot().get(f"{{{VC_NS}}}minVersion") == "1.1" else "1.0"
        self._lxml: etree.XMLSchema | None = None
        self._xmlschema: Any = None
        try:
            if self.version == "1.1":
                import xmlschema

                # "sandbox": imports and includes may only read files under the bundle folder.
                self._xmlschema = xmlschema.XMLSchema11(
                    str(path), allow="sandbox", base_url=str(root.resolve()), defuse="always")
            else:
                self._lxml = etree.XMLSchema(tree)
        except etree.XMLSchemaParseError as exc:
            raise SpecError(f"invalid XSD: {exc}", location=str(path)) from exc
        except Exception as exc:  # xmlschema raises a family of its own; all mean a bad schema
            raise SpecError(f"invalid XSD 1.1 schema: {exc}", location=str(path)) from exc

    def iter_violations(self, tree: etree._ElementTree) -> Iterator[SchemaViolation]:
        """Yield the schema errors of `tree` (at most MAX_SCHEMA_ERRORS)."""
        if self._lxml is not None:
            if self._lxml.validate(tree):
                return
            for entry in list(self._lxml.error_log)[:MAX_SCHEMA_ERRORS]:
                yield SchemaViolation(message=entry.message, line=entry.line or None,
                                      column=entry.column or None, xpath=entry.path or None)
            return
        for count, error in enumerate(self._xmlschema.iter_errors(tree)):
            if count >= MAX_SCHEMA_ERRORS:
                return
            elem = getattr(error, "elem", None)
            yield SchemaViolation(
                message=error.reason or str(error),
                line=getattr(elem, "sourceline", None),
                xpath=error.path,
            )


def _refuse_retrieval(uri: str) -> Any:
    raise ValueError(f"remote schema {uri} refused: validation never touches the network")


class JsonSchemaValidator:
    """A JSON Schema 2020-12 compiled once, with format assertions on."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SpecError(f"cannot read JSON Schema: {exc}", location=str(path)) from exc
        declared = schema.get("$schema", "") if isinstance(schema, dict) else ""
        if declared and "2020-12" not in declared:
            raise SpecError(f"JSON Schema must declare draft 2020-12, not {declared!r}",
                            location=str(path))
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as exc:
            raise SpecError(f"invalid JSON Schema at {'/'.join(map(str, exc.path))}: {exc.message}",
                            location=str(path)) from exc
        try:
            self._rust: Any = jsonschema_rs.Draft202012Validator(
                schema, validate_formats=True, retriever=_refuse_retrieval
            )
        except (jsonschema_rs.ValidationError, ValueError) as exc:
            # Typically a `$ref` that is not inside the schema: refused, never fetched.
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SpecError(f"JSON Schema cannot be compiled: {first}", location=str(path)) from exc

    def iter_violations(self, value: Any) -> Iterator[SchemaViolation]:
        """Yield the schema errors of `value` (at most MAX_SCHEMA_ERRORS)."""
        if self._rust.is_valid(value):
            return
        for count, error in enumerate(self._rust.iter_errors(value)):
            if count >= MAX_SCHEMA_ERRORS:
                return
            yield SchemaViolation(message=error.message, pointer=_pointer(error.instance_path))


def _pointer(path: Any) -> str:
    return "".join("/" + escape_token(str(step)) for step in path)
