"""A finding inside an exchange log names its event: the record keeps it, every report shows it."""

from __future__ import annotations

from conformance.core.findings import Finding, Location, Outcome, Severity
from conformance.core.text import Text
from conformance.records.results_json import finding_from_document, finding_to_dict
from conformance.reports.earl import _pointers
from conformance.reports.labels import describe_location


def _finding(location: Location) -> Finding:
    return Finding("APR-013", Outcome.FAILED, Severity.ERROR, Text.same("late"),
                   "conversation:APR-C-ACK-WITHIN", location=location)


def test_the_event_survives_the_results_file() -> None:
    finding = _finding(Location(event=3, line=4, xpath="/apr:ApprovalMessage"))
    document = finding_to_dict(finding)
    assert document["location"] == {"event": 3, "line": 4, "xpath": "/apr:ApprovalMessage"}
    assert finding_from_document(document) == finding


def test_reports_name_the_event_first() -> None:
    location = Location(event=3, line=4, pointer="/header/caseId")
    assert describe_location(location, "en") == "event 3; line 4; pointer /header/caseId"
    assert describe_location(location, "zh").startswith("事件 3")
    assert location.describe() == "event 3; line 4; pointer /header/caseId"


def test_earl_pointers_carry_the_event() -> None:
    inside = _pointers(_finding(Location(event=2, line=7, xpath="/a")), "urn:x")
    assert inside and all(p["egov:event"] == 2 for p in inside)
    alone = _pointers(_finding(Location(event=5)), "urn:x")
    assert alone == [{"@type": "egov:EventPointer", "egov:event": 5, "ptr:reference": {"@id": "urn:x"}}]
