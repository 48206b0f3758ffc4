"""Text from untrusted payloads made safe for XML 1.0 and HTML documents.

Payload names, messages and excerpts come from files we do not control. XML 1.0 cannot carry most
C0 control characters at all (not even as character references), and a name read from a file system
may hold lone surrogates (Python's `surrogateescape` for bytes that are not UTF-8), which no UTF-8
document can hold. Such characters are shown as visible escapes (`\\x1b`, `\\udcff`) rather than
dropped, so a reader can still tell two hostile names apart.
"""

from __future__ import annotations

import re

# Everything outside the XML 1.0 `Char` production; surrogates are outside it too.
_NOT_XML_CHAR = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with every character XML 1.0 cannot carry replaced by a visible escape."""
    return _NOT_XML_CHAR.sub(_escape, text)


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, marking the cut, for one-line attributes."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
