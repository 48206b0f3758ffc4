"""Failures of the tool itself, in one tree. Findings about payloads are values, never exceptions.

    ConformanceError                base of everything we raise on purpose
    ├── SpecError                   a standard bundle, manifest, schema, rule file or code list is wrong
    │   └── BundlePathError         an artefact path leaves its bundle (path traversal)
    ├── StandardNotFound            no standard (or version) by that id; lists what exists
    ├── RecognitionError            a payload matches no message type, or several; lists candidates
    ├── PayloadError                a payload cannot be read or parsed (reported as a processing error)
    ├── RuleError                   a business rule broke while running on a document
    ├── UsageError                  the caller asked for something impossible (bad option, missing path)
    │   └── Busy                    another process holds a lock and we were asked not to wait
    ├── IssueRefused                the run results do not support a certificate
    ├── SignatureError              a signature does not hold (tampered, or another key)
    ├── UntrustedRevocations        a revocation list is unsigned, tampered or someone else's
    │   ├── StaleRevocations        ... or signed, but past its next-update or older than --max-age
    │   └── RolledBackRevocations   ... or signed, but older than a list already seen (rollback)
    └── CanonicalizationError       a value JCS cannot serialise the way every verifier would

    AssertionError
    └── RequirementFailed           a generated test: a MUST requirement failed on some payloads
    Exception
    └── RequirementUndecided        a generated test: a requirement could not be decided
    UserWarning
    └── ConformanceWarning          a generated test: a SHOULD or MAY requirement failed

The last three are how a generated pytest suite signals outcomes to pytest: a failed requirement
is an assertion failure (pytest shows our text, no traceback), an undecided one an error, a failed
SHOULD a warning on a passing test. Each certificate error maps to its own exit code of
`conform certificate` (conformance/cli/certify.py).

Dependency exceptions (lxml, xmlschema, jsonschema, yaml, saxonche, cryptography) are mapped into
these at the boundary so callers need to know only this tree. A few modules keep a private
exception for their own control flow (`_Problem`, `_Refused`, `_Budget`, ...): it never leaves the
module that raises it.
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


class Busy(UsageError):
    """Another process holds the lock and we were asked not to wait."""


class IssueRefused(ConformanceError):
    """The run results do not show conformance, so no certificate may be issued from them."""


class SignatureError(ConformanceError):
    """A signature does not verify. `wrong_key` when the protected header names another key:
    then the document may be intact but was signed by someone else."""

    def __init__(self, message: str, *, wrong_key: bool = False) -> None:
        super().__init__(message)
        self.wrong_key = wrong_key


class UntrustedRevocations(ConformanceError):
    """A revocation list cannot be relied on: not signed, changed, or signed by another key."""


class StaleRevocations(UntrustedRevocations):
    """A genuine revocation list that is too old to speak for the moment of verification: past its
    `next-update`, or issued longer ago than the verifier's `--max-age`. Fetch a newer one."""


class RolledBackRevocations(UntrustedRevocations):
    """A genuine revocation list older than one already seen for the same issuer key (a lower
    sequence number, or another list under the same number): someone may be hiding revocations."""


class CanonicalizationError(ConformanceError):
    """A value outside what our JCS serialises (floats, unsafe integers, lone surrogates)."""


class RequirementFailed(AssertionError):
    """A requirement failed on some payloads; `str()` is the whole report pytest shows."""


class RequirementUndecided(Exception):
    """A requirement could not be decided on some payloads (processing errors)."""


class ConformanceWarning(UserWarning):
    """A SHOULD or MAY requirement failed: the payload still conforms, the vendor should know."""
