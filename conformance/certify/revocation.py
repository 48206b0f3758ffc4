"""Revocation lists: the certificates an issuer has withdrawn, signed like certificates are.

A list is only as good as its signature: it is verified against the issuer's key before it is
read (by `verify`) or extended (by `revoke`), so nobody can remove an entry unnoticed, and nobody
but the issuer can add one. Entries are sorted by certificate id, one per certificate; revoking
a certificate again keeps the first revocation.

A signature alone does not stop a rollback: an old list, genuinely signed, is still a valid
signature, and it leaves out every later revocation. So (as RFC 5280 CRLs carry a CRL number,
thisUpdate and nextUpdate, and TUF metadata a version and an expiry) every list since format 1.1
carries a `sequence` number, one more at every signing, its issue time `updated` and a
`next-update` before which the issuer promises a newer list. A verifier can then refuse a list
past its next-update or older than `--max-age` (`StaleRevocations`), and one with a lower
sequence than it has already seen (`RolledBackRevocations`, see `revocation_state`).

Lists of format 1.0 have no sequence and no next-update. They are still read (sequence 0, never
stale by next-update; `--max-age` applies to their `updated`), so that existing lists keep
working, but a verifier that has seen any 1.1 list of the issuer, or asks for `--min-sequence`,
refuses them; the issuer's next `revoke` or `refresh` turns them into 1.1 lists with sequence 1.

Every read-modify-write holds the list's lock (`lockfile`), and the new list replaces the old by
a rename, so two revocations at once both land and a crash never leaves half a list.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from conformance.certify import signed_file
from conformance.certify.timestamps import format_time, parse_time
from conformance.core import lockfile
from conformance.core.digests import sha256_digest
from conformance.core.errors import (
    RolledBackRevocations,
    SignatureError,
    StaleRevocations,
    UntrustedRevocations,
    UsageError,
)
from conformance.core.files import read_bounded
from conformance.core.limits import REVOCATIONS_MAX_BYTES
from conformance.core.printable import quoted
from conformance.trust import jws
from conformance.trust.jcs import canonicalize
from conformance.trust.keys import key_id

FORMAT = "egov-conformance/revocations"
# 1.1 added `sequence` and `next-update` (required from 1.1 on, absent in 1.0).
FORMAT_VERSION = "1.1"
LEGACY_VERSION = "1.0"
# How long a list speaks for, unless the issuer says otherwise: the issuer re-signs (`refresh`)
# within this time, as a CA issues a new CRL before nextUpdate. A month suits a list published by
# hand; a year is the longest we accept, since a stale list hides revocations for that long.
NEXT_UPDATE_DAYS = 30
MAX_NEXT_UPDATE_DAYS = 366
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


@dataclass(frozen=True, slots=True)
class RevocationList:
    """A revocation list whose signature by the issuer's key held."""

    issuer_key_id: str
    sequence: int  # 0 for a format 1.0 list, which has none
    updated: str
    next_update: str | None  # None for a format 1.0 list
    entries: tuple[Revocation, ...]
    digest: str = field(repr=False)  # SHA-256 of the JCS bytes of the signed content

    def check_fresh(self, at: datetime, freshness: Freshness) -> None:
        """StaleRevocations or RolledBackRevocations when this list may not speak for `at`."""
        if self.sequence < freshness.min_sequence:
            what = "a format 1.0 list without sequence number" if self.sequence == 0 else \
                f"sequence {self.sequence}"
            raise RolledBackRevocations(f"the revocation list is {what}, older than the "
                                        f"--min-sequence {freshness.min_sequence} required")
        if self.next_update is not None and at > parse_time(self.next_update):
            raise StaleRevocations(f"the revocation list (sequence {self.sequence}, issued {self.updated}) "
                                   f"was due to be replaced on {self.next_update}: get the issuer's "
                                   "current list")
        if freshness.max_age is not None and at - parse_time(self.updated) > freshness.max_age:
            raise StaleRevocations(f"the revocation list was issued on {self.updated}, more than "
                                   f"--max-age {format_age(freshness.max_age)} before "
                                   f"{format_time(at)}: get the issuer's current list")


@dataclass(frozen=True, slots=True)
class Freshness:
    """What a verifier demands of a revocation list beyond its signature."""

    min_sequence: int = 0
    max_age: timedelta | None = None


_AGE = re.compile(r"^([1-9][0-9]{0,5})([smhd])$")
_AGE_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_age(text: str) -> timedelta:
    """`--max-age`: a positive number with a unit, `90s`, `30m`, `12h` or `7d`."""
    match = _AGE.match(text.strip())
    if match is None:
        raise UsageError(f"--max-age {quoted(text)}: a number and a unit, such as 12h or 7d "
                         "(units s, m, h, d)")
    return timedelta(**{_AGE_UNITS[match.group(2)]: int(match.group(1))})


