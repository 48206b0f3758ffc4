"""The partner's inbox: an HTTP server that is listening before the first message goes out.

The HTTP binding (design.md): a message arrives as `POST <inbox>` with the message as body; the
inbox answers 202 with an empty body once it has recorded the message, 413 when the body is over
its limit, 400 when there is none, 429 once the scenario's request count or rate bound is
exceeded (those requests are not recorded), 503 between scenarios and when all connection slots
are taken, 500 when recording the message failed (noted in the log: a message is never lost
silently).

The server binds in the constructor (port 0: any free port; `url` is then the real one), so the
URL the partner writes in `Reply-To` is already accepting connections when the system under test
first hears of it: the GITB and Inferno complaint "the system sent before the tester listened"
cannot happen. It is the standard library's ThreadingHTTPServer, not Starlette on uvicorn: one
inbox with one route, no async code to run beside a blocking driver, no extra dependency.
Connections are handled by at most `MAX_CONNECTIONS` threads at once (more are answered 503 and
closed, the first refusal of a scenario noted), each with a socket timeout, so a slow or flooding
peer cannot grow threads or hold one forever.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from conformance.conversations.logwriter import is_media_type
from conformance.core.errors import ConformanceError, UsageError

MAX_CONNECTIONS = 32
SOCKET_TIMEOUT_SECONDS = 5.0
HEADER_MAX_CHARS = 512  # of a header value kept in the log: enough for a media type or a URL
OCTET_STREAM = "application/octet-stream"
_BUSY = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One request the inbox took: the body and the headers the log keeps."""

    body: bytes
    media_type: str
    headers: dict[str, str]
    path: str
    arrived: datetime  # when its body was in, before anything judged it: the time the log records
    at: float  # the same moment, time.monotonic()


@dataclass(slots=True)
class Budget:
    """The bounds of one scenario on incoming requests: a count and a rate (requests a second)."""

    max_requests: int
    max_rate: int
    seen: int = 0
    recent: deque[float] = field(default_factory=deque)
    exceeded: bool = False

    def admit(self, now: float) -> tuple[bool, bool]:
        """(within the bounds, first refusal); once refused, always (the rest is answered 429)."""
        if self.exceeded:
            return False, False
        self.seen += 1
        self.recent.append(now)
        while self.recent and now - self.recent[0] > 1.0:
            self.recent.popleft()
        if self.seen > self.max_requests or len(self.recent) > self.max_rate:
            self.exceeded = True
            return False, True
        return True, False


# What the inbox calls for each admitted delivery (it records the message under the log's lock),
# and once when a budget is first exceeded; both run on the server's threads.
Receiver = Callable[[Delivery], None]
LimitHandler = Callable[[str], None]


@dataclass(slots=True)
class _Route:
    receive: Receiver
    on_limit: LimitHandler  # the peer went over a bound: evidence against it
    budget: Budget
    on_problem: LimitHandler | None = None  # we could not record a message: our fault, not the peer's


