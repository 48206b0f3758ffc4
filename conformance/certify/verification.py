"""Verifying a certificate: signature, issuer key, validity period, revocation.

Checks run in an order that makes each answer meaningful: the signature first (nothing in a
changed certificate can be believed, not even its dates), then the format, then revocation (a
revoked certificate is reported as revoked even when it has also expired), then the period.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    """A status, a one-line reason, and the certificate content when its signature held."""

    status: Status
    message: str
    certificate: dict[str, Any] | None = None

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
        return Verification(Status.WRONG_KEY if exc.wrong_key else Status.TAMPERED, str(exc))
    # Signed by the issuer yet not a certificate we read (a future major version): a UsageError.
    signed_file.check_schema(signed.as_dict(), SCHEMA, "certificate", "certificate")
    certificate = signed.content
    if certificate["issuer"]["key-id"] != header.kid:
        raise UsageError(f"the certificate names the issuer key {certificate['issuer']['key-id']} "
                         f"but was signed with {header.kid}: not a certificate this tool issues")
    if isinstance(revocations, UntrustedRevocations):
        status = (Status.STALE_REVOCATIONS if isinstance(revocations, StaleRevocations) else
                  Status.ROLLED_BACK_REVOCATIONS if isinstance(revocations, RolledBackRevocations) else
                  Status.UNTRUSTED_REVOCATIONS)
        return Verification(status, str(revocations), certificate)
    revoked = find(revocations or (), certificate["id"], at)
    if revoked is not None:
        because = f": {revoked.reason}" if revoked.reason else ""
        return Verification(Status.REVOKED, f"revoked on {revoked.revoked}{because}", certificate)
    if at < parse_time(certificate["issued"]):
        return Verification(Status.NOT_YET_VALID, f"not valid before {certificate['issued']}",
                            certificate)
    if at >= parse_time(certificate["expires"]):
        return Verification(Status.EXPIRED, f"expired on {certificate['expires']}", certificate)
    return Verification(Status.VALID, f"valid until {certificate['expires']}", certificate)


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
