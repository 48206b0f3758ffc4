"""Ed25519 issuer keys: generation, files, and the key id (RFC 7638 JWK thumbprint).

The key id is derived from the public key itself, so a certificate names the key that signed it
without any registry or PKI; a verifier computes the thumbprint of the key it was given and
compares. Private keys are PKCS#8 PEM, unencrypted, created with mode 0600 and never printed;
public keys are written both as an RFC 8037 OKP JWK and as SPKI PEM, and either is read back.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x448, x25519

from conformance.core.errors import UsageError
from conformance.core.files import read_bounded
from conformance.core.limits import KEY_MAX_BYTES
from conformance.trust.jcs import canonicalize

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True, slots=True)
class KeyFiles:
    """Where `generate_keys` put a new key pair, and its key id."""

    private_pem: Path
    public_jwk: Path
    public_pem: Path
    key_id: str


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515 section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict inverse of `b64url`: padding, foreign characters and non-canonical trailing bits are
    refused, so that no two strings decode to the same bytes (a changed character is a change)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError(f"not base64url: {exc}") from None
    if b64url(data) != text:
        raise ValueError("not canonical base64url")
    return data


def raw_public(key: ed25519.Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: ed25519.Ed25519PublicKey) -> str:
    """RFC 7638 thumbprint: SHA-256 over the required members crv, kty, x in JCS form."""
    required = {"crv": "Ed25519", "kty": "OKP", "x": b64url(raw_public(key))}
    return b64url(hashlib.sha256(canonicalize(required)).digest())


def public_jwk(key: ed25519.Ed25519PublicKey) -> dict[str, str]:
    """The public key as an RFC 8037 JWK, with its thumbprint as `kid`."""
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw_public(key)), "kid": key_id(key),
            "alg": "EdDSA", "use": "sig"}


def generate_keys(out_dir: Path, name: str = "issuer") -> KeyFiles:
    """A new Ed25519 key pair in `out_dir`: NAME.private.pem (0600), NAME.public.jwk, NAME.public.pem.

    Existing files are never overwritten: a lost private key cannot be recovered, and a replaced
    one silently invalidates every certificate it signed."""
    if not _NAME.match(name):
        raise UsageError(f"key name {name!r}: use letters, digits, '.', '_', '-' (no paths)")
    paths = KeyFiles(out_dir / f"{name}.private.pem", out_dir / f"{name}.public.jwk",
                     out_dir / f"{name}.public.pem", "")
    existing = [str(p) for p in (paths.private_pem, paths.public_jwk, paths.public_pem)
                if os.path.lexists(p)]
    if existing:
        raise UsageError(f"refusing to overwrite {', '.join(existing)}")
    try:
        out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise UsageError(f"{out_dir}: cannot create folder: {exc.strerror}") from None
    private = ed25519.Ed25519PrivateKey.generate()
    public = private.public_key()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    write_new(paths.private_pem, pem, mode=0o600)
    jwk = json.dumps(public_jwk(public), indent=1, sort_keys=True) + "\n"
    write_new(paths.public_jwk, jwk.encode("ascii"), mode=0o644)
    write_new(paths.public_pem, public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo), mode=0o644)
    return KeyFiles(paths.private_pem, paths.public_jwk, paths.public_pem, key_id(public))


def write_new(path: Path, data: bytes, *, mode: int) -> None:
    """Create `path` with `mode` from the first byte (no window where a key is world-readable);
    fail if anything, even a dangling symlink, is already there."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise UsageError(f"refusing to overwrite {path}") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot create: {exc.strerror}") from None
    with os.fdopen(fd, "wb") as stream:
        stream.write(data)


def _read_key_file(path: Path) -> bytes:
    return read_bounded(path, max_bytes=KEY_MAX_BYTES, error=UsageError, what="key", what_zh="密钥")


def _kind(key: object) -> str:
    kinds: list[tuple[type, str]] = [
        (rsa.RSAPublicKey, "an RSA"), (rsa.RSAPrivateKey, "an RSA"),
        (ec.EllipticCurvePublicKey, "an EC"), (ec.EllipticCurvePrivateKey, "an EC"),
        (dsa.DSAPublicKey, "a DSA"), (dsa.DSAPrivateKey, "a DSA"),
        (ed448.Ed448PublicKey, "an Ed448"), (ed448.Ed448PrivateKey, "an Ed448"),
        (x25519.X25519PublicKey, "an X25519"), (x25519.X25519PrivateKey, "an X25519"),
        (x448.X448PublicKey, "an X448"), (x448.X448PrivateKey, "an X448"),
    ]
    return next((name for cls, name in kinds if isinstance(key, cls)), "an unsupported")


def _wrong_type(path: Path, kind: str) -> UsageError:
    return UsageError(f"{path}: wrong key type: {kind} key; certificates are signed with Ed25519 "
                      "keys (create one with `conform keys generate`)")


def load_private_key(path: Path) -> ed25519.Ed25519PrivateKey:
    """The issuer's Ed25519 private key from a PKCS#8 PEM file; anything else is a UsageError."""
    data = _read_key_file(path)
    if b"PRIVATE KEY" not in data and b"PUBLIC KEY" in data:
        raise UsageError(f"{path}: a public key; signing needs the issuer's private key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise UsageError(f"{path}: encrypted private keys are not supported") from None
    except (ValueError, UnsupportedAlgorithm):
        raise UsageError(f"{path}: not a PEM private key") from None
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise _wrong_type(path, _kind(key))
    return key


def load_public_key(path: Path) -> ed25519.Ed25519PublicKey:
    """The issuer's Ed25519 public key from a JWK (JSON) or SPKI PEM file."""
    data = _read_key_file(path)
    if data.lstrip().startswith(b"-----BEGIN"):
        return _public_from_pem(path, data)
    return _public_from_jwk(path, data)


def _public_from_pem(path: Path, data: bytes) -> ed25519.Ed25519PublicKey:
    if b"PRIVATE KEY" in data:
        raise UsageError(f"{path}: a private key; give the issuer's public key (.public.jwk or "
                         ".public.pem) and keep the private key secret")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        raise UsageError(f"{path}: not a PEM public key") from None
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise _wrong_type(path, _kind(key))
    return key


def _public_from_jwk(path: Path, data: bytes) -> ed25519.Ed25519PublicKey:
    try:
        jwk: Any = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise UsageError(f"{path}: neither a JWK (JSON) nor a PEM public key") from None
    if not isinstance(jwk, dict) or not isinstance(jwk.get("kty"), str):
        raise UsageError(f"{path}: not a JWK (no \"kty\" member)")
    if "d" in jwk:
        raise UsageError(f"{path}: a private JWK; give the issuer's public key")
    if jwk["kty"] != "OKP" or jwk.get("crv") != "Ed25519":
        kind = {"RSA": "an RSA", "EC": "an EC"}.get(jwk["kty"], f"a {jwk['kty']}/{jwk.get('crv')}")
        raise _wrong_type(path, kind)
    try:
        key = ed25519.Ed25519PublicKey.from_public_bytes(b64url_decode(str(jwk.get("x", ""))))
    except ValueError:
        raise UsageError(f"{path}: JWK member \"x\" is not a base64url Ed25519 public key") from None
    if "kid" in jwk and jwk["kid"] != key_id(key):
        raise UsageError(f"{path}: JWK \"kid\" {jwk['kid']!r} is not the key's thumbprint "
                         f"{key_id(key)!r}")
    return key
