"""Shared fixtures: where the repository keeps its standards and fixture corpora."""

from __future__ import annotations

from pathlib import Path

import pytest

# pytester runs generated suites under the plugin in tests/runs.
pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[1]
STANDARDS = REPO / "standards"
FIXTURES = REPO / "fixtures"
CORPORA = REPO.parent / "shared" / "corpora"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO
