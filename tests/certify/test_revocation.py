"""Revocation lists: signed, appended to, sorted, and refused when not the issuer's."""

from __future__ import annotations

import copy
import json
import multiprocessing
import shutil
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from conformance.certify import signed_file
from conformance.certify.certificate import IssueOptions, issue
from conformance.certify.revocation import (
    TYP,
    Freshness,
    certificate_urn,
    load_revocations,
    parse_age,
    refresh,
    revoke,
)
from conformance.certify.revocation_state import record_seen
from conformance.certify.verification import certificate_id
from conformance.core.errors import (
    RolledBackRevocations,
    SignatureError,
    StaleRevocations,
    UntrustedRevocations,
    UsageError,
)
from conformance.trust import jws
from conformance.trust.jcs import canonicalize
from conformance.trust.keys import b64url, key_id
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
    listed = load_revocations(path, issuer_key().public_key())
    entries = listed.entries
    assert [e.id for e in entries] == sorted(IDS)
    assert entries[0].reason == "reason 1" and entries[0].revoked == "2026-11-25T13:00:00Z"
    document = json.loads(path.read_text("utf-8"))
    assert document["revocations"]["updated"] == "2026-11-25T14:00:00Z"
    # One more at every signing; the next-update a month after the issue time.
    assert document["revocations"]["sequence"] == listed.sequence == 3
    assert document["revocations"]["next-update"] == listed.next_update == "2026-12-25T14:00:00Z"
    assert document["revocations"]["format-version"] == "1.1"
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


# --- Rollback and freshness (issue 8, item 9) ----------------------------------------------------

def _sign_list(path: Path, content: dict[str, Any]) -> None:
    """Write `content` as a list genuinely signed by the issuer (for lists `revoke` would not write)."""
    document = {"revocations": content, "signature": jws.sign(content, issuer_key(), TYP)}
    path.write_text(signed_file.dumps(document), encoding="utf-8")


def _legacy_list(path: Path) -> None:
    """A format 1.0 list, as the tool wrote before lists had a sequence and a next-update."""
    _sign_list(path, {"format": "egov-conformance/revocations", "format-version": "1.0",
                      "issuer": {"key-id": key_id(issuer_key().public_key())},
                      "updated": "2026-11-25T12:00:00Z",
                      "entries": [{"id": IDS[1], "revoked": "2026-11-25T12:00:00Z", "reason": None}]})


def test_an_older_list_replayed_after_a_newer_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "revocations.json"
    state = tmp_path / "seen.json"
    revoke(path, IDS[0], issuer_key(), reason="A", now=NOW)
    old = tmp_path / "old.json"
    shutil.copy(path, old)  # the list that does not know about B yet
    revoke(path, IDS[1], issuer_key(), reason="B", now=NOW + timedelta(hours=1))
    record_seen(state, load_revocations(path, issuer_key().public_key()))
    older = load_revocations(old, issuer_key().public_key())  # its signature still holds ...
    assert older.sequence == 1 and IDS[1] not in {e.id for e in older.entries}
    with pytest.raises(RolledBackRevocations, match=r"sequence 1, but sequence 2 .* was already seen"):
        record_seen(state, older)  # ... but a newer list was seen: B's revocation is being hidden
    with pytest.raises(RolledBackRevocations, match="older than the --min-sequence 2"):
        older.check_fresh(NOW, Freshness(min_sequence=2))
    # The current list, seen again or by a second verifier process, is still accepted.
    record_seen(state, load_revocations(path, issuer_key().public_key()))
    assert json.loads(state.read_text("utf-8"))["issuers"][key_id(issuer_key().public_key())]["sequence"] == 2


def test_two_different_lists_under_one_sequence_are_refused(tmp_path: Path) -> None:
    path, state = tmp_path / "r.json", tmp_path / "seen.json"
    revoke(path, IDS[0], issuer_key(), reason=None, now=NOW)
    record_seen(state, load_revocations(path, issuer_key().public_key()))
    content = json.loads(path.read_text("utf-8"))["revocations"]
    content["entries"] = []  # the same number, signed again without the entry: a fork
    _sign_list(path, content)
    with pytest.raises(RolledBackRevocations, match="two different revocation lists carry sequence 1"):
        record_seen(state, load_revocations(path, issuer_key().public_key()))


