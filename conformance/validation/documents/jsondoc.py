"""Hardened JSON parsing: UTF-8 only (RFC 8259 §8.1), duplicate keys refused, bounded depth."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from conformance.core.errors import PayloadError
from conformance.core.limits import JSON_MAX_DEPTH, JSON_MAX_INTEGER_DIGITS
from conformance.validation.documents.payload import Payload, detect_bom

MAX_DEPTH = JSON_MAX_DEPTH


class _NotJson(Exception):
    def __init__(self, token: str) -> None:
        self.token = token


def _reject_constant(token: str) -> Any:
    raise _NotJson(token)


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return obj


@dataclass(frozen=True, slots=True)
class JsonDocument:
    payload: Payload
    text: str
    value: Any


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


# Only quotes and brackets survive; with escapes gone first, a string is a quote, no quote, a quote.
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
_QUOTED = re.compile(rb'"[^"]*"')  # a single-character repeat: sre keeps no state per character
_DELTA = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def _depth_exceeds(data: bytes, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than `limit`, in the bytes of valid JSON.

    C-speed passes, no recursion, memory a small multiple of the input. A string regex with an
    alternation in its repeat keeps backtracking state per character (7 GB for one 60 MB string);
    here strings are cut out with a single-character repeat once their escapes are gone. UTF-8 never
    uses the bytes of a quote or a backslash inside a multi-byte character, so bytes will do.
    """
    # Escaped backslashes first, then escaped quotes: what is left of a backslash escapes no quote.
    skeleton = data.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_STRUCTURE)
    skeleton = _QUOTED.sub(b"", skeleton)
    return max(accumulate(map(_DELTA.__getitem__, skeleton)), default=0) > limit


class _NumberOutOfRange(Exception):
    def __init__(self, token: str, why: str, why_zh: str) -> None:
        self.token, self.why, self.why_zh = token, why, why_zh


def _checked_int(token: str) -> int:
    digits = len(token) - token.startswith("-")
    if digits > JSON_MAX_INTEGER_DIGITS:
        raise _NumberOutOfRange(
            token, f"an integer of {digits} digits, over the limit of {JSON_MAX_INTEGER_DIGITS}",
            f"整数有 {digits} 位，超过上限 {JSON_MAX_INTEGER_DIGITS} 位")
    return int(token)


def _checked_float(token: str) -> float:
    number = float(token)
    if math.isinf(number):
        # Python reads it as infinity, which JSON has no value for (jsonschema-rs then sees null).
        raise _NumberOutOfRange(
            token, "a number beyond the range of IEEE 754 binary64 (I-JSON, RFC 7493 §2.2)",
            "数值超出 IEEE 754 双精度范围（I-JSON，RFC 7493 §2.2）")
    return number


# Floats always go through the check: a Python call per float, about 2 µs on a 15 KB envelope
# (0.3 µs a float; +40 % parse time on a payload made of nothing but floats). A screen for what can
# overflow (a three-digit exponent, a 309-digit mantissa) cost 55 µs a payload, 20 % of the parse.
# Integers are checked only when `int()` has refused one (see `parse_json`).
_NUMBER_HOOKS: dict[str, Any] = {"parse_int": _checked_int, "parse_float": _checked_float}


def _number_error(exc: _NumberOutOfRange, text: str, name: str) -> PayloadError:
    offset = text.find(exc.token)  # the first occurrence: a string holding the same digits is rare
    line, column = _line_col(text, offset) if offset >= 0 else (None, None)
    shown = exc.token if len(exc.token) <= 40 else f"{exc.token[:20]}…{exc.token[-10:]}"
    return PayloadError(
        f"number {shown} is {exc.why}", message_zh=f"数值 {shown} 是{exc.why_zh}",
        location=name, line=line, column=column,
    )


# `\uD800`-`\uDFFF`: a surrogate written as an escape (a raw one is already invalid UTF-8).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _refuse_lone_surrogates(text: str, name: str) -> None:
    """A PayloadError at the first surrogate escape that is not half of a pair.

    An unpaired surrogate is not a Unicode character: RFC 8259 §8.2 leaves its meaning open and
    I-JSON (RFC 7493 §2.1) forbids it. Python would carry it as a str no UTF-8 output can encode
    (a crash of every writer), and jsonschema-rs raises on it; so it is refused here, located.
    """
    high_at: int | None = None  # a high surrogate waiting for its low half, six characters on
    lone: int | None = None
    for match in _SURROGATE_ESCAPE.finditer(text):
        start = match.start()
        backslashes = 0  # `\\ud800` is an escaped backslash and the letters "ud800"
        while start - backslashes - 1 >= 0 and text[start - backslashes - 1] == "\\":
            backslashes += 1
        if backslashes % 2:
            continue
        is_low = match.group()[3] in "cdefCDEF"  # \uDC00-\uDFFF
        if high_at is not None:
            if is_low and start == high_at + 6:
                high_at = None
                continue
            lone = high_at
            break
        if is_low:
            lone = start
            break
        high_at = start
    else:
        lone = high_at
    if lone is None:
        return
    escape = text[lone:lone + 6]
    line, column = _line_col(text, lone)
    raise PayloadError(
        f"unpaired surrogate {escape}: not a Unicode character (RFC 8259 §8.2; I-JSON, RFC 7493 §2.1)",
        message_zh=f"未配对的代理项 {escape}：不是 Unicode 字符（RFC 8259 §8.2；I-JSON，RFC 7493 §2.1）",
        location=name, line=line, column=column,
    )


