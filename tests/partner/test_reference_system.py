"""The reference system under test, played against by hand: what it sends, in each role and fault.

The test plays the other department: a tiny inbox of its own (loopback, any free port) and httpx
POSTs to the system's inbox. What the system sends is read and judged with the engine (through the
reference system's own reading of the bundle: the conversation file's field paths).
"""

from __future__ import annotations

import importlib.util
import queue
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.partner.reference_system_fixture import (
    REFERENCE_SYSTEM,
    ReferenceSystem,
    reference_system_command,
    start_reference_system,
)

# Deadlines x 0.01 (PT5M: 3 s) where the test must stay within them on a loaded machine; x 0.001
# (PT5M: 0.3 s, PT10M: 0.6 s) where it waits one out.
SCALE = 0.01
FAST = 0.001
XML = "approval-xml"
JSON = "approval-json"
# How long "nothing more arrives" is watched for: well past every reply the system sends at once.
QUIET = 0.5
WAIT = 10.0
# The reference system's bounds (refsys.py, department.py).
MAX_MESSAGES_PER_CASE = 32
MAX_CONNECTIONS = 32


@dataclass(frozen=True, slots=True)
class Delivery:
    """One POST the system made to the test's inbox."""

    body: bytes
    media_type: str
    reply_to: str
    at: float  # time.monotonic() when it arrived


class Peer:
    """The other department, played by the test: an inbox that takes every message (202)."""

    def __init__(self) -> None:
        self.deliveries: queue.Queue[Delivery] = queue.Queue()
        deliveries = self.deliveries

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(min(length, 1 << 20))
                deliveries.put(Delivery(body, self.headers.get("Content-Type", ""),
                                        self.headers.get("Reply-To", ""), time.monotonic()))
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/inbox"

    def take(self, count: int, timeout: float = WAIT) -> list[Delivery]:
        """The next `count` deliveries (fails when they do not come within `timeout`)."""
        end = time.monotonic() + timeout
        got = []
        for _ in range(count):
            try:
                got.append(self.deliveries.get(timeout=max(end - time.monotonic(), 0.01)))
            except queue.Empty:
                pytest.fail(f"expected {count} messages within {timeout} s, got {len(got)}")
        return got

    def quiet(self, seconds: float = QUIET) -> list[Delivery]:
        """Whatever else arrives within `seconds` (a test expecting nothing asserts it is empty)."""
        time.sleep(seconds)
        extra = []
        while not self.deliveries.empty():
            extra.append(self.deliveries.get_nowait())
        return extra

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def approval() -> Any:
    """The reference system's reading of the bundle (to build what the test sends, read what it gets)."""
    spec = importlib.util.spec_from_file_location("reference_system_approval",
                                                  REFERENCE_SYSTEM.parent / "approval.py")
    assert spec is not None and spec.loader is not None
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it is executed
    spec.loader.exec_module(module)
    return module.Approval()


@pytest.fixture
def peer() -> Iterator[Peer]:
    inbox = Peer()
    try:
        yield inbox
    finally:
        inbox.close()


@pytest.fixture(scope="module")
def co_approver() -> Iterator[ReferenceSystem]:
    with start_reference_system("co-approver", time_scale=SCALE) as system:
        yield system


@pytest.fixture(scope="module")
def lead() -> Iterator[ReferenceSystem]:
    with start_reference_system("lead", time_scale=SCALE) as system:
        yield system


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=httpx.Timeout(10.0, connect=5.0)) as http:
        yield http


# -- playing the other side ------------------------------------------------------------------


def _time(seconds: float = 0.0) -> str:
    return (datetime.now(timezone(timedelta(hours=8))) + timedelta(seconds=seconds)).isoformat(
        timespec="milliseconds")


def request_values(conversation_id: str | None = None, case_id: str = "CASE-2026-0001") -> dict[str, str]:
    """The fields the lead fills into an opinion request."""
    return {"message-id": str(uuid.uuid4()), "conversation-id": conversation_id or str(uuid.uuid4()),
            "case-id": case_id, "created": _time(), "respond-by": _time(86400)}


def invalid_request() -> dict[str, str]:
    """An opinion request failing one MUST requirement: RespondBy before Created (APR-013)."""
    return {**request_values(), "respond-by": _time(-3600)}


