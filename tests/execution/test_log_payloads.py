"""Exchange logs among payloads: a log folder is one payload, finished or not, and is judged by its
own standard only."""

from __future__ import annotations

import shutil
from pathlib import Path

from conformance.core.findings import Verdict
from conformance.execution.batch import iter_payload_paths
from conformance.execution.session import ValidationSession
from conformance.standard.manifest import load_standard
from tests.conftest import FIXTURES, STANDARDS

EXCHANGES = FIXTURES / "egov-parallel-approval" / "1.0.0" / "exchanges"
BUNDLE = STANDARDS / "egov-parallel-approval" / "1.0.0"


def test_a_log_folder_is_one_payload_and_its_bodies_are_not(tmp_path: Path) -> None:
    shutil.copytree(EXCHANGES / "happy-path-xml", tmp_path / "logs" / "a")
    (tmp_path / "logs" / "loose.xml").write_bytes((BUNDLE / "examples" / "opinion.xml").read_bytes())
    # A folder's own files first, then its sub-folders, as everywhere in the walk.
    assert list(iter_payload_paths([tmp_path / "logs"])) == [tmp_path / "logs" / "loose.xml",
                                                              tmp_path / "logs" / "a"]
    assert list(iter_payload_paths([tmp_path / "logs" / "a"])) == [tmp_path / "logs" / "a"]


def test_an_unfinished_log_is_a_processing_error_not_loose_payloads(tmp_path: Path) -> None:
    log = tmp_path / "log"
    shutil.copytree(EXCHANGES / "happy-path-xml", log)
    (log / "exchange.json").unlink()  # the recorder never closed it
    assert list(iter_payload_paths([tmp_path])) == [log]
    result = ValidationSession([load_standard(BUNDLE)]).validate_path(log)
    assert result.processing_error and result.verdict is Verdict.ERROR
    assert "exchange.json" in result.findings[0].message.en


def test_a_log_is_judged_by_its_own_standard_when_another_version_is_loaded(tmp_path: Path) -> None:
    other = tmp_path / "egov-parallel-approval" / "1.0.1"
    shutil.copytree(BUNDLE, other)
    manifest = other / "standard.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("version: 1.0.0", "version: 1.0.1", 1),
                        encoding="utf-8")
    session = ValidationSession([load_standard(BUNDLE), load_standard(other)])
    result = session.validate_path(EXCHANGES / "happy-path-xml")
    assert result.verdict is Verdict.CONFORMANT, [f.message.en for f in result.failures()]
    assert result.standard == "egov-parallel-approval@1.0.0"
