"""Verification: any change to any field is caught, and each failure is told apart."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from conformance.certify import signed_file
from conformance.certify.certificate import TYP, IssueOptions, issue
from conformance.certify.revocation import Revocation
from conformance.certify.timestamps import parse_time
from conformance.certify.verification import Status, load_certificate, verify
from conformance.core.errors import UntrustedRevocations, UsageError
from conformance.trust import jws
from conformance.trust.keys import b64url, b64url_decode
from tests.certify.builders import NOW, issuer_key, other_key, results_bytes

OPTIONS = IssueOptions(issuer="Test Lab", status_url="https://lab.example/r.json", role="sender")


def _document() -> dict[str, Any]:
    return issue(results_bytes(), issuer_key(), OPTIONS, now=NOW)


def _check(document: dict[str, Any], *, at: Any = NOW + timedelta(days=1), **kw: Any) -> Any:
    signed = signed_file.split(document, "certificate", "test", "certificate")
    return verify(signed, issuer_key().public_key(), at=at, **kw)


def test_round_trip_through_a_file(tmp_path: Path) -> None:
    path = tmp_path / "cert.json"
    path.write_text(signed_file.dumps(_document()), encoding="utf-8")
    result = verify(load_certificate(path), issuer_key().public_key(), at=NOW)
    assert result.status is Status.VALID and result.valid
    assert result.certificate is not None and result.certificate["subject"]["organisation"] == "ACME"


def test_layout_does_not_matter_only_content() -> None:
    document = _document()
    compact = json.loads(json.dumps(document, separators=(",", ":"), ensure_ascii=True))
    assert _check(compact).status is Status.VALID


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path


def _containers(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict | list):
        yield path
        for key, item in (value.items() if isinstance(value, dict) else enumerate(value)):
            yield from _containers(item, (*path, key))


def _changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        # Change one character, keeping the length (a subtle edit, not an obvious one).
        return value[:-1] + ("0" if value[-1:] != "0" else "1") if value else "x"
    return "x"


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        document = document[step]
    return document


CERTIFICATE_LEAVES = list(_leaves(_document()["certificate"]))


@pytest.mark.parametrize("path", CERTIFICATE_LEAVES, ids=lambda p: "/".join(map(str, p)))
def test_changing_any_field_is_detected(path: tuple[Any, ...]) -> None:
    document = copy.deepcopy(_document())
    parent = _at(document["certificate"], path[:-1])
    parent[path[-1]] = _changed(parent[path[-1]])
    result = _check(document)
    assert result.status is Status.TAMPERED, result.message
    assert result.certificate is None  # nothing of a changed certificate is handed back


def test_the_walk_covers_every_member() -> None:
    assert len(CERTIFICATE_LEAVES) > 50
    assert {p[0] for p in CERTIFICATE_LEAVES} == set(_document()["certificate"])


@pytest.mark.parametrize("path", list(_containers(_document()["certificate"])),
                         ids=lambda p: "/".join(map(str, p)) or "root")
def test_adding_or_removing_members_is_detected(path: tuple[Any, ...]) -> None:
    document = copy.deepcopy(_document())
    container = _at(document["certificate"], path)
    if isinstance(container, dict):
        container["added"] = "x"
        assert _check(document).status is Status.TAMPERED
        del container["added"]
        container.pop(sorted(container)[0])
    else:
        container.append(copy.deepcopy(container[0]))
        assert _check(document).status is Status.TAMPERED
        container.pop()
        container.pop()
    assert _check(document).status is Status.TAMPERED


def test_reordering_a_list_is_detected() -> None:
    document = copy.deepcopy(_document())
    document["certificate"]["evidence"]["payload-hashes"].reverse()
    assert _check(document).status is Status.TAMPERED


def test_changing_the_signature_is_detected() -> None:
    document = _document()
    for member in ("protected", "signature"):
        changed = copy.deepcopy(document)
        changed["signature"][member] = _changed(changed["signature"][member])
        assert _check(changed).status is Status.TAMPERED


def test_a_header_naming_another_key_is_wrong_key_not_tampering() -> None:
    document = issue(results_bytes(), other_key(), OPTIONS, now=NOW)
    result = _check(document)
    assert result.status is Status.WRONG_KEY
    assert "not by the given key" in result.message


def test_a_revocation_list_signature_does_not_pass_for_a_certificate() -> None:
    document = _document()
    header = json.loads(b64url_decode(document["signature"]["protected"]))
    forged = copy.deepcopy(document)
    forged["signature"] = jws.sign(document["certificate"], issuer_key(), "egov-conformance-revocations+json")
    assert _check(forged).status is Status.TAMPERED
    assert header["typ"] == TYP


def test_alg_none_is_tampering() -> None:
    document = copy.deepcopy(_document())
    header = json.loads(b64url_decode(document["signature"]["protected"]))
    document["signature"] = {"protected": b64url(json.dumps({**header, "alg": "none"}).encode()),
                             "signature": ""}
    assert _check(document).status is Status.TAMPERED


def test_validity_period() -> None:
    document = _document()
    issued = parse_time(document["certificate"]["issued"])
    expires = parse_time(document["certificate"]["expires"])
    assert _check(document, at=issued).status is Status.VALID
    assert _check(document, at=expires - timedelta(seconds=1)).status is Status.VALID
    assert _check(document, at=expires).status is Status.EXPIRED
    assert _check(document, at=issued - timedelta(seconds=1)).status is Status.NOT_YET_VALID


def test_revocation_applies_from_its_date() -> None:
    document = _document()
    revoked_at = NOW + timedelta(days=10)
    entries = (Revocation(document["certificate"]["id"], "2026-12-05T12:00:00Z", "key leak"),
               Revocation("urn:uuid:00000000-0000-4000-8000-000000000000", "2026-11-26T00:00:00Z", None))
    result = _check(document, at=revoked_at, revocations=entries)
    assert result.status is Status.REVOKED and "key leak" in result.message
    assert _check(document, at=revoked_at - timedelta(seconds=1), revocations=entries).valid
    # Revoked outranks expired: the stronger statement is the one reported.
    assert _check(document, at=NOW + timedelta(days=400), revocations=entries).status is Status.REVOKED


def test_an_untrusted_list_is_reported_for_a_sound_certificate_only() -> None:
    problem = UntrustedRevocations("list: tampered")
    assert _check(_document(), revocations=problem).status is Status.UNTRUSTED_REVOCATIONS
    tampered = copy.deepcopy(_document())
    tampered["certificate"]["issuer"]["name"] = "Mallory"
    assert _check(tampered, revocations=problem).status is Status.TAMPERED


def _outcomes(result: Any) -> dict[str, str]:
    return {name: outcome.value for name, outcome in result.checks}


def test_each_check_has_its_own_outcome() -> None:
    document = _document()
    entries = (Revocation(document["certificate"]["id"], "2026-12-05T12:00:00Z", None),)
    late = NOW + timedelta(days=400)
    assert _outcomes(_check(document)) == {"issuer-key": "passed", "signature": "passed",
                                           "revocation": "not-checked", "validity-period": "passed"}
    assert _outcomes(_check(document, revocations=())) == {
        "issuer-key": "passed", "signature": "passed", "revocation": "passed", "validity-period": "passed"}
    # Revocation decides the status; the dates are still judged (the signature held).
    revoked = _check(document, at=late, revocations=entries)
    assert revoked.status is Status.REVOKED and _outcomes(revoked) == {
        "issuer-key": "passed", "signature": "passed", "revocation": "failed", "validity-period": "failed"}
    untrusted = _outcomes(_check(document, revocations=UntrustedRevocations("list: tampered")))
    assert (untrusted["revocation"], untrusted["validity-period"]) == ("failed", "passed")
    tampered = copy.deepcopy(document)
    tampered["certificate"]["issuer"]["name"] = "Mallory"
    assert _outcomes(_check(tampered)) == {"issuer-key": "passed", "signature": "failed",
                                           "revocation": "not-checked", "validity-period": "not-checked"}
    signed = signed_file.split(document, "certificate", "test", "certificate")
    wrong = verify(signed, other_key().public_key(), at=NOW)
    assert wrong.status is Status.WRONG_KEY and set(_outcomes(wrong).values()) - {"not-checked"} == {"failed"}
    assert list(_outcomes(wrong)) == ["issuer-key", "signature", "revocation", "validity-period"]


@pytest.mark.parametrize(("content", "message"), [
    (b"{", "not JSON"),
    (b"\xff", "not UTF-8"),
    (b'{"hello": 1}', "not a conformance certificate"),
    (b'{"certificate": {}}', "not signed"),
    (b'{"certificate": {}, "signature": {}, "note": "trust me"}', "unsigned members"),
    (b'{"certificate": {}, "certificate": {}, "signature": {}}', "duplicate member"),
    (b'{"certificate": {"n": NaN}, "signature": {}}', "NaN is not JSON"),
])
def test_foreign_and_corrupted_files_are_usage_errors(tmp_path: Path, content: bytes,
                                                      message: str) -> None:
    path = tmp_path / "cert.json"
    path.write_bytes(content)
    with pytest.raises(UsageError, match=message):
        load_certificate(path)


def test_a_signed_document_of_another_format_is_a_usage_error() -> None:
    content = {"format": "egov-conformance/certificate", "format-version": "2.0"}
    document = {"certificate": content, "signature": jws.sign(content, issuer_key(), TYP)}
    with pytest.raises(UsageError, match="not a valid certificate"):
        _check(document)
