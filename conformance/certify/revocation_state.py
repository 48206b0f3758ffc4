"""A verifier's memory of the revocation lists it has seen: rollback protection across runs.

A signed list cannot tell by itself that a newer one exists. A verifier that keeps, per issuer key,
the highest sequence number it has accepted (as a TUF client keeps the versions of the metadata it
has trusted) can: a list with a lower number is an old list replayed, which hides every revocation
made since, and two different lists under the same number mean the issuer's key signed twice (a
leaked key, or a fork). Both are `RolledBackRevocations`.

The state file (`--revocation-state FILE`, created on first use) is the verifier's own:

    {"format": "egov-conformance/revocation-state", "format-version": "1.0",
     "issuers": {KEY-ID: {"sequence": N, "digest": "sha256:...", "updated": TIME}}}

A damaged or foreign state file is a UsageError (exit code 2), never silently reset: starting
again from nothing would accept exactly the old list the file is there to refuse. Updates hold
the file's lock and replace it by a rename, so concurrent verifications keep the highest number.
Lists of format 1.0 (sequence 0) are never recorded; once a 1.1 list is, they are refused.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from conformance.certify import signed_file
from conformance.certify.revocation import RevocationList
from conformance.core import lockfile
from conformance.core.errors import RolledBackRevocations, UsageError
from conformance.core.files import read_bounded
from conformance.core.limits import REVOCATION_STATE_MAX_BYTES
from conformance.core.printable import quoted

FORMAT = "egov-conformance/revocation-state"
FORMAT_VERSION = "1.0"
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{43}$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_MAX_SEQUENCE = 2**53 - 1


def record_seen(state_path: Path, revocations: RevocationList) -> None:
    """Refuse `revocations` if older than what `state_path` has seen for its issuer; else remember it."""
    with lockfile.exclusive(state_path, what="revocation state file"):
        issuers = _read(state_path) if state_path.exists() else {}
        seen = issuers.get(revocations.issuer_key_id)
        if seen is not None:
            if revocations.sequence < seen["sequence"]:
                what = "has no sequence number (format 1.0)" if revocations.sequence == 0 else \
                    f"has sequence {revocations.sequence}"
                raise RolledBackRevocations(
                    f"the revocation list {what}, but sequence {seen['sequence']} (issued "
                    f"{seen['updated']}) was already seen ({state_path}): an older list is being "
                    "replayed, which would hide later revocations")
            if revocations.sequence == seen["sequence"]:
                if revocations.digest != seen["digest"]:
                    raise RolledBackRevocations(
                        f"two different revocation lists carry sequence {revocations.sequence} "
                        f"(see {state_path}): the issuer key signed both, so it may be compromised")
                return
        if revocations.sequence == 0:
            return  # a format 1.0 list: nothing to order it by
        issuers[revocations.issuer_key_id] = {"sequence": revocations.sequence,
                                              "digest": revocations.digest, "updated": revocations.updated}
        document = {"format": FORMAT, "format-version": FORMAT_VERSION,
                    "issuers": dict(sorted(issuers.items()))}
        signed_file.replace_file(state_path, json.dumps(document, indent=1) + "\n")


def _read(path: Path) -> dict[str, dict[str, Any]]:
    data = read_bounded(path, max_bytes=REVOCATION_STATE_MAX_BYTES, error=UsageError,
                        what="revocation state file", what_zh="撤销列表状态文件")
    where = f"revocation state file {path}"
    document = signed_file.parse_json(data, where)
    if (not isinstance(document, dict) or document.get("format") != FORMAT
            or not str(document.get("format-version")).startswith("1.")
            or not isinstance(document.get("issuers"), dict)):
        raise UsageError(f"{where}: not a revocation state file of this tool (format {FORMAT} 1.x); "
                         "it is never reset silently: restore it or remove it knowingly")
    issuers: dict[str, dict[str, Any]] = document["issuers"]
    for kid, seen in issuers.items():
        if not (_KEY_ID.match(kid) and isinstance(seen, dict)
                and type(seen.get("sequence")) is int and 1 <= seen["sequence"] <= _MAX_SEQUENCE
                and isinstance(seen.get("digest"), str) and _DIGEST.match(seen["digest"])
                and isinstance(seen.get("updated"), str) and _TIME.match(seen["updated"])):
            raise UsageError(f"{where}: the entry for {quoted(kid)} is damaged; "
                             "it is never reset silently: restore it or remove it knowingly")
    return issuers
