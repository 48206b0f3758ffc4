"""The exchange log: a recorded conversation, as the offline checker reads it and the partner writes it.

On disk (format `egov-conformance/exchange-log`, version 1.0, JSON Schema
`exchange-log.schema.json` beside this module; documented in EXCHANGE-LOG.md) a log is a folder:

    exchange.json     the manifest: standard, conversation, roles and endpoints, the role under
                      test, who recorded it, when it started and ended, the time scale
    events.jsonl      one JSON object per line, in sequence order: a message or a transport note
    bodies/           the message bodies, each named by its event and covered by its SHA-256

A check of a log is a pure function of these files: every time it uses is a recorded one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

LOG_FORMAT = "egov-conformance/exchange-log"
LOG_FORMAT_VERSION = "1.0"
MANIFEST_NAME = "exchange.json"
EVENTS_NAME = "events.jsonl"
BODIES_DIR = "bodies"


class Direction(StrEnum):
    """Seen from the recorder: `sent` by the recording side, `received` from the other side."""

    SENT = "sent"
    RECEIVED = "received"


class NoteKind(StrEnum):
    """A transport event that carries no message: what the recorder saw instead of an answer."""

    TIMEOUT = "timeout"  # waited the scenario's bound for a message that never came
    CONNECTION_CLOSED = "connection-closed"  # the peer closed or reset the connection
    HTTP_STATUS = "http-status"  # the peer answered a delivery with a status outside 2xx
    REFUSED = "refused"  # the peer could not be connected to
    LIMIT = "limit"  # the peer exceeded a request count, rate or size bound; the rest was dropped
    SCENARIO = "scenario"  # the partner starts a scenario step (name in `text`), for readers


@dataclass(frozen=True, slots=True)
class Party:
    """A role of the conversation as recorded: its endpoint (URL), if it had one."""

    role: str
    endpoint: str | None = None


@dataclass(frozen=True, slots=True)
class LogManifest:
    standard: str  # `id@version`
    conversation: str  # conversation id in that standard
    system_under_test: str  # the role whose behaviour the log is evidence of
    parties: tuple[Party, ...]
    recorded_by: Mapping[str, str]  # tool, version, mode ("partner", "har-import", "external")
    started: datetime  # aware
    ended: datetime  # aware: deadlines not reached by then cannot be judged missing
    time_scale: float = 1.0  # deadlines of the standard were multiplied by this while recording
    scenario: str | None = None  # the partner scenario that produced the log
    format_version: str = LOG_FORMAT_VERSION
    # Events the recorder wrote, set when it closed the log: a log cut at a line end is told from a
    # whole one. None in logs of recorders that do not write it (the member is optional).
    event_count: int | None = None


@dataclass(frozen=True, slots=True)
class Transport:
    """What the transport said about a message (HTTP here): never needed to judge the body."""

    method: str | None = None
    url: str | None = None
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Event:
    """One line of events.jsonl: a message (body set) or a transport note (note set)."""

    seq: int  # 1, 2, 3, ... with no gap
    time: datetime  # aware, as recorded
    direction: Direction
    sender: str  # role
    receiver: str  # role
    line: int  # its line in events.jsonl, for findings about the event itself
    body: Path | None = None  # resolved, inside the log folder
    body_name: str | None = None  # as written in the event (relative POSIX path)
    sha256: str | None = None
    size: int | None = None
    media_type: str | None = None
    transport: Transport = field(default_factory=Transport)
    note: NoteKind | None = None
    text: str | None = None  # what the note says


@dataclass(frozen=True, slots=True)
class ExchangeLog:
    """A log read and checked for form (hashes, order, zones): not yet judged."""

    root: Path
    manifest: LogManifest
    events: tuple[Event, ...]
    content_hash: str  # SHA-256 over manifest, events and bodies: a certificate's evidence
    # Body name -> the bytes the reader read and hashed, kept while the log's bodies fit a budget
    # (logfile.BODY_CACHE_MAX_BYTES): the checker judges these very bytes instead of reading and
    # hashing each file again. A body not held here is read again and its hash checked again.
    bodies: Mapping[str, bytes] = field(default_factory=dict, repr=False, compare=False)