def parse_json(payload: Payload, *, max_depth: int = MAX_DEPTH) -> JsonDocument:
    """Parse a payload as JSON or raise PayloadError with line and column."""
    data = payload.data
    bom = detect_bom(data)
    if bom and bom != "UTF-8":
        raise PayloadError(
            f"JSON must be encoded in UTF-8 (RFC 8259 §8.1); this payload starts with a {bom} "
            "byte-order mark",
            message_zh=f"JSON 必须使用 UTF-8 编码（RFC 8259 §8.1）；该报文以 {bom} 字节顺序标记开头",
            location=payload.name, line=1, column=1,
        )
    if bom == "UTF-8":
        data = data[3:]  # RFC 8259 lets parsers ignore a UTF-8 BOM
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise PayloadError(
            f"invalid UTF-8 at byte offset {exc.start} (byte 0x{data[exc.start]:02x})",
            message_zh=f"第 {exc.start} 字节处不是有效的 UTF-8（0x{data[exc.start]:02x}）",
            location=payload.name, line=line, column=column,
        ) from exc
    if not text.strip():
        raise PayloadError("empty JSON document", message_zh="JSON 文档为空",
                           location=payload.name, line=1, column=1)
    # A backslash is rare in payloads and memchr finds there is none at once; only then are
    # escapes looked at.
    if data.find(b"\\") >= 0:
        _refuse_lone_surrogates(text, payload.name)
    try:
        value = json.loads(text, object_pairs_hook=_pairs_hook, parse_constant=_reject_constant,
                           parse_float=_checked_float)
    except _NumberOutOfRange as exc:
        raise _number_error(exc, text, payload.name) from None
    except _NotJson as exc:
        offset = text.find(exc.token)
        line, column = _line_col(text, offset) if offset >= 0 else (1, 1)
        raise PayloadError(
            f"{exc.token} is not a JSON value (RFC 8259 §6)",
            message_zh=f"{exc.token} 不是合法的 JSON 值（RFC 8259 §6）",
            location=payload.name, line=line, column=column,
        ) from None
    except _DuplicateKey as exc:
        marker = json.dumps(exc.key, ensure_ascii=False)
        first = text.find(marker)
        second = text.find(marker, first + 1) if first >= 0 else -1
        line, column = _line_col(text, second) if second >= 0 else (1, 1)
        raise PayloadError(
            f"duplicate object key {exc.key!r}: the document is ambiguous (RFC 8259 §4)",
            message_zh=f"对象键 {exc.key!r} 重复：文档含义不明确（RFC 8259 §4）",
            location=payload.name, line=line, column=column,
        ) from None
    except json.JSONDecodeError as exc:
        raise PayloadError(
            f"not well-formed JSON: {exc.msg}", message_zh=f"JSON 格式不正确：{exc.msg}",
            location=payload.name, line=exc.lineno, column=exc.colno,
        ) from None
    except ValueError as exc:
        # Not a JSONDecodeError: CPython's int() refuses more than 4,300 digits (its decimal
        # conversion is quadratic). Parse again with the checking hooks only to say where.
        try:
            json.loads(text, object_pairs_hook=_pairs_hook, **_NUMBER_HOOKS)
        except _NumberOutOfRange as again:
            raise _number_error(again, text, payload.name) from None
        except ValueError:
            pass
        reason = str(exc)[:200]
        raise PayloadError(f"cannot read a number: {reason}", message_zh=f"无法读取数值：{reason}",
                           location=payload.name) from None
    except RecursionError:
        raise PayloadError(
            f"JSON nested deeper than {max_depth} levels (limit for payloads)",
            message_zh=f"JSON 嵌套超过 {max_depth} 层（报文上限）", location=payload.name,
        ) from None
    # Few brackets cannot nest deeply. Counted in the bytes: memchr speed, where counting in a
    # str holding Chinese text scans two or four bytes a character.
    if isinstance(value, (dict, list)) and data.count(b"[") + data.count(b"{") > max_depth \
            and _depth_exceeds(data, max_depth):
        raise PayloadError(
            f"JSON nested deeper than {max_depth} levels (limit for payloads)",
            message_zh=f"JSON 嵌套超过 {max_depth} 层（报文上限）", location=payload.name,
        )
    return JsonDocument(payload=payload, text=text, value=value)
