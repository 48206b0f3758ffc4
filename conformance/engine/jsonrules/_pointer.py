"""Rule contexts: RFC 6901 JSON pointers in which a `*` step matches every item or member."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

_BAD_ESCAPE = re.compile(r"~(?![01])")


def escape_token(token: str) -> str:
    """RFC 6901 escaping of one reference token ('~' -> '~0', '/' -> '~1')."""
    return token.replace("~", "~0").replace("/", "~1")


# A step: None for `*`, else (member name, array index or -1, escaped token for output pointers).
Step = tuple[str, int, str] | None


class ContextSelector:
    """A compiled context pointer: `select(document)` yields (pointer, node) in document order."""

    __slots__ = ("steps", "text")

    def __init__(self, text: str) -> None:
        """Parse `text`; ValueError saying why when it is not a pointer."""
        if type(text) is not str:
            raise ValueError(f"must be a JSON pointer string, found {text!r}")
        if text and not text.startswith("/"):
            raise ValueError(f"JSON pointer {text!r} must be empty or start with '/'")
        steps: list[Step] = []
        for raw in text.split("/")[1:] if text else ():
            bad = _BAD_ESCAPE.search(raw)
            if bad:
                raise ValueError(
                    f"JSON pointer {text!r}: '~' must be followed by 0 or 1 (RFC 6901), "
                    f"found {raw[bad.start():bad.start() + 2]!r}"
                )
            if raw == "*":
                steps.append(None)
                continue
            token = raw.replace("~1", "/").replace("~0", "~")
            # RFC 6901 array indexes: "0" or digits without a leading zero; "-" matches nothing.
            canonical = raw.isascii() and raw.isdigit() and (raw == "0" or raw[0] != "0")
            index = int(raw) if canonical else -1
            steps.append((token, index, raw))
        self.text = text
        self.steps = tuple(steps)

    def select(self, document: Any) -> Iterator[tuple[str, Any]]:
        """Every (pointer, node) the context matches in `document`; pointers RFC 6901 escaped."""
        nodes: list[tuple[str, Any]] = [("", document)]
        for step in self.steps:
            found: list[tuple[str, Any]] = []
            for pointer, node in nodes:
                kind = type(node)
                if step is None:
                    if kind is dict:
                        found.extend((f"{pointer}/{escape_token(k)}", v) for k, v in node.items())
                    elif kind is list:
                        found.extend((f"{pointer}/{i}", v) for i, v in enumerate(node))
                    continue
                token, index, escaped = step
                if kind is dict:
                    if token in node:
                        found.append((f"{pointer}/{escaped}", node[token]))
                elif kind is list and 0 <= index < len(node):
                    found.append((f"{pointer}/{index}", node[index]))
            nodes = found
            if not nodes:
                break
        return iter(nodes)

    def nodes(self, document: Any) -> list[Any]:
        """The nodes `select` yields, in the same order, without building their pointers."""
        nodes: list[Any] = [document]
        for step in self.steps:
            found: list[Any] = []
            for node in nodes:
                kind = type(node)
                if step is None:
                    if kind is dict:
                        found.extend(node.values())
                    elif kind is list:
                        found.extend(node)
                    continue
                token, index, _ = step
                if kind is dict:
                    if token in node:
                        found.append(node[token])
                elif kind is list and 0 <= index < len(node):
                    found.append(node[index])
            nodes = found
            if not nodes:
                break
        return nodes

    def __repr__(self) -> str:
        return f"ContextSelector({self.text!r})"
