"""Revocation lists: signed, appended to, sorted, and refused when not the issuer's."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path

import pytest

from conformance.certify import signed_file
from conformance.certify.certificate import IssueOptions, issue
from conformance.certify.errors import SignatureError, UntrustedRevocations
from conformance.certify.revocation import certificate_urn, load_revocations, revoke
from conformance.certify.verification import certificate_id
from conformance.core.errors import UsageError
from tests.certify.builders import NOW, issuer_key, other_key, results_bytes

IDS = ["urn:uuid:c0000000-0000-4000-8000-000000000003", "urn:uuid:a0000000-0000-4000-8000-000000000001",
       "urn:uuid:b0000000-0000-4000-8000-000000000002"]


def _list(tmp_path: Path) -> Path:
    path = tmp_path / "revocations.json"
    for i, cid in enumerate(IDS):
        revoke(path, cid, issuer_key(), reason=f"reason {i}", now=NOW + timedelta(hours=i))
    return path


def test_created_appended_sorted_and_signed(tmp_path: Path) -> None:
    path = _list(tmp_path)
    entries = load_revocations(path, issuer_key().public_key())
    assert [e.id for e in entries] == sorted(IDS)
    assert entries[0].reason == "reason 1" and entries[0].revoked == "2026-11-25T13:00:00Z"
    document = json.loads(path.read_text("utf-8"))
    assert document["revocations"]["updated"] == "2026-11-25T14:00:00Z"
    signed_file.check_schema(document, "revocations.schema.json", "test", "revocation list")


def test_revoking_again_keeps_the_first_revocation(tmp_path: Path) -> None:
    path = _list(tmp_path)
    before = path.read_bytes()
    done = revoke(path, IDS[0].upper().replace("URN:UUID:", ""), issuer_key(), reason="again",
                  now=NOW + timedelta(days=1))
    assert done.already and done.entry.reason == "reason 0"
    assert path.read_bytes() == before


def test_only_the_issuer_can_extend_a_list(tmp_path: Path) -> None:
    path = _list(tmp_path)
    before = path.read_bytes()
    with pytest.raises(UntrustedRevocations, match="signed by the key"):
        revoke(path, "urn:uuid:d0000000-0000-4000-8000-000000000004", other_key(), reason=None, now=NOW)
    assert path.read_bytes() == before


def _tamper(path: Path, edit: str) -> None:
    document = json.loads(path.read_text("utf-8"))
    if edit == "remove an entry":
        document["revocations"]["entries"].pop(0)
    elif edit == "move a date":
        document["revocations"]["entries"][0]["revoked"] = "2030-01-01T00:00:00Z"
    elif edit == "unsigned":
        del document["signature"]
    elif edit == "bare list":
        document = document["revocations"]["entries"]
    path.write_text(json.dumps(document), encoding="utf-8")


@pytest.mark.parametrize("edit", ["remove an entry", "move a date", "unsigned", "bare list"])
def test_changed_or_unsigned_lists_are_not_trusted(tmp_path: Path, edit: str) -> None:
    path = _list(tmp_path)
    _tamper(path, edit)
    with pytest.raises(UntrustedRevocations):
        load_revocations(path, issuer_key().public_key())
    before = path.read_bytes()
    with pytest.raises(UntrustedRevocations):
        revoke(path, "urn:uuid:d0000000-0000-4000-8000-000000000004", issuer_key(), reason=None, now=NOW)
    assert path.read_bytes() == before


def test_corrupted_list_is_not_trusted_missing_list_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_bytes(b'{"revocations": ')
    with pytest.raises(UntrustedRevocations, match="not JSON"):
        load_revocations(tmp_path / "broken.json", issuer_key().public_key())
    with pytest.raises(UsageError, match="cannot read revocation list"):
        load_revocations(tmp_path / "missing.json", issuer_key().public_key())


def test_a_certificate_is_not_a_revocation_list(tmp_path: Path) -> None:
    path = tmp_path / "cert.json"
    path.write_text(signed_file.dumps(issue(results_bytes(), issuer_key(), IssueOptions(issuer="Lab"),
                                         now=NOW)), encoding="utf-8")
    with pytest.raises(UntrustedRevocations, match="not a signed revocation list"):
        load_revocations(path, issuer_key().public_key())


def test_certificate_references(tmp_path: Path) -> None:
    assert certificate_urn("A0000000-0000-4000-8000-000000000001") == IDS[1]
    with pytest.raises(UsageError, match="neither a certificate file nor a certificate id"):
        certificate_urn("not-an-id")
    cert = tmp_path / "cert.json"
    document = issue(results_bytes(), issuer_key(), IssueOptions(issuer="Lab"), now=NOW)
    cert.write_text(signed_file.dumps(document), encoding="utf-8")
    assert certificate_id(str(cert), issuer_key().public_key()) == document["certificate"]["id"]
    with pytest.raises(SignatureError) as caught:
        certificate_id(str(cert), other_key().public_key())
    assert caught.value.wrong_key
    changed = copy.deepcopy(document)
    changed["certificate"]["id"] = IDS[0]
    cert.write_text(signed_file.dumps(changed), encoding="utf-8")
    with pytest.raises(SignatureError) as caught:
        certificate_id(str(cert), issuer_key().public_key())
    assert not caught.value.wrong_key


def test_reason_is_bounded(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--reason"):
        revoke(tmp_path / "r.json", IDS[0], issuer_key(), reason="x" * 501, now=NOW)
    assert not (tmp_path / "r.json").exists()
