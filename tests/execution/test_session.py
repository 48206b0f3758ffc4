"""The session boundary: whatever bytes arrive, a result comes back and it never passes by accident."""

from __future__ import annotations

from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.core.findings import Level, Outcome, Verdict
from conformance.core.results import PayloadResult
from conformance.execution.session import ValidationSession
from conformance.validation.documents.payload import Payload
from tests.conftest import ENVELOPE_FIXTURES, envelope_standard

XML_SAMPLE = (ENVELOPE_FIXTURES / "xml" / "conformant-full.xml").read_bytes()
JSON_SAMPLE = (ENVELOPE_FIXTURES / "json" / "conformant-full.json").read_bytes()


standard = envelope_standard


@cache
def session() -> ValidationSession:
    return ValidationSession([standard()])


def _validate(data: bytes) -> PayloadResult:
    return session().validate_payload(Payload("fuzz", data))


def _assert_processing_error(result: PayloadResult) -> None:
    # One cantTell finding for no requirement, and nothing decided: no outcome, no class verdict.
    assert result.verdict is Verdict.ERROR
    assert [(f.requirement_id, f.outcome, f.processing_error) for f in result.findings] == [
        (None, Outcome.CANT_TELL, True)]
    assert result.outcomes == {} and result.verdicts == {}


def _expected_verdicts(result: PayloadResult) -> dict[str, Verdict]:
    """The class verdicts the outcomes call for, worked out here apart from the engine's plan."""
    envelope = standard()
    verdicts = {}
    for class_id, klass in envelope.classes.items():
        musts = [result.outcomes[r] for r in klass.requirements
                 if envelope.requirements[r].level is Level.MUST]
        verdicts[class_id] = (Verdict.NOT_CONFORMANT if Outcome.FAILED in musts
                              else Verdict.ERROR if {Outcome.CANT_TELL, Outcome.UNTESTED} & set(musts)
                              else Verdict.CONFORMANT)
    return verdicts


def _assert_consistent(result: PayloadResult) -> None:
    """A result is either a processing error of the whole payload or verdicts that follow from its
    outcomes (a rule that fails to run is a cantTell outcome of its requirements, and counts so)."""
    if result.standard is None:
        _assert_processing_error(result)
        return
    assert result.message_type in {"envelope-xml", "envelope-json"}
    assert set(result.outcomes) == set(standard().requirements)
    assert result.verdicts == _expected_verdicts(result)
    # The overall verdict is the one against the standard's default class (the envelope's `full`).
    assert result.verdict is result.verdicts["full"] and standard().default_class == "full"
    # Passed findings are dropped from results: only what needs a reader remains.
    assert all(f.outcome is not Outcome.PASSED for f in result.findings)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_are_a_processing_error(data: bytes) -> None:
    """Random bytes are never a recognisable envelope: always one processing error, never a verdict."""
    _assert_processing_error(_validate(data))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([XML_SAMPLE, JSON_SAMPLE]), st.data())
def test_truncated_envelopes_are_a_processing_error(sample: bytes, data: st.DataObject) -> None:
    """An envelope cut short anywhere before its last closing bracket no longer parses."""
    cut = data.draw(st.integers(0, len(sample.rstrip()) - 1))
    _assert_processing_error(_validate(sample[:cut]))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([XML_SAMPLE, JSON_SAMPLE]), st.data())
def test_one_changed_byte_gives_a_consistent_result(sample: bytes, data: st.DataObject) -> None:
    """A single-byte change of a real envelope: a result whose verdicts follow from its outcomes."""
    position = data.draw(st.integers(0, len(sample) - 1))
    byte = data.draw(st.integers(0, 255))
    result = _validate(sample[:position] + bytes([byte]) + sample[position + 1:])
    _assert_consistent(result)
    if byte == sample[position]:
        assert result.verdict is Verdict.CONFORMANT


def test_conformant_samples_pass() -> None:
    for sample in (XML_SAMPLE, JSON_SAMPLE):
        result = _validate(sample)
        _assert_consistent(result)
        assert result.verdicts == {"core": Verdict.CONFORMANT, "full": Verdict.CONFORMANT}
        assert result.verdict is Verdict.CONFORMANT and result.findings == ()


def test_trailing_whitespace_removed_still_passes() -> None:
    for sample in (XML_SAMPLE, JSON_SAMPLE):
        assert _validate(sample.rstrip()).verdict is Verdict.CONFORMANT
