"""Importing a HAR capture as an exchange log: which entries become messages, and bad HAR files."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from conformance.conversations.har import REDACTED, import_har
from conformance.conversations.log import Direction
from conformance.conversations.logfile import read_log
from conformance.core.errors import PayloadError, UsageError

LEAD = "http://127.0.0.1:8401/inbox"
CO = "http://127.0.0.1:8402/inbox"
ROLES = {"lead": LEAD, "co-approver": CO}
REQUEST = "<ApprovalMessage><Kind>opinion-request</Kind></ApprovalMessage>"
ACK = b'{"header": {"messageKind": "receipt-ack"}}'


def entry(url: str, started: str, *, text: str | None = None, mime: str = "application/xml",
          encoding: str | None = None, method: str = "POST", status: int = 202, elapsed: Any = 12.5,
          headers: list[dict[str, str]] | None = None) -> dict[str, Any]:
    request: dict[str, Any] = {"method": method, "url": url, "httpVersion": "HTTP/1.1",
                               "headers": headers or [{"name": "Content-Type", "value": mime}]}
    if text is not None:
        request["postData"] = {"mimeType": mime, "text": text, **({"encoding": encoding} if encoding else {})}
    return {"startedDateTime": started, "time": elapsed, "request": request,
            "response": {"status": status, "statusText": "Accepted", "headers": []}}


def capture() -> dict[str, Any]:
    """A capture in which the entries are not in time order, with one of every kind."""
    return {"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": [
        entry(LEAD, "2026-12-01T02:00:01.250Z", text=base64.b64encode(ACK).decode(), mime="application/json",
              encoding="base64", headers=[{"name": "Content-Type", "value": "application/json"},
                                          {"name": "Reply-To", "value": CO},
                                          {"name": "Authorization", "value": "Bearer secret"},
                                          {"name": "Cookie", "value": "a=1"},
                                          {"name": "Cookie", "value": "b=2"},
                                          {"name": ":authority", "value": "127.0.0.1:8401"}]),
        entry(CO, "2026-12-01T10:00:00.120+08:00", text=REQUEST),
        entry("http://127.0.0.1:9999/metrics", "2026-12-01T10:00:00.500+08:00", method="GET"),
        entry(LEAD + "/status", "2026-12-01T10:00:02+08:00", method="GET", elapsed=-1),
    ]}}


def write_har(path: Path, content: Any) -> Path:
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def run(tmp_path: Path, content: Any, **options: Any) -> Any:
    settings: dict[str, Any] = {"standard": "egov-parallel-approval@1.0.0",
                                "conversation": "parallel-approval", "system_under_test": "co-approver",
                                "roles": ROLES}
    settings.update(options)
    return import_har(write_har(tmp_path / "capture.har", content), tmp_path / "log", **settings)


def test_entries_to_a_role_become_messages_in_time_order(tmp_path: Path) -> None:
    done = run(tmp_path, capture())
    assert (done.imported, done.skipped, done.without_body) == (2, 1, 1)
    log = read_log(tmp_path / "log")
    assert log == done.log
    request, ack = log.events
    beijing = timezone(timedelta(hours=8))
    assert request.time == datetime(2026, 12, 1, 10, 0, 0, 120_000, tzinfo=beijing)
    assert (request.sender, request.receiver, request.direction) == ("lead", "co-approver", Direction.SENT)
    assert (ack.sender, ack.receiver, ack.direction) == ("co-approver", "lead", Direction.RECEIVED)
    assert request.body is not None and request.body.read_text() == REQUEST
    assert ack.body is not None and ack.body.read_bytes() == ACK and ack.body_name == "bodies/0002.json"
    assert ack.transport.method == "POST" and ack.transport.url == LEAD and ack.transport.status == 202
    assert ack.transport.headers == {"content-type": "application/json", "reply-to": CO,
                                     "authorization": REDACTED, "cookie": f"{REDACTED}, {REDACTED}"}
    manifest = log.manifest
    assert manifest.started == request.time
    # The last entry to end: the acknowledgement, 12.5 ms after it started (cut to milliseconds).
    assert manifest.ended == datetime(2026, 12, 1, 2, 0, 1, 262_000, tzinfo=UTC)
    assert manifest.recorded_by["mode"] == "har-import" and manifest.recorded_by["source"] == "capture.har"
    assert {p.role: p.endpoint for p in manifest.parties} == ROLES
    assert manifest.system_under_test == "co-approver" and manifest.event_count == 2


def test_the_longest_prefix_decides_the_role(tmp_path: Path) -> None:
    roles = {"lead": "http://127.0.0.1:8400/", "co-approver": "http://127.0.0.1:8400/co/"}
    content = {"log": {"entries": [
        entry("http://127.0.0.1:8400/co/inbox", "2026-12-01T10:00:00Z", text="<a/>"),
        entry("http://127.0.0.1:8400/inbox", "2026-12-01T10:00:01Z", text="<b/>"),
    ]}}
    log = run(tmp_path, content, roles=roles).log
    assert [e.receiver for e in log.events] == ["co-approver", "lead"]


BAD: dict[str, tuple[Any, str]] = {
    "not JSON": ("{\"log\": ", "HAR line 1 column 9: not well-formed JSON"),
    "no entries": ({"log": {}}, "log.entries: missing"),
    "not an archive": ([1, 2], "log.entries: missing"),
    "entry not an object": ({"log": {"entries": [5]}}, "log.entries[0]: is not an object"),
    "no request": ({"log": {"entries": [{"startedDateTime": "2026-12-01T10:00:00Z"}]}},
                   "log.entries[0].request: is missing"),
    "url not a string": ({"log": {"entries": [{"request": {"url": 5}}]}},
                         "log.entries[0].request.url: is 5, not a string"),
    "no zone": ({"log": {"entries": [entry(CO, "2026-12-01T10:00:00.120", text="<a/>")]}},
                "log.entries[0].startedDateTime: time '2026-12-01T10:00:00.120' has no zone offset"),
    "bad base64": ({"log": {"entries": [entry(CO, "2026-12-01T10:00:00Z", text="%%%", encoding="base64")]}},
                   "log.entries[0].request.postData.text: is not valid base64"),
    "bad media type": ({"log": {"entries": [entry(CO, "2026-12-01T10:00:00Z", text="x", mime="xml")]}},
                       "log.entries[0].request.postData.mimeType: 'xml' is not a media type"),
    "header without value": ({"log": {"entries": [entry(CO, "2026-12-01T10:00:00Z", text="<a/>",
                                                        headers=[{"name": "X"}])]}},
                             "log.entries[0].request.headers[0].value: is missing"),
    "duplicate key": ('{"log": {"entries": [], "entries": []}}', "duplicate object key 'entries'"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_har_names_file_entry_and_field(tmp_path: Path, case: str) -> None:
    content, expected = BAD[case]
    with pytest.raises(PayloadError) as caught:
        run(tmp_path, content)
    assert expected in caught.value.message, caught.value.message
    assert caught.value.location == str(tmp_path / "capture.har")
    assert not (tmp_path / "log").exists()  # nothing is written before the whole HAR is read


def test_har_budgets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("conformance.conversations.har.HAR_MAX_ENTRIES", 3)
    with pytest.raises(PayloadError, match="4 entries, over the limit of 3"):
        run(tmp_path, capture())
    monkeypatch.setattr("conformance.conversations.har.HAR_MAX_BYTES", 100)
    with pytest.raises(PayloadError, match="over the limit of 100 bytes"):
        run(tmp_path, capture())
    monkeypatch.setattr("conformance.conversations.har.HAR_MAX_BYTES", 10**9)
    monkeypatch.setattr("conformance.conversations.har.HAR_MAX_ENTRIES", 10)
    monkeypatch.setattr("conformance.conversations.har.LOG_MAX_EVENTS", 1)
    with pytest.raises(PayloadError, match="2 messages, over the limit of 1 events"):
        run(tmp_path, capture())


def test_roles_and_matches_are_required(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="two roles"):
        run(tmp_path, capture(), roles={"lead": LEAD})
    with pytest.raises(UsageError, match="two roles"):
        run(tmp_path, capture(), system_under_test="auditor")
    with pytest.raises(UsageError, match="no entry of the HAR posts a body"):
        run(tmp_path, capture(), roles={"lead": "http://elsewhere/", "co-approver": "http://nowhere/"})


def test_huge_or_odd_entry_times_do_not_break_the_end_time(tmp_path: Path) -> None:
    content = {"log": {"entries": [entry(CO, "2026-12-01T10:00:00Z", text="<a/>", elapsed=1e300),
                                   entry(LEAD, "2026-12-01T10:00:01Z", text="<b/>", elapsed=True)]}}
    log = run(tmp_path, content).log
    assert log.manifest.ended == datetime(2026, 12, 1, 10, 0, 1, tzinfo=UTC)
