"""Text from untrusted payloads made safe for XML 1.0 and HTML documents, terminals and JSON.

Payload names, messages and excerpts come from files we do not control. XML 1.0 cannot carry most
C0 control characters at all (not even as character references), and a name read from a file system
may hold lone surrogates (Python's `surrogateescape` for bytes that are not UTF-8), which no UTF-8
document can hold. Such characters are shown as visible escapes (`\\x1b`, `\\udcff`) rather than
dropped, so a reader can still tell two hostile names apart.
"""

from __future__ import annotations

import re
import reprlib
from functools import cache


@cache
def _not_xml_char() -> re.Pattern[str]:
    """Everything outside the XML 1.0 `Char` production; surrogates are outside it too.

    Compiled on first use: the class spans all of Unicode and takes 10 ms to compile, which every
    `conform` call would pay at import (issue 10 §2)."""
    return re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with every character XML 1.0 cannot carry replaced by a visible escape."""
    return _not_xml_char().sub(_escape, text)


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, marking the cut, for one-line attributes."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# What a terminal would act on or draw misleadingly rather than show: C0 controls but the tab (ESC
# starts sequences that move the cursor, retitle the window or write to the clipboard; CR and LF
# overwrite or forge lines), DEL, C1 controls (U+009B is a one-character CSI), the bidirectional
# marks, embeddings, overrides and isolates that reorder what is shown (U+061C, U+200E, U+200F,
# U+202A-U+202E, U+2066-U+2069: "Trojan Source"), the line and paragraph separators, and lone
# surrogates (bytes of a file name that are not UTF-8), which no terminal encoding can carry.
_NOT_TERMINAL_SAFE = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r"}


def _escape_for_terminal(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or _escape(match)


def terminal(text: str) -> str:
    """`text` from a payload or bundle, one line, with everything a terminal would act on escaped."""
    return _NOT_TERMINAL_SAFE.sub(_escape_for_terminal, text)


_SURROGATE = re.compile("[\ud800-\udfff]")


def json_text(text: str) -> str:
    """Serialised JSON made encodable: a lone surrogate becomes the visible text `\\udcff`.

    `json.dumps(..., ensure_ascii=False)` passes lone surrogates (from file names) through, and no
    UTF-8 stream can write them; shown as escapes they still tell two names apart. Surrogates can
    only stand inside JSON strings, where a backslash must itself be escaped.
    """
    if _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub(lambda m: f"\\\\u{ord(m.group()):04x}", text)


def quoted(value: object, limit: int = 60) -> str:
    """`value` for a message about a file we did not write: repr-escaped and cut to `limit`."""
    # Never the repr of a 50 MB value only to cut it: a string is cut first (each character is one
    # or more of its repr), anything else goes through a repr that stops early.
    if isinstance(value, str | bytes):
        text = repr(value[: limit + 1])
    else:
        short = reprlib.Repr()
        short.maxstring = short.maxother = limit + 1
        text = short.repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
