"""The live partner against a tiny fake system under test, on loopback: what it sends, what it
records, how it grades, and that a hostile system gives a clear finding, never a hang."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance.conversations import Direction, ExchangeLog, NoteKind, read_log
from conformance.core.findings import Outcome, Verdict
from conformance.partner import PartnerSession, ScenarioReport, Settings
from conformance.validation.documents.payload import Payload
from tests.partner.fake_system import FLOOD, FakeSystem, approval, exposed, fake_system, judge

SCALE = 0.001
# Every run here ends well within this, or the partner hung (no test plugin enforces a timeout).
BOUND_SECONDS = 60.0


def settings(system: FakeSystem, **more: Any) -> Settings:
    base: dict[str, Any] = {"endpoint": system.url, "time_scale": SCALE, "timeout": 2.0, "margin": 0.3,
                            "settle": 0.2}
    return Settings(**{**base, **more})


def bounded(work: Callable[[], Any], seconds: float = BOUND_SECONDS) -> Any:
    """Run `work` in a thread; fail (instead of hanging the suite) when it takes longer."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # re-raised in the test's thread
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    start = time.monotonic()
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s: the partner hung"
    if "error" in box:
        raise box["error"]
    box["seconds"] = time.monotonic() - start
    return box["value"]


def play(system: FakeSystem, tmp_path: Path, *scenarios: str, role: str = "lead",
         **more: Any) -> tuple[PartnerSession, list[ScenarioReport]]:
    def work() -> tuple[PartnerSession, list[ScenarioReport]]:
        with PartnerSession(approval(), conversation=None, play=role,
                            settings=settings(system, **more)) as session:
            return session, session.run(scenarios or ("happy-path",), tmp_path / "out")
    result: tuple[PartnerSession, list[ScenarioReport]] = bounded(work)
    return result


def log_of(report: ScenarioReport) -> ExchangeLog:
    assert report.log is not None
    return read_log(report.log)


def kinds(log: ExchangeLog) -> list[tuple[str, str]]:
    """(direction, message kind or note) of every event, in order."""
    out = []
    for event in log.events:
        if event.body is None:
            out.append((event.direction.value, f"note:{event.note}"))
            continue
        fields = exposed(event.body.read_bytes())
        out.append((event.direction.value, str(fields["kind"]) if fields else "unreadable"))
    return out


def messages(log: ExchangeLog) -> list[tuple[str, str]]:
    return [k for k in kinds(log) if not k[1].startswith("note:")]


def notes(log: ExchangeLog, kind: NoteKind) -> list[str]:
    return [e.text or "" for e in log.events if e.note is kind]


def note_events(log: ExchangeLog, kind: NoteKind) -> list[int]:
    return [e.seq for e in log.events if e.note is kind]


def failed_at(report: ScenarioReport, requirement: str) -> list[int | None]:
    """The events the failed findings of `requirement` name."""
    assert report.result is not None
    return [f.location.event if f.location else None for f in report.result.failures()
            if f.requirement_id == requirement and f.outcome is Outcome.FAILED]


class Answering500(FakeSystem):
    """A system whose inbox (and trigger) answers every request with HTTP 500."""

    def answer(self, handler: Any, body: bytes) -> None:
        handler.send_response(500)
        handler.send_header("Content-Length", "0")
        handler.end_headers()


# --- the happy path -----------------------------------------------------------------------------

def test_happy_path_is_recorded_in_order_and_graded_conformant(tmp_path: Path) -> None:
    with fake_system(approval()) as system:
        session, [report] = play(system, tmp_path)
    log = log_of(report)
    assert messages(log) == [("sent", "opinion-request"), ("received", "receipt-ack"),
                             ("received", "acceptance"), ("received", "opinion"),
                             ("sent", "result-notice")]
    assert log.manifest.system_under_test == "co-approver" and log.manifest.scenario == "happy-path"
    assert log.manifest.time_scale == SCALE and log.manifest.recorded_by["mode"] == "partner"
    assert {p.role: p.endpoint for p in log.manifest.parties}["co-approver"] == system.url
    assert report.result is not None
    assert report.result.sha256 == log.content_hash  # the graded log is the recorded one
    assert report.verdict("co-approver") is Verdict.CONFORMANT, report.result.failures()
    assert session.class_id == "co-approver"


def test_replies_sent_before_the_delivery_is_answered_come_after_it_in_the_log(tmp_path: Path) -> None:
    # The fake posts its receipt-ack etc. to the partner's inbox inside its own handler, before its
    # 202: the inbox was already listening, and the partner recorded its message before sending.
    with fake_system(approval(), "eager") as system:
        _, [report] = play(system, tmp_path)
    assert messages(log_of(report))[:2] == [("sent", "opinion-request"), ("received", "receipt-ack")]
    assert report.verdict("co-approver") is Verdict.CONFORMANT


def test_the_system_under_test_opens_after_the_trigger(tmp_path: Path) -> None:
    with fake_system(approval(), role="lead") as system:
        session, [report] = play(system, tmp_path, role="co-approver", trigger=system.trigger)
    assert session.class_id == "lead"
    assert messages(log_of(report)) == [("received", "opinion-request"), ("sent", "receipt-ack"),
                                        ("sent", "acceptance"), ("sent", "opinion"),
                                        ("received", "result-notice")]
    assert report.verdict("lead") is Verdict.CONFORMANT, report.result and report.result.failures()
    # The trigger asked for a fresh case: the example's case id with a unique suffix (still valid).
    assert re.fullmatch(r"BJ-DC-2026-SP-000123-[0-9A-F]{12}", system.opened_case)


def test_without_a_trigger_the_partner_announces_its_inbox_and_waits(tmp_path: Path) -> None:
    with fake_system(approval(), role="lead") as system:
        said: list[str] = []

        def announce(text: str) -> None:
            said.append(text)
            # The tester, told where the partner listens, starts the system by hand.
            inbox = text.rsplit(" ", 1)[-1]
            threading.Thread(target=lambda: httpx.post(
                system.trigger, json={"partner-inbox": inbox, "case-id": "X-1"}, trust_env=False)).start()

        def work() -> list[ScenarioReport]:
            with PartnerSession(approval(), conversation=None, play="co-approver",
                                settings=settings(system), announce=announce) as session:
                return session.run(["happy-path"], tmp_path / "out")
        [report] = bounded(work)
    assert said
    assert "waiting up to 2 s for lead to open a conversation: send it to http://127.0.0.1:" in said[0]
    assert report.verdict("lead") is Verdict.CONFORMANT


def test_without_a_trigger_and_no_one_opening_the_wait_is_bounded(tmp_path: Path) -> None:
    with fake_system(approval(), role="lead") as system:
        _, [report] = play(system, tmp_path, role="co-approver", timeout=0.5)
    log = log_of(report)
    assert messages(log) == []
    assert any("within 0.5 s" in text for text in notes(log, NoteKind.TIMEOUT))


# --- the scenarios' probes --------------------------------------------------------------------------

def sent_bodies(log: ExchangeLog) -> list[bytes]:
    return [e.body.read_bytes() for e in log.events if e.body is not None and e.direction is Direction.SENT]


def test_retry_sends_the_same_message_again_after_the_first_reply(tmp_path: Path) -> None:
    with fake_system(approval()) as system:
        _, [report] = play(system, tmp_path, "retry")
    log = log_of(report)
    sequence = messages(log)
    assert sequence[:3] == [("sent", "opinion-request"), ("received", "receipt-ack"),
                            ("sent", "opinion-request")]
    bodies = sent_bodies(log)
    assert bodies[0] == bodies[1]  # same message id, same bytes
    assert report.verdict("co-approver") is Verdict.CONFORMANT, report.result and report.result.failures()
    assert report.result is not None and report.result.outcomes["APR-113"] is Outcome.PASSED


def test_duplicate_sends_the_same_message_twice_at_once(tmp_path: Path) -> None:
    with fake_system(approval()) as system:
        _, [report] = play(system, tmp_path, "duplicate")
    log = log_of(report)
    assert messages(log)[:2] == [("sent", "opinion-request"), ("sent", "opinion-request")]
    bodies = sent_bodies(log)
    assert bodies[0] == bodies[1]
    assert report.result is not None and report.result.outcomes["APR-113"] is Outcome.PASSED


def test_out_of_order_sends_a_message_the_state_does_not_allow(tmp_path: Path) -> None:
    with fake_system(approval()) as system:
        _, [report] = play(system, tmp_path, "out-of-order")
    assert messages(log_of(report))[0] == ("sent", "result-notice")
    # The fake does not answer it with E-SEQUENCE: the out-of-order requirement fails.
    assert report.result is not None and report.result.outcomes["APR-116"] is Outcome.FAILED


