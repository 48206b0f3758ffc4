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

The header is read as strictly as it is written: a JSON object with exactly the members `alg`,
`kid` and `typ`, each a string, each once. Anything else could make two verifiers disagree about
what was signed: a duplicate `typ` is read as its first value by some parsers and its last by
others (RFC 7515 section 4 says such a header MUST be rejected or treated as the last one), and
`b64: false` (RFC 7797) means "the payload is not base64url-encoded", which changes the signing
input; RFC 7797 section 6 requires it to be listed in `crit`, and we refuse `crit`. Header members
that name keys or certificates (`jwk`, `jku`, `x5c`, ...) would invite a library to trust a key
from the signature itself. An unprotected `header` beside `protected` is refused for the same reason.

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

from conformance.core.errors import CanonicalizationError, SignatureError
from conformance.core.printable import quoted
from conformance.trust.jcs import canonicalize
from conformance.trust.keys import b64url, b64url_decode, key_id

ALG = "EdDSA"
# RFC 9864 deprecates the polymorphic "EdDSA" for the fully specified "Ed25519": the same
# signature with an Ed25519 key. We sign with "EdDSA" (RFC 8037, what JOSE libraries still
# expect) and accept both, so that moving to "Ed25519" later breaks no verifier built from here.
ACCEPTED_ALGS = (ALG, "Ed25519")
_HEADER_MEMBERS = frozenset({"alg", "kid", "typ"})
_JWS_MEMBERS = frozenset({"protected", "signature"})
# Ours is about 150 characters (a 43-character kid and a typ); anything far longer is not ours,
# and is refused before it is decoded.
MAX_PROTECTED_CHARS = 1024


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
    extra = sorted(set(jws) - _JWS_MEMBERS)
    if extra:
        # An unprotected "header" is not signed, yet a JOSE library would merge it with the
        # protected one: a "b64" or a key placed there could change what another verifier checks.
        raise SignatureError("the signature has members besides \"protected\" and \"signature\": "
                             f"{', '.join(quoted(n) for n in extra[:5])}: refused")
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


class _DuplicateMember(ValueError):
    """A member name met twice in the protected header (its text is the name)."""


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members: dict[str, Any] = {}
    for name, value in pairs:
        if name in members:
            raise _DuplicateMember(name)
        members[name] = value
    return members


def _header(protected: str, typ: str) -> Header:
    if len(protected) > MAX_PROTECTED_CHARS:
        raise SignatureError(f"the protected header is longer than {MAX_PROTECTED_CHARS} characters: "
                             "not one this tool writes")
    try:
        header: Any = json.loads(b64url_decode(protected).decode("utf-8"), object_pairs_hook=_unique_members)
    except _DuplicateMember as exc:
        raise SignatureError(f"the protected header has the member {quoted(str(exc))} twice "
                             "(RFC 7515 section 4): refused") from None
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise SignatureError("the protected header is not base64url JSON: it was changed") from None
    if not isinstance(header, dict):
        raise SignatureError("the protected header is not a JSON object: it was changed")
    if "b64" in header:
        raise SignatureError("the protected header sets \"b64\" (RFC 7797 unencoded payload), which "
                             "this tool does not implement and which must be listed in \"crit\" "
                             "(RFC 7797 section 6): refused")
    if "crit" in header:
        raise SignatureError("the protected header has critical extensions this tool does not know")
    unknown = sorted(set(header) - _HEADER_MEMBERS)
    if unknown:
        raise SignatureError("the protected header has members this tool does not write: "
                             f"{', '.join(quoted(n) for n in unknown[:5])}: refused")
    if header.get("alg") not in ACCEPTED_ALGS:
        raise SignatureError(f"signature algorithm {quoted(header.get('alg'))} is not accepted "
                             f"(only {' or '.join(ACCEPTED_ALGS)})")
    if header.get("typ") != typ:
        raise SignatureError(f"the signature is for a {quoted(header.get('typ'))} document, not a {typ!r}")
    if not isinstance(header.get("kid"), str):
        raise SignatureError("the protected header names no key (\"kid\")")
    return Header(header["alg"], header["kid"], typ)
