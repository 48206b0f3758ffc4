"""Where a JSON pointer points in the source text: line and column, found only when needed.

`json` keeps no positions, so the source of a failing payload is read again by this small reader;
the conformant majority never pays for it. It reads only what a requested pointer passes through:
the members of each container on the way are recorded once (by key or index, never as pointer
strings, which repeat their parents' names and grow quadratically with long keys), and everything
else is skipped at C speed. Memory stays a small multiple of the containers on requested paths.
"""

from __future__ import annotations

import contextlib
import json
import re
from array import array

from conformance.validation.selector import unescape_token

_WS = re.compile(r"[ \t\r\n]*")
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null")
# Up to the next character that matters when skipping a container: one single-character repeat,
# which sre runs without keeping state per character.
_PLAIN = re.compile(r'[^"\[\]{}]*')
_INDEX = re.compile(r"0|[1-9][0-9]*")


class JsonPositions:
    """Maps JSON pointers to (line, column) of the value they reference."""

    def __init__(self, text: str) -> None:
        self._text = text
        # Offset of a container -> offsets of its members (by key) or items (by index).
        self._members: dict[int, dict[str, int] | array[int]] = {}

    def offset(self, pointer: str) -> int | None:
        """Offset of the value at `pointer`, or None (also for a text this reader cannot follow)."""
        # Positions are a courtesy: a document we cannot rescan keeps what was found.
        with contextlib.suppress(IndexError, ValueError, RecursionError):
            return self._find(pointer)
        return None

    def line_col(self, pointer: str) -> tuple[int | None, int | None]:
        """1-based line and column of the value at `pointer`, or (None, None)."""
        offset = self.offset(pointer)
        if offset is None:
            return None, None
        text = self._text
        return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1

    def _find(self, pointer: str) -> int | None:
        at = self._skip(0)
        if not pointer:
            return at
        if not pointer.startswith("/"):
            return None
        for token in pointer[1:].split("/"):
            members = self._members.get(at)
            if members is None:
                members = self._members[at] = self._read_members(at)
            if isinstance(members, dict):
                found = members.get(unescape_token(token))
                if found is None:
                    return None
                at = found
            else:
                if not _INDEX.fullmatch(token) or int(token) >= len(members):
                    return None
                at = members[int(token)]
        return at

    def _read_members(self, i: int) -> dict[str, int] | array[int]:
        """The offsets of the members of the container at `i` (a scalar has none)."""
        text = self._text
        if text[i] == "{":
            members: dict[str, int] = {}
            i = self._skip(i + 1)
            if text[i] == "}":
                return members
            while True:
                end = self._string_end(i)
                key = json.loads(text[i:end])
                i = self._skip(end)
                if text[i] != ":":
                    raise ValueError(": expected")
                start = self._skip(i + 1)
                members[key] = start
                i = self._skip(self._value_end(start))
                if text[i] == ",":
                    i = self._skip(i + 1)
                    continue
                if text[i] == "}":
                    return members
                raise ValueError(", or } expected")
        if text[i] == "[":
            items = array("q")
            i = self._skip(i + 1)
            if text[i] == "]":
                return items
            while True:
                start = self._skip(i)
                items.append(start)
                i = self._skip(self._value_end(start))
                if text[i] == ",":
                    i += 1
                    continue
                if text[i] == "]":
                    return items
                raise ValueError(", or ] expected")
        return {}

    def _value_end(self, i: int) -> int:
        """The offset after the value at `i`; containers are skipped whole, without recursion."""
        text = self._text
        ch = text[i]
        if ch == '"':
            return self._string_end(i)
        if ch not in "[{":
            m = _SCALAR.match(text, i)
            if not m:
                raise ValueError("value expected")
            return m.end()
        depth = 0
        while True:
            ch = text[i]
            if ch == '"':
                i = self._string_end(i)
            else:
                depth += 1 if ch in "[{" else -1
                i += 1
                if depth == 0:
                    return i
            i = _PLAIN.match(text, i).end()  # type: ignore[union-attr]  # `*` always matches

    def _string_end(self, i: int) -> int:
        """The offset after the string whose opening quote is at `i`.

        Found with `str.index` and a count of the backslashes before each quote: linear, with no
        memory. A regex with an alternation in its repeat keeps backtracking state per character
        (7 GB for one 60-million-character string).
        """
        text = self._text
        if text[i] != '"':
            raise ValueError("string expected")
        quote = i
        while True:
            quote = text.index('"', quote + 1)
            backslashes = 0
            while text[quote - backslashes - 1] == "\\":
                backslashes += 1
            if backslashes % 2 == 0:
                return quote + 1

    def _skip(self, i: int) -> int:
        m = _WS.match(self._text, i)
        return m.end() if m else i