def test_late_sends_the_message_after_its_deadline_times_the_scale(tmp_path: Path) -> None:
    with fake_system(approval()) as system:
        _, [report] = play(system, tmp_path, "late")
    log = log_of(report)
    events = [e for e in log.events if e.body is not None]
    assert [k for k in messages(log)][-2:] == [("received", "opinion"), ("sent", "result-notice")]
    waited = (events[-1].time - events[-2].time).total_seconds()
    assert waited > 600 * SCALE  # PT10M x 0.001
    assert report.result is not None and report.result.outcomes["APR-114"] is Outcome.FAILED


def test_invalid_sends_a_message_failing_a_must_requirement_with_its_identity_kept(tmp_path: Path) -> None:
    with fake_system(approval()) as system:
        _, [report] = play(system, tmp_path, "invalid")
    log = log_of(report)
    first = sent_bodies(log)[0]
    judged = judge().judge(Payload("mutant", first))
    failed = [r for r, o in judged.outcomes.items() if o is Outcome.FAILED]
    assert failed, "the invalid scenario's message must fail a requirement"
    assert messages(log)[0] == ("sent", "opinion-request")  # still readable as its kind
    assert any("invalid opinion-request (fails" in e.text for e in log.events if e.text)
    # The fake acts on it instead of answering E-INVALID.
    assert report.result is not None and report.result.outcomes["APR-115"] is Outcome.FAILED


# --- a hostile system under test -----------------------------------------------------------------

def test_a_system_that_never_answers_gives_a_timeout_and_fails(tmp_path: Path) -> None:
    with fake_system(approval(), "silent") as system:
        _, [report] = play(system, tmp_path)
    log = log_of(report)
    assert any("no receipt-ack from co-approver" in t for t in notes(log, NoteKind.TIMEOUT))
    assert report.result is not None and report.result.outcomes["APR-109"] is Outcome.FAILED
    assert report.verdict("co-approver") is Verdict.NOT_CONFORMANT


def test_garbage_is_recorded_as_messages_and_reported(tmp_path: Path) -> None:
    with fake_system(approval(), "garbage") as system:
        _, [report] = play(system, tmp_path)
    log = log_of(report)
    received = [e.body.read_bytes() for e in log.events if e.body is not None
                and e.direction is Direction.RECEIVED]
    assert b"\x00\x01 not a message" in received and b"<unclosed" in received
    assert report.verdict("co-approver") is not Verdict.CONFORMANT
    assert report.result is not None and report.result.failures()


@pytest.mark.slow
def test_a_system_answering_ten_thousand_times_is_cut_off(tmp_path: Path) -> None:
    with fake_system(approval(), "flood") as system:
        _, [report] = play(system, tmp_path, max_requests=100, settle=0.5)
        start = time.monotonic()
        while system.flooded < FLOOD and time.monotonic() - start < BOUND_SECONDS:
            time.sleep(0.1)  # the fake goes on to the end; none of it is recorded any more
        assert system.flooded == FLOOD
    log = log_of(report)
    received = [e for e in log.events if e.body is not None and e.direction is Direction.RECEIVED]
    assert len(received) <= 100
    assert len(notes(log, NoteKind.LIMIT)) == 1
    assert "answered 429 and not recorded" in notes(log, NoteKind.LIMIT)[0]
    # The flood is a finding at the limit note: the co-approver sent more than the bounds allow.
    assert failed_at(report, "APR-117") == note_events(log, NoteKind.LIMIT)
    assert report.verdict("co-approver") is Verdict.NOT_CONFORMANT


def test_a_closed_connection_is_a_note_and_a_failure(tmp_path: Path) -> None:
    with fake_system(approval(), "close") as system:
        _, [report] = play(system, tmp_path)
    log = log_of(report)
    assert any("closed the connection" in t for t in notes(log, NoteKind.CONNECTION_CLOSED))
    assert failed_at(report, "APR-117") == note_events(log, NoteKind.CONNECTION_CLOSED) == [3]
    assert report.result is not None
    (finding,) = [f for f in report.result.failures() if f.requirement_id == "APR-117"]
    assert "co-approver closed the connection instead of answering a delivery" in finding.message.en
    assert "未应答投递即关闭了连接" in finding.message.zh
    assert report.verdict("co-approver") is Verdict.NOT_CONFORMANT