class Inbox:
    """A listening HTTP inbox; `open_scenario` routes its deliveries to one scenario at a time."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, max_body_bytes: int) -> None:
        self.max_body_bytes = max_body_bytes
        self._route: _Route | None = None
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._busy_noted = False
        try:
            self._server = _Server((host, port), _handler_class(self))
        except (OSError, OverflowError, UnicodeError) as exc:
            shown = f"[{host}]" if ":" in host else host
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise UsageError(f"cannot listen on {shown}:{port}: {reason}") from None
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="partner-inbox", daemon=True)
        self._thread.start()
        bound_host, bound_port = self._server.server_address[:2]
        host_text = bound_host.decode() if isinstance(bound_host, bytes) else str(bound_host)
        shown = f"[{host_text}]" if ":" in host_text else host_text
        self.url = f"http://{shown}:{bound_port}/inbox"

    def open_scenario(self, receive: Receiver, on_limit: LimitHandler, budget: Budget,
                      on_problem: LimitHandler | None = None) -> None:
        """Deliveries go to `receive` from now on (until `close_scenario`)."""
        with self._lock:
            self._route = _Route(receive, on_limit, budget, on_problem)
            self._busy_noted = False

    def close_scenario(self) -> None:
        with self._lock:
            self._route = None

    def close(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Inbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- called from the handler threads -----------------------------------------------------
    def _admit(self) -> tuple[int, _Route | None, bool]:
        """The status to answer before the body is read (0: go on), the route to deliver to, and
        whether this request is the first one over the budget (the one a `limit` note records)."""
        with self._lock:
            route = self._route
            if route is None:
                return 503, None, False
            admitted, first = route.budget.admit(time.monotonic())
            return (0 if admitted else 429), route, first

    def _busy(self) -> None:
        """A connection refused for want of a slot: the scenario's first such refusal is noted
        (on a thread of its own: the serving thread must not wait on the log)."""
        with self._lock:
            route, first = self._route, not self._busy_noted
            self._busy_noted = True
        if route is not None and first:
            threading.Thread(target=route.on_limit, daemon=True, args=(
                f"more than {MAX_CONNECTIONS} connections at once: the rest are answered 503 and "
                "not recorded",)).start()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's backlog of 5 leaves a burst of connections half-open for seconds instead of
    # taken (and answered 503 past the slots); the reference system found the same.
    request_queue_size = 128
    inbox: Inbox

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.address_family = family
        super().__init__(address, handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind also asks socket.getfqdn(host): a reverse DNS lookup that can take
        # seconds and that nothing here uses. The plain TCP bind, and the name as given.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a peer that resets or half-sends is the peer's doing: never a traceback on our stderr

    def process_request(self, request: Any, client_address: Any) -> None:
        # A bounded number of handler threads: a flood of connections is closed, not queued.
        slots: threading.BoundedSemaphore = self.RequestHandlerClass.slots  # type: ignore[attr-defined]
        if not slots.acquire(blocking=False):
            with contextlib.suppress(OSError):
                request.settimeout(1.0)
                request.sendall(_BUSY)
            self.shutdown_request(request)
            self.RequestHandlerClass.inbox._busy()  # type: ignore[attr-defined]
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.RequestHandlerClass.slots.release()  # type: ignore[attr-defined]


def media_type(header: str | None) -> str:
    """The media type of a Content-Type header as the log keeps it: type/subtype in lower case,
    parameters dropped; anything else (no slash, stray characters) is application/octet-stream."""
    if header is None:
        return OCTET_STREAM
    text = header.split(";", 1)[0].strip().lower()
    return text if "/" in text and is_media_type(text) else OCTET_STREAM


def _handler_class(inbox: Inbox) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        pass

    Handler.inbox = inbox
    Handler.slots = inbox._slots
    return Handler


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = SOCKET_TIMEOUT_SECONDS
    server_version = "egov-conformance-partner"
    sys_version = ""
    inbox: Inbox
    slots: threading.BoundedSemaphore

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the exchange log is the record; nothing goes to standard error

    def do_POST(self) -> None:
        inbox = self.inbox
        status, route, first_refusal = inbox._admit()
        if status:
            if first_refusal and route is not None:
                budget = route.budget
                route.on_limit(f"more than {budget.max_requests} requests, or more than "
                               f"{budget.max_rate} a second, in this scenario: the rest are answered "
                               "429 and not recorded")
            self._refuse(status)
            return
        assert route is not None
        length = self._length()
        if length is None or length == 0:
            self._answer(400, close=True)
            return
        if length > inbox.max_body_bytes:
            route.on_limit(f"a request of {length} bytes exceeds the inbox limit of "
                           f"{inbox.max_body_bytes} bytes: answered 413, not recorded")
            self._answer(413, close=True)
            return
        try:
            body = self.rfile.read(length)
        except OSError:
            self.close_connection = True
            return
        if len(body) < length:
            self.close_connection = True  # the peer went away mid-body: nothing to record
            return
        arrived, at = datetime.now().astimezone(), time.monotonic()
        headers = {name.lower(): value[:HEADER_MAX_CHARS] for name, value in self.headers.items()
                   if name.lower() in ("content-type", "reply-to")}
        path = self.path[:HEADER_MAX_CHARS]
        delivery = Delivery(body, media_type(headers.get("content-type")), headers, path, arrived, at)
        try:
            route.receive(delivery)
        except Exception as exc:  # whatever broke, the peer is told and the log says so
            reason = exc.message if isinstance(exc, ConformanceError) else type(exc).__name__
            # When the log itself is what broke, the note fails too: the 500 still goes out.
            with contextlib.suppress(Exception):
                (route.on_problem or route.on_limit)(
                    f"a message could not be recorded ({reason[:200]}): answered 500")
            self._answer(500, close=True)
            return
        self._answer(202)

    def do_GET(self) -> None:
        self._answer(405, close=True)

    do_PUT = do_DELETE = do_PATCH = do_GET

    def _refuse(self, status: int) -> None:
        """Answer without taking the message; a small body is read and dropped so that the
        connection stays usable (a flood on one keep-alive connection stays cheap to refuse)."""
        length = self._length()
        if length is None or length > self.inbox.max_body_bytes:
            self._answer(status, close=True)
            return
        try:
            self.rfile.read(length)
        except OSError:
            self.close_connection = True
            return
        self._answer(status)

    def _length(self) -> int | None:
        raw = self.headers.get("Content-Length")
        if raw is None or not raw.strip().isdecimal() or len(raw.strip()) > 18:
            return None
        return int(raw.strip())

    def _answer(self, status: int, *, close: bool = False) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            if close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
        except OSError:
            self.close_connection = True

