"""Verifying a certificate: signature, issuer key, validity period, revocation.

Checks run in an order that makes each answer meaningful: the signature first (nothing in a
changed certificate can be believed, not even its dates), then the format, then revocation (a
revoked certificate is reported as revoked even when it has also expired), then the period. Each
check's own outcome is kept too (`Verification.checks`): the period of a revoked certificate whose
signature held is still known.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from conformance.certify import signed_file
from conformance.certify.certificate import MEMBER, SCHEMA, TYP
from conformance.certify.revocation import Revocation, certificate_urn, find
from conformance.certify.timestamps import parse_time
from conformance.core.errors import (
    RolledBackRevocations,
    SignatureError,
    StaleRevocations,
    UntrustedRevocations,
    UsageError,
)
from conformance.core.limits import CERTIFICATE_MAX_BYTES
from conformance.trust import jws


class CheckOutcome(StrEnum):
    """What one check of a verification found."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_CHECKED = "not-checked"  # an earlier check failed, or no revocation list was given


# The checks of a verification, in the order they run.
CHECKS = ("issuer-key", "signature", "revocation", "validity-period")
_UNCHECKED = tuple((name, CheckOutcome.NOT_CHECKED) for name in CHECKS)


class Status(StrEnum):
    """The answer of a verification."""

    VALID = "valid"
    TAMPERED = "tampered"
    WRONG_KEY = "wrong-key"
    EXPIRED = "expired"
    NOT_YET_VALID = "not-yet-valid"
    REVOKED = "revoked"
    UNTRUSTED_REVOCATIONS = "untrusted-revocations"
    STALE_REVOCATIONS = "stale-revocations"
    ROLLED_BACK_REVOCATIONS = "rolled-back-revocations"


@dataclass(frozen=True, slots=True)
class Verification:
    """A status, a one-line reason, the certificate content when its signature held, and the
    outcome of each check (`CHECKS`, in order)."""

    status: Status
    message: str
    certificate: dict[str, Any] | None = None
    checks: tuple[tuple[str, CheckOutcome], ...] = _UNCHECKED

    @property
    def valid(self) -> bool:
        return self.status is Status.VALID


def load_certificate(path: Path) -> signed_file.Signed:
    """A certificate file's content and signature, unverified; UsageError if it is not one."""
    where = str(path)
    data = signed_file.read_bytes(path, "certificate", limit=CERTIFICATE_MAX_BYTES)
    document = signed_file.parse_json(data, where)
    return signed_file.split(document, MEMBER, where, "conformance certificate")


def verify(signed: signed_file.Signed, key: ed25519.Ed25519PublicKey, *, at: datetime,
           revocations: tuple[Revocation, ...] | UntrustedRevocations | None = None
           ) -> Verification:
    """Verify `signed` with the issuer's `key` at the moment `at`.

    `revocations` is the entries of the verified (and fresh) list, or the error met loading or
    checking it (so that a bad, stale or rolled-back list is reported only about a certificate
    that is otherwise sound), or None when not checked.
    """
    try:
        header = jws.verify(signed.content, signed.jws, key, TYP)
    except SignatureError as exc:
        if exc.wrong_key:
            return Verification(Status.WRONG_KEY, str(exc), checks=_checks(CheckOutcome.FAILED))
        return Verification(Status.TAMPERED, str(exc),
                            checks=_checks(CheckOutcome.PASSED, CheckOutcome.FAILED))
    # Signed by the issuer yet not a certificate we read (a future major version): a UsageError.
    signed_file.check_schema(signed.as_dict(), SCHEMA, "certificate", "certificate")
    certificate = signed.content
    if certificate["issuer"]["key-id"] != header.kid:
        raise UsageError(f"the certificate names the issuer key {certificate['issuer']['key-id']} "
                         f"but was signed with {header.kid}: not a certificate this tool issues")
    # The dates (the schema requires both) are checked whichever check decides the status.
    if at < parse_time(certificate["issued"]):
        period = Verification(Status.NOT_YET_VALID, f"not valid before {certificate['issued']}", certificate)
    elif at >= parse_time(certificate["expires"]):
        period = Verification(Status.EXPIRED, f"expired on {certificate['expires']}", certificate)
    else:
        period = Verification(Status.VALID, f"valid until {certificate['expires']}", certificate)
    within = CheckOutcome.PASSED if period.valid else CheckOutcome.FAILED
    if isinstance(revocations, UntrustedRevocations):
        status = (Status.STALE_REVOCATIONS if isinstance(revocations, StaleRevocations) else
                  Status.ROLLED_BACK_REVOCATIONS if isinstance(revocations, RolledBackRevocations) else
                  Status.UNTRUSTED_REVOCATIONS)
        return Verification(status, str(revocations), certificate,
                            _checks(CheckOutcome.PASSED, CheckOutcome.PASSED, CheckOutcome.FAILED, within))
    revoked = find(revocations or (), certificate["id"], at)
    if revoked is not None:
        because = f": {revoked.reason}" if revoked.reason else ""
        return Verification(Status.REVOKED, f"revoked on {revoked.revoked}{because}", certificate,
                            _checks(CheckOutcome.PASSED, CheckOutcome.PASSED, CheckOutcome.FAILED, within))
    listed = CheckOutcome.NOT_CHECKED if revocations is None else CheckOutcome.PASSED
    return replace(period, checks=_checks(CheckOutcome.PASSED, CheckOutcome.PASSED, listed, within))


def _checks(issuer_key: CheckOutcome, signature: CheckOutcome = CheckOutcome.NOT_CHECKED,
            revocation: CheckOutcome = CheckOutcome.NOT_CHECKED,
            period: CheckOutcome = CheckOutcome.NOT_CHECKED) -> tuple[tuple[str, CheckOutcome], ...]:
    return tuple(zip(CHECKS, (issuer_key, signature, revocation, period), strict=True))


def certificate_id(reference: str, key: ed25519.Ed25519PublicKey) -> str:
    """The id of a certificate given as a file (whose signature by `key` must hold; SignatureError
    otherwise) or as its id (`urn:uuid:...` or a bare UUID)."""
    path = Path(reference)
    if not path.is_file():
        return certificate_urn(reference)
    signed = load_certificate(path)
    jws.verify(signed.content, signed.jws, key, TYP)
    signed_file.check_schema(signed.as_dict(), SCHEMA, str(path), "certificate")
    return str(signed.content["id"])