def reply_values(approval: Any, to: Any, **extra: str) -> dict[str, str]:
    """The fields of a reply to message `to` (as the reference system read it)."""
    return {"message-id": str(uuid.uuid4()), "conversation-id": to.get("conversation-id"),
            "in-reply-to": to.get("message-id"), "case-id": to.get("case-id"), "created": _time(),
            **extra}


def post(client: httpx.Client, system: ReferenceSystem, peer: Peer, approval: Any, body: bytes,
         message_type: str = XML) -> httpx.Response:
    return client.post(system.inbox, content=body, headers={
        "Content-Type": approval.media_type(message_type), "Reply-To": peer.url})


def read(approval: Any, delivery: Delivery) -> Any:
    """What the system sent, read and judged; every message it sends must be valid."""
    message = approval.read(delivery.body)
    assert message.must_failures == (), (message.kind, message.must_failures, delivery.body)
    return message


def kinds(approval: Any, deliveries: list[Delivery]) -> list[str]:
    return [read(approval, d).kind for d in deliveries]


def open_conversation(client: httpx.Client, system: ReferenceSystem, peer: Peer, approval: Any,
                      message_type: str = XML, **values: str) -> tuple[bytes, dict[str, str]]:
    fields = {**request_values(), **values}
    body = approval.build("opinion-request", message_type, fields)
    assert post(client, system, peer, approval, body, message_type).status_code == 202
    return body, fields


# -- the co-approver ---------------------------------------------------------------------------


@pytest.mark.parametrize("message_type", [XML, JSON])
def test_co_approver_acknowledges_accepts_and_answers(co_approver: ReferenceSystem, peer: Peer,
                                                       client: httpx.Client, approval: Any,
                                                       message_type: str) -> None:
    _, request = open_conversation(client, co_approver, peer, approval, message_type)
    replies = peer.take(3)
    assert kinds(approval, replies) == ["receipt-ack", "acceptance", "opinion"]
    for delivery in replies:
        message = read(approval, delivery)
        assert message.message_type == message_type
        assert delivery.media_type == approval.media_type(message_type)
        assert delivery.reply_to == co_approver.inbox
        assert message.get("in-reply-to") == request["message-id"]
        assert message.get("conversation-id") == request["conversation-id"]
        assert message.get("case-id") == request["case-id"]
        assert message.get("message-id") not in (request["message-id"], None)
    assert len({read(approval, d).get("message-id") for d in replies}) == 3
    assert read(approval, replies[2]).get("decision") == "approve"
    # The result notice closes the conversation: nothing comes back.
    opinion = read(approval, replies[2])
    notice = approval.build("result-notice", message_type,
                            {**reply_values(approval, opinion), "result": "approved"})
    assert post(client, co_approver, peer, approval, notice, message_type).status_code == 202
    assert peer.quiet() == []


def test_a_duplicate_request_gets_the_same_receipt_and_nothing_else(
        co_approver: ReferenceSystem, peer: Peer, client: httpx.Client, approval: Any) -> None:
    body, _ = open_conversation(client, co_approver, peer, approval)
    first_ack = peer.take(3)[0]
    assert post(client, co_approver, peer, approval, body).status_code == 202
    again = peer.take(1)
    assert again[0].body == first_ack.body
    assert peer.quiet() == []


def test_an_invalid_request_gets_e_invalid_and_nothing_else(
        co_approver: ReferenceSystem, peer: Peer, client: httpx.Client, approval: Any) -> None:
    fields = invalid_request()
    body = approval.build("opinion-request", XML, fields)
    assert approval.read(body).must_failures == ("APR-013",)  # invalid indeed, and only so
    assert post(client, co_approver, peer, approval, body).status_code == 202
    [error] = peer.take(1)
    message = read(approval, error)
    assert message.kind == "error-signal"
    assert message.get("error-code") == "E-INVALID"
    assert message.get("in-reply-to") == fields["message-id"]
    assert message.get("conversation-id") == fields["conversation-id"]
    assert peer.quiet() == []


def test_a_result_notice_out_of_order_gets_e_sequence(
        co_approver: ReferenceSystem, peer: Peer, client: httpx.Client, approval: Any) -> None:
    # A result notice for a conversation the co-approver never answered.
    values = {**request_values(), "in-reply-to": str(uuid.uuid4()), "result": "approved"}
    del values["respond-by"]
    notice = approval.build("result-notice", XML, values)
    assert post(client, co_approver, peer, approval, notice).status_code == 202
    [error] = peer.take(1)
    message = read(approval, error)
    assert (message.kind, message.get("error-code")) == ("error-signal", "E-SEQUENCE")
    assert message.get("in-reply-to") == values["message-id"]
    assert peer.quiet() == []


