"""Importing a HAR file (HTTP Archive 1.2, as browsers and proxies export it) as an exchange log.

Each entry whose request URL starts with a role's URL prefix is a message to that role from the
other one (a conversation of two roles over the HTTP binding: one POST a message). Its request body
(`postData.text`, base64 when `encoding` says so) becomes the event's body, `startedDateTime` its
time (it must carry a zone), and method, URL, response status and request headers its transport.
Entries matching no prefix, and requests without a body, are skipped and counted. The recorder is
taken to stand beside the partner: messages to the system under test are `sent`, its own `received`.
A URL is under a prefix when scheme, host and port are the prefix's and its path starts with the
prefix's path segments. Credentials a capture holds (Authorization, Cookie, a user and password or
the query's values in a URL) are not copied into the log: it is evidence others read.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from conformance._version import __version__
from conformance.conversations.log import Direction, ExchangeLog, Party, Transport
from conformance.conversations.logform import Where, parse_strict, parse_time
from conformance.conversations.logwriter import LogWriter, is_media_type
from conformance.core.errors import PayloadError, UsageError
from conformance.core.files import read_bounded
from conformance.core.limits import HAR_MAX_BYTES, HAR_MAX_ENTRIES, LOG_MAX_EVENTS, PAYLOAD_MAX_BYTES
from conformance.core.yamlload import quote

REDACTED = "[not copied from the HAR]"
QUERY_REDACTED = "redacted"  # a query value in a URL: the same words, fit for a URL
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
_LONGEST_ENTRY = timedelta(days=1)  # an entry's `time` beyond this is not a request's duration


@dataclass(frozen=True, slots=True)
class HarImport:
    """What an import wrote, and what it left out."""

    log: ExchangeLog
    imported: int  # entries that became messages
    skipped: int  # entries whose URL starts with no role's prefix
    without_body: int  # entries to a role whose request had no body


@dataclass(frozen=True, slots=True)
class _Message:
    index: int
    time: datetime
    ended: datetime
    sender: str
    receiver: str
    body: bytes
    media_type: str
    transport: Transport


def _where(index: int, field: str = "") -> Where:
    place = f"log.entries[{index}]" + (f".{field}" if field else "")
    return Where(place, place)


def _member(value: Any, key: str, kind: type | tuple[type, ...], index: int, field: str,
            *, required: bool = True) -> Any:
    """`value[key]` of type `kind`, or a PayloadError naming the entry and field."""
    found = value.get(key) if isinstance(value, dict) else None
    if found is None and not required:
        return None
    if not isinstance(found, kind) or (isinstance(found, bool) and kind is not bool):
        what = "is missing" if found is None else f"is {quote(found)}, not {_kind_name(kind)}"
        raise _where(index, field).error(what, "缺失" if found is None else f"为 {quote(found)}，类型不对")
    return found


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {dict: "an object", list: "an array", str: "a string", int: "a number", float: "a number"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(dict.fromkeys(names.get(k, k.__name__) for k in kinds))


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_and_path(url: str) -> tuple[tuple[str, str, int | None], tuple[str, ...]] | None:
    """(scheme, host, port) and the path's segments of `url`; None when it is no http(s) URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:  # a port that is no number, or out of range
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    segments = tuple(segment for segment in parts.path.split("/") if segment)
    return (scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]), segments


def _role_for(url: str, prefixes: Mapping[str, str]) -> str | None:
    """The role whose prefix `url` is under: the same scheme, host and port, and the prefix's path
    segments first (`http://h:8402/inbox` takes `/inbox` and `/inbox/x`, never `:84020` or
    `/inboxes`); the longest prefix, if two are."""
    found = _origin_and_path(url)
    if found is None:
        return None
    origin, segments = found
    matching = []
    for role, prefix in prefixes.items():
        wanted = _origin_and_path(prefix)
        if wanted is not None and wanted[0] == origin and segments[:len(wanted[1])] == wanted[1]:
            matching.append((len(wanted[1]), role))
    return max(matching)[1] if matching else None


