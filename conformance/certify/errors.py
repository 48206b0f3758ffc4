"""Why a certificate could not be issued, trusted or revoked.

    ConformanceError                    (conformance.core.errors)
    ├── UsageError                      unreadable or foreign file, wrong key type, bad option
    ├── IssueRefused                    the run results do not support a certificate
    ├── SignatureError                  a signature does not hold (tampered, or another key)
    ├── UntrustedRevocations            a revocation list is unsigned, tampered or someone else's
    │   ├── StaleRevocations            ... or signed, but past its next-update or older than --max-age
    │   └── RolledBackRevocations       ... or signed, but older than a list already seen (rollback)
    └── CanonicalizationError           a value JCS cannot serialise the way every verifier would

Each maps to its own exit code in `conform certificate` (see conformance/cli/certify.py).
"""

from __future__ import annotations

from conformance.core.errors import ConformanceError


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
