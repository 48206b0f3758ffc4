"""Where a JSON pointer points in the source text: line and column, found only when needed.

`json` keeps no positions, so failing payloads are scanned once more by this small reader; the
conformant majority never pays for it.
"""

from __future__ import annotations

import contextlib
import json
import re

_WS = re.compile(r"[ \t\r\n]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null")


def escape_token(token: str) -> str:
    """RFC 6901 escaping of one reference token."""
    return token.replace("~", "~0").replace("/", "~1")


class JsonPositions:
    """Maps JSON pointers to (line, column) of the value they reference."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._offsets: dict[str, int] = {}
        # Positions are a courtesy: a document we cannot rescan keeps what was found.
        with contextlib.suppress(IndexError, ValueError, RecursionError):
            self._value(0, "")

    def offset(self, pointer: str) -> int | None:
        return self._offsets.get(pointer)

    def line_col(self, pointer: str) -> tuple[int | None, int | None]:
        """1-based line and column of the value at `pointer`, or (None, None)."""
        offset = self._offsets.get(pointer)
        if offset is None:
            return None, None
        text = self._text
        return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1

    def _skip(self, i: int) -> int:
        m = _WS.match(self._text, i)
        return m.end() if m else i

    def _value(self, i: int, pointer: str) -> int:
        text = self._text
        i = self._skip(i)
        self._offsets[pointer] = i
        ch = text[i]
        if ch == "{":
            i = self._skip(i + 1)
            if text[i] == "}":
                return i + 1
            while True:
                m = _STRING.match(text, i)
                if not m:
                    raise ValueError("key expected")
                key = json.loads(m.group())
                i = self._skip(m.end())
                if text[i] != ":":
                    raise ValueError(": expected")
                i = self._skip(self._value(i + 1, pointer + "/" + escape_token(key)))
                if text[i] == ",":
                    i = self._skip(i + 1)
                    continue
                if text[i] == "}":
                    return i + 1
                raise ValueError(", or } expected")
        if ch == "[":
            i = self._skip(i + 1)
            if text[i] == "]":
                return i + 1
            index = 0
            while True:
                i = self._skip(self._value(i, f"{pointer}/{index}"))
                index += 1
                if text[i] == ",":
                    i += 1
                    continue
                if text[i] == "]":
                    return i + 1
                raise ValueError(", or ] expected")
        m = _STRING.match(text, i) if ch == '"' else _SCALAR.match(text, i)
        if not m:
            raise ValueError("value expected")
        return m.end()
