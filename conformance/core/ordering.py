"""The natural order of identifiers: BR-2 before BR-10, the one sort key of every report and the importer."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"([0-9]+)")

NaturalKey = tuple[tuple[int, int, str] | tuple[int, str], ...]


def natural_key(text: str) -> NaturalKey:
    """Sort key of `text` with its runs of ASCII digits compared as numbers, never with the letters.

    A digit run is keyed by its length without leading zeros and then its digits, which orders
    numbers of any length as `int` would without converting them (int() refuses more than 4,300
    digits); only [0-9] counts as a digit, as str.isdigit() also accepts '²', which int() refuses.
    """
    key: list[tuple[int, int, str] | tuple[int, str]] = []
    for part in _DIGITS.split(text):
        if not part:
            continue
        if part[0] in "0123456789":
            stripped = part.lstrip("0")
            key.append((0, len(stripped), stripped))
        else:
            key.append((1, part))
    return tuple(key)
