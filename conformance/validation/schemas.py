"""Schema validation: XSD 1.0 on lxml (fast path), XSD 1.1 on xmlschema, JSON Schema 2020-12.

JSON Schema runs on jsonschema-rs (Rust, about 100x faster than pure Python on our envelopes); the
pure-Python `jsonschema` checks schemas against the 2020-12 meta-schema, with its detailed errors.
A remote `$ref` is never fetched: the schema is refused as a specification error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema_rs
from lxml import etree

from conformance.core.errors import PayloadError, RuleError, SpecError
from conformance.core.evaluation import EvaluationContext
from conformance.core.files import read_bounded
from conformance.core.limits import JSON_SCHEMA_MAX_BYTES, XSD11_COMPILE_SECONDS, XSD11_VALIDATE_SECONDS
from conformance.core.printable import quoted
from conformance.validation.selector import escape_token
from conformance.validation.xsd import (
    BudgetExhausted,
    compile_xsd10,
    compile_xsd11,
    read_schema_documents,
    within_budget,
)
from conformance.validation.xsd_messages import capped, explain_content, libxml2_violations

MAX_SCHEMA_ERRORS = 50
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}", re.ASCII)


@dataclass(frozen=True, slots=True)
class SchemaViolation:
    """One schema error: a message and where (line/column, XPath or JSON pointer).

    `message` says what is wrong ("ConversationId is missing (expected before MessageType)"),
    `message_zh` the same in Chinese when we could say it (else the engine's English stands),
    `engine_message` the engine's own words, for whoever needs them.
    """

    message: str
    line: int | None = None
    column: int | None = None
    xpath: str | None = None
    pointer: str | None = None
    message_zh: str | None = None
    engine_message: str | None = None


class XsdValidator:
    """An XSD compiled once; XSD 1.1 schemas (vc:minVersion="1.1") go through xmlschema.

    Every document of the schema is read by `validation/xsd.py` (inside `root`, no external DTD or
    entity) and served to the engine from memory. `evaluation` is the run's pinned time for XSD 1.1
    assertions.
    """

    def __init__(self, path: Path, *, root: Path, evaluation: EvaluationContext | None = None) -> None:
        self.path = path
        documents = read_schema_documents(path, root=root)
        self.version = documents.version
        self._declared = documents.element_names
        self._optional = documents.optional_names
        self._lxml: etree.XMLSchema | None = None
        self._xmlschema: Any = None
        if self.version == "1.1":
            self._xmlschema = compile_xsd11(documents, evaluation=evaluation or EvaluationContext(),
                                            seconds=XSD11_COMPILE_SECONDS)
        else:
            self._lxml = compile_xsd10(documents)

    def iter_violations(self, tree: etree._ElementTree) -> Iterator[SchemaViolation]:
        """Yield the schema errors of `tree` (at most MAX_SCHEMA_ERRORS); PayloadError if the
        engine gives up or runs out of its budget (a processing error, never a verdict)."""
        if self._lxml is not None:
            try:
                valid = self._lxml.validate(tree)
                # The repaired passes validate copies of the payload again, with the same limits.
                found = [] if valid else libxml2_violations(self._lxml, tree, self._lxml.error_log,
                                                            self._declared, MAX_SCHEMA_ERRORS, self._optional)
            except etree.XMLSchemaValidateError as exc:
                # libxml2 stops at limits of its own (a pattern's backtracking, say) and raises.
                raise PayloadError(
                    f"the XSD validator gave up on this payload ({str(exc)[:200]}): it cannot be "
                    "checked against the schema", message_zh="XSD 验证器无法完成对此报文的检查",
                    location=str(self.path)) from None
            for v in found:
                yield SchemaViolation(message=v.explained.en, message_zh=v.explained.zh, line=v.line,
                                      xpath=v.xpath, engine_message=capped(v.engine_message))
            return
        try:
            errors = within_budget(XSD11_VALIDATE_SECONDS, lambda: self._xsd11_errors(tree))
        except BudgetExhausted:
            raise PayloadError(
                f"XSD 1.1 validation ran out of its budget of {XSD11_VALIDATE_SECONDS:g} s (an "
                "assertion or pattern that backtracks or loops): the payload cannot be checked "
                "against the schema",
                message_zh=f"XSD 1.1 验证超出 {XSD11_VALIDATE_SECONDS:g} 秒的时间预算，无法完成检查",
                location=str(self.path)) from None
        yield from errors

    def _xsd11_errors(self, tree: etree._ElementTree) -> list[SchemaViolation]:
        found: list[SchemaViolation] = []
        for error in self._xmlschema.iter_errors(tree):
            if len(found) >= MAX_SCHEMA_ERRORS:
                break
            found.append(self._xsd11_violation(error, tree))
        return found

    def _xsd11_violation(self, error: Any, tree: etree._ElementTree) -> SchemaViolation:
        """xmlschema's error, said as the fix when it is about an element's content."""
        elem = getattr(error, "elem", None)
        engine = capped(error.reason or str(error))
        from xmlschema import XMLSchemaChildrenValidationError

        if isinstance(error, XMLSchemaChildrenValidationError) and isinstance(elem, etree._Element):
            child = error.invalid_child
            names = [getattr(e, "name", None) for e in (error.expected or ())]
            if child is None or isinstance(child, etree._Element):
                said, _ = explain_content(elem, child, [n if isinstance(n, str) else "*" for n in names],
                                          self._declared, self._optional)
                at = said.element
                return SchemaViolation(message=said.en, message_zh=said.zh, line=at.sourceline,
                                       xpath=tree.getpath(at), engine_message=engine)
        return SchemaViolation(message=engine, line=getattr(elem, "sourceline", None), xpath=error.path,
                               engine_message=engine)


def _meta_valid(schema: Any) -> bool:
    try:
        return bool(jsonschema_rs.meta.is_valid(schema))
    except (ValueError, TypeError, OverflowError):
        return False


def _check_schema(schema: Any, path: Path) -> None:
    """Refuse a schema that breaks the 2020-12 meta-schema.

    jsonschema-rs looks first; pure-Python `jsonschema` (0.2 s to import, issue 10 §2) only when it
    objects or cannot tell, for its detailed message (and, should the two disagree, its verdict).
    """
    if _meta_valid(schema):
        return
    import jsonschema

    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except RecursionError:
        raise SpecError("JSON Schema nested too deeply to check", location=str(path)) from None
    except jsonschema.SchemaError as exc:
        raise SpecError(f"invalid JSON Schema at {'/'.join(map(str, exc.path))}: {exc.message}",
                        location=str(path)) from exc


def read_json_schema(path: Path) -> Any:
    """The JSON Schema at `path`, read (bounded) and checked against 2020-12; SpecError if not."""
    data = read_bounded(path, max_bytes=JSON_SCHEMA_MAX_BYTES, error=SpecError, what="JSON Schema",
                        what_zh="JSON Schema")
    try:
        schema = json.loads(data.decode("utf-8"))
    except RecursionError:
        raise SpecError("JSON Schema nested too deeply to read", location=str(path)) from None
    except (UnicodeDecodeError, ValueError) as exc:  # ValueError: JSONDecodeError, huge integers
        raise SpecError(f"cannot read JSON Schema: {capped(str(exc))}", location=str(path)) from None
    declared = schema.get("$schema", "") if isinstance(schema, dict) else ""
    if declared and "2020-12" not in declared:
        raise SpecError(f"JSON Schema must declare draft 2020-12, not {declared!r}", location=str(path))
    _check_schema(schema, path)
    return schema


def _refuse_retrieval(uri: str) -> Any:
    raise ValueError(f"remote schema {uri} refused: validation never touches the network")


class JsonSchemaValidator:
    """A JSON Schema 2020-12 compiled once, with format assertions on.

    `pattern` and `patternProperties` run on Rust's `regex` engine, which matches in linear time
    and has no backtracking budget to exhaust (jsonschema-rs's default, fancy-regex, gives up after
    a number of backtracking steps, and that was reported as a failed payload: a verdict from an
    exhausted budget). Lookaround and back-references are therefore refused when the schema loads.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        schema = read_json_schema(path)
        try:
            self._rust: Any = jsonschema_rs.Draft202012Validator(
                schema, validate_formats=True, retriever=_refuse_retrieval,
                pattern_options=jsonschema_rs.RegexOptions(),
            )
        except (jsonschema_rs.ValidationError, ValueError) as exc:
            # Typically a `$ref` that is not inside the schema: refused, never fetched.
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if 'is not a "regex"' in first:
                first += " (patterns run on a linear-time engine: no lookaround, no back-references)"
            raise SpecError(f"JSON Schema cannot be compiled: {capped(first)}",
                            location=str(path)) from exc

    def iter_violations(self, value: Any) -> Iterator[SchemaViolation]:
        """Yield the schema errors of `value` (at most MAX_SCHEMA_ERRORS).

        Whatever jsonschema-rs raises is a processing error for this payload (PayloadError or
        RuleError), never a verdict and never an internal error.
        """
        try:
            if self._rust.is_valid(value):
                return
            errors = []
            for count, error in enumerate(self._rust.iter_errors(value)):
                if count >= MAX_SCHEMA_ERRORS:
                    break
                errors.append(error)
        except UnicodeEncodeError as exc:
            # Python strings may hold lone surrogates (JSON's "\ud800"); Rust strings cannot.
            code = f"U+{ord(exc.object[exc.start]):04X}" if isinstance(exc.object, str) else "?"
            raise PayloadError(
                f"a string holds a lone surrogate ({code}), which is not Unicode text: JSON Schema "
                "validation cannot run",
                message_zh=f"字符串含有孤立代理项（{code}），不是 Unicode 文本：无法进行 JSON Schema 校验",
            ) from None
        except Exception as exc:  # jsonschema-rs's own failures: the payload stays undecided
            raise RuleError(f"JSON Schema validation could not run: {type(exc).__name__}: "
                            f"{capped(str(exc))}", location=str(self.path)) from None
        for error in errors:
            yield _json_violation(error)


def _member(name: Any) -> str:
    """A member name for a message: bare when it is a plain identifier, else quoted and capped."""
    text = str(name)
    return text if _PLAIN_NAME.fullmatch(text) else quoted(text, 80)


def _json_violation(error: Any) -> SchemaViolation:
    """jsonschema-rs's error, said as the fix for a missing or an undeclared member."""
    # jsonschema-rs quotes the failing value whole (a 60 MB string would be printed) and puts the
    # reason after it ('"..." is longer than 64 characters'): cut in the middle.
    engine = capped(error.message)
    pointer = _pointer(error.instance_path)
    kind = error.kind
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.Required):
        name = _member(kind.property)
        return SchemaViolation(message=f"{name} is missing", message_zh=f"缺少 {name}", pointer=pointer,
                               engine_message=engine)
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.AdditionalProperties):
        names = [_member(n) for n in list(kind.unexpected)[:5]]
        more = len(kind.unexpected) - len(names)
        listed = ", ".join(names) + (f" (and {more} more)" if more > 0 else "")
        listed_zh = "、".join(names) + ("等" if more > 0 else "")
        return SchemaViolation(message=f"{listed}: not a member the schema declares here",
                               message_zh=f"{listed_zh}：模式在此处未声明该成员", pointer=pointer,
                               engine_message=engine)
    return SchemaViolation(message=engine, pointer=pointer, engine_message=engine)


def _pointer(path: Any) -> str:
    return "".join("/" + escape_token(str(step)) for step in path)
