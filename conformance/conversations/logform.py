"""The form of an exchange log's JSON: strict parsing, the shipped schema, times with a zone.

A log is third-party data. Its JSON is read as the payload parser reads it (`parse_json`: UTF-8
only, duplicate keys, NaN and Infinity refused, bounded depth and digits; a screen passes plainly
valid lines without its per-call cost and leaves every other one to it), then the shipped JSON Schema,
screened by jsonschema-rs; pure-Python `jsonschema` is imported only to word the errors of a
document that fails. Every failure is a `PayloadError` located at the log folder whose message
names the file and the line or field (`events.jsonl line 7: ...`, `exchange.json field ended: ...`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from itertools import islice
from typing import Any

import jsonschema_rs

from conformance.core.errors import PayloadError
from conformance.core.limits import JSON_MAX_DEPTH, QUOTE_MAX_CHARS
from conformance.core.yamlload import quote
from conformance.validation.documents.jsondoc import parse_json
from conformance.validation.documents.payload import Payload

SCHEMA_NAME = "exchange-log.schema.json"
_SHOWN_ERRORS = 5


@dataclass(frozen=True, slots=True)
class Where:
    """A place in a log, in both languages: `events.jsonl line 7`, `exchange.json field ended`."""

    en: str
    zh: str
    line: int | None = None

    def error(self, en: str, zh: str) -> PayloadError:
        """A PayloadError at this place (the caller sets `location` to the log folder)."""
        return PayloadError(f"{self.en}: {en}", message_zh=f"{self.zh}：{zh}", line=self.line)

    def field(self, name: str) -> Where:
        """The field `name` at this place."""
        return Where(f"{self.en} field {name}", f"{self.zh} 字段 {name}", self.line)


def line_of(file: str, number: int) -> Where:
    """Line `number` of `file`."""
    return Where(f"{file} line {number}", f"{file} 第 {number} 行", number)


class _Refused(Exception):
    """What the screen leaves to the payload parser: it alone words the error."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise _Refused
    return found


def _no_constant(token: str) -> Any:
    raise _Refused


def _finite(token: str) -> float:
    number = float(token)
    if math.isinf(number):
        raise _Refused
    return number


# One decoder for every line: json.loads with hooks builds a decoder and its scanner per call, and a
# log is parsed a line at a time. The hooks refuse what the payload parser refuses: a duplicate key,
# NaN and Infinity, a float beyond binary64.
_SCREEN = json.JSONDecoder(object_pairs_hook=_unique_keys, parse_constant=_no_constant, parse_float=_finite)
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")  # conservative: `\\ud800` (no surrogate) counts too


def _screened(data: bytes) -> Any:
    """The value of `data` when it is plainly valid JSON that `parse_json` accepts as it is; else _Refused.

    Only documents with nothing for the payload parser to word get through: UTF-8 without a BOM
    (a BOM fails the decoder), no surrogate escape (lone ones are refused there, located), fewer
    brackets than the depth limit (so neither recursion nor the depth check can come into play),
    integers `int()` reads (it raises ValueError past 4,300 digits). Its value is then the one
    `parse_json` returns: the same decoder over the same text with the same hooks' outcome.
    """
    if data.count(b"[") + data.count(b"{") > JSON_MAX_DEPTH:
        raise _Refused
    if b"\\" in data and _SURROGATE_ESCAPE.search(data):
        raise _Refused
    try:
        return _SCREEN.decode(data.decode("utf-8"))
    except (ValueError, RecursionError):  # JSONDecodeError, UnicodeDecodeError, int() refusing
        raise _Refused from None


def parse_strict(data: bytes, where: Where) -> Any:
    """The JSON value of `data`, parsed as payloads are; a PayloadError at `where` otherwise."""
    try:
        return _screened(data)
    except _Refused:
        return parse_payload_json(data, where)


