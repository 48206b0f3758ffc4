"""Hardened JSON parsing: UTF-8 only (RFC 8259 §8.1), duplicate keys refused, bounded depth."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from conformance.core.errors import PayloadError
from conformance.engine.payload import Payload, detect_bom

MAX_DEPTH = 128


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


_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS_ONLY = {ord(c): None for c in map(chr, range(0x80)) if c not in "[]{}"}
_DELTA = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def _depth_exceeds(text: str, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than `limit` (C-speed passes, no recursion)."""
    skeleton = _STRINGS.sub("", text).translate(_BRACKETS_ONLY)
    skeleton = "".join(ch for ch in skeleton if ch in "[]{}") if not skeleton.isascii() else skeleton
    return max(accumulate(map(_DELTA.__getitem__, map(ord, skeleton))), default=0) > limit


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
    try:
        value = json.loads(text, object_pairs_hook=_pairs_hook, parse_constant=_reject_constant)
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
    except RecursionError:
        raise PayloadError(
            f"JSON nested deeper than {max_depth} levels (limit for payloads)",
            message_zh=f"JSON 嵌套超过 {max_depth} 层（报文上限）", location=payload.name,
        ) from None
    # Few brackets cannot nest deeply. Counted in the bytes: memchr speed, where counting in a
    # str holding Chinese text scans two or four bytes a character.
    if isinstance(value, (dict, list)) and data.count(b"[") + data.count(b"{") > max_depth \
            and _depth_exceeds(text, max_depth):
        raise PayloadError(
            f"JSON nested deeper than {max_depth} levels (limit for payloads)",
            message_zh=f"JSON 嵌套超过 {max_depth} 层（报文上限）", location=payload.name,
        )
    return JsonDocument(payload=payload, text=text, value=value)
