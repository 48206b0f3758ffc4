"""Shared fixtures: where the repository keeps its standards and fixture corpora."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# pytester runs generated suites under the plugin in tests/runs.
pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[1]
STANDARDS = REPO / "standards"
FIXTURES = REPO / "fixtures"
CORPORA = REPO.parent / "shared" / "corpora"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


# Hypothesis profiles: the default for every run, and "long" for a fuzzing campaign outside CI
# (`benchmarks/fuzz_campaign.py`, or `pytest -m fuzz --hypothesis-profile=long`). Fuzz tests size
# themselves with `tests.fuzzing.examples(n)` so that the long profile scales all of them.
# CONFORMANCE_FUZZ_EXAMPLES sets the long profile's count (`fuzz_campaign.py --examples N`).
settings.register_profile("long", max_examples=int(os.environ.get("CONFORMANCE_FUZZ_EXAMPLES", "50000")),
                          deadline=None,
                          suppress_health_check=list(HealthCheck))
