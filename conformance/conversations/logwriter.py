"""Writing an exchange log as it happens: the partner's server threads and its client share one writer.

Each event is written (its body first, then its line of events.jsonl, flushed) under one lock, which
also takes its time from the clock, so sequence numbers and times are in the order events happened.
exchange.json is written last, by `close`, through an atomic rename: a folder without it is a log
that was never finished, and readers say so. What a peer sends is bounded or cut here before it is
written, so that every log the writer produces is one `read_log` accepts.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from conformance.conversations.log import (
    BODIES_DIR,
    EVENTS_NAME,
    LOG_FORMAT,
    LOG_FORMAT_VERSION,
    MANIFEST_NAME,
    Direction,
    Event,
    ExchangeLog,
    NoteKind,
    Party,
    Transport,
)
from conformance.conversations.logform import Where, check_shape
from conformance.core.digests import sha256_digest
from conformance.core.errors import PayloadError, UsageError
from conformance.core.limits import LOG_BODIES_MAX_BYTES, LOG_MAX_EVENTS, PAYLOAD_MAX_BYTES

# The schema's bounds on what a peer controls (exchange-log.schema.json `transport`, `text`).
TEXT_MAX_CHARS = 4096
URL_MAX_CHARS = 8192
HEADERS_MAX = 64
HEADER_NAME_MAX_CHARS = 128
HEADER_VALUE_MAX_CHARS = 1024
_TOKEN = re.compile(r"[a-z0-9!#$%&'*+.^_`|~-]+")
_METHOD = re.compile(r"[A-Z]{1,16}")
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+([ \t]*;[ -~]*)?")
_MEDIA_TYPE_MAX_CHARS = 200


def _system_clock() -> datetime:
    return datetime.now().astimezone()


def to_millisecond(moment: datetime) -> datetime:
    """`moment` as the log writes it: milliseconds, and UTC if its zone's offset is not whole minutes."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise UsageError(f"time {moment.isoformat()} has no zone: an exchange log records instants")
    offset = moment.utcoffset() or timedelta(0)
    if offset % timedelta(minutes=1):
        moment = moment.astimezone(UTC)  # RFC 3339 offsets are hours and minutes
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def format_time(moment: datetime) -> str:
    """ISO 8601 / RFC 3339 with milliseconds and the offset of the moment's zone."""
    return to_millisecond(moment).isoformat(timespec="milliseconds")


def is_media_type(media_type: str) -> bool:
    """Whether `media_type` is `type/subtype` (parameters allowed) as the log's schema takes it."""
    return len(media_type) <= _MEDIA_TYPE_MAX_CHARS and _MEDIA_TYPE.fullmatch(media_type) is not None


def body_extension(media_type: str) -> str:
    """`xml`, `json` or `bin`: the extension of a body file, from its media type."""
    subtype = media_type.split(";", 1)[0].strip().lower().partition("/")[2]
    if subtype == "xml" or subtype.endswith("+xml"):
        return "xml"
    if subtype == "json" or subtype.endswith("+json"):
        return "json"
    return "bin"


def _clean(text: str, limit: int) -> str:
    """At most `limit` characters, any lone surrogate replaced: what a peer sent, made writable."""
    return text[:limit].encode("utf-8", "replace").decode("utf-8")


def _transport_record(transport: Transport | None) -> tuple[Transport, dict[str, Any] | None]:
    """The transport as it is written (bounded, header names lowercased) and its JSON, if any."""
    if transport is None:
        return Transport(), None
    upper = transport.method.upper() if transport.method else None
    method = upper if upper and _METHOD.fullmatch(upper) else None
    url = _clean(transport.url, URL_MAX_CHARS) if transport.url is not None else None
    status = transport.status
    status = status if isinstance(status, int) and 100 <= status <= 599 else None
    headers: dict[str, str] = {}
    for name, value in transport.headers.items():
        key = name.lower()
        if len(headers) >= HEADERS_MAX:
            break
        if len(key) <= HEADER_NAME_MAX_CHARS and _TOKEN.fullmatch(key) and key not in headers:
            headers[key] = _clean(str(value), HEADER_VALUE_MAX_CHARS)
    kept = Transport(method=method, url=url, status=status, headers=headers)
    record: dict[str, Any] = {}
    members: tuple[tuple[str, str | int | None], ...] = (("method", method), ("url", url), ("status", status))
    record.update({member: value for member, value in members if value is not None})
    if headers:
        record["headers"] = headers
    return kept, record


