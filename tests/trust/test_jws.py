"""Detached JWS with EdDSA: the RFC 8037 vector, and every way a signature must fail."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from conformance.core.errors import SignatureError
from conformance.trust import jws
from conformance.trust.jcs import canonicalize
from conformance.trust.keys import b64url, b64url_decode, key_id, public_jwk
from tests.certify.builders import issuer_key, other_key
from tests.trust.test_keys import RFC8037_D

TYP = "example+json"
CONTENT = {"b": "中文", "a": [1, 2, {"c": None}], "ok": True}


def test_rfc8037_signature_vector() -> None:
    # RFC 8037 appendix A.4: Ed25519 is deterministic, so the example signature is reproduced.
    key = ed25519.Ed25519PrivateKey.from_private_bytes(b64url_decode(RFC8037_D))
    signing_input = b64url(b'{"alg":"EdDSA"}') + "." + b64url(b"Example of Ed25519 signing")
    assert signing_input == "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
    assert b64url(key.sign(signing_input.encode())) == (
        "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg")


def test_signature_is_a_standard_detached_jws_over_the_jcs_bytes() -> None:
    signature = jws.sign(CONTENT, issuer_key(), TYP)
    header = json.loads(b64url_decode(signature["protected"]))
    assert header == {"alg": "EdDSA", "kid": key_id(issuer_key().public_key()), "typ": TYP}
    # What any JOSE library does with the JCS bytes as (detached) payload:
    signing_input = f"{signature['protected']}.{b64url(canonicalize(CONTENT))}".encode()
    issuer_key().public_key().verify(b64url_decode(signature["signature"]), signing_input)
    assert jws.verify(dict(reversed(list(CONTENT.items()))), signature, issuer_key().public_key(),
                      TYP).kid == header["kid"]


def _with_header(signature: dict[str, str], **changes: Any) -> dict[str, str]:
    header = json.loads(b64url_decode(signature["protected"]))
    header.update(changes)
    header = {k: v for k, v in header.items() if v is not None}
    return {**signature, "protected": b64url(json.dumps(header).encode())}


def test_another_key_is_named_as_such() -> None:
    signature = jws.sign(CONTENT, other_key(), TYP)
    with pytest.raises(SignatureError) as caught:
        jws.verify(CONTENT, signature, issuer_key().public_key(), TYP)
    assert caught.value.wrong_key
    assert key_id(other_key().public_key()) in str(caught.value)


@pytest.mark.parametrize(("changes", "message"), [
    ({"alg": "none"}, "algorithm 'none' is not accepted"),
    ({"alg": "HS256"}, "algorithm 'HS256'"),
    ({"crit": ["b64"]}, "critical"),
    ({"typ": "other+json"}, "for a 'other.json' document"),
    ({"kid": None}, "names no key"),
])
def test_header_changes_are_tampering(changes: dict[str, Any], message: str) -> None:
    signature = _with_header(jws.sign(CONTENT, issuer_key(), TYP), **changes)
    with pytest.raises(SignatureError, match=message) as caught:
        jws.verify(CONTENT, signature, issuer_key().public_key(), TYP)
    assert not caught.value.wrong_key


@pytest.mark.parametrize("signature", [
    {"protected": "!!", "signature": "AA"},
    {"protected": b64url(b"[1]"), "signature": "AA"},
    {"protected": 5, "signature": "AA"},
    {},
])
def test_malformed_signatures_are_tampering(signature: dict[str, Any]) -> None:
    with pytest.raises(SignatureError) as caught:
        jws.verify(CONTENT, signature, issuer_key().public_key(), TYP)
    assert not caught.value.wrong_key


def test_every_signature_character_matters() -> None:
    signature = jws.sign(CONTENT, issuer_key(), TYP)
    value = signature["signature"]
    for i, char in enumerate(value):
        changed = value[:i] + ("B" if char == "A" else "A") + value[i + 1:]
        with pytest.raises(SignatureError):
            jws.verify(CONTENT, {**signature, "signature": changed}, issuer_key().public_key(), TYP)


def test_content_that_jcs_refuses_is_tampering() -> None:
    signature = jws.sign(CONTENT, issuer_key(), TYP)
    with pytest.raises(SignatureError, match="changed after signing"):
        jws.verify({**CONTENT, "a": 1.5}, signature, issuer_key().public_key(), TYP)


def test_rfc9864_name_of_the_same_algorithm_is_accepted() -> None:
    key = issuer_key()
    header = {"alg": "Ed25519", "kid": key_id(key.public_key()), "typ": TYP}
    protected = b64url(canonicalize(header))
    signature = key.sign(f"{protected}.{b64url(canonicalize(CONTENT))}".encode())
    assert jws.verify(CONTENT, {"protected": protected, "signature": b64url(signature)},
                      key.public_key(), TYP).alg == "Ed25519"


@pytest.mark.filterwarnings("ignore::Warning")
def test_an_independent_jose_library_verifies_our_signatures() -> None:
    pytest.importorskip("joserfc")
    from joserfc import jws as jose_jws
    from joserfc.jwk import OKPKey

    signature = jws.sign(CONTENT, issuer_key(), TYP)
    jwk: Any = public_jwk(issuer_key().public_key())
    key = OKPKey.import_key(jwk)
    # Put the detached payload back: any JOSE library then verifies the flattened JWS as is.
    flattened: Any = {**signature, "payload": b64url(canonicalize(CONTENT))}
    verified = jose_jws.deserialize_json(flattened, key, algorithms=["EdDSA"])
    assert json.loads(verified.payload) == CONTENT
    detached = f"{signature['protected']}..{signature['signature']}"
    jose_jws.deserialize_compact(detached, key, algorithms=["EdDSA"], payload=canonicalize(CONTENT))


def _signed_with_header(header_json: str, key: ed25519.Ed25519PrivateKey | None = None) -> dict[str, str]:
    """A JWS over CONTENT whose protected header is `header_json` verbatim, truly signed by the
    issuer: so only the header check can refuse it, never the signature."""
    key = key or issuer_key()
    protected = b64url(header_json.encode("utf-8"))
    signing_input = f"{protected}.{b64url(canonicalize(CONTENT))}".encode("ascii")
    return {"protected": protected, "signature": b64url(key.sign(signing_input))}


def _kid() -> str:
    return key_id(issuer_key().public_key())


@pytest.mark.parametrize(("header", "message"), [
    # RFC 7797: b64 changes the signing input, and section 6 requires it in "crit".
    ('{"alg":"EdDSA","b64":false,"kid":"KID","typ":"example+json"}', "b64"),
    ('{"alg":"EdDSA","b64":true,"kid":"KID","typ":"example+json"}', "b64"),
    ('{"alg":"EdDSA","b64":false,"crit":["b64"],"kid":"KID","typ":"example+json"}', "b64"),
    # RFC 7515 section 4: member names must be unique; parsers disagree on which value wins.
    ('{"alg":"EdDSA","kid":"KID","typ":"other+json","typ":"example+json"}', "member 'typ' twice"),
    ('{"alg":"none","alg":"EdDSA","kid":"KID","typ":"example+json"}', "member 'alg' twice"),
    ('{"alg":"EdDSA","kid":"someone-else","kid":"KID","typ":"example+json"}', "member 'kid' twice"),
    # A key in the header would invite another verifier to trust it.
    ('{"alg":"EdDSA","jwk":{"kty":"OKP"},"kid":"KID","typ":"example+json"}', "does not write: 'jwk'"),
    ('["alg","EdDSA"]', "not a JSON object"),
    ('"EdDSA"', "not a JSON object"),
    ('{"alg":"EdDSA","kid":"KID","typ":"example+json","\\u001b[31m":1}', "does not write: '\\\\x1b"),
])
def test_a_signed_but_ambiguous_header_is_refused(header: str, message: str) -> None:
    signature = _signed_with_header(header.replace("KID", _kid()))
    with pytest.raises(SignatureError, match=message) as caught:
        jws.verify(CONTENT, signature, issuer_key().public_key(), TYP)
    assert not caught.value.wrong_key
    # The same header without the ambiguity verifies: the refusal is the header check, not the key.
    assert jws.verify(CONTENT, _signed_with_header(
        f'{{"alg":"EdDSA","kid":"{_kid()}","typ":"example+json"}}'), issuer_key().public_key(), TYP)


def test_an_unprotected_header_beside_the_signature_is_refused() -> None:
    signature = {**jws.sign(CONTENT, issuer_key(), TYP), "header": {"b64": False}}
    with pytest.raises(SignatureError, match="besides \"protected\" and \"signature\": 'header'"):
        jws.verify(CONTENT, signature, issuer_key().public_key(), TYP)


def test_an_oversized_protected_header_is_refused_before_decoding() -> None:
    header = json.dumps({"alg": "EdDSA", "kid": _kid(), "typ": TYP, "pad": "x" * 5000})
    with pytest.raises(SignatureError, match="longer than 1024 characters"):
        jws.verify(CONTENT, _signed_with_header(header), issuer_key().public_key(), TYP)