def format_age(age: timedelta) -> str:
    seconds = int(age.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def load_revocations(path: Path, key: ed25519.Ed25519PublicKey) -> RevocationList:
    """The revocation list at `path`, signed by `key`; UntrustedRevocations for any other list.

    An unreadable file is a UsageError; everything about its content that keeps it from being
    trusted (not JSON, unsigned, changed, signed by another key, not a list) is UntrustedRevocations.
    Freshness is the caller's to check (`RevocationList.check_fresh`, `revocation_state`).
    """
    data = read_bounded(path, max_bytes=REVOCATIONS_MAX_BYTES, error=UsageError, what="revocation list",
                        what_zh="撤销列表")
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
    content = signed.content
    if content["issuer"]["key-id"] != key_id(key):
        raise UntrustedRevocations(f"{where}: names the issuer key {content['issuer']['key-id']}, "
                                   f"not {key_id(key)}")
    next_update = content.get("next-update")
    if next_update is not None and parse_time(next_update) <= parse_time(content["updated"]):
        raise UntrustedRevocations(f"{where}: its next-update {next_update} is not after its issue "
                                   f"time {content['updated']}")
    return RevocationList(
        issuer_key_id=content["issuer"]["key-id"], sequence=content.get("sequence", 0),
        updated=content["updated"], next_update=next_update,
        entries=tuple(Revocation(e["id"], e["revoked"], e["reason"]) for e in content["entries"]),
        digest=sha256_digest(canonicalize(content)))


def find(entries: tuple[Revocation, ...], certificate_id: str, at: datetime) -> Revocation | None:
    """The revocation of `certificate_id` in force at `at`, if any."""
    return next((e for e in entries if e.id == certificate_id and e.applies_at(at)), None)


def revoke(path: Path, certificate_id: str, key: ed25519.Ed25519PrivateKey, *,
           reason: str | None, now: datetime, next_update_days: int = NEXT_UPDATE_DAYS) -> Revoked:
    """Add `certificate_id` to the list at `path` (created if absent) and re-sign it."""
    certificate_id = certificate_urn(certificate_id)
    if reason is not None and (len(reason) > 500 or not reason.isprintable()):
        raise UsageError("--reason: printable text of at most 500 characters")
    _check_days(next_update_days)
    with lockfile.exclusive(path, what="revocation list"):
        # Read under the lock: the list we extend is the one no other process is rewriting.
        created = not path.exists()
        current = None if created else load_revocations(path, key.public_key())
        entries = () if current is None else current.entries
        existing = next((e for e in entries if e.id == certificate_id), None)
        if existing is not None:
            return Revoked(existing, already=True, created=False)
        entry = Revocation(certificate_id, format_time(now), reason)
        _write(path, key, (*entries, entry), current, now=now, next_update_days=next_update_days)
    return Revoked(entry, already=False, created=created)


def refresh(path: Path, key: ed25519.Ed25519PrivateKey, *, now: datetime,
            next_update_days: int = NEXT_UPDATE_DAYS) -> RevocationList:
    """Re-sign the list at `path` (created empty if absent) with the next sequence number, a new
    issue time and a new next-update: what an issuer runs before the current list goes stale."""
    _check_days(next_update_days)
    with lockfile.exclusive(path, what="revocation list"):
        current = load_revocations(path, key.public_key()) if path.exists() else None
        _write(path, key, () if current is None else current.entries, current, now=now,
               next_update_days=next_update_days)
        return load_revocations(path, key.public_key())


def _check_days(days: int) -> None:
    if not 1 <= days <= MAX_NEXT_UPDATE_DAYS:
        raise UsageError(f"--next-update-days: 1 to {MAX_NEXT_UPDATE_DAYS} days")


def _write(path: Path, key: ed25519.Ed25519PrivateKey, entries: tuple[Revocation, ...],
           current: RevocationList | None, *, now: datetime, next_update_days: int) -> None:
    # The sequence only grows, even if the clock went back: verifiers order lists by it alone.
    sequence = 1 if current is None else current.sequence + 1
    content = {
        "format": FORMAT,
        "format-version": FORMAT_VERSION,
        "issuer": {"key-id": key_id(key.public_key())},
        "sequence": sequence,
        "updated": format_time(now),
        "next-update": format_time(now + timedelta(days=next_update_days)),
        "entries": [e.as_dict() for e in sorted(entries, key=lambda e: e.id)],
    }
    document = {MEMBER: content, "signature": jws.sign(content, key, TYP)}
    signed_file.check_schema(document, SCHEMA, "revocation list", "revocation list")
    signed_file.replace_file(path, signed_file.dumps(document))