class LogWriter:
    """Records the events of one conversation into a new exchange-log folder."""

    def __init__(self, folder: Path, *, standard: str, conversation: str, system_under_test: str,
                 parties: Sequence[Party], recorded_by: Mapping[str, str], started: datetime,
                 time_scale: float = 1.0, scenario: str | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.folder = folder
        self._clock = clock or _system_clock
        self._started = to_millisecond(started)
        self._roles = tuple(p.role for p in parties)
        self._manifest: dict[str, Any] = {
            "format": LOG_FORMAT, "format-version": LOG_FORMAT_VERSION, "standard": standard,
            "conversation": conversation, "system-under-test": system_under_test,
            "parties": [{"role": p.role, "endpoint": p.endpoint} if p.endpoint is not None
                        else {"role": p.role} for p in parties],
            "recorded-by": dict(recorded_by), "started": format_time(self._started),
            "ended": format_time(self._started), "time-scale": time_scale,
        }
        if scenario is not None:
            self._manifest["scenario"] = scenario
        self._check_manifest(system_under_test, time_scale)
        self._events = self._create(folder)
        self._lock = threading.Lock()
        self._seq = 0
        self._last = self._started
        self._body_bytes = 0
        self._closed: ExchangeLog | None = None

    def _check_manifest(self, system_under_test: str, time_scale: float) -> None:
        if not math.isfinite(time_scale):
            raise UsageError(f"time scale {time_scale} is not a finite number")
        try:
            check_shape(self._manifest, "manifest", Where(MANIFEST_NAME, MANIFEST_NAME))
        except PayloadError as exc:
            raise UsageError(f"cannot record an exchange log: {exc.message}") from None
        if len(set(self._roles)) != len(self._roles):
            raise UsageError("cannot record an exchange log: a role is listed twice "
                             f"({', '.join(self._roles)})")
        if system_under_test not in self._roles:
            raise UsageError(f"cannot record an exchange log: the system under test {system_under_test!r} "
                             f"is not one of the parties ({', '.join(self._roles)})")

    @staticmethod
    def _create(folder: Path) -> Any:
        try:
            if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
                raise UsageError(f"{folder} exists and is not an empty folder: an exchange log is written "
                                 "into a new one")
            (folder / BODIES_DIR).mkdir(parents=True, exist_ok=True)
            return open(folder / EVENTS_NAME, "xb")
        except OSError as exc:
            raise UsageError(f"cannot create the exchange log {folder}: {exc.strerror or exc}") from None

    # --- events ---------------------------------------------------------------------------------

    def message(self, *, direction: Direction, sender: str, receiver: str, body: bytes, media_type: str,
                transport: Transport | None = None, time: datetime | None = None) -> Event:
        """Record a message; its time is the clock's (or `time`, for an importer), taken under the lock."""
        if not is_media_type(media_type):
            raise UsageError(f"media type {media_type[:80]!r} is not type/subtype")
        if len(body) > PAYLOAD_MAX_BYTES:
            raise UsageError(f"a body of {len(body)} bytes is over the payload limit of {PAYLOAD_MAX_BYTES}")
        kept, transport_json = _transport_record(transport)
        with self._lock:
            seq, moment = self._next(sender, receiver, time)
            if self._body_bytes + len(body) > LOG_BODIES_MAX_BYTES:
                raise UsageError(f"the log's bodies would exceed {LOG_BODIES_MAX_BYTES} bytes together")
            name = f"{BODIES_DIR}/{seq:04d}.{body_extension(media_type)}"
            digest = sha256_digest(body).removeprefix("sha256:")
            record = self._record(seq, moment, direction, sender, receiver, transport_json)
            record.update({"body": name, "sha256": digest, "size": len(body), "media-type": media_type})
            try:
                with open(self.folder / name, "xb") as out:
                    out.write(body)
            except OSError as exc:
                raise UsageError(f"cannot write {self.folder / name}: {exc.strerror or exc}") from None
            self._write(record)
            self._body_bytes += len(body)
            return Event(seq=seq, time=moment, direction=direction, sender=sender, receiver=receiver,
                         line=seq, body=(self.folder / name).resolve(), body_name=name, sha256=digest,
                         size=len(body), media_type=media_type, transport=kept)

    def note(self, *, direction: Direction, sender: str, receiver: str, note: NoteKind, text: str,
             transport: Transport | None = None, time: datetime | None = None) -> Event:
        """Record a transport note (a timeout, a refused connection, a limit reached, a scenario step)."""
        kept, transport_json = _transport_record(transport)
        shown = _clean(text, TEXT_MAX_CHARS)
        with self._lock:
            seq, moment = self._next(sender, receiver, time)
            record = self._record(seq, moment, direction, sender, receiver, transport_json)
            record.update({"note": NoteKind(note).value, "text": shown})
            self._write(record)
            return Event(seq=seq, time=moment, direction=direction, sender=sender, receiver=receiver,
                         line=seq, transport=kept, note=NoteKind(note), text=shown)

    @property
    def count(self) -> int:
        """Events written so far."""
        return self._seq

    def _next(self, sender: str, receiver: str, time: datetime | None) -> tuple[int, datetime]:
        """The next sequence number and time (never earlier than the last); caller holds the lock."""
        if self._closed is not None:
            raise UsageError("the exchange log is closed: no event can be added")
        for role in (sender, receiver):
            if role not in self._roles:
                raise UsageError(f"{role!r} is not a role of this log ({', '.join(self._roles)})")
        if self._seq >= LOG_MAX_EVENTS:
            raise UsageError(f"the exchange log is full ({LOG_MAX_EVENTS} events)")
        if time is not None:
            moment = to_millisecond(time)
            if moment < self._last:
                raise UsageError(f"time {format_time(moment)} is before the last event's "
                                 f"({format_time(self._last)}): events are recorded in order")
        else:
            # A clock can step back (NTP): the log's times never do.
            moment = max(to_millisecond(self._clock()), self._last)
        self._last = moment
        self._seq += 1
        return self._seq, moment

    @staticmethod
    def _record(seq: int, moment: datetime, direction: Direction, sender: str, receiver: str,
                transport: dict[str, Any] | None) -> dict[str, Any]:
        record: dict[str, Any] = {"seq": seq, "time": format_time(moment),
                                  "direction": Direction(direction).value, "from": sender, "to": receiver}
        if transport is not None:
            record["transport"] = transport
        return record

    def _write(self, record: Mapping[str, Any]) -> None:
        try:
            self._events.write(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")
            self._events.flush()
        except OSError as exc:
            raise UsageError(f"cannot write {self.folder / EVENTS_NAME}: {exc.strerror or exc}") from None

    # --- closing --------------------------------------------------------------------------------

    def close(self, *, ended: datetime | None = None) -> ExchangeLog:
        """Write exchange.json (last, atomically) and return the log as `read_log` reads it."""
        from conformance.conversations.logfile import read_log

        with self._lock:
            if self._closed is not None:
                return self._closed
            moment = to_millisecond(ended if ended is not None else self._clock())
            self._manifest["ended"] = format_time(max(moment, self._last))
            self._manifest["event-count"] = self._seq
            temporary = self.folder / f".{MANIFEST_NAME}.tmp"
            try:
                self._events.flush()
                os.fsync(self._events.fileno())
                self._events.close()
                text = json.dumps(self._manifest, ensure_ascii=False, indent=2) + "\n"
                with open(temporary, "wb") as out:
                    out.write(text.encode("utf-8"))
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temporary, self.folder / MANIFEST_NAME)
            except OSError as exc:
                raise UsageError(f"cannot write {self.folder / MANIFEST_NAME}: "
                                 f"{exc.strerror or exc}") from None
            # Read back with every form check: a log this writer made and no reader accepts is a bug here.
            self._closed = read_log(self.folder)
            return self._closed