def test_a_system_answering_500_is_a_note_and_a_failure_at_it(tmp_path: Path) -> None:
    system = Answering500(approval())
    try:
        _, [report] = play(system, tmp_path)
    finally:
        system.close()
    log = log_of(report)
    assert messages(log) == [("sent", "opinion-request")]
    assert failed_at(report, "APR-117") == note_events(log, NoteKind.HTTP_STATUS) == [3]
    assert report.result is not None
    (finding,) = [f for f in report.result.failures() if f.requirement_id == "APR-117"]
    assert "HTTP 500" in finding.message.en and "HTTP 500" in finding.message.zh
    assert report.verdict("co-approver") is Verdict.NOT_CONFORMANT


def test_a_trigger_answered_500_is_no_delivery_failure(tmp_path: Path) -> None:
    """The tester's trigger is not a message of the conversation: the lead cannot be judged."""
    system = Answering500(approval(), role="lead")
    try:
        _, [report] = play(system, tmp_path, role="co-approver", trigger=system.trigger)
    finally:
        system.close()
    log = log_of(report)
    assert any(t.startswith("trigger: ") for t in notes(log, NoteKind.HTTP_STATUS))
    assert report.result is not None
    assert report.result.outcomes["APR-117"] is Outcome.INAPPLICABLE
    assert report.result.outcomes["APR-101"] is Outcome.CANT_TELL
    assert report.verdict("lead") is not Verdict.CONFORMANT


def test_a_system_that_hangs_on_the_delivery_is_a_timeout(tmp_path: Path) -> None:
    with fake_system(approval(), "hang") as system:
        _, [report] = play(system, tmp_path, timeout=0.5)
    log = log_of(report)
    assert any("no answer from" in t for t in notes(log, NoteKind.TIMEOUT))
    # A timeout is no delivery failure: the within rules judge the replies that did not come.
    assert failed_at(report, "APR-117") == []
    assert report.verdict("co-approver") is not Verdict.CONFORMANT


def test_a_system_refusing_connections_is_a_refused_note(tmp_path: Path) -> None:
    with fake_system(approval()) as system:
        url = system.url
    closed = FakeSystem.__new__(FakeSystem)
    closed.url = url  # the fake's port, now closed
    _, [report] = play(closed, tmp_path)
    log = log_of(report)
    assert notes(log, NoteKind.REFUSED)
    assert failed_at(report, "APR-117") == note_events(log, NoteKind.REFUSED) == [3]
    assert report.verdict("co-approver") is Verdict.NOT_CONFORMANT


def test_messages_of_another_conversation_are_notes_never_judged(tmp_path: Path) -> None:
    with fake_system(approval(), "foreign") as system:
        _, [report] = play(system, tmp_path)
    log = log_of(report)
    assert messages(log) == [("sent", "opinion-request")]
    assert any("not one of this run" in t for t in notes(log, NoteKind.LIMIT))
    assert report.result is not None and report.result.outcomes["APR-109"] is Outcome.FAILED
    # The foreign message was taken (202) and set aside: no bound was exceeded.
    assert report.result.outcomes["APR-117"] is Outcome.PASSED


def test_each_scenario_gets_its_own_log_and_conversation(tmp_path: Path) -> None:
    with fake_system(approval()) as system:
        _, reports = play(system, tmp_path, "happy-path", "retry")
    ids = []
    for report in reports:
        log = log_of(report)
        assert log.root == tmp_path / "out" / "exchanges" / report.scenario
        conversation_ids = {(exposed(e.body.read_bytes()) or {}).get("conversation-id")
                            for e in log.events if e.body is not None}
        assert len(conversation_ids) == 1
        ids.append(conversation_ids.pop())
    assert ids[0] != ids[1]


def test_an_existing_log_folder_is_refused_not_overwritten(tmp_path: Path) -> None:
    from conformance.core.errors import UsageError

    target = tmp_path / "out" / "exchanges" / "happy-path"
    target.mkdir(parents=True)
    (target / "keep.txt").write_text("mine")
    with fake_system(approval()) as system, pytest.raises(UsageError, match="not an empty folder"):
        play(system, tmp_path)
    assert (target / "keep.txt").read_text() == "mine"
