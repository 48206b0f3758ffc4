"""A tiny system under test, in the test process, for the partner's tests (loopback only).

It speaks the HTTP binding of the reference conversation (egov-parallel-approval) and builds its
messages with the partner's own Composer from the bundle's examples, so a test controls exactly
what it does: `happy` answers like a conformant co-approver (without validating), `eager` does so
before it answers the delivery (its replies reach the partner's inbox before the partner's POST
returns), and the hostile ones never answer, answer garbage, answer 10,000 times, close the
connection, hang, or answer in a conversation that is not the partner's.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from conformance.conversations.fields import compile_bindings
from conformance.partner.composer import Composer
from conformance.partner.plan import Roles
from conformance.standard.model import Standard
from conformance.validation.documents.payload import Payload
from conformance.validation.judge import PayloadJudge
from tests.conftest import STANDARDS

FLOOD = 10_000
REF = "egov-parallel-approval@1.0.0"


@cache
def approval() -> Standard:
    """The reference standard of the partner's tests, loaded once."""
    from conformance.standard.catalog import Catalog

    return Catalog([STANDARDS]).load(REF)


@cache
def judge() -> PayloadJudge:
    return PayloadJudge([approval()])


def exposed(body: bytes) -> Mapping[str, str | None] | None:
    """The exposed fields of a message body of either binding, as the checker reads them."""
    standard = approval()
    readers = compile_bindings(standard, standard.conversations["parallel-approval"], [standard])
    try:
        judged = judge().judge(Payload("<message>", body))
    except Exception:
        return None
    return readers[judged.message_type.id].read(judged.document)


class FakeSystem:
    """A co-approver (or, with role="lead", a lead started by POST /start) with one behaviour."""

    def __init__(self, standard: Standard, behaviour: str = "happy", *, role: str = "co-approver",
                 message_type: str = "approval-xml") -> None:
        conversation = standard.conversations["parallel-approval"]
        self.behaviour = behaviour
        self.roles = Roles(conversation, role)
        self.judge = PayloadJudge([standard])
        self.lock = threading.Lock()
        readers = compile_bindings(standard, conversation, [standard])
        self.reader = readers[message_type]
        self.composer = Composer(standard, self.roles, self.judge, self.lock, message_type, self.reader)
        self.client = httpx.Client(trust_env=False, timeout=5)
        self.received: list[Mapping[str, str | None]] = []
        self.flooded = 0
        self._acks: dict[str, bytes] = {}
        self._acks_lock = threading.Lock()  # two copies at once (the duplicate probe): one acts
        self._threads: list[threading.Thread] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                fake.answer(self, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        serve = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                 daemon=True)
        serve.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/inbox"
        self.trigger = f"http://127.0.0.1:{self.server.server_address[1]}/start"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        for thread in self._threads:
            thread.join(30)
        self.client.close()

    # --- what it does -------------------------------------------------------------------------
    def answer(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        behaviour = self.behaviour
        if behaviour == "close":
            handler.connection.shutdown(socket.SHUT_RDWR)
            return
        if behaviour == "hang":
            time.sleep(2.5)
        reply_to = handler.headers.get("Reply-To", "")
        if handler.path == "/start":
            start = json.loads(body)
            self._later(lambda: self._open(start["partner-inbox"], start["case-id"]))
        elif behaviour == "eager":
            self._react(body, reply_to)
        elif behaviour not in ("silent", "hang"):
            self._later(lambda: self._react(body, reply_to))
        handler.send_response(202)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def _later(self, work: Any) -> None:
        thread = threading.Thread(target=work, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _read(self, body: bytes) -> Mapping[str, str | None] | None:
        try:
            with self.lock:
                return self.reader.read(self.judge.parse(Payload("<in>", body)))
        except Exception:
            return None

    def _post(self, url: str, body: bytes) -> int:
        try:
            return self.client.post(url, content=body, headers={"Content-Type": "application/xml",
                                                                "Reply-To": self.url}).status_code
        except httpx.HTTPError:
            return 0

    def _reply(self, kind: str, request: Mapping[str, str | None]) -> bytes:
        return self.composer.compose(kind, conversation_id=str(request["conversation-id"]),
                                     request=request, created=datetime.now().astimezone()).body

    def _open(self, partner: str, case: str) -> None:
        """The lead opens a conversation with the partner (after POST /start)."""
        request = self.composer.compose("opinion-request", conversation_id=str(uuid.uuid4()), request=None,
                                        created=datetime.now().astimezone(), extra={"case-id": case})
        self._post(partner, request.body)
        self.opened_case = case

    def _react(self, body: bytes, reply_to: str) -> None:
        fields = self._read(body)
        if fields is None:
            return
        self.received.append(fields)
        kind = fields.get("kind")
        if self.roles.ours == "lead":
            if kind == "opinion":
                self._post(reply_to, self._reply("result-notice", fields))
            return
        if kind != "opinion-request":
            return
        behaviour = self.behaviour
        if behaviour == "garbage":
            for junk in (b"\x00\x01 not a message", b"<unclosed"):
                self._post(reply_to, junk)
            return
        if behaviour == "foreign":
            other = {**fields, "conversation-id": str(uuid.uuid4())}  # copied into the reply
            self._post(reply_to, self._reply("receipt-ack", other))
            return
        message_id = str(fields["message-id"])
        with self._acks_lock:
            seen = self._acks.get(message_id)
            if seen is None:
                self._acks[message_id] = self._reply("receipt-ack", fields)
        if seen is not None:  # a duplicate: the same signal again, nothing else
            self._post(reply_to, seen)
            return
        ack = self._acks[message_id]
        if behaviour == "flood":
            for _ in range(FLOOD):
                self._post(reply_to, ack)
                self.flooded += 1
            return
        for message in (ack, self._reply("acceptance", fields), self._reply("opinion", fields)):
            self._post(reply_to, message)


@contextmanager
def fake_system(standard: Standard, behaviour: str = "happy", **options: Any) -> Iterator[FakeSystem]:
    system = FakeSystem(standard, behaviour, **options)
    try:
        yield system
    finally:
        system.close()