def test_a_list_past_its_next_update_or_max_age_is_stale(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    revoke(path, IDS[0], issuer_key(), reason=None, now=NOW, next_update_days=7)
    listed = load_revocations(path, issuer_key().public_key())
    listed.check_fresh(NOW + timedelta(days=7), Freshness())  # up to its next-update it speaks
    with pytest.raises(StaleRevocations, match="due to be replaced on 2026-12-02T12:00:00Z"):
        listed.check_fresh(NOW + timedelta(days=7, seconds=1), Freshness())
    listed.check_fresh(NOW + timedelta(hours=12), Freshness(max_age=parse_age("12h")))
    with pytest.raises(StaleRevocations, match="more than --max-age 12h"):
        listed.check_fresh(NOW + timedelta(hours=12, seconds=1), Freshness(max_age=parse_age("12h")))
    # refresh: the same entries, the next sequence number, a new issue time and next-update.
    fresh = refresh(path, issuer_key(), now=NOW + timedelta(days=6))
    assert fresh.sequence == 2 and fresh.entries == listed.entries
    fresh.check_fresh(NOW + timedelta(days=8), Freshness())


@pytest.mark.parametrize("text", ["", "7", "0d", "-1d", "1w", "1.5h", "9999999d"])
def test_max_age_needs_a_number_and_a_unit(text: str) -> None:
    with pytest.raises(UsageError, match="--max-age"):
        parse_age(text)


def test_a_next_update_before_the_issue_time_is_not_trusted(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    revoke(path, IDS[0], issuer_key(), reason=None, now=NOW)
    content = json.loads(path.read_text("utf-8"))["revocations"]
    content["next-update"] = content["updated"]
    _sign_list(path, content)
    with pytest.raises(UntrustedRevocations, match=r"next-update .* is not after its issue time"):
        load_revocations(path, issuer_key().public_key())


def test_a_format_1_0_list_is_read_as_sequence_0_and_upgraded_by_revoke(tmp_path: Path) -> None:
    path, state = tmp_path / "r.json", tmp_path / "seen.json"
    _legacy_list(path)
    legacy = load_revocations(path, issuer_key().public_key())
    assert legacy.sequence == 0 and legacy.next_update is None and len(legacy.entries) == 1
    legacy.check_fresh(NOW + timedelta(days=3000), Freshness())  # no next-update to be past
    with pytest.raises(StaleRevocations):
        legacy.check_fresh(NOW + timedelta(days=8), Freshness(max_age=parse_age("7d")))
    with pytest.raises(RolledBackRevocations, match=r"format 1\.0 list without sequence number"):
        legacy.check_fresh(NOW, Freshness(min_sequence=1))
    record_seen(state, legacy)
    assert not state.exists()  # nothing to order a 1.0 list by: not recorded
    revoke(path, IDS[0], issuer_key(), reason=None, now=NOW)
    upgraded = load_revocations(path, issuer_key().public_key())
    assert upgraded.sequence == 1 and {e.id for e in upgraded.entries} == {IDS[0], IDS[1]}
    record_seen(state, upgraded)
    with pytest.raises(RolledBackRevocations, match="has no sequence number"):
        record_seen(state, legacy)


@pytest.mark.parametrize("content", [
    "not json", '{"format": "something-else"}', "[]",
    '{"format": "egov-conformance/revocation-state", "format-version": "1.0", "issuers": {"x": 1}}',
])
def test_a_damaged_state_file_is_never_silently_reset(tmp_path: Path, content: str) -> None:
    path, state = tmp_path / "r.json", tmp_path / "seen.json"
    revoke(path, IDS[0], issuer_key(), reason=None, now=NOW)
    state.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError, match="revocation state file"):
        record_seen(state, load_revocations(path, issuer_key().public_key()))
    assert state.read_text("utf-8") == content


def test_format_1_1_lists_must_carry_sequence_and_next_update(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    revoke(path, IDS[0], issuer_key(), reason=None, now=NOW)
    for member in ("sequence", "next-update"):
        content = json.loads(path.read_text("utf-8"))["revocations"]
        del content[member]
        _sign_list(tmp_path / "edited.json", content)
        with pytest.raises(UntrustedRevocations, match="not a valid revocation list"):
            load_revocations(tmp_path / "edited.json", issuer_key().public_key())


def test_a_signed_list_with_an_ambiguous_header_is_not_trusted(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    revoke(path, IDS[0], issuer_key(), reason=None, now=NOW)
    document = json.loads(path.read_text("utf-8"))
    content = document["revocations"]
    kid = key_id(issuer_key().public_key())
    for header in (f'{{"alg":"EdDSA","b64":false,"kid":"{kid}","typ":"{TYP}"}}',
                   f'{{"alg":"EdDSA","kid":"{kid}","typ":"x","typ":"{TYP}"}}'):
        protected = b64url(header.encode())
        signed = issuer_key().sign(f"{protected}.{b64url(canonicalize(content))}".encode())
        document["signature"] = {"protected": protected, "signature": b64url(signed)}
        path.write_text(json.dumps(document), encoding="utf-8")
        with pytest.raises(UntrustedRevocations, match=r"b64|twice"):
            load_revocations(path, issuer_key().public_key())


# --- Concurrent revocations (issue 8, item 10) ---------------------------------------------------

def _revoke_all(path: Path, ids: list[str], start: Any) -> None:
    start.wait()  # every process starts revoking at the same moment
    for cid in ids:
        revoke(path, cid, issuer_key(), reason=None, now=NOW)


def test_concurrent_revocations_all_land(tmp_path: Path) -> None:
    # Forked processes (real ones, each with its own interpreter state after the fork) that inherit
    # this process's imports: 16 fresh interpreters would spend minutes importing before the race.
    context = multiprocessing.get_context("fork")
    revoke(tmp_path / "warm.json", IDS[0], issuer_key(), reason=None, now=NOW)  # schema compiled once
    path = tmp_path / "revocations.json"
    processes, per_process = 16, 8
    ids = [[str(uuid.uuid4()) for _ in range(per_process)] for _ in range(processes)]
    start = context.Barrier(processes)
    children = [context.Process(target=_revoke_all, args=(path, mine, start)) for mine in ids]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=120)
        assert child.exitcode == 0
    listed = load_revocations(path, issuer_key().public_key())
    expected = {f"urn:uuid:{i}" for mine in ids for i in mine}
    assert len({e.id for e in listed.entries} & expected) == len(expected)  # no revocation lost
    assert listed.sequence == processes * per_process  # each signing saw the one before
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".revocations.json.")]
