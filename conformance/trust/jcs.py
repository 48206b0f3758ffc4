"""RFC 8785 JSON Canonicalization Scheme (JCS) for the values certificates hold.

Signatures are computed over these bytes, so that re-indenting a certificate or reordering its
members (editors, pretty printers, other JSON libraries) keeps it valid, while changing any value
does not. Objects are sorted by the UTF-16 code units of their member names (not by code points:
U+1F600 sorts before U+FB33), strings are written as ECMAScript's JSON.stringify writes them
(only `"`, `\\` and controls below U+0020 escaped, everything else as UTF-8), no whitespace.

Numbers are where JCS is hard: floats need ECMAScript's shortest round-trip formatting. Our
documents hold only integers and strings, so floats are refused rather than serialised in a way
another implementation might not reproduce, and integers must lie within I-JSON's exact range
(|n| <= 2**53 - 1) where every implementation writes them as plain decimals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from conformance.core.errors import CanonicalizationError

MAX_SAFE_INTEGER = 2**53 - 1
# Deeper nesting than any certificate needs is refused before Python's recursion limit is.
MAX_DEPTH = 64

_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
                  "\r": "\\r"}
_ESCAPES = str.maketrans({**{chr(c): f"\\u{c:04x}" for c in range(0x20)}, **_SHORT_ESCAPES})


def canonicalize(value: Any) -> bytes:
    """The JCS bytes of `value` (None, bool, int, str, lists/tuples and str-keyed mappings)."""
    parts: list[str] = []
    _write(value, parts, 0)
    return "".join(parts).encode("utf-8")


def _write(value: Any, out: list[str], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise CanonicalizationError(f"nesting deeper than {MAX_DEPTH} levels")
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise CanonicalizationError(f"integer {value} is outside the I-JSON range ±(2**53 - 1)")
        out.append(str(int(value)))
    elif isinstance(value, float):
        raise CanonicalizationError(f"number {value!r} is not an integer: certificates hold only "
                                    "integers and strings")
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, Mapping):
        if not all(isinstance(k, str) for k in value):
            raise CanonicalizationError("object member names must be strings")
        out.append("{")
        for i, name in enumerate(sorted(value, key=_utf16)):
            if i:
                out.append(",")
            out.append(_string(name))
            out.append(":")
            _write(value[name], out, depth + 1)
        out.append("}")
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out, depth + 1)
        out.append("]")
    else:
        raise CanonicalizationError(f"{type(value).__name__} is not a JSON value")


def _utf16(name: str) -> bytes:
    # Big-endian UTF-16 bytes compare exactly as the sequence of 16-bit code units does.
    try:
        return name.encode("utf-16-be")
    except UnicodeEncodeError:
        raise CanonicalizationError(f"member name {name!r} is not valid Unicode") from None


def _string(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalizationError(f"string {text!r} holds a lone surrogate") from None
    return '"' + text.translate(_ESCAPES) + '"'
