"""Locations and short source excerpts for findings, computed only for payloads that need them."""

from __future__ import annotations

from bisect import bisect_left

from conformance.core.findings import Location
from conformance.validation.documents.jsondoc import JsonDocument
from conformance.validation.documents.jsonpos import JsonPositions
from conformance.validation.documents.xmldoc import XmlDocument

_MAX_LINE = 160
_CONTEXT = 1  # lines shown before and after the one a finding points at
_CHUNK = 4096  # characters per entry of the newline index


class Excerpts:
    """Per-document helper: fills in line/column from pointers and cuts excerpts around lines.

    Lines are found in the source text through a small index of newline counts per chunk, never by
    splitting the text into a list of lines (30 million short lines would take gigabytes), and
    lines end at "\\n" only, as the line numbers of libxml2 and of `jsonpos` count them.
    """

    def __init__(self, doc: XmlDocument | JsonDocument) -> None:
        self._doc = doc
        self._text: str | None = None
        self._newlines: list[int] | None = None  # newlines before each chunk, cumulative
        self._positions: JsonPositions | None = None

    def _source(self) -> str:
        if self._text is None:
            doc = self._doc
            if isinstance(doc, JsonDocument):
                text = doc.text
            else:
                encoding = doc.tree.docinfo.encoding or "utf-8"
                try:
                    text = doc.payload.data.decode(encoding, "replace")
                except LookupError:
                    text = doc.payload.data.decode("utf-8", "replace")
            self._text = text[1:] if text.startswith("\ufeff") else text
        return self._text

    def _line(self, number: int) -> str | None:
        """Line `number` (1-based) of the source, cut after `_MAX_LINE` + 1 characters, or None."""
        text = self._source()
        if self._newlines is None:
            counts = [0]
            for start in range(0, len(text), _CHUNK):
                counts.append(counts[-1] + text.count("\n", start, start + _CHUNK))
            self._newlines = counts
        before = number - 1  # newlines before the line
        if before < 0 or before > self._newlines[-1]:
            return None
        chunk = bisect_left(self._newlines, before) - 1
        if before == 0:
            start = 0
        else:
            start = chunk * _CHUNK
            for _ in range(before - self._newlines[chunk]):
                start = text.index("\n", start) + 1
            if start == len(text):
                return None  # after a final newline: no line (as `str.splitlines` has it)
        end = text.find("\n", start, start + _MAX_LINE + 2)
        return text[start:end if end >= 0 else start + _MAX_LINE + 1]

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
        start = max(1, location.line - _CONTEXT)
        lines = [(n, self._line(n)) for n in range(start, location.line + _CONTEXT + 1)]
        present = [(n, line) for n, line in lines if line is not None]
        if not present or present[0][0] > location.line:
            return None
        width = len(str(present[-1][0]))
        out = []
        for number, line in present:
            text = line.rstrip()
            if len(text) > _MAX_LINE:
                text = text[:_MAX_LINE] + "…"
            marker = ">" if number == location.line else " "
            out.append(f"{marker}{number:>{width}} | {text}")
        return "\n".join(out)
