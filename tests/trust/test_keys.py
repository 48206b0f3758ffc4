"""Issuer keys: files, modes, thumbprints, and refusing keys of the wrong type."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa, x25519

from conformance.core.errors import UsageError
from conformance.trust.keys import (
    b64url,
    b64url_decode,
    generate_keys,
    key_id,
    load_private_key,
    load_public_key,
    public_jwk,
)

# RFC 8037 appendix A.1 and A.3: the example key and its RFC 7638 thumbprint.
RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_KID = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_rfc8037_thumbprint() -> None:
    key = ed25519.Ed25519PrivateKey.from_private_bytes(b64url_decode(RFC8037_D))
    assert public_jwk(key.public_key())["x"] == RFC8037_X
    assert key_id(key.public_key()) == RFC8037_KID


def test_generate_writes_private_key_0600_and_both_public_forms(tmp_path: Path) -> None:
    old = os.umask(0)  # even with a permissive umask the private key is never group/world-readable
    try:
        files = generate_keys(tmp_path / "keys", "lab")
    finally:
        os.umask(old)
    assert stat.S_IMODE(files.private_pem.stat().st_mode) == 0o600
    assert files.private_pem.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    private = load_private_key(files.private_pem)
    jwk = json.loads(files.public_jwk.read_text())
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and "d" not in jwk
    assert jwk["kid"] == files.key_id == key_id(private.public_key())
    assert key_id(load_public_key(files.public_jwk)) == files.key_id
    assert key_id(load_public_key(files.public_pem)) == files.key_id


def test_generate_never_overwrites(tmp_path: Path) -> None:
    generate_keys(tmp_path, "lab")
    before = (tmp_path / "lab.private.pem").read_bytes()
    with pytest.raises(UsageError, match="refusing to overwrite"):
        generate_keys(tmp_path, "lab")
    assert (tmp_path / "lab.private.pem").read_bytes() == before


@pytest.mark.parametrize("name", ["../evil", "a/b", "", ".hidden"])
def test_key_names_are_plain_file_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(UsageError, match="key name"):
        generate_keys(tmp_path, name)


def _pem_public(key: object) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM,  # type: ignore[attr-defined]
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def _pem_private(key: object) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM,  # type: ignore[attr-defined]
                             serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


WRONG: dict[str, Any] = {
    "RSA": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    "EC": lambda: ec.generate_private_key(ec.SECP256R1()),
    "Ed448": ed448.Ed448PrivateKey.generate,
    "X25519": x25519.X25519PrivateKey.generate,
}


@pytest.mark.parametrize("kind", sorted(WRONG))
def test_wrong_key_types_are_refused(tmp_path: Path, kind: str) -> None:
    private = WRONG[kind]()
    (tmp_path / "pub.pem").write_bytes(_pem_public(private.public_key()))
    (tmp_path / "priv.pem").write_bytes(_pem_private(private))
    with pytest.raises(UsageError, match=f"wrong key type: an? {kind} key"):
        load_public_key(tmp_path / "pub.pem")
    with pytest.raises(UsageError, match=f"wrong key type: an? {kind} key"):
        load_private_key(tmp_path / "priv.pem")


def test_wrong_jwk_types_are_refused(tmp_path: Path) -> None:
    (tmp_path / "rsa.jwk").write_text(json.dumps({"kty": "RSA", "n": "AQAB", "e": "AQAB"}))
    (tmp_path / "x.jwk").write_text(json.dumps({"kty": "OKP", "crv": "X25519", "x": RFC8037_X}))
    for name in ("rsa.jwk", "x.jwk"):
        with pytest.raises(UsageError, match="wrong key type"):
            load_public_key(tmp_path / name)


@pytest.mark.parametrize(("content", "message"), [
    ({"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X, "d": RFC8037_D}, "private JWK"),
    ({"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X, "kid": "other"}, "not the key's thumbprint"),
    ({"kty": "OKP", "crv": "Ed25519", "x": "short"}, "not a base64url Ed25519 public key"),
    (["not", "a", "jwk"], "not a JWK"),
])
def test_bad_jwks_are_refused(tmp_path: Path, content: object, message: str) -> None:
    (tmp_path / "k.jwk").write_text(json.dumps(content))
    with pytest.raises(UsageError, match=message):
        load_public_key(tmp_path / "k.jwk")


def test_private_and_public_keys_are_not_interchangeable(tmp_path: Path) -> None:
    files = generate_keys(tmp_path)
    with pytest.raises(UsageError, match="a private key; give the issuer's public key"):
        load_public_key(files.private_pem)
    with pytest.raises(UsageError, match="a public key; signing needs"):
        load_private_key(files.public_pem)


def test_unreadable_and_garbage_key_files(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read key"):
        load_public_key(tmp_path / "missing.jwk")
    (tmp_path / "junk").write_bytes(b"\x00\xff junk")
    with pytest.raises(UsageError, match="neither a JWK"):
        load_public_key(tmp_path / "junk")
    with pytest.raises(UsageError, match="not a PEM private key"):
        load_private_key(tmp_path / "junk")


def test_encrypted_private_keys_are_refused(tmp_path: Path) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    (tmp_path / "enc.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret")))
    with pytest.raises(UsageError, match="encrypted"):
        load_private_key(tmp_path / "enc.pem")


def test_base64url_is_strict() -> None:
    assert b64url(b'{"alg":"EdDSA"}') == "eyJhbGciOiJFZERTQSJ9"
    assert b64url_decode("eyJhbGciOiJFZERTQSJ9") == b'{"alg":"EdDSA"}'
    for bad in ("eyJhbGciOiJFZERTQSJ9=", "ab+/", "a", "QR"):  # padding, base64, length, trailing bits
        with pytest.raises(ValueError):
            b64url_decode(bad)
