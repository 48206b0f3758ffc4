"""The Python API mirrors the CLI: validate() yields PayloadResults in a stable order."""

from __future__ import annotations

import pickle

import pytest

import conformance
from conformance import Outcome, Verdict
from tests.conftest import ENVELOPE_FIXTURES, fixture_manifest


def test_validate_yields_results_for_every_payload_in_order() -> None:
    results = list(conformance.validate([ENVELOPE_FIXTURES / "xml", ENVELOPE_FIXTURES / "json"]))
    names = [r.name for r in results]
    # Each folder walked in sorted order, XML first as asked, every file once.
    expected = [str(p) for folder in ("xml", "json") for p in sorted((ENVELOPE_FIXTURES / folder).iterdir())]
    assert names == expected
    # The verdict against the default class (`full`) is the one the fixture manifest expects.
    manifest = {str(ENVELOPE_FIXTURES / c["file"]): c for c in fixture_manifest()}
    assert {r.name: r.verdict for r in results} == {
        name: Verdict.ERROR if manifest[name].get("error") else Verdict(manifest[name]["verdicts"]["full"])
        for name in names}
    for r in results:
        if r.verdict is Verdict.CONFORMANT:
            assert not any(f.outcome is Outcome.FAILED and f.severity.value == "error"
                           for f in r.findings)


def test_results_survive_pickling_for_worker_processes() -> None:
    result = next(iter(conformance.validate([ENVELOPE_FIXTURES / "xml"])))
    assert pickle.loads(pickle.dumps(result)) == result


def test_named_message_type_skips_recognition() -> None:
    payload = next((ENVELOPE_FIXTURES / "xml").glob("*.xml"))
    forced = conformance.session("egov-exchange-envelope", message_type="envelope-json")
    result = forced.validate_path(payload)
    assert result.verdict is Verdict.ERROR
    assert "is JSON, the payload is XML" in result.findings[0].message.en
    with pytest.raises(conformance.UsageError, match="message type 'nope'"):
        conformance.session("egov-exchange-envelope", message_type="nope")
    with pytest.raises(conformance.UsageError, match="class 'ghost'"):
        conformance.session("egov-exchange-envelope", class_id="ghost")


def test_unknown_standard_is_reported() -> None:
    with pytest.raises(conformance.StandardNotFound, match="available"):
        list(conformance.validate([ENVELOPE_FIXTURES], standard="nope"))
