"""Shared fixtures: where the repository keeps its standards and fixture corpora."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:
    from conformance.standard.model import Standard

# pytester runs generated suites under the plugin in tests/runs.
pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[1]
STANDARDS = REPO / "standards"
FIXTURES = REPO / "fixtures"
CORPORA = REPO.parent / "shared" / "corpora"
# The reference standard every test leans on, its bundle and its fixture corpus.
ENVELOPE_REF = "egov-exchange-envelope@1.0.0"
ENVELOPE_BUNDLE = STANDARDS / "egov-exchange-envelope" / "1.0.0"
ENVELOPE_FIXTURES = FIXTURES / "egov-exchange-envelope" / "1.0.0"

# One case of a fixture manifest (`fixtures/<standard>/<version>/manifest.yaml`), as YAML gives it.
FixtureCase = dict[str, Any]


def fixture_manifest(path: Path = ENVELOPE_FIXTURES / "manifest.yaml") -> list[FixtureCase]:
    """The cases of a fixture manifest (default: the envelope's), in the manifest's order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    # The folder names the standard the cases are for (`fixture_ref`): the header must agree.
    assert f"{data['standard']}@{data['version']}" == fixture_ref(path), path
    cases: list[FixtureCase] = data["cases"]
    return cases


@cache
def envelope_standard() -> Standard:
    """The envelope standard, loaded once per process (loading it is the slow part of many tests)."""
    from conformance.standard.catalog import Catalog

    return Catalog([STANDARDS]).load(ENVELOPE_REF)


def fixture_ref(path: Path) -> str:
    """`id@version` of the standard a manifest at `fixtures/<id>/<version>/manifest.yaml` is for."""
    return f"{path.parent.parent.name}@{path.parent.name}"


def invoke(*args: object, catch_exceptions: bool = False) -> Result:
    """`conform ARGS` in this process; never a traceback in the output, whatever happens."""
    from conformance.cli import cli  # here, so that collecting a test never imports the top layer

    # Without catch_exceptions an exception escaping the command fails the test where it is raised.
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=catch_exceptions)
    assert "Traceback" not in result.output, result.output
    return result


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
