"""The partner's inbox and outbox on loopback: listening at once, bounded, never hanging."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from conformance.conversations.log import NoteKind
from conformance.partner.inbox import Budget, Delivery, Inbox
from conformance.partner.outbox import Outbox


class Taken:
    """What an inbox route received."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.limits: list[str] = []

    def receive(self, delivery: Delivery) -> None:
        self.deliveries.append(delivery)

    def limit(self, text: str) -> None:
        self.limits.append(text)


@pytest.fixture
def inbox() -> Any:
    with Inbox(max_body_bytes=1000) as box:
        yield box


def _post(url: str, body: bytes, **headers: str) -> int:
    with httpx.Client(trust_env=False, timeout=5) as client:
        return client.post(url, content=body, headers=headers).status_code


def test_the_inbox_listens_as_soon_as_it_is_made() -> None:
    box = Inbox(max_body_bytes=1000)
    try:
        # No sleep, no serve call: the constructor bound and is serving.
        host, port = box.url.removeprefix("http://").removesuffix("/inbox").rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=2):
            pass
        assert box.url.startswith("http://127.0.0.1:") and not box.url.endswith(":0/inbox")
    finally:
        box.close()


def test_a_message_is_taken_with_202_and_its_headers(inbox: Inbox) -> None:
    taken = Taken()
    inbox.open_scenario(taken.receive, taken.limit, Budget(10, 50))
    status = _post(inbox.url, b"<a/>", **{"Content-Type": "application/xml; charset=utf-8",
                                        "Reply-To": "http://127.0.0.1:1/inbox", "X-Other": "dropped"})
    assert status == 202
    [delivery] = taken.deliveries
    assert delivery.body == b"<a/>"
    assert delivery.media_type == "application/xml"
    assert delivery.headers == {"content-type": "application/xml; charset=utf-8",
                                "reply-to": "http://127.0.0.1:1/inbox"}


def test_no_body_is_400_too_big_is_413_and_between_scenarios_503(inbox: Inbox) -> None:
    assert _post(inbox.url, b"<a/>") == 503  # no scenario running: nothing is recorded
    taken = Taken()
    inbox.open_scenario(taken.receive, taken.limit, Budget(10, 50))
    assert _post(inbox.url, b"") == 400
    assert _post(inbox.url, b"x" * 1001) == 413
    assert taken.deliveries == []
    assert "exceeds the inbox limit of 1000 bytes" in taken.limits[0]
    with httpx.Client(trust_env=False, timeout=5) as client:
        assert client.get(inbox.url).status_code == 405


def test_past_the_request_budget_the_rest_is_429_and_one_limit_note(inbox: Inbox) -> None:
    taken = Taken()
    inbox.open_scenario(taken.receive, taken.limit, Budget(max_requests=5, max_rate=1000))
    with httpx.Client(trust_env=False, timeout=5) as client:
        statuses = [client.post(inbox.url, content=b"<a/>").status_code for _ in range(50)]
    assert statuses == [202] * 5 + [429] * 45
    assert len(taken.deliveries) == 5
    assert len(taken.limits) == 1 and "more than 5 requests" in taken.limits[0]


def test_a_rate_above_the_bound_is_refused_too() -> None:
    budget = Budget(max_requests=1000, max_rate=3)
    assert [budget.admit(0.0 + i * 0.01) for i in range(5)] == [
        (True, False), (True, False), (True, False), (False, True), (False, False)]
    assert budget.admit(5.0) == (False, False)  # once refused, always


def test_a_flood_of_connections_neither_hangs_nor_grows_threads(inbox: Inbox) -> None:
    taken = Taken()
    inbox.open_scenario(taken.receive, taken.limit, Budget(max_requests=100, max_rate=100_000))
    before = threading.active_count()
    start = time.monotonic()

    def hammer() -> None:
        with httpx.Client(trust_env=False, timeout=5) as client:
            for _ in range(250):
                try:
                    client.post(inbox.url, content=b"<a/>")
                except httpx.HTTPError:
                    pass

    workers = [threading.Thread(target=hammer) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert time.monotonic() - start < 60
    assert len(taken.deliveries) == 100 and len(taken.limits) == 1
    time.sleep(0.2)
    assert threading.active_count() <= before + 2


# --- the outbox -------------------------------------------------------------------------------

class _Peer(BaseHTTPRequestHandler):
    mode = "ok"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.mode == "close":
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if self.mode == "hang":
            time.sleep(3)
        status = 500 if self.mode == "500" else 202
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.mark.parametrize(("mode", "note", "says"), [
    ("ok", None, None),
    ("500", NoteKind.HTTP_STATUS, "answered HTTP 500"),
    ("close", NoteKind.CONNECTION_CLOSED, "closed the connection"),
    ("hang", NoteKind.TIMEOUT, "no answer from"),
])
def test_every_delivery_failure_is_a_note_never_an_exception(mode: str, note: NoteKind | None,
                                                             says: str | None) -> None:
    handler = type("Peer", (_Peer,), {"mode": mode})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    outbox = Outbox(reply_to="http://127.0.0.1:9/inbox", timeout=0.5)
    try:
        start = time.monotonic()
        answer = outbox.deliver(f"http://127.0.0.1:{server.server_address[1]}/inbox", b"<a/>",
                                "application/xml")
        assert time.monotonic() - start < 3
        assert answer.note is note
        assert answer.taken is (note is None)
        if says:
            assert answer.text is not None and says in answer.text
    finally:
        outbox.close()
        server.shutdown()
        server.server_close()


def test_a_refused_connection_is_a_refused_note() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        outbox = Outbox(reply_to="http://127.0.0.1:9/inbox", timeout=1)
        try:
            answer = outbox.deliver(f"http://127.0.0.1:{port}/inbox", b"<a/>", "application/xml")
        finally:
            outbox.close()
    assert answer.note is NoteKind.REFUSED and "could not connect" in (answer.text or "")
