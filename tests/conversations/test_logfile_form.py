"""Every form check of an exchange log, each with a hostile log: a located error, never a traceback."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.conversations.logfile import read_log
from conformance.core.errors import PayloadError
from conformance.core.limits import LOG_MAX_EVENTS
from tests.conversations.logsupport import edit_event, edit_manifest, event_lines, rewrite_events, write_log

Spoil = Callable[[Path], None]


def _events_bytes(folder: Path) -> bytes:
    return (folder / "events.jsonl").read_bytes()


def _cut_mid_line(folder: Path) -> None:
    data = _events_bytes(folder)
    (folder / "events.jsonl").write_bytes(data[:-25])


def _cut_at_line_end(folder: Path) -> None:
    lines = _events_bytes(folder).splitlines(keepends=True)
    (folder / "events.jsonl").write_bytes(b"".join(lines[:-1]))


def _swap(folder: Path) -> None:
    events = event_lines(folder)
    events[1], events[2] = events[2], events[1]
    rewrite_events(folder, events)


def _drop_second(folder: Path) -> None:
    events = event_lines(folder)
    del events[1]
    rewrite_events(folder, events)


def _repeat_first(folder: Path) -> None:
    events = event_lines(folder)
    rewrite_events(folder, [events[0], events[0], *events[1:]])


def _times_back(folder: Path) -> None:
    edit_event(folder, 2, time="2026-12-01T10:00:00.200+08:00")


def _replace_line(number: int, text: str) -> Spoil:
    def spoil(folder: Path) -> None:
        lines = _events_bytes(folder).decode().splitlines()
        lines[number - 1] = text
        (folder / "events.jsonl").write_text("\n".join(lines) + "\n")
    return spoil


def _duplicate_key(folder: Path) -> None:
    lines = _events_bytes(folder).decode().splitlines()
    lines[1] = lines[1][:-1] + ', "seq": 2}'
    (folder / "events.jsonl").write_text("\n".join(lines) + "\n")


def _nan_size(folder: Path) -> None:
    lines = _events_bytes(folder).decode().splitlines()
    event = json.loads(lines[0])
    lines[0] = lines[0].replace(f'"size": {event["size"]}', '"size": NaN')
    (folder / "events.jsonl").write_text("\n".join(lines) + "\n")


def _body_symlink_out(folder: Path) -> None:
    outside = folder.parent / "secret.xml"
    outside.write_bytes((folder / "bodies/0001.xml").read_bytes())
    (folder / "bodies/0001.xml").unlink()
    (folder / "bodies/0001.xml").symlink_to(outside)


def _body_fifo(folder: Path) -> None:
    (folder / "bodies/0001.xml").unlink()
    os.mkfifo(folder / "bodies/0001.xml")


def _manifest_symlink_out(folder: Path) -> None:
    outside = folder.parent / "elsewhere.json"
    outside.write_bytes((folder / "exchange.json").read_bytes())
    (folder / "exchange.json").unlink()
    (folder / "exchange.json").symlink_to(outside)


def _flip_body_byte(folder: Path) -> None:
    data = bytearray((folder / "bodies/0004.xml").read_bytes())
    data[10] ^= 1
    (folder / "bodies/0004.xml").write_bytes(bytes(data))


def _huge_events(folder: Path) -> None:
    (folder / "events.jsonl").write_bytes(b"{}\n" * (LOG_MAX_EVENTS + 1))


def _oversized(name: str, size: int) -> Spoil:
    def spoil(folder: Path) -> None:
        with open(folder / name, "r+b") as file:
            file.truncate(size)  # sparse: nothing is written
    return spoil


def _manifest_bytes(data: bytes) -> Spoil:
    def spoil(folder: Path) -> None:
        (folder / "exchange.json").write_bytes(data)
    return spoil


# (spoil, what the message says, the line it names, or None)
CASES: dict[str, tuple[Spoil, str, int | None]] = {
    "truncated mid-line": (_cut_mid_line, "events.jsonl line 4 column 246: not well-formed JSON", 4),
    "truncated at a line end": (_cut_at_line_end, "exchange.json field event-count: the log was closed "
                                "with 4 events; events.jsonl holds 3", None),
    # A reordered log says so; only a seq that never comes is missing.
    "reordered": (_swap, "events.jsonl line 2 field seq: seq 3 follows seq 1, and seq 2 comes later: events "
                  "are out of order", 2),
    "gap": (_drop_second, "events.jsonl line 2 field seq: seq 3 follows seq 1 (event 2 is missing)", 2),
    "repeated": (_repeat_first, "events.jsonl line 2 field seq: seq 1 follows seq 1: events are out of "
                 "order or repeated", 2),
    "first seq": (lambda f: edit_event(f, 0, seq=2), "events.jsonl line 1 field seq: seq 2 is the first "
                  "event; a log starts at seq 1", 1),
    "time back": (_times_back, "events.jsonl line 3 field time: time 2026-12-01T10:00:00.200+08:00 is before "
                  "the time of event 2: times never decrease", 3),
    "no zone": (lambda f: edit_event(f, 2, time="2026-12-01T10:00:00.620"),
                "events.jsonl line 3 field time: time '2026-12-01T10:00:00.620' has no zone offset", 3),
    "not a time": (lambda f: edit_event(f, 0, time="yesterday"), "events.jsonl line 1 field time: time "
                   "'yesterday' is not an RFC 3339 date-time", 1),
    "impossible date": (lambda f: edit_event(f, 0, time="2026-13-45T10:00:00+08:00"),
                        "events.jsonl line 1 field time: time '2026-13-45T10:00:00+08:00' is not a valid", 1),
    "after the end": (lambda f: edit_event(f, 3, time="2026-12-01T11:00:00+08:00"), "events.jsonl line 4 "
                      "field time: time 2026-12-01T11:00:00+08:00 is outside the log's recording", 4),
    "missing body": (lambda f: (f / "bodies/0002.json").unlink(),
                     "bodies/0002.json (events.jsonl line 2): is missing", 2),
    "hash mismatch": (_flip_body_byte, "bodies/0004.xml (events.jsonl line 4): SHA-256 is ", 4),
    "size mismatch": (lambda f: edit_event(f, 1, size=3),
                      "bodies/0002.json (events.jsonl line 2): is 42 bytes, the event says 3", 2),
    "body symlink out": (_body_symlink_out, "bodies/0001.xml (events.jsonl line 1): is a symlink leading "
                         "out of the log folder", 1),
    "body FIFO": (_body_fifo, "bodies/0001.xml (events.jsonl line 1): not a regular file", 1),
    "body ../x": (lambda f: edit_event(f, 0, body="../x"), "events.jsonl line 1 field body: path '../x' "
                  "climbs out with '..'", 1),
    "body bodies/../../x": (lambda f: edit_event(f, 0, body="bodies/../../x"), "climbs out with '..'", 1),
    "body absolute": (lambda f: edit_event(f, 0, body="/etc/passwd"), "path '/etc/passwd' is absolute", 1),
    "body colon": (lambda f: edit_event(f, 0, body="bodies/file:x"), "holds a colon", 1),
    "body elsewhere": (lambda f: edit_event(f, 0, body="events.jsonl"), "is not bodies/NAME", 1),
    "body twice": (lambda f: edit_event(f, 1, body="bodies/0001.xml"),
                   "events.jsonl line 2 field body: bodies/0001.xml is already the body of event 1", 2),
    "body over the limit": (_oversized("bodies/0001.xml", 64 * 1024 * 1024 + 1),
                            "bodies/0001.xml (events.jsonl line 1): file is 67108865 bytes, over the "
                            "limit", 1),
    "events over the limit": (_oversized("events.jsonl", 64 * 1024 * 1024 + 1),
                              "events.jsonl: file is 67108865 bytes, over the limit", None),
    "too many events": (_huge_events, f"events.jsonl: holds more than {LOG_MAX_EVENTS} events", None),
    "empty line": (_replace_line(2, "   "), "events.jsonl line 2: is empty", 2),
    "not an object": (_replace_line(2, "[1, 2]"), "events.jsonl line 2: is not a JSON object", 2),
    "duplicate key": (_duplicate_key, "events.jsonl line 2 column 267: duplicate object key 'seq'", 2),
    "NaN": (_nan_size, "events.jsonl line 1 column 401: NaN is not a JSON value", 1),
    "unknown role": (lambda f: edit_event(f, 1, **{"from": "auditor"}), "events.jsonl line 2 field from: "
                     "'auditor' is not a role of the log (lead, co-approver)", 2),
    "schema": (lambda f: edit_event(f, 0, direction="sideways"), "events.jsonl line 1 field direction: does "
               "not match the exchange-log schema", 1),
    "unknown member": (lambda f: edit_event(f, 0, colour="red"), "events.jsonl line 1: does not match the "
                       "exchange-log schema", 1),
    "body and note": (lambda f: edit_event(f, 0, note="timeout"), "an event is a message (body) or a "
                      "transport note (note): it has both", 1),
    "neither": (lambda f: edit_event(f, 2, note=None, text=None), "it has neither", 3),
    "hash without body": (lambda f: edit_event(f, 2, sha256="0" * 64),
                          "'body' is a dependency of 'sha256'", 3),
    "no events file": (lambda f: (f / "events.jsonl").unlink(), "events.jsonl: is missing", None),
    "no manifest": (lambda f: (f / "exchange.json").unlink(), "exchange.json: is missing: the log is "
                    "incomplete", None),
    "manifest symlink out": (_manifest_symlink_out, "exchange.json: is a symlink leading out", None),
    "format version": (lambda f: edit_manifest(f, **{"format-version": "2.0"}), "exchange.json field "
                       "format-version: version '2.0' is not one this tool reads (1.0)", None),
    "format": (lambda f: edit_manifest(f, format="har"), "exchange.json field format: 'har' is not the "
               "exchange-log format", None),
    "manifest duplicate key": (_manifest_bytes(b'{"format": "a",\n "format": "b"}'),
                               "exchange.json line 2 column 2: duplicate object key 'format'", 2),
    "manifest NaN": (lambda f: (f / "exchange.json").write_text(
        (f / "exchange.json").read_text().replace('"time-scale": 1.0', '"time-scale": NaN')),
        "exchange.json line 24 column 17: NaN is not a JSON value", 24),
    "manifest infinity": (lambda f: (f / "exchange.json").write_text(
        (f / "exchange.json").read_text().replace('"time-scale": 1.0', '"time-scale": 1e999')),
        "exchange.json line 24 column 17: number 1e999 is a number beyond the range of IEEE 754", 24),
    "manifest not JSON": (_manifest_bytes(b"\xff\xfe{}"),
                          "exchange.json line 1 column 1: JSON must be encoded in UTF-8", 1),
    "manifest schema": (lambda f: edit_manifest(f, parties=[{"role": 5}]), "exchange.json field "
                        "parties[0].role: does not match the exchange-log schema", None),
    "manifest no zone": (lambda f: edit_manifest(f, started="2026-12-01T10:00:00"), "exchange.json field "
                         "started: time '2026-12-01T10:00:00' has no zone offset", None),
    "ended before started": (lambda f: edit_manifest(f, ended="2026-12-01T09:00:00+08:00"),
                             "exchange.json field ended: the log ended", None),
    "sut not a party": (lambda f: edit_manifest(f, **{"system-under-test": "auditor"}),
                        "exchange.json field system-under-test: 'auditor' is not one of the parties", None),
    "role twice": (lambda f: edit_manifest(f, parties=[{"role": "lead"}, {"role": "lead"},
                                                        {"role": "co-approver"}]),
                   "exchange.json field parties[1].role: role 'lead' is listed twice", None),
    "time scale zero": (lambda f: edit_manifest(f, **{"time-scale": 0}),
                        "exchange.json field time-scale", None),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_spoiled_log_is_refused_with_its_location(tmp_path: Path, case: str) -> None:
    spoil, expected, line = CASES[case]
    folder = tmp_path / "log"
    write_log(folder)
    spoil(folder)
    with pytest.raises(PayloadError) as caught:
        read_log(folder)
    error = caught.value
    assert expected in error.message, error.message
    assert error.location == str(folder)
    assert error.line == line
    assert error.message_zh and error.message_zh != error.message
    assert "Traceback" not in str(error)


def test_the_event_limit_is_the_callers(tmp_path: Path) -> None:
    write_log(tmp_path / "log")
    with pytest.raises(PayloadError, match="holds more than 3 events"):
        read_log(tmp_path / "log", max_events=3)
    assert len(read_log(tmp_path / "log", max_events=4).events) == 4


def test_a_last_line_without_its_line_end_is_still_read(tmp_path: Path) -> None:
    """JSON Lines lets the last line end without a line end: only a cut-off line is refused."""
    folder = tmp_path / "log"
    write_log(folder)
    (folder / "events.jsonl").write_bytes(_events_bytes(folder).rstrip(b"\n"))
    assert [e.seq for e in read_log(folder).events] == [1, 2, 3, 4]
    _cut_mid_line(folder)
    with pytest.raises(PayloadError, match="cut off mid-line"):
        read_log(folder)


def test_a_log_of_another_recorder_without_event_count_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    write_log(folder)
    edit_manifest(folder, **{"event-count": None, "x-recorder-note": "from a gateway"})
    edit_event(folder, 0, **{"x-trace": "abc"})
    log = read_log(folder)
    assert log.manifest.event_count is None and len(log.events) == 4


def test_a_file_is_not_a_log(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("{}")
    with pytest.raises(PayloadError, match="is not a folder"):
        read_log(tmp_path / "file")
