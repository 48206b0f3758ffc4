"""The session boundary: whatever bytes arrive, a result comes back and it never passes by accident."""

from __future__ import annotations

from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.core.findings import Outcome, Verdict
from conformance.execution.session import ValidationSession
from conformance.standard.catalog import Catalog
from conformance.validation.documents.payload import Payload
from tests.conftest import FIXTURES, STANDARDS

XML_SAMPLE = (FIXTURES / "egov-exchange-envelope/1.0.0/xml/conformant-full.xml").read_bytes()
JSON_SAMPLE = (FIXTURES / "egov-exchange-envelope/1.0.0/json/conformant-full.json").read_bytes()


@cache
def session() -> ValidationSession:
    return ValidationSession([Catalog([STANDARDS]).load("egov-exchange-envelope@1.0.0")])


def _check(data: bytes) -> None:
    result = session().validate_payload(Payload("fuzz", data))
    assert result.verdict in set(Verdict)
    if result.processing_error:
        assert result.verdict is Verdict.ERROR
        assert not any(f.outcome is Outcome.PASSED for f in result.findings)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    _check(data)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([XML_SAMPLE, JSON_SAMPLE]), st.data())
def test_mutated_envelopes_never_raise(sample: bytes, data: st.DataObject) -> None:
    """Single-byte changes and truncations of real envelopes: a result, never an exception."""
    position = data.draw(st.integers(0, len(sample) - 1))
    mutated = (sample[:position] + bytes([data.draw(st.integers(0, 255))]) + sample[position + 1:]
               if data.draw(st.booleans()) else sample[:position])
    _check(mutated)


def test_conformant_samples_pass() -> None:
    for sample in (XML_SAMPLE, JSON_SAMPLE):
        assert session().validate_payload(Payload("sample", sample)).verdict is Verdict.CONFORMANT