def _shown_url(url: str) -> str:
    """`url` as the log keeps it: no user or password, no fragment, and no query value (a capture's
    `?access_token=...` is a credential; the names stay, they say what was sent)."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    query = "&".join(f"{name}={QUERY_REDACTED}" if value else name
                     for name, value in parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def _headers(raw: Any, index: int) -> dict[str, str]:
    headers: dict[str, str] = {}
    for position, item in enumerate(raw if isinstance(raw, list) else ()):
        name = _member(item, "name", str, index, f"request.headers[{position}].name").lower()
        value = _member(item, "value", str, index, f"request.headers[{position}].value")
        if name.startswith(":"):  # HTTP/2 pseudo-headers repeat the method and URL
            continue
        value = REDACTED if name in _SECRET_HEADERS else value
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _body(post: Any, index: int) -> bytes | None:
    if not isinstance(post, dict) or post.get("text") is None:
        return None
    text = _member(post, "text", str, index, "request.postData.text")
    if str(post.get("encoding", "")).lower() == "base64":
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise _where(index, "request.postData.text").error(
                "is not valid base64 (the entry says encoding: base64)",
                "不是有效的 base64（该条目声明 encoding: base64）") from None
    else:
        data = text.encode("utf-8")
    if len(data) > PAYLOAD_MAX_BYTES:
        raise _where(index, "request.postData.text").error(
            f"a body of {len(data)} bytes, over the payload limit of {PAYLOAD_MAX_BYTES}",
            f"报文体 {len(data)} 字节，超过上限 {PAYLOAD_MAX_BYTES} 字节")
    return data


def _duration(elapsed: Any) -> timedelta:
    if isinstance(elapsed, bool) or not isinstance(elapsed, (int, float)) or not math.isfinite(elapsed):
        return timedelta(0)
    # Compared before it becomes a timedelta: 1e300 ms would overflow it.
    if not 0 <= elapsed <= _LONGEST_ENTRY / timedelta(milliseconds=1):
        return timedelta(0)
    return timedelta(milliseconds=elapsed)


def _message(entry: Any, index: int, prefixes: Mapping[str, str]) -> _Message | bool | None:
    """The message of one entry; None when it is to no role, False when it carries no body."""
    if not isinstance(entry, dict):
        raise _where(index).error("is not an object", "不是对象")
    request = _member(entry, "request", dict, index, "request")
    url = _member(request, "url", str, index, "request.url")
    receiver = _role_for(url, prefixes)
    if receiver is None:
        return None
    started = parse_time(_member(entry, "startedDateTime", str, index, "startedDateTime"),
                         _where(index, "startedDateTime"))
    body = _body(request.get("postData"), index)
    if body is None:
        return False
    method = _member(request, "method", str, index, "request.method")
    headers = _headers(request.get("headers"), index)
    post = request["postData"]
    media_type = (post.get("mimeType") if isinstance(post.get("mimeType"), str) and post.get("mimeType")
                  else headers.get("content-type", "application/octet-stream"))
    media_type = media_type.strip()
    if not is_media_type(media_type):
        raise _where(index, "request.postData.mimeType").error(
            f"{quote(media_type)} is not a media type (type/subtype)",
            f"{quote(media_type)} 不是媒体类型（type/subtype）")
    response = entry.get("response")
    status = response.get("status") if isinstance(response, dict) else None
    # `time` is the entry's duration in ms (-1 when unknown): the latest answer ends the log.
    duration = _duration(entry.get("time"))
    sender = next(role for role in prefixes if role != receiver)
    return _Message(index=index, time=started, ended=started + duration, sender=sender, receiver=receiver,
                    body=body, media_type=media_type,
                    transport=Transport(method=method, url=_shown_url(url),
                                        status=status if isinstance(status, int) else None, headers=headers))


def import_har(har: Path, out: Path, *, standard: str, conversation: str, system_under_test: str,
               roles: Mapping[str, str]) -> HarImport:
    """Write the messages of `har` to the new log folder `out`; PayloadError names entry and field."""
    if len(roles) != 2 or system_under_test not in roles:
        raise UsageError("a HAR import takes two roles, one of them the system under test "
                         f"{system_under_test!r}; given: {', '.join(roles) or 'none'}")
    try:
        return _import(har, out, standard=standard, conversation=conversation,
                       system_under_test=system_under_test, roles=roles)
    except PayloadError as exc:
        if exc.location is None:
            exc.location = str(har)
        raise


def _import(har: Path, out: Path, *, standard: str, conversation: str, system_under_test: str,
            roles: Mapping[str, str]) -> HarImport:
    data = read_bounded(har, max_bytes=HAR_MAX_BYTES, error=PayloadError, what="HAR file", what_zh="HAR 文件")
    raw = parse_strict(data, Where("HAR", "HAR"))
    archive = raw.get("log") if isinstance(raw, dict) else None
    entries = archive.get("entries") if isinstance(archive, dict) else None
    if not isinstance(entries, list):
        raise PayloadError("log.entries: missing; a HAR file is {\"log\": {\"entries\": [...]}}",
                           message_zh="缺少 log.entries；HAR 文件的结构为 {\"log\": {\"entries\": [...]}}")
    if len(entries) > HAR_MAX_ENTRIES:
        raise PayloadError(f"log.entries: {len(entries)} entries, over the limit of {HAR_MAX_ENTRIES}",
                           message_zh=f"log.entries：{len(entries)} 个条目，超过上限 {HAR_MAX_ENTRIES}")
    messages: list[_Message] = []
    skipped = without_body = 0
    for index, entry in enumerate(entries):
        message = _message(entry, index, roles)
        if message is None:
            skipped += 1
        elif message is False:
            without_body += 1
        else:
            assert isinstance(message, _Message)
            messages.append(message)
    if not messages:
        raise UsageError(f"{har}: no entry of the HAR posts a body to a role's URL prefix ("
                         + ", ".join(f"{role}={prefix}" for role, prefix in roles.items()) + ")")
    if len(messages) > LOG_MAX_EVENTS:
        raise PayloadError(f"{len(messages)} messages, over the limit of {LOG_MAX_EVENTS} events of one log",
                           message_zh=f"{len(messages)} 条报文，超过单个日志 {LOG_MAX_EVENTS} 个事件的上限")
    messages.sort(key=lambda m: m.time)  # HAR 1.2 prefers, but does not promise, oldest first
    writer = LogWriter(out, standard=standard, conversation=conversation, system_under_test=system_under_test,
                       parties=[Party(role, prefix) for role, prefix in roles.items()],
                       recorded_by={"tool": "egov-conformance", "version": __version__, "mode": "har-import",
                                    "source": har.name[:256]},
                       started=messages[0].time)
    for message in messages:
        direction = Direction.RECEIVED if message.sender == system_under_test else Direction.SENT
        writer.message(direction=direction, sender=message.sender, receiver=message.receiver,
                       body=message.body, media_type=message.media_type, transport=message.transport,
                       time=message.time)
    log = writer.close(ended=max(m.ended for m in messages))
    return HarImport(log=log, imported=len(messages), skipped=skipped, without_body=without_body)
