"""Run results built from the fixture corpus of egov-exchange-envelope 1.0.0, as every report test uses."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from conformance import api
from conformance.records.record import RunRecord
from conformance.records.run_results import RunResults, Subject, validate_run_results
from conformance.standard.model import Standard
from tests.conftest import ENVELOPE_FIXTURES as FIXTURE_SET

STARTED, FINISHED = "2026-11-25T10:00:00Z", "2026-11-25T10:00:01Z"
SUITE_HASH = "sha256:" + "ab" * 32
# Characters XML 1.0 cannot carry, markup, and a lone surrogate (an undecodable file name byte).
HOSTILE = "evil\x00\x01\x08\x0b\x1b[31m<script>alert(1)</script>\"'&]]>\ufffe\udcff<img src=http://198.51.100.1/x.png>"


def make_document(standard: Standard, paths: Sequence[Path], *, seed: int | None = None,
                  suite_hash: str | None = None) -> dict[str, Any]:
    rr = RunResults(standard, "full", subject=Subject.parse("ACME/Gateway/2.1"), seed=seed,
                    suite_hash=suite_hash)
    for result in api.validate(paths, standard=standard):
        rr.add(result)
    return validate_run_results(rr.to_dict(started=STARTED, finished=FINISHED), "test")


def as_record(document: dict[str, Any]) -> RunRecord:
    """The record every writer reads, of a document a test may have edited (checked first)."""
    return RunRecord.from_document(validate_run_results(document, "test"))


@pytest.fixture(scope="session")
def standard() -> Standard:
    return api.load_standard("egov-exchange-envelope")


@pytest.fixture(scope="session")
def failing_document(standard: Standard) -> dict[str, Any]:
    """Not conformant: failures, SHOULD warnings, and processing errors (hostile payloads)."""
    return make_document(standard, [FIXTURE_SET / "xml", FIXTURE_SET / "json", FIXTURE_SET / "hostile"])


@pytest.fixture(scope="session")
def conformant_document(standard: Standard) -> dict[str, Any]:
    return make_document(standard, sorted((FIXTURE_SET / "xml").glob("conformant-*.xml")),
                         seed=20261125, suite_hash=SUITE_HASH)


@pytest.fixture
def hostile_document(failing_document: dict[str, Any]) -> dict[str, Any]:
    """The failing run with hostile text in payload names, messages and excerpts (a fresh copy)."""
    doc = copy.deepcopy(failing_document)
    for payload in doc["payloads"]:
        payload["name"] = payload["name"] + HOSTILE
        for finding in payload["findings"]:
            finding["message"] = {"en": finding["message"]["en"] + HOSTILE, "zh": HOSTILE}
            if "excerpt" in finding:
                finding["excerpt"] = finding["excerpt"] + "\n" + HOSTILE
    return doc