def test_a_late_result_notice_gets_e_late(peer: Peer, client: httpx.Client, approval: Any) -> None:
    deadline = approval.deadline("result-notice")
    assert deadline is not None
    with start_reference_system("co-approver", time_scale=FAST) as co_approver:
        open_conversation(client, co_approver, peer, approval)
        opinion = read(approval, peer.take(3)[2])
        time.sleep(deadline.total_seconds() * FAST * 1.5 + 0.1)
        notice = approval.build("result-notice", XML,
                                {**reply_values(approval, opinion), "result": "approved"})
        assert post(client, co_approver, peer, approval, notice).status_code == 202
        [error] = peer.take(1)
        assert peer.quiet() == []
    message = read(approval, error)
    assert (message.kind, message.get("error-code")) == ("error-signal", "E-LATE")
    assert message.get("in-reply-to") == approval.read(notice).get("message-id")


def test_two_conversations_at_once_do_not_mix(co_approver: ReferenceSystem, peer: Peer,
                                              client: httpx.Client, approval: Any) -> None:
    _, first = open_conversation(client, co_approver, peer, approval, **{"case-id": "CASE-A"})
    _, second = open_conversation(client, co_approver, peer, approval, **{"case-id": "CASE-B"})
    replies = [read(approval, d) for d in peer.take(6)]
    by_conversation: dict[str, list[Any]] = {}
    for message in replies:
        by_conversation.setdefault(message.get("conversation-id"), []).append(message)
    for request in (first, second):
        mine = by_conversation[request["conversation-id"]]
        assert [m.kind for m in mine] == ["receipt-ack", "acceptance", "opinion"]
        assert {m.get("case-id") for m in mine} == {request["case-id"]}
        assert {m.get("in-reply-to") for m in mine} == {request["message-id"]}


def test_an_error_signal_is_never_answered(co_approver: ReferenceSystem, peer: Peer,
                                           client: httpx.Client, approval: Any) -> None:
    values = {**request_values(), "in-reply-to": str(uuid.uuid4()), "error-code": "E-SEQUENCE"}
    del values["respond-by"]
    error = approval.build("error-signal", XML, values)
    assert post(client, co_approver, peer, approval, error).status_code == 202
    assert peer.quiet() == []


def test_garbage_is_taken_and_not_answered(co_approver: ReferenceSystem, peer: Peer,
                                           client: httpx.Client, approval: Any) -> None:
    response = client.post(co_approver.inbox, content=b"\x00 not a message",
                           headers={"Content-Type": "application/xml", "Reply-To": peer.url})
    assert response.status_code == 202
    assert peer.quiet() == []


@pytest.mark.parametrize(("content", "headers", "status"), [
    (b"", {"Reply-To": "http://127.0.0.1:9/inbox"}, 400),  # no body
    (b"<a/>", {}, 400),  # no Reply-To: nowhere to answer
    (b"<a/>", {"Reply-To": "http://192.0.2.1/inbox"}, 400),  # replies go to loopback only
    (b"<a/>", {"Reply-To": "file:///etc/passwd"}, 400),
])
def test_the_inbox_refuses_what_it_cannot_take(co_approver: ReferenceSystem, client: httpx.Client,
                                               content: bytes, headers: dict[str, str], status: int) -> None:
    response = client.post(co_approver.inbox, content=content, headers=headers)
    assert response.status_code == status, response.text


def test_a_body_over_the_limit_is_refused_unread(co_approver: ReferenceSystem) -> None:
    host, port = co_approver.inbox.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=WAIT) as connection:
        connection.sendall(b"POST /inbox HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\n"
                           b"Reply-To: http://127.0.0.1:9/inbox\r\nContent-Length: 100000000\r\n\r\n")
        status_line = connection.recv(4096).split(b"\r\n", 1)[0]
    assert status_line.split()[1] == b"413"


