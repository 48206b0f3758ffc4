"""XPath read as text: what the translator, the importer and the sandbox need to know before compiling.

Nothing here evaluates or fully parses XPath (the engines do); these are small lexical scans, each
with its own stance on string literals, because their jobs differ:

- the *shape* of a rule context (`union_branches`, `is_absolute`, `may_match_attributes`) treats
  literals and predicates as opaque: a `|` or `@` inside `'...'` or `[...]` says nothing about which
  nodes the context selects. The translator uses them to choose how a pattern walks the document,
  the importer to find document elements.
- the *function names* of an expression (`calls`) are found as XPath's lexer finds names, with
  literals and comments scanned like code. This is the sandbox's lexer: a name it misses is a call
  the sandbox lets through, so it errs on the side of finding too much (an assertion whose text
  spells `doc(` is reported). Change it only with `_sandbox.py` and its tests in mind.

The two are not merged: one scanner cannot both skip literals (the shape) and read them (the
sandbox) without a switch that would put the security boundary one flag away from the translator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FN_NS = "http://www.w3.org/2005/xpath-functions"

_LITERAL = re.compile(r"\"[^\"]*\"|'[^']*'")
_ATTRIBUTE_HINT = re.compile(
    r"@|attribute|namespace|::|\$|~|\b(?:key|id|element-with-id|root|doc)\s*\(|(?:^|[\s|/(])\.(?:$|[\s|/)])"
)


def may_match_attributes(context: str) -> bool:
    """False only when a rule context can match nothing but elements, documents, text, comments."""
    text = _LITERAL.sub("''", context)
    out: list[str] = []
    depth = 0
    for char in text:
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(char)
    return bool(_ATTRIBUTE_HINT.search("".join(out)))


def union_branches(context: str) -> list[str]:
    """The branches of an XPath union: `context` split at `|` outside brackets and quotes."""
    branches: list[str] = []
    depth = 0
    quote = ""
    start = 0
    for index, char in enumerate(context):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(context[start:index])
            start = index + 1
    branches.append(context[start:])
    return branches


def is_absolute(context: str) -> bool:
    """Whether every branch of a rule context (split at top-level `|`) is an absolute path."""
    branches = union_branches(context)
    return all(b.strip().startswith("/") for b in branches)


_NAME_START = re.compile(r"[A-Za-z_\u00c0-\uffff]")
_NAME = re.compile(r"[\w.\-\u00b7\u00c0-\uffff]*")
_NUMBER = re.compile(r"\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?")
_EQNAME = re.compile(r"Q\{([^{}]*)\}")
# Prefixes a processor may know without a declaration: treated as bound wherever they are not.
_PREDECLARED = {"fn": FN_NS, "saxon": "http://saxon.sf.net/"}


def _after_dollar(text: str, start: int) -> bool:
    return text[max(0, start - 64) : start].rstrip().endswith("$")


@dataclass(frozen=True, slots=True)
class Call:
    """A function name followed by `(` (a call) or `#` (a named function reference)."""

    start: int  # where the function name begins
    end: int  # just after the name
    after: int  # at `(` or `#`, comments and spaces skipped
    uri: str | None  # None: unprefixed
    local: str
    reference: bool  # `name#arity`, not a call


def skip_gap(text: str, index: int) -> int:
    """Past whitespace and (nested) XPath comments."""
    length = len(text)
    while index < length:
        if text[index].isspace():
            index += 1
        elif text.startswith("(:", index):
            depth = 0
            while index < length:
                if text.startswith("(:", index):
                    depth += 1
                    index += 2
                elif text.startswith(":)", index):
                    depth -= 1
                    index += 2
                    if depth == 0:
                        break
                else:
                    index += 1
        else:
            break
    return index


def calls(text: str, nsmap: dict[str | None, str]) -> list[Call]:
    """Every `name(` and `name#` in `text`, found as XPath's lexer would find names."""
    found: list[Call] = []
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char.isdigit() or (char == "." and text[index + 1 : index + 2].isdigit()):
            number = _NUMBER.match(text, index)
            index = number.end() if number else index + 1
            continue
        uri: str | None = None
        start = index
        eq = _EQNAME.match(text, index) if char == "Q" else None
        if eq is not None and _NAME_START.match(text, eq.end()):
            uri = " ".join(eq.group(1).split())
            index = eq.end()
        elif not _NAME_START.match(char):
            index += 1
            continue
        local_end = _NAME.match(text, index + 1)
        assert local_end is not None
        local, index = text[index : local_end.end()], local_end.end()
        if uri is None and text.startswith(":", index) and _NAME_START.match(text, index + 1):
            prefix = local
            rest = _NAME.match(text, index + 2)
            assert rest is not None
            local, index = text[index + 1 : rest.end()], rest.end()
            # An undeclared prefix cannot compile; unknown here, it is not a standard function.
            uri = nsmap.get(prefix) or _PREDECLARED.get(prefix, f"undeclared:{prefix}")
        if _after_dollar(text, start):
            continue  # `$doc(...)` calls the function item held by a variable
        after = skip_gap(text, index)
        if after < length and text[after] in "(#":
            found.append(Call(start, index, after, uri, local, text[after] == "#"))
    return found
