"""Layer 9: signed conformance certificates. Imports everything below except authoring and runs.

Issuer keys are Ed25519 (`keys`); a certificate is issued from conformant run results
(`certificate`), signed as a detached JWS with EdDSA over its RFC 8785 (JCS) bytes (`jws`, `jcs`),
revoked through a signed list (`revocation`), verified (`verification`) and rendered as a
printable page (`render`). File formats: `certificate.schema.json`, `revocations.schema.json`.
"""

from __future__ import annotations

from conformance.certify.certificate import IssueOptions, certificate_hash, issue, issue_file
from conformance.certify.render import render_html
from conformance.certify.revocation import (
    Freshness,
    Revocation,
    RevocationList,
    Revoked,
    load_revocations,
    refresh,
    revoke,
)
from conformance.certify.verification import (
    Status,
    Verification,
    certificate_id,
    load_certificate,
    verify,
)
from conformance.core.errors import (
    CanonicalizationError,
    IssueRefused,
    RolledBackRevocations,
    SignatureError,
    StaleRevocations,
    UntrustedRevocations,
)
from conformance.trust.jcs import canonicalize
from conformance.trust.keys import (
    KeyFiles,
    generate_keys,
    key_id,
    load_private_key,
    load_public_key,
    public_jwk,
)

__all__ = [
    "CanonicalizationError",
    "Freshness",
    "IssueOptions",
    "IssueRefused",
    "KeyFiles",
    "Revocation",
    "RevocationList",
    "Revoked",
    "RolledBackRevocations",
    "SignatureError",
    "StaleRevocations",
    "Status",
    "UntrustedRevocations",
    "Verification",
    "canonicalize",
    "certificate_hash",
    "certificate_id",
    "generate_keys",
    "issue",
    "issue_file",
    "key_id",
    "load_certificate",
    "load_private_key",
    "load_public_key",
    "load_revocations",
    "public_jwk",
    "refresh",
    "render_html",
    "revoke",
    "verify",
]