def test_a_conversation_is_acted_on_for_a_bounded_number_of_messages(
        co_approver: ReferenceSystem, peer: Peer, client: httpx.Client, approval: Any) -> None:
    body, _ = open_conversation(client, co_approver, peer, approval)
    for _ in range(MAX_MESSAGES_PER_CASE + 8):  # the same request again and again
        assert post(client, co_approver, peer, approval, body).status_code == 202
    # The first copy: three replies; the next 31: the receipt again; the rest: nothing.
    replies = peer.take(3 + MAX_MESSAGES_PER_CASE - 1)
    assert len({d.body for d in replies[3:]}) == 1
    assert peer.quiet() == []
    assert "more than 32 messages, ignored" in co_approver.log()


def test_connections_past_the_limit_are_refused(co_approver: ReferenceSystem, client: httpx.Client) -> None:
    host, port = co_approver.inbox.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    idle = []
    try:
        for _ in range(MAX_CONNECTIONS):  # each holds a slot until it speaks or times out
            idle.append(socket.create_connection((host, int(port)), timeout=WAIT))
        time.sleep(0.2)
        with socket.create_connection((host, int(port)), timeout=WAIT) as extra:
            assert extra.recv(4096).split()[1] == b"503"
    finally:
        for connection in idle:
            connection.close()
    # The slots come back once the idle connections are gone.
    deadline = time.monotonic() + WAIT
    while client.get(co_approver.inbox).status_code != 405:
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_only_the_inbox_takes_posts(co_approver: ReferenceSystem, client: httpx.Client) -> None:
    base = co_approver.inbox.rsplit("/", 1)[0]
    assert client.post(f"{base}/start", content=b"{}").status_code == 404  # not the lead
    assert client.get(co_approver.inbox).status_code == 405


# -- the lead ----------------------------------------------------------------------------------


def start(client: httpx.Client, lead: ReferenceSystem, peer: Peer, case_id: str = "CASE-2026-0002",
          **extra: str) -> httpx.Response:
    assert lead.trigger is not None
    return client.post(lead.trigger, json={"partner-inbox": peer.url, "case-id": case_id, **extra})


@pytest.mark.parametrize("message_type", [XML, JSON])
def test_lead_opens_and_notifies_the_result(lead: ReferenceSystem, peer: Peer, client: httpx.Client,
                                            approval: Any, message_type: str) -> None:
    response = start(client, lead, peer, **{"message-type": message_type})
    assert response.status_code == 202, response.text
    conversation_id = response.json()["conversation-id"]
    [opening] = peer.take(1)
    request = read(approval, opening)
    assert (request.kind, request.message_type) == ("opinion-request", message_type)
    assert request.get("conversation-id") == conversation_id
    assert request.get("case-id") == "CASE-2026-0002"
    assert request.get("in-reply-to") is None
    assert opening.reply_to == lead.inbox
    for kind, extra in (("receipt-ack", {}), ("acceptance", {}), ("opinion", {"decision": "approve"})):
        body = approval.build(kind, message_type, reply_values(approval, request, **extra))
        assert post(client, lead, peer, approval, body, message_type).status_code == 202
        if kind != "opinion":
            assert peer.quiet(0.1) == []
    [notice_delivery] = peer.take(1)
    notice = read(approval, notice_delivery)
    assert notice.kind == "result-notice"
    assert notice.get("in-reply-to") == approval.read(body).get("message-id")
    assert notice.get("case-id") == "CASE-2026-0002"
    assert notice.get("conversation-id") == conversation_id
    assert peer.quiet() == []


def test_lead_answers_a_late_receipt_with_e_late(peer: Peer, client: httpx.Client, approval: Any) -> None:
    deadline = approval.deadline("receipt-ack")
    assert deadline is not None
    with start_reference_system("lead", time_scale=FAST) as lead:
        assert start(client, lead, peer).status_code == 202
        request = read(approval, peer.take(1)[0])
        time.sleep(deadline.total_seconds() * FAST * 1.5 + 0.1)
        ack = approval.build("receipt-ack", XML, reply_values(approval, request))
        assert post(client, lead, peer, approval, ack).status_code == 202
        [error] = peer.take(1)
        assert peer.quiet() == []
    message = read(approval, error)
    assert (message.kind, message.get("error-code")) == ("error-signal", "E-LATE")
    assert message.get("in-reply-to") == approval.read(ack).get("message-id")


