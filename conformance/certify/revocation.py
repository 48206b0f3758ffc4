"""Revocation lists: the certificates an issuer has withdrawn, signed like certificates are.

A list is only as good as its signature: it is verified against the issuer's key before it is
read (by `verify`) or extended (by `revoke`), so nobody can remove an entry unnoticed, and nobody
but the issuer can add one. Entries are sorted by certificate id, one per certificate; revoking
a certificate again keeps the first revocation.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from conformance.certify import jws, signed_file
from conformance.certify.errors import SignatureError, UntrustedRevocations
from conformance.certify.keys import key_id
from conformance.certify.timestamps import format_time, parse_time
from conformance.core.errors import UsageError

FORMAT = "egov-conformance/revocations"
FORMAT_VERSION = "1.0"
TYP = "egov-conformance-revocations+json"
MEMBER = "revocations"
SCHEMA = "revocations.schema.json"
_UUID = re.compile(r"^(urn:uuid:)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                   r"[0-9a-fA-F]{12}$")


@dataclass(frozen=True, slots=True)
class Revocation:
    """One revoked certificate."""

    id: str
    revoked: str
    reason: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "revoked": self.revoked, "reason": self.reason}

    def applies_at(self, moment: datetime) -> bool:
        return parse_time(self.revoked) <= moment


@dataclass(frozen=True, slots=True)
class Revoked:
    """What `revoke` did: the entry in force, whether it was already there, whether the list is new."""

    entry: Revocation
    already: bool
    created: bool


def certificate_urn(text: str) -> str:
    """`urn:uuid:...` (lower case) from a URN or a bare UUID; a UsageError otherwise."""
    if not _UUID.match(text.strip()):
        raise UsageError(f"{text!r} is neither a certificate file nor a certificate id (urn:uuid:...)")
    return uuid.UUID(text.strip().removeprefix("urn:uuid:")).urn


def load_revocations(path: Path, key: ed25519.Ed25519PublicKey) -> tuple[Revocation, ...]:
    """The entries of a revocation list signed by `key`; UntrustedRevocations for any other list.

    An unreadable file is a UsageError; everything about its content that keeps it from being
    trusted (not JSON, unsigned, changed, signed by another key, not a list) is UntrustedRevocations.
    """
    data = signed_file.read_bytes(path, "revocation list")
    where = f"revocation list {path}"
    try:
        document = signed_file.parse_json(data, where)
        signed = signed_file.split(document, MEMBER, where, "signed revocation list")
        jws.verify(signed.content, signed.jws, key, TYP)
        signed_file.check_schema(signed.as_dict(), SCHEMA, where, "revocation list")
    except SignatureError as exc:
        raise UntrustedRevocations(f"{where}: {exc}") from None
    except UsageError as exc:
        raise UntrustedRevocations(str(exc)) from None
    if signed.content["issuer"]["key-id"] != key_id(key):
        raise UntrustedRevocations(f"{where}: names the issuer key {signed.content['issuer']['key-id']}, "
                                   f"not {key_id(key)}")
    return tuple(Revocation(e["id"], e["revoked"], e["reason"]) for e in signed.content["entries"])


def find(entries: tuple[Revocation, ...], certificate_id: str, at: datetime) -> Revocation | None:
    """The revocation of `certificate_id` in force at `at`, if any."""
    return next((e for e in entries if e.id == certificate_id and e.applies_at(at)), None)


def revoke(path: Path, certificate_id: str, key: ed25519.Ed25519PrivateKey, *,
           reason: str | None, now: datetime) -> Revoked:
    """Add `certificate_id` to the list at `path` (created if absent) and re-sign it."""
    certificate_id = certificate_urn(certificate_id)
    if reason is not None and (len(reason) > 500 or not reason.isprintable()):
        raise UsageError("--reason: printable text of at most 500 characters")
    created = not path.exists()
    entries = () if created else load_revocations(path, key.public_key())
    existing = next((e for e in entries if e.id == certificate_id), None)
    if existing is not None:
        return Revoked(existing, already=True, created=False)
    entry = Revocation(certificate_id, format_time(now), reason)
    content = {
        "format": FORMAT,
        "format-version": FORMAT_VERSION,
        "issuer": {"key-id": key_id(key.public_key())},
        "updated": format_time(now),
        "entries": [e.as_dict() for e in sorted((*entries, entry), key=lambda e: e.id)],
    }
    document = {MEMBER: content, "signature": jws.sign(content, key, TYP)}
    signed_file.check_schema(document, SCHEMA, "revocation list", "revocation list")
    signed_file.replace_file(path, signed_file.dumps(document))
    return Revoked(entry, already=False, created=created)