def parse_payload_json(data: bytes, where: Where) -> Any:
    """`parse_strict` without its screen: the payload parser alone (what the screen must agree with)."""
    try:
        return parse_json(Payload(name=where.en, data=data)).value
    except PayloadError as exc:
        # The parser counts lines from the start of `data`: a place that is a line keeps its own.
        if where.line is None and exc.line is not None:
            where = line_of(where.en, exc.line)
        if exc.column is not None:
            where = Where(f"{where.en} column {exc.column}", f"{where.zh} 第 {exc.column} 列", where.line)
        error = where.error(exc.message, exc.message_zh)
        error.column = exc.column
        raise error from None


@cache
def log_schema() -> Mapping[str, Any]:
    """The JSON Schema of exchange.json, with the event shape in `$defs/event`."""
    text = resources.files("conformance.conversations").joinpath(SCHEMA_NAME).read_text(encoding="utf-8")
    schema: Mapping[str, Any] = json.loads(text)
    return schema


@cache
def _schema_for(shape: str) -> dict[str, Any]:
    return {**log_schema(), "$ref": f"#/$defs/{shape}"}


@cache
def _fast(shape: str) -> Any:
    return jsonschema_rs.validator_for(_schema_for(shape), validate_formats=True)


def _path(steps: Any) -> str:
    path = ""
    for step in steps:
        path += f"[{step}]" if isinstance(step, int) else (f".{step}" if path else str(step))
    return path


def check_shape(raw: Any, shape: str, where: Where) -> None:
    """Raise a PayloadError at `where` naming the fields where `raw` breaks `$defs/<shape>`."""
    try:
        if _fast(shape).is_valid(raw):
            return
    except (ValueError, TypeError, OverflowError):  # what Rust cannot hold: the Python check decides
        pass
    import jsonschema

    validator = jsonschema.Draft202012Validator(
        _schema_for(shape), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    found = sorted(islice(validator.iter_errors(raw), 50),
                   key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if not found:
        return
    first = found[0]
    path = _path(first.absolute_path)
    place = where.field(path) if path else where
    message = quote(first.message, 3 * QUOTE_MAX_CHARS)[1:-1]
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    more_zh = f"（另有 {len(found) - 1} 处）" if len(found) > 1 else ""
    lines = [message]
    for other in found[1:_SHOWN_ERRORS]:
        other_path = _path(other.absolute_path) or "(top level)"
        lines.append(f"{other_path}: {quote(other.message, QUOTE_MAX_CHARS)[1:-1]}")
    text = "; ".join(lines)
    raise place.error(f"does not match the exchange-log schema: {text}{more}",
                      f"不符合交换日志的 JSON Schema：{text}{more_zh}")


# RFC 3339 date-time; the zone is what the reader insists on, so its absence is told apart.
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?")


def parse_time(value: Any, where: Where) -> datetime:
    """An aware datetime from an RFC 3339 time with a zone offset; a PayloadError at `where` otherwise."""
    if not isinstance(value, str):
        raise where.error(f"{quote(value)} is not a time (a string, RFC 3339)",
                          f"{quote(value)} 不是时间（应为 RFC 3339 字符串）")
    match = _TIME.fullmatch(value)
    if match is None:
        raise where.error(f"time {quote(value)} is not an RFC 3339 date-time (2026-12-01T10:00:00.120+08:00)",
                          f"时间 {quote(value)} 不是 RFC 3339 日期时间（例如 2026-12-01T10:00:00.120+08:00）")
    if match.group(2) is None:
        raise where.error(f"time {quote(value)} has no zone offset (Z or +hh:mm): it names no instant",
                          f"时间 {quote(value)} 没有时区偏移（Z 或 +hh:mm），不能确定时刻")
    text = value
    if match.end(1) - match.start(1) > 6:  # -1 - -1 without a fraction
        # datetime holds microseconds: finer digits are cut, never rounded into the next second.
        text = text[:match.start(1) + 6] + text[match.end(1):]
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00") if match.group(2) == "Z" else text)
    except ValueError as exc:  # 2026-13-45, 25:00
        raise where.error(f"time {quote(value)} is not a valid date and time: {exc}",
                          f"时间 {quote(value)} 不是有效的日期时间：{exc}") from None
