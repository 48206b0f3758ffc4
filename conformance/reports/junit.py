"""JUnit XML in the xunit2 flavour (pytest's `junit_family=xunit2`), for CI servers.

Shape and why:

- **One `<testsuite>` per payload**, one `<testcase classname=PAYLOAD name=REQ-ID>` per requirement in
  scope. Jenkins and GitLab identify and display a test by classname and name and ignore most of the
  suite; a payload path turned into a dotted classname (`xml/bad-id.xml` ->
  `xml.bad-id_xml`) gives Jenkins its package tree by folder, one class per file, one test per
  requirement: "which file breaks which requirement", the question a failing build asks. A test's
  identity is stable from run to run, so "failing since build N" works. An absolute payload path
  never reaches a class name: it is taken relative to the folder all absolute payloads of the run
  share (the payload root), so the same payloads give the same class names in every checkout and on
  every CI agent; a relative path (relative to where the run was made) is kept as it is. xunit2 allows
  `<properties>` only on a suite, which is where each payload's sha256 belongs; and a suite is
  complete as soon as its payload is, so the file is written as a stream (10,000 payloads x 24
  requirements stay in constant memory apart from the record itself).
- **Red exactly when the verdict is not conformant.** A MUST requirement that failed is a
  `<failure>`; cantTell (processing errors included) and an untested MUST requirement are `<error>`,
  as they make the verdict `error`; inapplicable, and untested SHOULD/MAY requirements, are
  `<skipped message=reason>`. A failed SHOULD or MAY requirement does not change any verdict, so it is
  a passing test case whose `<system-out>` starts with `WARNING` and carries the full explanation:
  CI stays green, the warning is one click away.
- Run facts (tool version, standard id, version and content hash, suite hash, seed, subject, class,
  times) repeat in every suite's properties: xunit2 gives the root element no properties, and each
  suite then stands on its own.
- Built with lxml's incremental writer, never by string concatenation; characters XML 1.0 cannot
  carry are shown as escapes (see `printable`).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable
from datetime import datetime
from typing import IO, Any

from lxml import etree

from conformance.core.findings import Level, Outcome
from conformance.core.printable import printable, shorten
from conformance.core.results import PayloadResult
from conformance.records.cases import Case, iter_payload_cases
from conformance.records.record import RunRecord
from conformance.reports.labels import describe_location

PASSED, WARNING, FAILURE, ERROR, SKIPPED = "passed", "warning", "failure", "error", "skipped"
_MESSAGE_LIMIT = 500  # a message attribute is a one-line summary; the element text has the rest
_DRIVE = re.compile(r"[A-Za-z]:")  # a Windows drive, as the first part of a path


def case_kind(case: Case) -> str:
    """How a cell appears in JUnit: passed, warning (passed with output), failure, error, skipped."""
    must = case.level is Level.MUST
    if case.outcome is Outcome.FAILED:
        return FAILURE if must else WARNING
    if case.outcome is Outcome.CANT_TELL:
        return ERROR
    if case.outcome is Outcome.UNTESTED:
        return ERROR if must else SKIPPED
    if case.outcome is Outcome.INAPPLICABLE:
        return SKIPPED
    return PASSED


def _path_parts(name: str) -> tuple[tuple[str, ...], bool]:
    """The parts of a payload path (`/` or `\\`, no `.` or empty parts, no drive), and whether it
    is absolute."""
    text = name.replace("\\", "/")
    parts = tuple(p for p in text.split("/") if p not in ("", "."))
    drive = bool(parts) and _DRIVE.fullmatch(parts[0]) is not None and text.startswith(parts[0])
    if drive:
        parts = parts[1:]
    return parts, text.startswith("/") or drive


def payload_root(names: Iterable[str]) -> tuple[str, ...]:
    """The folder every absolute payload name shares (its parts), which class names leave out."""
    common: tuple[str, ...] | None = None
    for name in names:
        parts, absolute = _path_parts(name)
        if not absolute:
            continue
        folder = parts[:-1]
        # Pairwise, so the names are read once and never held (a run may have many). On tuples of
        # parts commonprefix compares whole parts, not characters.
        common = folder if common is None else tuple(os.path.commonprefix([common, folder]))  # noqa: RUF071
    return common or ()


def classname(payload_name: str, root: tuple[str, ...] | None = None) -> str:
    """A payload path as a dotted class name: folders become packages, dots in a name become `_`.

    An absolute path is taken relative to `root` (`payload_root` of the run), or to its own folder
    when it is not inside `root` or the payloads share no folder (only `/`): no absolute path ever
    becomes a class name.
    """
    parts, absolute = _path_parts(payload_name)
    if absolute:
        root = root or ()
        inside = bool(root) and parts[:len(root)] == root and len(parts) > len(root)
        parts = parts[len(root):] if inside else parts[-1:]
    return printable(".".join(p.replace(".", "_") for p in parts) or "payload")


def _none(value: Any) -> str:
    return "none" if value is None else str(value)


def _run_properties(record: RunRecord) -> list[tuple[str, str]]:
    standard, subject = record.standard, record.subject
    return [
        ("tool.name", record.tool.name),
        ("tool.version", record.tool.version),
        ("standard.id", standard.id),
        ("standard.version", standard.version),
        ("standard.content-hash", standard.content_hash),
        ("suite.hash", _none(record.suite_hash)),
        ("seed", _none(record.seed)),
        ("subject", "/".join((subject.organisation, subject.product, subject.version))
         if subject else "none"),
        ("class", _none(record.class_id)),
        ("run.verdict", record.verdict.value),
        ("started", record.started),
        ("finished", record.finished),
    ]


def _payload_properties(payload: PayloadResult) -> list[tuple[str, str]]:
    return [
        ("payload.name", payload.name),
        ("payload.sha256", _none(payload.sha256)),
        ("payload.size", _none(payload.size)),
        ("payload.message-type", _none(payload.message_type)),
        ("payload.verdict", payload.verdict.value),
    ]


def explain(case: Case) -> str:
    """The full text of a cell for people: requirement, statement, then each finding with its place."""
    req = case.requirement
    lines = [f"{req.id} ({req.level.value}): {req.statement.en}",
             f"{req.statement.zh}", f"{req.uri}", f"outcome: {case.outcome.value}"]
    for n, finding in enumerate(case.findings, 1):
        where = describe_location(finding.location, "en")
        lines += ["", f"[{n}] {where or 'no location'} ({finding.source})",
                  f"    {finding.message.en}", f"    {finding.message.zh}"]
        if finding.hint is not None:
            lines.append(f"    how to fix: {finding.hint.en}")
        if finding.excerpt is not None:
            lines += ["    " + line for line in finding.excerpt.splitlines()]
    return printable("\n".join(lines))


def _summary(case: Case, default: str) -> str:
    if not case.findings:
        return shorten(printable(f"{case.requirement.id}: {default}"), _MESSAGE_LIMIT)
    first = case.findings[0]
    more = f" (and {len(case.findings) - 1} more)" if len(case.findings) > 1 else ""
    text = f"{case.requirement.id}: {first.message.en}{more}"
    return shorten(printable(text), _MESSAGE_LIMIT)


def _testcase(case: Case, dotted: str) -> tuple[etree._Element, str]:
    element = etree.Element("testcase", classname=dotted, name=printable(case.requirement.id))
    kind = case_kind(case)
    rid, level = case.requirement.id, case.level.value
    if kind == FAILURE:
        child = etree.SubElement(element, "failure", message=_summary(case, "failed"),
                                 type=printable(case.findings[0].source if case.findings else level))
        child.text = explain(case)
    elif kind == ERROR:
        processing = any(f.processing_error for f in case.findings)
        reason = ("no check of this MUST requirement ran" if case.outcome is Outcome.UNTESTED
                  else "could not be decided")
        child = etree.SubElement(
            element, "error", message=_summary(case, reason),
            type="processing-error" if processing else case.outcome.value)
        child.text = explain(case)
    elif kind == SKIPPED:
        if case.outcome is Outcome.INAPPLICABLE:
            reason = f"inapplicable: nothing in this payload is subject to {rid}"
        else:
            reason = f"untested: no check of {rid} ({level}) ran on this payload"
        etree.SubElement(element, "skipped", message=printable(reason), type=case.outcome.value)
    elif kind == WARNING:
        out = etree.SubElement(element, "system-out")
        out.text = (f"WARNING: {rid} is a {level} requirement and was not met; the verdict is "
                    f"not affected.\n\n{explain(case)}")
    return element, kind


def _suite(run: list[tuple[str, str]], started: str, payload: PayloadResult,
           cases: list[Case], root: tuple[str, ...]) -> etree._Element:
    counts = {"tests": len(cases), FAILURE: 0, ERROR: 0, SKIPPED: 0}
    suite = etree.Element("testsuite", name=printable(payload.name))
    properties = etree.SubElement(suite, "properties")
    for name, value in run + _payload_properties(payload):
        etree.SubElement(properties, "property", name=name, value=printable(value))
    dotted = classname(payload.name, root)
    for case in cases:
        element, kind = _testcase(case, dotted)
        suite.append(element)
        if kind in counts:
            counts[kind] += 1
    suite.set("tests", str(counts["tests"]))
    suite.set("failures", str(counts[FAILURE]))
    suite.set("errors", str(counts[ERROR]))
    suite.set("skipped", str(counts[SKIPPED]))
    suite.set("timestamp", started)
    return suite


def _duration(started: str, finished: str) -> str:
    try:
        seconds = (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()
    except ValueError:
        seconds = 0.0
    return f"{max(seconds, 0.0):.3f}"


def _totals(record: RunRecord) -> dict[str, int]:
    totals = {"tests": 0, FAILURE: 0, ERROR: 0, SKIPPED: 0}
    for _payload, cases in iter_payload_cases(record):
        totals["tests"] += len(cases)
        for case in cases:
            kind = case_kind(case)
            if kind in totals:
                totals[kind] += 1
    return totals


def write_junit(record: RunRecord, stream: IO[bytes]) -> None:
    """Write the JUnit XML of a run record to a binary stream, one payload at a time."""
    totals = _totals(record)  # the root's counts come first, so a cheap first pass finds them
    run = _run_properties(record)
    payloads = payload_root(p.name for p in record.payloads)
    root = {"name": printable(f"{record.standard.ref} {record.class_id or ''}".strip()),
            "tests": str(totals["tests"]), "failures": str(totals[FAILURE]),
            "errors": str(totals[ERROR]), "time": _duration(record.started, record.finished)}
    with etree.xmlfile(stream, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("testsuites", root):
            for payload, cases in iter_payload_cases(record):
                xf.write("\n")
                xf.write(_suite(run, record.started, payload, cases, payloads), pretty_print=True)
    stream.write(b"\n")


def junit_xml(record: RunRecord) -> bytes:
    """The JUnit XML of a run record, as UTF-8 bytes."""
    buffer = io.BytesIO()
    write_junit(record, buffer)
    return buffer.getvalue()
