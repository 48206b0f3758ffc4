"""Detached JWS (RFC 7515, flattened JSON serialization) with EdDSA (RFC 8037) over JCS bytes.

A signed file is `{MEMBER: {...}, "signature": {"protected": ..., "signature": ...}}`. The payload
is not repeated inside the JWS (RFC 7515 appendix F, "detached content"): the signing input is
`protected || "." || BASE64URL(JCS(MEMBER))`, exactly what a JOSE library computes when handed the
JCS bytes as payload, so any JOSE implementation plus any RFC 8785 implementation can verify.

The protected header is `{"alg": "EdDSA", "kid": <RFC 7638 thumbprint>, "typ": <document type>}`.
`typ` binds the signature to one kind of document, so a signed revocation list can never pass
for a certificate; `kid` lets a verifier tell "signed by another key" from "changed after
signing". Only EdDSA (or its RFC 9864 name Ed25519) is accepted: no algorithm negotiation, no
"none"; any `crit` header is refused because we implement no extension.

Why this form: the certificate stays a plain JSON object that people and tools read directly, and
the signature is standard JOSE that other implementations verify without our code. Alternatives
considered: a compact JWS (the certificate hidden in base64url), signing the file's bytes
(minisign-style: any re-indentation breaks it), COSE/CBOR (not readable, another dependency),
W3C Data Integrity `eddsa-jcs-2022` (the same JCS + Ed25519 core, but it brings JSON-LD
contexts, multibase keys and DID resolution we do not need), X.509/CMS (a PKI for one issuer key).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from conformance.certify.errors import CanonicalizationError, SignatureError
from conformance.certify.jcs import canonicalize
from conformance.certify.keys import b64url, b64url_decode, key_id

ALG = "EdDSA"
# RFC 9864 deprecates the polymorphic "EdDSA" for the fully specified "Ed25519": the same
# signature with an Ed25519 key. We sign with "EdDSA" (RFC 8037, what JOSE libraries still
# expect) and accept both, so that moving to "Ed25519" later breaks no verifier built from here.
ACCEPTED_ALGS = (ALG, "Ed25519")


@dataclass(frozen=True, slots=True)
class Header:
    """The verified protected header of a signature."""

    alg: str
    kid: str
    typ: str


def sign(payload: Mapping[str, Any], key: ed25519.Ed25519PrivateKey, typ: str) -> dict[str, str]:
    """The detached JWS (flattened: `protected`, `signature`) of `payload`."""
    header = {"alg": ALG, "kid": key_id(key.public_key()), "typ": typ}
    protected = b64url(canonicalize(header))
    signature = key.sign(_signing_input(protected, canonicalize(payload)))
    return {"protected": protected, "signature": b64url(signature)}


def verify(payload: Mapping[str, Any], jws: Mapping[str, Any], key: ed25519.Ed25519PublicKey,
           typ: str) -> Header:
    """The header of a signature that holds for `payload` under `key`, else SignatureError."""
    protected, signature = jws.get("protected"), jws.get("signature")
    if not isinstance(protected, str) or not isinstance(signature, str):
        raise SignatureError("the signature has no protected header or no signature value")
    header = _header(protected, typ)
    expected = key_id(key)
    if header.kid != expected:
        raise SignatureError(f"signed by the key {header.kid}, not by the given key {expected}",
                             wrong_key=True)
    try:
        content = canonicalize(payload)
    except CanonicalizationError as exc:
        raise SignatureError(f"the content was changed after signing ({exc})") from None
    try:
        key.verify(b64url_decode(signature), _signing_input(protected, content))
    except (ValueError, InvalidSignature):
        raise SignatureError("the signature does not match the content: it was changed after "
                             "signing") from None
    return header


def _signing_input(protected: str, content: bytes) -> bytes:
    return f"{protected}.{b64url(content)}".encode("ascii")


def _header(protected: str, typ: str) -> Header:
    try:
        header: Any = json.loads(b64url_decode(protected).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise SignatureError("the protected header is not base64url JSON: it was changed") from None
    if not isinstance(header, dict):
        raise SignatureError("the protected header is not a JSON object: it was changed")
    if header.get("alg") not in ACCEPTED_ALGS:
        raise SignatureError(f"signature algorithm {header.get('alg')!r} is not accepted "
                             f"(only {' or '.join(ACCEPTED_ALGS)})")
    if "crit" in header:
        raise SignatureError("the protected header has critical extensions this tool does not know")
    if header.get("typ") != typ:
        raise SignatureError(f"the signature is for a {header.get('typ')!r} document, not a {typ!r}")
    if not isinstance(header.get("kid"), str):
        raise SignatureError("the protected header names no key (\"kid\")")
    return Header(header["alg"], header["kid"], typ)