def test_lead_answers_an_opinion_before_acceptance_with_e_sequence(
        lead: ReferenceSystem, peer: Peer, client: httpx.Client, approval: Any) -> None:
    assert start(client, lead, peer).status_code == 202
    request = read(approval, peer.take(1)[0])
    opinion = approval.build("opinion", XML, reply_values(approval, request, decision="approve"))
    assert post(client, lead, peer, approval, opinion).status_code == 202
    [error] = peer.take(1)
    message = read(approval, error)
    assert (message.kind, message.get("error-code")) == ("error-signal", "E-SEQUENCE")
    assert peer.quiet() == []


@pytest.mark.parametrize(("payload", "fragment"), [
    (b"not json", "expected"),
    (b'{"partner-inbox": "http://127.0.0.1:9/inbox"}', "case-id"),
    (b'{"partner-inbox": "http://192.0.2.1/inbox", "case-id": "C-1"}', "loopback"),
    (b'{"partner-inbox": "http://127.0.0.1:9/inbox", "case-id": "no spaces allowed"}', "would fail"),
    (b'{"partner-inbox": "http://127.0.0.1:9/inbox", "case-id": "C-1", "message-type": "x"}',
     "unknown message type"),
])
def test_lead_refuses_a_bad_start(lead: ReferenceSystem, client: httpx.Client, payload: bytes,
                                  fragment: str) -> None:
    assert lead.trigger is not None
    response = client.post(lead.trigger, content=payload)
    assert response.status_code == 400
    assert fragment in response.text


# -- faults ------------------------------------------------------------------------------------


def test_fault_no_copy_header(peer: Peer, client: httpx.Client, approval: Any) -> None:
    with start_reference_system("co-approver", fault="no-copy-header", time_scale=SCALE) as system:
        _, request = open_conversation(client, system, peer, approval)
        replies = [read(approval, d) for d in peer.take(3)]
    assert [m.kind for m in replies] == ["receipt-ack", "acceptance", "opinion"]
    assert all(m.get("case-id") != request["case-id"] for m in replies)
    # Only the copied header is wrong: the correlation still holds.
    assert {m.get("in-reply-to") for m in replies} == {request["message-id"]}
    assert {m.get("conversation-id") for m in replies} == {request["conversation-id"]}


def test_fault_wrong_in_reply_to(peer: Peer, client: httpx.Client, approval: Any) -> None:
    with start_reference_system("co-approver", fault="wrong-in-reply-to", time_scale=SCALE) as system:
        _, request = open_conversation(client, system, peer, approval)
        replies = [read(approval, d) for d in peer.take(3)]
        # Error signals still name what they answer.
        body = approval.build("opinion-request", XML, invalid_request())
        assert post(client, system, peer, approval, body).status_code == 202
        [error] = [read(approval, d) for d in peer.take(1)]
    assert [m.kind for m in replies] == ["receipt-ack", "acceptance", "opinion"]
    assert all(m.get("in-reply-to") not in (request["message-id"], None) for m in replies)
    assert {m.get("case-id") for m in replies} == {request["case-id"]}
    assert (error.get("error-code"), error.get("in-reply-to")) == ("E-INVALID",
                                                                   approval.read(body).get("message-id"))


def test_fault_late_ack_then_gives_up_on_e_late(peer: Peer, client: httpx.Client, approval: Any) -> None:
    deadline = approval.deadline("receipt-ack")
    assert deadline is not None
    with start_reference_system("co-approver", fault="late-ack", time_scale=FAST) as system:
        sent = time.monotonic()
        open_conversation(client, system, peer, approval)
        [ack_delivery] = peer.take(1)
        assert ack_delivery.at - sent > deadline.total_seconds() * FAST
        ack = read(approval, ack_delivery)
        assert ack.kind == "receipt-ack"
        # The lead answers the late acknowledgement with E-LATE: the department gives up.
        error = approval.build("error-signal", XML, reply_values(approval, ack, **{"error-code": "E-LATE"}))
        assert post(client, system, peer, approval, error).status_code == 202
        assert peer.quiet(2.0) == []


def test_fault_late_ack_goes_on_when_no_error_comes(peer: Peer, client: httpx.Client,
                                                    approval: Any) -> None:
    with start_reference_system("co-approver", fault="late-ack", time_scale=FAST) as system:
        open_conversation(client, system, peer, approval)
        assert kinds(approval, peer.take(3)) == ["receipt-ack", "acceptance", "opinion"]


def test_fault_skips_ack(peer: Peer, client: httpx.Client, approval: Any) -> None:
    with start_reference_system("co-approver", fault="skips-ack", time_scale=SCALE) as system:
        open_conversation(client, system, peer, approval)
        assert kinds(approval, peer.take(2)) == ["acceptance", "opinion"]
        assert peer.quiet() == []


