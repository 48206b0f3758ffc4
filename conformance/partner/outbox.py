"""Delivering the partner's messages: one HTTP POST each, to the one endpoint the user named.

httpx with `trust_env=False` (no proxy or certificate settings from the environment: the user
named the endpoint, nothing else is contacted), explicit connect/read/write/pool timeouts, no
redirects (a 3xx is an answer outside 2xx, never followed elsewhere) and small connection limits.
Every failure is a value: what the log's note says, never an exception that stops the run.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from conformance.conversations.log import NoteKind


@dataclass(frozen=True, slots=True)
class Answer:
    """How a delivery went: the HTTP status, or the note a failure is recorded as."""

    status: int | None = None
    note: NoteKind | None = None
    text: str | None = None

    @property
    def taken(self) -> bool:
        return self.note is None


class Outbox:
    """An HTTP client for deliveries (and the trigger); close it when the run ends."""

    def __init__(self, *, reply_to: str, timeout: float) -> None:
        self.reply_to = reply_to
        self.timeout = timeout
        self._client = httpx.Client(
            trust_env=False,
            follow_redirects=False,
            timeout=httpx.Timeout(connect=min(timeout, 5.0), read=timeout, write=timeout,
                                  pool=timeout),
            limits=httpx.Limits(max_connections=4, max_keepalive_connections=2),
            headers={"User-Agent": "egov-conformance-partner"},
        )

    def deliver(self, url: str, body: bytes, media_type: str) -> Answer:
        """POST one message; the receiver should answer 202 (any 2xx is taken)."""
        return self._post(url, body, {"Content-Type": media_type, "Reply-To": self.reply_to})

    def trigger(self, url: str, body: bytes) -> Answer:
        """Ask the system under test to open a conversation (design: `--trigger URL`)."""
        return self._post(url, body, {"Content-Type": "application/json"})

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        try:
            # Streamed and closed unread: the answer's body (empty by the binding) is never
            # loaded, however large a hostile peer makes it.
            with self._client.stream("POST", url, content=body, headers=headers) as response:
                status, reason = response.status_code, response.reason_phrase
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
        if not 200 <= status < 300:
            return Answer(status=status, note=NoteKind.HTTP_STATUS,
                          text=f"{url} answered HTTP {status} {reason[:60]}")
        return Answer(status=status)

    def close(self) -> None:
        self._client.close()


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text[:200]
