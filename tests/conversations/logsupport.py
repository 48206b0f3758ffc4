"""Exchange logs written for tests: a fixed clock, a small conversation, and ways to spoil it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from conformance.conversations.log import Direction, ExchangeLog, NoteKind, Party, Transport
from conformance.conversations.logfile import LogWriter

BEIJING = timezone(timedelta(hours=8))
START = datetime(2026, 12, 1, 10, 0, 0, 120_000, tzinfo=BEIJING)
STANDARD = "egov-parallel-approval@1.0.0"
PARTIES = (Party("lead", "http://127.0.0.1:8401/inbox"), Party("co-approver", "http://127.0.0.1:8402/inbox"))
RECORDED_BY = {"tool": "egov-conformance", "version": "0.test", "mode": "partner"}
REQUEST = b'<?xml version="1.0"?>\n<ApprovalMessage><Kind>opinion-request</Kind></ApprovalMessage>\n'
ACK = b'{"header": {"messageKind": "receipt-ack"}}'
OPINION = b'<?xml version="1.0"?>\n<ApprovalMessage><Kind>opinion</Kind></ApprovalMessage>\n'


def stepping_clock(start: datetime = START,
                   step: timedelta = timedelta(milliseconds=250)) -> Callable[[], datetime]:
    """A clock that moves `step` on every reading: the writer's times are then known in advance."""
    moments: Iterator[datetime] = (start + i * step for i in range(1_000_000))
    return lambda: next(moments)


def writer(folder: Path, **options: Any) -> LogWriter:
    """A writer for the reference conversation, the co-approver under test, on a stepping clock."""
    settings: dict[str, Any] = {
        "standard": STANDARD, "conversation": "parallel-approval", "system_under_test": "co-approver",
        "parties": PARTIES, "recorded_by": RECORDED_BY, "started": START, "scenario": "happy-path",
        "clock": stepping_clock(),
    }
    settings.update(options)
    return LogWriter(folder, **settings)


def write_log(folder: Path) -> ExchangeLog:
    """Four events: a request (XML), an acknowledgement (JSON), a timeout note, an opinion (XML)."""
    log = writer(folder)
    post = Transport(method="POST", url="http://127.0.0.1:8402/inbox", status=202,
                     headers={"Content-Type": "application/xml", "Reply-To": "http://127.0.0.1:8401/inbox"})
    log.message(direction=Direction.SENT, sender="lead", receiver="co-approver", body=REQUEST,
                media_type="application/xml", transport=post)
    log.message(direction=Direction.RECEIVED, sender="co-approver", receiver="lead", body=ACK,
                media_type="application/json")
    log.note(direction=Direction.RECEIVED, sender="co-approver", receiver="lead", note=NoteKind.TIMEOUT,
             text="no acceptance within 0.3 s")
    log.message(direction=Direction.RECEIVED, sender="co-approver", receiver="lead", body=OPINION,
                media_type="application/xml; charset=utf-8")
    return log.close()


def event_lines(folder: Path) -> list[dict[str, Any]]:
    """The events of a log's events.jsonl, as JSON objects."""
    return [json.loads(line) for line in (folder / "events.jsonl").read_text(encoding="utf-8").splitlines()]


def rewrite_events(folder: Path, events: list[dict[str, Any]]) -> None:
    """Write events.jsonl again from JSON objects (one a line, each ended)."""
    (folder / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")


def edit_event(folder: Path, index: int, **members: Any) -> None:
    """Change members of the event at `index` (0-based); a value of None removes the member."""
    events = event_lines(folder)
    for key, value in members.items():
        if value is None:
            events[index].pop(key, None)
        else:
            events[index][key] = value
    rewrite_events(folder, events)


def edit_manifest(folder: Path, **members: Any) -> None:
    """Change members of exchange.json; a value of None removes the member."""
    path = folder / "exchange.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for key, value in members.items():
        if value is None:
            manifest.pop(key, None)
        else:
            manifest[key] = value
    path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
