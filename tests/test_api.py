"""The Python API mirrors the CLI: validate() yields PayloadResults in a stable order."""

from __future__ import annotations

import pickle

import pytest

import conformance
from conformance import Outcome, Verdict
from tests.conftest import FIXTURES

BUNDLE_FIXTURES = FIXTURES / "egov-exchange-envelope" / "1.0.0"


def test_validate_yields_results_for_every_payload_in_order() -> None:
    results = list(conformance.validate([BUNDLE_FIXTURES / "xml", BUNDLE_FIXTURES / "json"]))
    names = [r.name for r in results]
    assert len(results) >= 10
    xml = [n for n in names if n.endswith(".xml")]
    assert xml == sorted(xml)
    assert {r.verdict for r in results} >= {Verdict.CONFORMANT, Verdict.NOT_CONFORMANT}
    for r in results:
        if r.verdict is Verdict.CONFORMANT:
            assert not any(f.outcome is Outcome.FAILED and f.severity.value == "error"
                           for f in r.findings)


def test_results_survive_pickling_for_worker_processes() -> None:
    result = next(iter(conformance.validate([BUNDLE_FIXTURES / "xml"])))
    assert pickle.loads(pickle.dumps(result)) == result


def test_named_message_type_skips_recognition() -> None:
    payload = next((BUNDLE_FIXTURES / "xml").glob("*.xml"))
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
        list(conformance.validate([BUNDLE_FIXTURES], standard="nope"))
