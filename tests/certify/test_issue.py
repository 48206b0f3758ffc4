"""Issuing: what a certificate says, and every reason to refuse one."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import uuid
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conformance.certify import signed_file
from conformance.certify.certificate import IssueOptions, issue, issue_file
from conformance.core.errors import IssueRefused, UsageError
from conformance.trust.keys import key_id
from tests.certify.builders import (
    CONFORMANT,
    NOT_CONFORMANT,
    NOW,
    UNPROCESSABLE,
    encode,
    issuer_key,
    results,
    results_bytes,
)

SCHEMA = json.loads((Path(signed_file.__file__).parent / "certificate.schema.json").read_text("utf-8"))
OPTIONS = IssueOptions(issuer="Test Lab", status_url="https://lab.example/revocations.json",
                       role="sender", self_test=False, valid_days=30)


def _issue(data: bytes | None = None, options: IssueOptions = OPTIONS) -> dict[str, Any]:
    return issue(results_bytes() if data is None else data, issuer_key(), options, now=NOW)


def test_certificate_content() -> None:
    data = results_bytes()
    source = results()
    document = _issue(data)
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    cert = document["certificate"]
    assert cert["id"].startswith("urn:uuid:") and uuid.UUID(cert["id"][9:]).version == 4
    assert cert["issuer"] == {"name": "Test Lab", "key-id": key_id(issuer_key().public_key())}
    assert cert["subject"] == {"organisation": "ACME", "product": "Gateway", "version": "2.1"}
    scope = cert["scope"]
    assert scope["standard"]["id"] == "egov-exchange-envelope"
    assert scope["standard"]["content-hash"] == source["standard"]["content-hash"]
    assert scope["class"] == "full"
    assert [c["id"] for c in scope["classes"]] == ["core", "full"]  # what full builds on, then full
    assert scope["role"] == "sender"
    assert cert["test-basis"]["tool"] == source["tool"]
    assert cert["test-basis"]["suite-hash"] is None
    assert cert["summary"]["payloads"] == {"payloads": 3, "conformant": 3, "not-conformant": 0, "error": 0}
    must = cert["summary"]["requirements"]["MUST"]
    assert must["failed"] == must["cantTell"] == must["untested"] == 0
    assert sum(sum(c.values()) for c in cert["summary"]["requirements"].values()) == \
        len(source["requirements"])
    assert cert["summary"]["requirements"]["SHOULD"]["failed"] >= 1  # the warning payload
    assert cert["evidence"]["results-sha256"] == "sha256:" + hashlib.sha256(data).hexdigest()
    hashes = cert["evidence"]["payload-hashes"]
    assert hashes == sorted(p["sha256"] for p in source["payloads"]) and len(hashes) == len(CONFORMANT)
    assert (cert["issued"], cert["expires"]) == ("2026-11-25T12:00:00Z", "2026-12-25T12:00:00Z")
    assert cert["status-url"] == "https://lab.example/revocations.json"
    assert cert["self-test"] is False


def test_ids_are_unique_and_may_be_injected() -> None:
    assert _issue()["certificate"]["id"] != _issue()["certificate"]["id"]
    fixed = uuid.UUID("0b3a5c1e-8d2f-4c6a-9e1b-7f0d2a4c6e8b")
    document = issue(results_bytes(), issuer_key(), OPTIONS, now=NOW, certificate_id=fixed)
    assert document["certificate"]["id"] == fixed.urn


def test_a_lower_class_can_be_certified() -> None:
    cert = _issue(options=IssueOptions(issuer="Lab", class_id="core"))["certificate"]
    assert cert["scope"]["class"] == "core"
    assert [c["id"] for c in cert["scope"]["classes"]] == ["core"]


def _edited(edit: Any) -> bytes:
    document = copy.deepcopy(results())
    edit(document)
    return encode(document)


def _must(document: dict[str, Any]) -> dict[str, Any]:
    return next(r for r in document["requirements"] if r["level"] == "MUST" and r["outcome"] == "passed")


def _set_outcome(document: dict[str, Any], outcome: str) -> None:
    _must(document)["outcome"] = outcome


def _set_count(document: dict[str, Any]) -> None:
    _must(document)["counts"]["cantTell"] = 1


REFUSALS = {
    "not conformant": (lambda: results_bytes(NOT_CONFORMANT), "the run is not conformant to class"),
    "processing error": (lambda: results_bytes(UNPROCESSABLE), "could not be decided"),
    "MUST cantTell (edited verdict)": (lambda: _edited(lambda d: _set_outcome(d, "cantTell")),
                                       "MUST requirement EXC-.* is cantTell"),
    "MUST untested (edited verdict)": (lambda: _edited(lambda d: _set_outcome(d, "untested")),
                                       "is untested"),
    "MUST failed on a payload (edited aggregate)": (lambda: _edited(_set_count), "1 cantTell"),
    "class verdict edited": (lambda: _edited(lambda d: d["classes"][0].update(verdict="error")),
                             "conformance to class 'core' could not be decided"),
    "empty run": (lambda: results_bytes(()), "no payload was tested"),
    "no subject": (lambda: results_bytes(subject=None), "name no subject"),
    "payload without hash": (lambda: _edited(lambda d: d["payloads"][0].update(sha256=None)),
                             "has no content hash"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_refusals(case: str) -> None:
    data, message = REFUSALS[case]
    with pytest.raises(IssueRefused, match=message):
        _issue(data())


def test_class_out_of_scope_is_refused() -> None:
    with pytest.raises(IssueRefused, match="'nope' was not in scope"):
        _issue(options=IssueOptions(issuer="Lab", class_id="nope"))


BAD_INPUT = {
    "corrupted JSON": (lambda: results_bytes()[:-40], "not JSON"),
    "not UTF-8": (lambda: b"\xff\xfe{}", "not UTF-8"),
    "foreign JSON": (lambda: b'{"hello": "world"}', "not egov-conformance run results"),
    "a JSON array": (lambda: b"[1, 2]", "not egov-conformance run results"),
    "wrong format version": (lambda: _edited(lambda d: d.update({"format-version": "2.0"})),
                             "version '2.0' is not supported"),
    "schema violation": (lambda: _edited(lambda d: d.update(verdict="great")),
                         "invalid run results at /verdict"),
    "deep nesting": (lambda: b"[" * 100_000, "not JSON|nested too deeply"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_results_are_usage_errors(case: str) -> None:
    data, message = BAD_INPUT[case]
    with pytest.raises(UsageError, match=message):
        _issue(data())


@pytest.mark.parametrize(("options", "message"), [
    (IssueOptions(issuer=" "), "--issuer"),
    (IssueOptions(issuer="Lab\n"), "--issuer"),
    (IssueOptions(issuer="Lab", role=""), "--role"),
    (IssueOptions(issuer="Lab", valid_days=0), "--valid-days"),
    (IssueOptions(issuer="Lab", valid_days=4000), "--valid-days"),
    (IssueOptions(issuer="Lab", status_url="javascript:alert(1)"), "--status-url"),
    (IssueOptions(issuer="Lab", status_url="https://a b"), "--status-url"),
])
def test_bad_options(options: IssueOptions, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        _issue(options=options)


def test_issue_file_hashes_the_bytes_it_read(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_bytes(results_bytes())
    cert = issue_file(path, issuer_key(), OPTIONS, now=NOW)["certificate"]
    assert cert["evidence"]["results-sha256"] == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(UsageError, match="cannot read run results"):
        issue_file(tmp_path / "missing.json", issuer_key(), OPTIONS, now=NOW)


def test_a_not_conformant_run_is_refused_in_plain_words() -> None:
    with pytest.raises(IssueRefused) as info:
        _issue(results_bytes(NOT_CONFORMANT))
    message = str(info.value)
    assert "not-conformant" not in message
    assert re.search(r"the run is not conformant to class '\w+': \d+ of \d+ payloads failed", message)
    assert message.endswith("a certificate needs every mandatory requirement of the class passed")
