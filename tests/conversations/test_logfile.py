"""Writing and reading exchange logs: the round trip, the content hash, the writer under threads."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from conformance.conversations.log import Direction, NoteKind, Party, Transport
from conformance.conversations.logfile import LogWriter, is_exchange_log, log_content_hash, read_log
from conformance.conversations.logwriter import body_extension, format_time
from conformance.core.errors import PayloadError, UsageError
from tests.conversations.logsupport import (
    ACK,
    OPINION,
    PARTIES,
    RECORDED_BY,
    REQUEST,
    START,
    edit_event,
    edit_manifest,
    event_lines,
    stepping_clock,
    write_log,
    writer,
)


def test_round_trip_gives_the_events_written(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    recorder = writer(folder)
    written = [
        recorder.message(direction=Direction.SENT, sender="lead", receiver="co-approver", body=REQUEST,
                         media_type="application/xml",
                         transport=Transport("POST", "http://127.0.0.1:8402/inbox", 202,
                                             {"Content-Type": "application/xml"})),
        recorder.note(direction=Direction.RECEIVED, sender="co-approver", receiver="lead",
                      note=NoteKind.HTTP_STATUS, text="status 500"),
        recorder.message(direction=Direction.RECEIVED, sender="co-approver", receiver="lead", body=ACK,
                         media_type="application/json"),
    ]
    log = recorder.close()
    again = read_log(folder)
    assert log == again
    assert log.events == tuple(written)
    assert [e.seq for e in log.events] == [1, 2, 3]
    first, note, ack = log.events
    assert first.body is not None and first.body.read_bytes() == REQUEST
    assert first.body_name == "bodies/0001.xml" and ack.body_name == "bodies/0003.json"
    assert first.sha256 == hashlib.sha256(REQUEST).hexdigest() and first.size == len(REQUEST)
    assert first.transport == Transport("POST", "http://127.0.0.1:8402/inbox", 202,
                                        {"content-type": "application/xml"})
    assert note.note is NoteKind.HTTP_STATUS and note.text == "status 500" and note.body is None
    # The stepping clock: started at construction, then one reading an event, one at close.
    assert [e.time for e in log.events] == [START + timedelta(milliseconds=250 * i) for i in (0, 1, 2)]
    manifest = log.manifest
    assert manifest.started == START and manifest.ended == START + timedelta(milliseconds=750)
    assert manifest.parties == PARTIES and manifest.recorded_by == RECORDED_BY
    assert manifest.system_under_test == "co-approver" and manifest.scenario == "happy-path"
    assert manifest.time_scale == 1.0 and manifest.event_count == 3
    assert log.content_hash.startswith("sha256:") and len(log.content_hash) == 71


def test_times_are_written_with_milliseconds_and_the_clock_offset(tmp_path: Path) -> None:
    write_log(tmp_path / "log")
    times = [e["time"] for e in event_lines(tmp_path / "log")]
    assert times == ["2026-12-01T10:00:00.120+08:00", "2026-12-01T10:00:00.370+08:00",
                     "2026-12-01T10:00:00.620+08:00", "2026-12-01T10:00:00.870+08:00"]
    manifest = json.loads((tmp_path / "log" / "exchange.json").read_text())
    assert manifest["started"] == "2026-12-01T10:00:00.120+08:00"
    assert manifest["ended"] == "2026-12-01T10:00:01.120+08:00"
    assert manifest["event-count"] == 4 and manifest["format-version"] == "1.0"
    # Microseconds are cut, never rounded into the next millisecond; a zone off whole minutes is UTC.
    odd = timezone(timedelta(hours=5, minutes=53, seconds=28))
    assert format_time(datetime(2026, 1, 1, 0, 0, 0, 999_999, tzinfo=odd)) == "2025-12-31T18:06:32.999+00:00"


def test_the_same_events_give_the_same_bytes_and_hash(tmp_path: Path) -> None:
    one, two = write_log(tmp_path / "one"), write_log(tmp_path / "two")
    assert one.content_hash == two.content_hash
    for name in ("exchange.json", "events.jsonl", "bodies/0001.xml", "bodies/0002.json", "bodies/0004.xml"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def _files(folder: Path) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    log = read_log(folder)
    bodies = [(e.body_name, e.body.read_bytes()) for e in log.events if e.body and e.body_name]
    return (folder / "exchange.json").read_bytes(), (folder / "events.jsonl").read_bytes(), bodies


def test_the_hash_covers_every_byte_and_every_name(tmp_path: Path) -> None:
    log = write_log(tmp_path / "log")
    manifest, events, bodies = _files(tmp_path / "log")
    assert log_content_hash(manifest, events, bodies) == log.content_hash
    seen = {log.content_hash}

    def flipped(data: bytes, at: int) -> bytes:
        return data[:at] + bytes([data[at] ^ 1]) + data[at + 1:]

    for at in range(0, len(manifest), 7):
        seen.add(log_content_hash(flipped(manifest, at), events, bodies))
    for at in range(0, len(events), 11):
        seen.add(log_content_hash(manifest, flipped(events, at), bodies))
    for index, (name, data) in enumerate(bodies):
        for at in range(len(data)):
            changed = list(bodies)
            changed[index] = (name, flipped(data, at))
            seen.add(log_content_hash(manifest, events, changed))
    renamed = [("bodies/0001.bin", bodies[0][1]), *bodies[1:]]
    moved = [(bodies[0][0], bodies[0][1] + bodies[1][1][:1]), (bodies[1][0], bodies[1][1][1:]), *bodies[2:]]
    seen.add(log_content_hash(manifest, events, renamed))
    seen.add(log_content_hash(manifest, events, moved))
    seen.add(log_content_hash(manifest + events[:1], events[1:], bodies))
    expected = 1 + len(range(0, len(manifest), 7)) + len(range(0, len(events), 11)) \
        + sum(len(d) for _, d in bodies) + 3
    assert len(seen) == expected


def test_a_readable_change_to_any_file_changes_the_log_hash(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    hashes = {write_log(folder).content_hash}
    edit_manifest(folder, scenario="retry")
    hashes.add(read_log(folder).content_hash)
    edit_event(folder, 2, text="no acceptance within 0.4 s")
    hashes.add(read_log(folder).content_hash)
    body = b'{"header": {"messageKind": "receipt-ack "}}'
    (folder / "bodies/0002.json").write_bytes(body)
    edit_event(folder, 1, sha256=hashlib.sha256(body).hexdigest(), size=len(body))
    hashes.add(read_log(folder).content_hash)
    assert len(hashes) == 4


def test_the_clock_stepping_back_never_makes_times_decrease(tmp_path: Path) -> None:
    moments = iter([START, START + timedelta(seconds=5), START + timedelta(seconds=1), START])
    log = writer(tmp_path / "log", clock=lambda: next(moments))
    for _ in range(3):
        log.note(direction=Direction.SENT, sender="lead", receiver="co-approver", note=NoteKind.SCENARIO,
                 text="step")
    done = log.close()
    later = START + timedelta(seconds=5)
    assert [e.time for e in done.events] == [START, later, later]
    assert done.manifest.ended == later


def test_threads_writing_one_log_get_increasing_seqs_and_ordered_times(tmp_path: Path) -> None:
    log = writer(tmp_path / "log", clock=None, started=datetime.now().astimezone())
    threads_n, each = 8, 40
    barrier = threading.Barrier(threads_n)
    failures: list[BaseException] = []

    def work(number: int) -> None:
        try:
            barrier.wait()
            for i in range(each):
                body = json.dumps({"thread": number, "i": i}).encode()
                if i % 5 == 4:
                    log.note(direction=Direction.RECEIVED, sender="co-approver", receiver="lead",
                             note=NoteKind.TIMEOUT, text=f"{number}/{i}")
                else:
                    log.message(direction=Direction.RECEIVED, sender="co-approver", receiver="lead",
                                body=body, media_type="application/json")
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures
    done = log.close()
    assert [e.seq for e in done.events] == list(range(1, threads_n * each + 1))
    assert all(a.time <= b.time for a, b in zip(done.events, done.events[1:], strict=False))
    order: dict[int, list[int]] = {}
    for event in done.events:
        if event.body is not None:
            content = json.loads(event.body.read_bytes())
            order.setdefault(content["thread"], []).append(content["i"])
    assert all(sequence == sorted(sequence) and len(sequence) == each * 4 // 5 for sequence in order.values())
    assert len(order) == threads_n


def test_what_a_peer_controls_is_bounded_before_it_is_written(tmp_path: Path) -> None:
    log = writer(tmp_path / "log")
    headers = {f"X-Header-{i}": "v" * 5000 for i in range(200)}
    headers["Bad Name"] = "dropped"
    log.message(direction=Direction.RECEIVED, sender="co-approver", receiver="lead", body=b"\x00\xff",
                media_type="application/octet-stream",
                transport=Transport("get", "http://x/" + "a" * 20_000, 9999, headers))
    log.note(direction=Direction.RECEIVED, sender="co-approver", receiver="lead", note=NoteKind.LIMIT,
             text="\ud800" + "z" * 10_000, transport=Transport(method="NOT A METHOD"))
    first, second = log.close().events
    assert first.body_name == "bodies/0001.bin"
    assert first.transport.method == "GET" and first.transport.status is None
    assert first.transport.url is not None and len(first.transport.url) == 8192
    assert len(first.transport.headers) == 64
    assert all(len(v) == 1024 and k.startswith("x-header-") for k, v in first.transport.headers.items())
    assert second.text is not None and len(second.text) == 4096 and second.text.startswith("?z")
    assert second.transport.method is None


@pytest.mark.parametrize(("media_type", "extension"), [
    ("application/xml", "xml"), ("text/xml; charset=utf-8", "xml"), ("application/soap+xml", "xml"),
    ("application/json", "json"), ("application/problem+json", "json"), ("text/plain", "bin"),
])
def test_body_files_are_named_by_media_type(media_type: str, extension: str) -> None:
    assert body_extension(media_type) == extension


def _step(log: LogWriter) -> None:
    log.note(direction=Direction.SENT, sender="lead", receiver="co-approver", note=NoteKind.SCENARIO, text="")


def test_the_writer_refuses_what_would_make_a_log_no_reader_accepts(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(UsageError, match="not an empty folder"):
        writer(tmp_path / "full")
    with pytest.raises(UsageError, match="not one of the parties"):
        writer(tmp_path / "a", system_under_test="auditor")
    with pytest.raises(UsageError, match="listed twice"):
        writer(tmp_path / "b", parties=(Party("lead"), Party("lead"), Party("co-approver")))
    with pytest.raises(UsageError, match="no zone"):
        writer(tmp_path / "c", started=datetime(2026, 12, 1, 10, 0))
    with pytest.raises(UsageError, match="standard"):
        writer(tmp_path / "d", standard="no version")
    with pytest.raises(UsageError, match="finite"):
        writer(tmp_path / "e", time_scale=float("nan"))
    log = writer(tmp_path / "f", clock=lambda: datetime(2026, 12, 1, 10, 0))
    with pytest.raises(UsageError, match="no zone"):
        _step(log)
    log = writer(tmp_path / "g")
    with pytest.raises(UsageError, match="not a role"):
        log.message(direction=Direction.SENT, sender="lead", receiver="auditor", body=b"x",
                    media_type="text/plain")
    with pytest.raises(UsageError, match="media type"):
        log.message(direction=Direction.SENT, sender="lead", receiver="co-approver", body=b"x",
                    media_type="xml")
    with pytest.raises(UsageError, match="before the last event"):
        log.note(direction=Direction.SENT, sender="lead", receiver="co-approver", note=NoteKind.SCENARIO,
                 text="", time=START - timedelta(seconds=1))
    first = log.close()
    assert log.close() is first
    with pytest.raises(UsageError, match="closed"):
        _step(log)


def test_a_full_log_takes_no_more_events(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("conformance.conversations.logwriter.LOG_MAX_EVENTS", 2)
    log = writer(tmp_path / "log")
    for _ in range(2):
        _step(log)
    with pytest.raises(UsageError, match="full"):
        _step(log)
    assert log.close().manifest.event_count == 2


def test_a_log_never_closed_is_incomplete_not_a_folder_of_payloads(tmp_path: Path) -> None:
    log = writer(tmp_path / "log")
    log.message(direction=Direction.SENT, sender="lead", receiver="co-approver", body=REQUEST,
                media_type="application/xml")
    assert is_exchange_log(tmp_path / "log")
    with pytest.raises(PayloadError, match=r"exchange\.json: is missing: the log is incomplete"):
        read_log(tmp_path / "log")


def test_what_is_an_exchange_log(tmp_path: Path) -> None:
    write_log(tmp_path / "log")
    (tmp_path / "payloads").mkdir()
    (tmp_path / "payloads" / "a.xml").write_bytes(OPINION)
    assert is_exchange_log(tmp_path / "log")
    assert not is_exchange_log(tmp_path / "payloads")
    assert not is_exchange_log(tmp_path / "payloads" / "a.xml")
    assert not is_exchange_log(tmp_path / "nothing")


def test_a_stepping_clock_is_what_the_support_module_says() -> None:
    clock = stepping_clock()
    assert clock() == START and clock() == START + timedelta(milliseconds=250)
