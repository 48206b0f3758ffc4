"""Issuing a conformance certificate from run results (the bytes of a results file, read as a
`RunRecord`).

A certificate is issued only when the results themselves show conformance: the verdict against
the class is conformant, every MUST requirement of that class passed or was inapplicable (checked
on the aggregated outcome and on the per-payload counts, so a hand-edited verdict does not slip
through), payloads were tested and the results name a subject. It records what was certified
(subject, standard and bundle hash, classes, role), on what basis (tool, suite hash, run times),
a summary, evidence (payload hashes and the SHA-256 of the results file's bytes), and validity.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ed25519

from conformance.certify import signed_file
from conformance.certify.timestamps import format_time
from conformance.core.digests import sha256_digest
from conformance.core.errors import IssueRefused, UsageError
from conformance.core.findings import Level, Outcome, Verdict
from conformance.core.limits import RUN_RESULTS_MAX_BYTES
from conformance.records.record import ClassRecord, RequirementRecord, RunRecord
from conformance.records.run_results import validate_run_results
from conformance.trust import jws
from conformance.trust.jcs import canonicalize
from conformance.trust.keys import key_id

FORMAT = "egov-conformance/certificate"
FORMAT_VERSION = "1.0"
TYP = "egov-conformance-certificate+json"
MEMBER = "certificate"
SCHEMA = "certificate.schema.json"
MAX_VALID_DAYS = 3650
_ACCEPTED = {Outcome.PASSED, Outcome.INAPPLICABLE}
_NOT_ACCEPTED = (Outcome.FAILED, Outcome.CANT_TELL, Outcome.UNTESTED)


@dataclass(frozen=True, slots=True)
class IssueOptions:
    """What the issuer states beyond the run results."""

    issuer: str
    class_id: str | None = None
    valid_days: int = 365
    status_url: str | None = None
    self_test: bool = True
    role: str | None = None

    def checked(self) -> IssueOptions:
        if not self.issuer.strip() or len(self.issuer) > 200 or not self.issuer.isprintable():
            raise UsageError("--issuer: a printable name of 1 to 200 characters is needed")
        if self.role is not None and (not self.role.strip() or len(self.role) > 200
                                      or not self.role.isprintable()):
            raise UsageError("--role: a printable name of 1 to 200 characters is needed")
        if not 1 <= self.valid_days <= MAX_VALID_DAYS:
            raise UsageError(f"--valid-days: 1 to {MAX_VALID_DAYS} days")
        if self.status_url is not None:
            parts = urlsplit(self.status_url)
            if parts.scheme not in ("https", "http") or not parts.netloc or any(
                    c.isspace() for c in self.status_url):
                raise UsageError(f"--status-url {self.status_url!r} is not an http(s) URL")
        return self


def parse_results(data: bytes, where: str) -> RunRecord:
    """The record of the bytes of a results file, checked (see `load_run_results`)."""
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise UsageError(f"{where}: cannot read run results: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{where}: not JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from None
    except RecursionError:
        raise UsageError(f"{where}: JSON nested too deeply") from None
    return RunRecord.from_document(validate_run_results(document, where))


def certificate_hash(certificate: Mapping[str, Any]) -> str:
    """SHA-256 of the certificate's JCS bytes: what the QR code and verifiers quote."""
    return sha256_digest(canonicalize(certificate))


def issue(results_bytes: bytes, key: ed25519.Ed25519PrivateKey, options: IssueOptions, *,
          now: datetime, certificate_id: uuid.UUID | None = None, where: str = "run results"
          ) -> dict[str, Any]:
    """The signed certificate file (as a dict) for the run results in `results_bytes`.

    Bytes, not a parsed document: the evidence hash is then by construction the hash of exactly
    what was checked. Bad results are a UsageError; results that show no conformance, IssueRefused.
    """
    options = options.checked()
    results = parse_results(results_bytes, where)
    certificate = build(results, results_bytes, key_id(key.public_key()), options, now=now,
                        certificate_id=certificate_id or uuid.uuid4())
    document = {MEMBER: certificate, "signature": jws.sign(certificate, key, TYP)}
    # Our own output must satisfy our own schema; failing here is a bug, never a bad certificate.
    signed_file.check_schema(document, SCHEMA, "issued certificate", "certificate")
    return document


def issue_file(path: Path, key: ed25519.Ed25519PrivateKey, options: IssueOptions, *,
               now: datetime) -> dict[str, Any]:
    """`issue` for a run-results file."""
    # Read once, so that the bytes hashed are the bytes checked.
    data = signed_file.read_bytes(path, "run results", limit=RUN_RESULTS_MAX_BYTES)
    return issue(data, key, options, now=now, where=str(path))