def test_fault_acts_twice_on_a_duplicate(peer: Peer, client: httpx.Client, approval: Any) -> None:
    with start_reference_system("co-approver", fault="acts-twice", time_scale=SCALE) as system:
        body, _ = open_conversation(client, system, peer, approval)
        first = peer.take(3)
        assert post(client, system, peer, approval, body).status_code == 202
        again = peer.take(3)
        assert peer.quiet() == []
    assert kinds(approval, again) == ["receipt-ack", "acceptance", "opinion"]
    assert again[0].body == first[0].body  # the receipt is the same one, sent again
    assert read(approval, again[2]).get("message-id") != read(approval, first[2]).get("message-id")


def test_fault_accepts_invalid(peer: Peer, client: httpx.Client, approval: Any) -> None:
    with start_reference_system("co-approver", fault="accepts-invalid", time_scale=SCALE) as system:
        body = approval.build("opinion-request", XML, invalid_request())
        assert post(client, system, peer, approval, body).status_code == 202
        assert kinds(approval, peer.take(3)) == ["receipt-ack", "acceptance", "opinion"]


def test_fault_acts_twice_as_lead(peer: Peer, client: httpx.Client, approval: Any) -> None:
    with start_reference_system("lead", fault="acts-twice", time_scale=SCALE) as system:
        assert start(client, system, peer).status_code == 202
        request = read(approval, peer.take(1)[0])
        for kind, extra in (("receipt-ack", {}), ("acceptance", {}), ("opinion", {"decision": "approve"})):
            body = approval.build(kind, XML, reply_values(approval, request, **extra))
            assert post(client, system, peer, approval, body).status_code == 202
        first = read(approval, peer.take(1)[0])
        assert post(client, system, peer, approval, body).status_code == 202  # the opinion again
        second = read(approval, peer.take(1)[0])
    assert (first.kind, second.kind) == ("result-notice", "result-notice")
    assert first.get("message-id") != second.get("message-id")


def test_fault_must_fit_the_role() -> None:
    done = subprocess.run(reference_system_command("lead", "late-ack"), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert "no fault 'late-ack' for lead" in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize("length", ["\u00b2", "9" * 5000, "-1", "+5"])
def test_a_hostile_content_length_is_400_never_a_traceback(co_approver: ReferenceSystem, length: str) -> None:
    host, port = co_approver.inbox.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=WAIT) as connection:
        # The header is Latin-1 on the wire, as http.server reads it ('²' is a digit to isdigit()).
        head = f"POST /inbox HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n"
        connection.sendall(head.encode("latin-1"))
        assert connection.recv(4096).split()[1] == b"400"
    assert "Traceback" not in co_approver.log()


def test_a_full_department_forgets_the_conversation_idle_the_longest(monkeypatch: pytest.MonkeyPatch) -> None:
    """No conversation stays for ever: past MAX_CASES the least recently used open one goes, so cases
    answered with an error signal (never final) cannot lock every new conversation out."""
    monkeypatch.syspath_prepend(str(REFERENCE_SYSTEM.parent))
    department_module = importlib.import_module("department")
    approval_module = importlib.import_module("approval")
    outbox_module = importlib.import_module("outbox")
    monkeypatch.setattr(department_module, "MAX_CASES", 3)
    outbox = outbox_module.Outbox()
    department = department_module.Department(approval_module.Approval(), outbox, role="co-approver",
                                              inbox="http://127.0.0.1:9/inbox")
    try:
        message = approval_module.Message("opinion-request", XML, {"case-id": "C-1"}, ())
        ids = [f"conversation-{n}" for n in range(5)]
        for conversation_id in ids[:3]:  # open, never final (as after an E-INVALID answer)
            assert department._case_for(conversation_id, message) is not None
        department._case_for(ids[0], message)  # used again: now the most recent
        assert department._case_for(ids[3], message) is not None  # room made: ids[1] forgotten
        assert list(department._cases) == [ids[2], ids[0], ids[3]]
        department._cases[ids[0]].state = "notified"  # a final one goes first
        assert department._case_for(ids[4], message) is not None
        assert list(department._cases) == [ids[2], ids[3], ids[4]]
    finally:
        department.stop()
        outbox.close()
