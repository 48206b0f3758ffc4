"""Rule contexts: RFC 6901 JSON pointers in which a `*` step matches every item or member."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from conformance.core.errors import RuleError
from conformance.core.limits import RULE_MAX_POINTER_CHARS

_BAD_ESCAPE = re.compile(r"~(?![01])")


def escape_token(token: str) -> str:
    """RFC 6901 escaping of one reference token ('~' -> '~0', '/' -> '~1')."""
    return token.replace("~", "~0").replace("/", "~1")


# A step: None for `*`, else (member name, array index or -1, escaped token for output pointers).
Step = tuple[str, int, str] | None
# A node's pointer, unjoined: (the parent's link or None for the root, escaped token, length).
_Link = tuple[Any, str, int] | None


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
        """Every (pointer, node) the context matches in `document`; pointers RFC 6901 escaped.

        RuleError when the pointers together would exceed RULE_MAX_POINTER_CHARS characters.
        """
        walked = self._walk(document)
        found = self._join([link for link, _ in walked])
        return iter([(pointer, node) for pointer, (_, node) in zip(found, walked, strict=True)])

    def pointers(self, document: Any, positions: Sequence[int]) -> list[str]:
        """The pointers of the nodes at `positions` in `nodes(document)` (failing nodes, usually).

        RuleError when they together would exceed RULE_MAX_POINTER_CHARS characters.
        """
        walked = self._walk(document)
        return self._join([walked[i][0] for i in positions])

    def _walk(self, document: Any) -> list[tuple[_Link, Any]]:
        # A node's pointer is its parent's plus one token: held as a link to the parent's, and
        # joined only for the nodes asked for. Building every pointer as a string copied each
        # parent's (possibly megabyte-long) member name once per child: quadratic in the payload.
        nodes: list[tuple[_Link, Any]] = [(None, document)]
        for step in self.steps:
            found: list[tuple[_Link, Any]] = []
            for link, node in nodes:
                kind = type(node)
                size = 0 if link is None else link[2]
                if step is None:
                    if kind is dict:
                        for key, child in node.items():
                            token = escape_token(key)
                            found.append(((link, token, size + 1 + len(token)), child))
                    elif kind is list:
                        for i, child in enumerate(node):
                            token = str(i)
                            found.append(((link, token, size + 1 + len(token)), child))
                    continue
                token, index, escaped = step
                if kind is dict:
                    if token in node:
                        found.append(((link, escaped, size + 1 + len(escaped)), node[token]))
                elif kind is list and 0 <= index < len(node):
                    found.append(((link, escaped, size + 1 + len(escaped)), node[index]))
            nodes = found
            if not nodes:
                break
        return nodes

    def _join(self, links: list[_Link]) -> list[str]:
        total = sum(0 if link is None else link[2] for link in links)
        if total > RULE_MAX_POINTER_CHARS:
            raise RuleError(
                f"the pointers of the {len(links)} nodes of context {self.text!r} to report "
                f"would take {total} characters, over the budget of {RULE_MAX_POINTER_CHARS}")
        pointers = []
        for link in links:
            tokens: list[str] = []
            while link is not None:
                link, token, _ = link
                tokens.append(token)
            tokens.append("")
            pointers.append("/".join(reversed(tokens)))
        return pointers

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