def build(results: RunRecord, results_bytes: bytes, issuer_key_id: str,
          options: IssueOptions, *, now: datetime, certificate_id: uuid.UUID) -> dict[str, Any]:
    """The unsigned certificate content (refusals checked first); `results_bytes` is the file
    `results` was read from."""
    subject = results.subject
    if subject is None:
        raise IssueRefused("the run results name no subject; run with --subject "
                           "ORGANISATION/PRODUCT/VERSION")
    class_id, classes = _certified_classes(results, options.class_id)
    requirements = _must_requirements_hold(results, classes[-1])
    hashes = _payload_hashes(results)
    if certificate_id.version != 4:
        raise UsageError("certificate ids are random (version 4) UUIDs")
    standard = results.standard
    return {
        "format": FORMAT,
        "format-version": FORMAT_VERSION,
        "id": certificate_id.urn,
        "issuer": {"name": options.issuer, "key-id": issuer_key_id},
        "subject": subject.as_dict(),
        "scope": {
            "standard": {"id": standard.id, "version": standard.version,
                         "content-hash": standard.content_hash, "title": standard.title.as_dict()},
            "class": class_id,
            "classes": [{"id": c.id, "title": c.title.as_dict()} for c in classes],
            "role": options.role,
        },
        "test-basis": {
            "tool": {"name": results.tool.name, "version": results.tool.version},
            "suite-hash": results.suite_hash,
            "results-format-version": results.format_version,
            "started": results.started, "finished": results.finished, "seed": results.seed,
        },
        "summary": {
            "verdict": Verdict.CONFORMANT.value,
            "payloads": results.summary.as_dict(),
            "requirements": _counts_by_level(requirements),
        },
        "evidence": {"results-sha256": sha256_digest(results_bytes), "payload-hashes": hashes},
        "issued": format_time(now),
        "expires": format_time(now + timedelta(days=options.valid_days)),
        "status-url": options.status_url,
        "self-test": options.self_test,
    }


def _certified_classes(results: RunRecord, wanted: str | None) -> tuple[str, list[ClassRecord]]:
    """The class certified and those it builds on (standard's order, the class itself last)."""
    if not results.payloads or results.summary.payloads == 0:
        raise IssueRefused("no payload was tested: nothing to certify")
    class_id = wanted or results.class_id
    if class_id is None:
        raise IssueRefused("the run results have no target conformance class; pass --class")
    by_id = {c.id: c for c in results.classes}
    if class_id not in by_id:
        raise IssueRefused(f"class {class_id!r} was not in scope of the run "
                           f"(in scope: {', '.join(by_id) or 'none'})")
    if class_id == results.class_id and results.verdict is not Verdict.CONFORMANT:
        raise IssueRefused(_not_conformant(results, by_id[class_id]))
    closure: set[str] = set()
    pending = [class_id]
    while pending:
        current = pending.pop()
        if current in closure:
            continue
        if current not in by_id:
            raise IssueRefused(f"class {class_id!r} builds on {current!r}, which the run did not cover")
        closure.add(current)
        pending.extend(by_id[current].builds_on)
    for cid in sorted(closure):
        if by_id[cid].verdict is not Verdict.CONFORMANT:
            raise IssueRefused(_not_conformant(results, by_id[cid], certified=class_id))
    ordered = [c for c in results.classes if c.id in closure and c.id != class_id]
    return class_id, [*ordered, by_id[class_id]]


def _not_conformant(results: RunRecord, cls: ClassRecord, certified: str | None = None) -> str:
    """Why the run does not support a certificate for `cls`, in plain words."""
    summary = results.summary
    if cls.verdict is Verdict.NOT_CONFORMANT:
        said = f"the run is not conformant to class {cls.id!r}"
    else:
        said = f"conformance to class {cls.id!r} could not be decided (processing errors)"
    if certified is not None and certified != cls.id:
        said += f", on which class {certified!r} builds"
    if cls.id == results.class_id:
        parts = []
        if summary.not_conformant:
            parts.append(f"{summary.not_conformant} of {summary.payloads} payloads failed")
        if summary.error:
            parts.append(f"{summary.error} of {summary.payloads} payloads could not be checked")
        said += (": " + ", ".join(parts)) if parts else ""
    failing = [r.id for r in results.requirements if r.level is Level.MUST and r.id in cls.requirements
               and r.outcome not in _ACCEPTED]
    if failing:
        shown = ", ".join(failing[:5]) + (f" and {len(failing) - 5} more" if len(failing) > 5 else "")
        said += f" (MUST requirements not passed: {shown})"
    return said + "; a certificate needs every mandatory requirement of the class passed"


def _must_requirements_hold(results: RunRecord, cls: ClassRecord) -> list[RequirementRecord]:
    """The class's requirements from the results, after checking every MUST one."""
    by_id = {r.id: r for r in results.requirements}
    missing = [rid for rid in cls.requirements if rid not in by_id]
    if missing:
        raise IssueRefused(f"requirements of class {cls.id!r} missing from the run results: "
                           f"{', '.join(missing)}")
    requirements = [by_id[rid] for rid in cls.requirements]
    for requirement in requirements:
        if requirement.level is not Level.MUST:
            continue
        if requirement.outcome not in _ACCEPTED:
            raise IssueRefused(f"MUST requirement {requirement.id} is {requirement.outcome.value} "
                               "(passed or inapplicable needed)")
        counted = [f"{requirement.counts[o]} {o.value}" for o in _NOT_ACCEPTED if requirement.counts[o]]
        if counted:
            # The aggregate says passed but payloads disagree: the results were edited.
            raise IssueRefused(f"MUST requirement {requirement.id} has {', '.join(counted)} "
                               "payload outcomes")
    return requirements


def _payload_hashes(results: RunRecord) -> list[str]:
    hashes = []
    for payload in results.payloads:
        if payload.sha256 is None:
            raise IssueRefused(f"payload {payload.name} has no content hash (it was not read)")
        hashes.append(payload.sha256)
    return sorted(hashes)


def _counts_by_level(requirements: list[RequirementRecord]) -> dict[str, dict[str, int]]:
    counts = {level.value: {o.value: 0 for o in Outcome} for level in Level}
    for requirement in requirements:
        counts[requirement.level.value][requirement.outcome.value] += 1
    return counts
