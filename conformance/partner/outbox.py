"""Delivering the partner's messages: one HTTP POST each, to the one endpoint the user named.

httpx with `trust_env=False` (no proxy or certificate settings from the environment: the user
named the endpoint, nothing else is contacted), explicit connect/read/write/pool timeouts, no
redirects (a 3xx is an answer outside 2xx, never followed elsewhere) and small connection limits.
httpx's timeouts bound each read, not a request: a peer answering one byte every 0.3 s would hold
a POST for minutes. Every socket read and write therefore also waits at most until the request's
own deadline (`timeout` from its start), so a whole delivery never takes longer than `timeout`.
Every failure is a value: what the log's note says, never an exception that stops the run.
"""

from __future__ import annotations

import threading
import time
import typing
from dataclasses import dataclass

import httpcore
import httpx

from conformance.conversations.log import NoteKind

# The answer to the trigger may carry {"conversation-id": ...}; more than this is not read.
TRIGGER_ANSWER_MAX_BYTES = 4096


@dataclass(frozen=True, slots=True)
class Answer:
    """How a delivery went: the HTTP status, or the note a failure is recorded as."""

    status: int | None = None
    note: NoteKind | None = None
    text: str | None = None

    content: bytes = b""  # the start of the answer's body, when asked for (the trigger's)

    @property
    def taken(self) -> bool:
        return self.note is None


class _Deadline(threading.local):
    """The deadline (time.monotonic()) of the request the current thread is making, if any."""

    at: float | None = None


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose reads and writes never wait past the current request's deadline."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._stream = stream
        self._deadline = deadline

    def _left(self, timeout: float | None, error: type[Exception]) -> float | None:
        at = self._deadline.at
        if at is None:
            return timeout
        left = at - time.monotonic()
        if left <= 0:
            raise error("the request's overall deadline passed")
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: typing.Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        upgraded = self._stream.start_tls(ssl_context, server_hostname,
                                          self._left(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(upgraded, self._deadline)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, deadline: _Deadline) -> None:
        self._backend = httpcore.SyncBackend()
        self._deadline = deadline

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore.NetworkStream:
        stream = self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: typing.Iterable[typing.Any] | None = None
                            ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("the partner connects over TCP only")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _Transport(httpx.HTTPTransport):
    """httpx's transport over connections that keep the request's deadline."""

    def __init__(self, deadline: _Deadline, limits: httpx.Limits) -> None:
        super().__init__(trust_env=False, limits=limits)
        # httpx takes no network backend; its pool does (httpcore's public interface). Same
        # settings as httpx would give it, without TLS settings from the environment.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_DeadlineBackend(deadline),
        )


class Outbox:
    """An HTTP client for deliveries (and the trigger); close it when the run ends."""

    def __init__(self, *, reply_to: str, timeout: float) -> None:
        self.reply_to = reply_to
        self.timeout = timeout
        self._deadline = _Deadline()
        limits = httpx.Limits(max_connections=4, max_keepalive_connections=2)
        self._client = httpx.Client(
            trust_env=False,
            follow_redirects=False,
            timeout=httpx.Timeout(connect=min(timeout, 5.0), read=timeout, write=timeout,
                                  pool=timeout),
            limits=limits,
            transport=_Transport(self._deadline, limits),
            headers={"User-Agent": "egov-conformance-partner"},
        )

    def deliver(self, url: str, body: bytes, media_type: str) -> Answer:
        """POST one message; the receiver should answer 202 (any 2xx is taken)."""
        return self._post(url, body, {"Content-Type": media_type, "Reply-To": self.reply_to})

    def trigger(self, url: str, body: bytes) -> Answer:
        """Ask the system under test to open a conversation (design: `--trigger URL`); the answer's
        body (its first TRIGGER_ANSWER_MAX_BYTES) is kept: it may name the conversation opened."""
        return self._post(url, body, {"Content-Type": "application/json"}, keep=TRIGGER_ANSWER_MAX_BYTES)

    def _post(self, url: str, body: bytes, headers: dict[str, str], keep: int = 0) -> Answer:
        self._deadline.at = time.monotonic() + self.timeout
        content = b""
        try:
            # Streamed and closed unread (but for `keep` bytes): the answer's body (empty by the
            # binding) is never loaded, however large a hostile peer makes it.
            with self._client.stream("POST", url, content=body, headers=headers) as response:
                status, reason = response.status_code, response.reason_phrase
                if keep:
                    for chunk in response.iter_raw():
                        content += chunk
                        if len(content) >= keep:
                            break
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError, UnicodeError) as exc:
            # Checked by the command line already; a URL httpx still cannot use is no traceback.
            return Answer(note=NoteKind.REFUSED, text=f"cannot send to {url[:200]!r}: {_reason(exc)}")
        except httpx.ConnectError as exc:
            return Answer(note=NoteKind.REFUSED, text=f"could not connect to {url}: {_reason(exc)}")
        except httpx.TimeoutException as exc:
            return Answer(note=NoteKind.TIMEOUT,
                          text=f"no answer from {url} within {self.timeout:g} s ({type(exc).__name__})")
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            return Answer(note=NoteKind.CONNECTION_CLOSED,
                          text=f"{url} closed the connection: {_reason(exc)}")
        except httpx.HTTPError as exc:
            return Answer(note=NoteKind.CONNECTION_CLOSED, text=f"{url}: {_reason(exc)}")
        finally:
            self._deadline.at = None
        if not 200 <= status < 300:
            return Answer(status=status, note=NoteKind.HTTP_STATUS,
                          text=f"{url} answered HTTP {status} {reason[:60]}")
        return Answer(status=status, content=content[:keep])

    def close(self) -> None:
        self._client.close()


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text[:200]
