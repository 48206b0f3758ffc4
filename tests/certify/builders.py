"""Run results and keys for certificate tests, built from the envelope fixtures (never /tmp)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from conformance import api
from conformance.records.run_results import RunResults, Subject, dumps
from conformance.standard.model import Standard
from tests.conftest import ENVELOPE_FIXTURES as CASES

NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
CONFORMANT = ("xml/conformant-minimal.xml", "json/conformant-full.json",
              "xml/warn-message-id-not-v4.xml")
NOT_CONFORMANT = (*CONFORMANT, "xml/bad-message-id.xml")
UNPROCESSABLE = (*CONFORMANT, "hostile/invalid-utf8.json")
ACME = Subject.parse("ACME/Gateway/2.1")


@cache
def standard() -> Standard:
    return api.load_standard("egov-exchange-envelope")


def results(files: tuple[str, ...] = CONFORMANT, *, subject: Subject | None = ACME,
            class_id: str = "full") -> dict[str, Any]:
    """The run-results document of validating `files` (paths under the fixture folder)."""
    return json.loads(_results_text(files, subject, class_id))


@cache
def _results_text(files: tuple[str, ...], subject: Subject | None, class_id: str) -> str:
    run = RunResults(standard(), class_id, subject=subject)
    for result in api.validate([CASES / f for f in files], standard=standard()):
        run.add(result)
    return dumps(run.to_dict(started="2026-11-25T10:00:00Z", finished="2026-11-25T10:00:01Z"))


def results_bytes(files: tuple[str, ...] = CONFORMANT, *, subject: Subject | None = ACME,
                  class_id: str = "full") -> bytes:
    return _results_text(files, subject, class_id).encode("utf-8")


def encode(document: dict[str, Any]) -> bytes:
    return dumps(document).encode("utf-8")


@cache
def issuer_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@cache
def other_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()
