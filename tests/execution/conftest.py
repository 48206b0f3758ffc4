"""Fixtures the execution tests share."""

from __future__ import annotations

import pytest

from conformance.execution.session import ValidationSession
from tests.conftest import envelope_standard


@pytest.fixture
def session() -> ValidationSession:
    """A fresh session of the envelope standard (its validators compiled for this test)."""
    return ValidationSession([envelope_standard()])
