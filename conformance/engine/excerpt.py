"""Locations and short source excerpts for findings, computed only for payloads that need them."""

from __future__ import annotations

from conformance.core.findings import Location
from conformance.engine.jsondoc import JsonDocument
from conformance.engine.jsonpos import JsonPositions
from conformance.engine.xmldoc import XmlDocument

_MAX_LINE = 160
_CONTEXT = 1  # lines shown before and after the one a finding points at


class Excerpts:
    """Per-document helper: fills in line/column from pointers and cuts excerpts around lines."""

    def __init__(self, doc: XmlDocument | JsonDocument) -> None:
        self._doc = doc
        self._lines: list[str] | None = None
        self._positions: JsonPositions | None = None

    def _text_lines(self) -> list[str]:
        if self._lines is None:
            doc = self._doc
            if isinstance(doc, JsonDocument):
                text = doc.text
            else:
                encoding = doc.tree.docinfo.encoding or "utf-8"
                try:
                    text = doc.payload.data.decode(encoding, "replace")
                except LookupError:
                    text = doc.payload.data.decode("utf-8", "replace")
            self._lines = text.lstrip("\ufeff").splitlines()
        return self._lines

    def locate(
        self,
        *,
        line: int | None = None,
        column: int | None = None,
        xpath: str | None = None,
        pointer: str | None = None,
    ) -> Location:
        """A Location; a JSON pointer without a line gets one from the source text."""
        if pointer is not None and line is None and isinstance(self._doc, JsonDocument):
            if self._positions is None:
                self._positions = JsonPositions(self._doc.text)
            line, column = self._positions.line_col(pointer)
        return Location(line=line, column=column, xpath=xpath, pointer=pointer)

    def excerpt(self, location: Location | None) -> str | None:
        """The lines around `location.line`, numbered, each cut to a readable width."""
        if location is None or location.line is None:
            return None
        lines = self._text_lines()
        start = max(1, location.line - _CONTEXT)
        end = min(len(lines), location.line + _CONTEXT)
        if start > end:
            return None
        width = len(str(end))
        out = []
        for number in range(start, end + 1):
            text = lines[number - 1].rstrip()
            if len(text) > _MAX_LINE:
                text = text[:_MAX_LINE] + "…"
            marker = ">" if number == location.line else " "
            out.append(f"{marker}{number:>{width}} | {text}")
        return "\n".join(out)
