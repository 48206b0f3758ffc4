"""Hostile files handed to `conform certificate` and `conform keys`: never read without bound.

Each file the certificate commands read (run results, certificates, keys, revocation lists, the
verifier's revocation state) goes through `core.files.read_bounded`: a device such as /dev/zero
would otherwise be read until memory runs out, and a FIFO would block for ever.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conformance.certify import IssueOptions, issue, load_private_key
from conformance.certify.signed_file import dumps
from tests.certify.builders import results_bytes
from tests.hostile.bounded import assert_no_traceback, conform

pytestmark = pytest.mark.hostile

SECONDS, MIB = 60, 400  # a clean refusal costs the interpreter start (about 10 s, 150 MiB)


@pytest.fixture
def lab(tmp_path: Path) -> dict[str, Path]:
    made = conform("keys", "generate", "--out", tmp_path / "keys", "--name", "lab", seconds=SECONDS,
                   memory_mib=MIB)
    assert made.returncode == 0, made.output
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    big = tmp_path / "big.json"
    with big.open("wb") as stream:  # sparse: 20 GiB that take no disk
        stream.truncate(20 << 30)
    key = tmp_path / "keys" / "lab.private.pem"
    cert = tmp_path / "cert.json"
    cert.write_text(dumps(issue(results_bytes(), load_private_key(key), IssueOptions(issuer="Lab"),
                                now=datetime.now(UTC))), encoding="utf-8")
    return {"dir": tmp_path, "key": key, "jwk": tmp_path / "keys" / "lab.public.jwk", "fifo": fifo,
            "big": big, "cert": cert}


def _refused(*args: str | Path, message: str) -> None:
    seen = conform(*args, seconds=SECONDS, memory_mib=MIB)
    assert_no_traceback(seen)
    assert seen.returncode == 2, seen.output
    assert message in seen.stderr, seen.stderr


@pytest.mark.parametrize("source", ["/dev/zero", "fifo", "big"])
def test_issue_from_a_device_fifo_or_huge_file_is_refused(lab: dict[str, Path], source: str) -> None:
    results = Path(source) if source.startswith("/") else lab[source]
    message = "run results is 21474836480 bytes, over the limit" if source == "big" else "not a regular file"
    _refused("certificate", "issue", results, "--key", lab["key"], "--issuer", "Lab", message=message)


@pytest.mark.parametrize("what", ["certificate", "issuer key", "revocation list", "revocation state"])
def test_verify_never_blocks_on_a_fifo(lab: dict[str, Path], what: str) -> None:
    listing = lab["dir"] / "revocations.json"
    assert conform("certificate", "refresh", "--key", lab["key"], "--list", listing,
                   seconds=SECONDS, memory_mib=MIB).returncode == 0
    args = {"certificate": [lab["fifo"], "--issuer-key", lab["jwk"]],
            "issuer key": [lab["cert"], "--issuer-key", lab["fifo"]],
            "revocation list": [lab["cert"], "--issuer-key", lab["jwk"], "--revocations", lab["fifo"]],
            "revocation state": [lab["cert"], "--issuer-key", lab["jwk"], "--revocations", listing,
                                 "--revocation-state", lab["fifo"]]}[what]
    seen = conform("certificate", "verify", *args, seconds=SECONDS, memory_mib=MIB)
    assert_no_traceback(seen)
    assert seen.returncode == 2, seen.output
    assert "not a regular file" in seen.stderr or "over the limit" in seen.stderr, seen.stderr


@pytest.mark.parametrize("key", ["/dev/zero", "fifo"])
def test_a_key_that_is_a_device_or_fifo_is_refused(lab: dict[str, Path], key: str) -> None:
    path = Path(key) if key.startswith("/") else lab[key]
    _refused("certificate", "revoke", "urn:uuid:a0000000-0000-4000-8000-000000000001", "--key", path,
             "--list", lab["dir"] / "r.json", message="not a regular file")
    assert not (lab["dir"] / "r.json").exists()
