"""Failures of the tool itself. Findings about payloads are values, never exceptions.

    ConformanceError            base of everything we raise on purpose
    ├── SpecError               a standard bundle, manifest, schema, rule file or code list is wrong
    │   └── BundlePathError     an artefact path leaves its bundle (path traversal)
    ├── StandardNotFound        no standard (or version) by that id; lists what exists
    ├── RecognitionError        a payload matches no message type, or several; lists candidates
    ├── PayloadError            a payload cannot be read or parsed (reported as a processing error)
    ├── RuleError               a business rule broke while running on a document
    └── UsageError              the caller asked for something impossible (bad option, missing path)

Dependency exceptions (lxml, xmlschema, jsonschema, yaml, saxonche) are mapped into these at the
boundary so callers need to know only this tree.
"""

from __future__ import annotations


class ConformanceError(Exception):
    """Base class of the tool's own errors."""

    def __init__(self, message: str, *, location: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class SpecError(ConformanceError):
    """A standard bundle or one of its artefacts is invalid; `location` names file and field."""


class BundlePathError(SpecError):
    """An artefact path points outside its bundle folder."""


class StandardNotFound(ConformanceError):
    """No standard or version matches; the message lists the available ones."""


class RecognitionError(ConformanceError):
    """A payload matches no known message type, or more than one."""

    def __init__(
        self, message: str, *, location: str | None = None, candidates: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message, location=location)
        self.candidates = candidates


class PayloadError(ConformanceError):
    """A payload cannot be read or parsed; carries line/column when known."""

    def __init__(
        self,
        message: str,
        *,
        location: str | None = None,
        line: int | None = None,
        column: int | None = None,
        message_zh: str | None = None,
    ) -> None:
        super().__init__(message, location=location)
        self.line = line
        self.column = column
        self.message_zh = message_zh or message


class RuleError(ConformanceError):
    """A business rule failed to run (type error, unknown function) on a document."""

    def __init__(self, message: str, *, location: str | None = None, rule: str | None = None) -> None:
        super().__init__(message, location=location)
        self.rule = rule


class UsageError(ConformanceError):
    """The caller's request cannot be carried out as given."""
