"""A log spoiled anywhere is read or refused with a PayloadError: never another exception."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.conversations.logfile import read_log
from conformance.core.errors import PayloadError
from tests.conversations.logsupport import write_log

_FILES = ("exchange.json", "events.jsonl", "bodies/0001.xml")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("template") / "log"
    write_log(folder)
    return folder


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(file=st.sampled_from(_FILES), at=st.floats(0, 1), cut=st.integers(0, 40),
       insert=st.binary(max_size=12))
def test_a_log_spoiled_anywhere_is_read_or_refused(template: Path, tmp_path: Path, file: str, at: float,
                                                   cut: int, insert: bytes) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path)) / "log"
    shutil.copytree(template, folder)
    data = (folder / file).read_bytes()
    where = int(at * len(data))
    (folder / file).write_bytes(data[:where] + insert + data[where + cut:])
    try:
        log = read_log(folder)
    except PayloadError as exc:
        assert exc.location == str(folder) and exc.message
    else:  # unchanged, or changed where the format allows it (white space, a text)
        assert [e.seq for e in log.events] == list(range(1, len(log.events) + 1))
