"""Reading an exchange log from its folder, with every form check of the format (EXCHANGE-LOG.md).

`read_log` refuses, as a `PayloadError` located at the folder whose message names the file and the
line or field, anything that would make a check of the log depend on more than its bytes: an
unknown format or version, schema errors, a gap or a step back in `seq`, a time without a zone or
earlier than the one before, a body outside the folder, missing, or of another size or SHA-256 than
its event says, more events or bytes than the budgets of `core/limits.py`, a role that is not a
party. Nothing is executed or fetched: a log is files, read with bounded reads.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from conformance.conversations.log import (
    BODIES_DIR,
    EVENTS_NAME,
    LOG_FORMAT,
    LOG_FORMAT_VERSION,
    MANIFEST_NAME,
    Direction,
    Event,
    ExchangeLog,
    LogManifest,
    NoteKind,
    Party,
    Transport,
)
from conformance.conversations.logform import Where, check_shape, line_of, parse_strict, parse_time
from conformance.conversations.loghash import LogHasher, log_content_hash
from conformance.conversations.logwriter import LogWriter
from conformance.core.errors import PayloadError
from conformance.core.files import read_bounded
from conformance.core.limits import (
    LOG_BODIES_MAX_BYTES,
    LOG_EVENT_MAX_BYTES,
    LOG_EVENTS_MAX_BYTES,
    LOG_MANIFEST_MAX_BYTES,
    LOG_MAX_EVENTS,
    MIB,
    PAYLOAD_MAX_BYTES,
)
from conformance.core.yamlload import quote

__all__ = ["LogWriter", "is_exchange_log", "log_content_hash", "read_log"]

# The bodies of one log kept in memory for the checker (ExchangeLog.bodies): it judges the bytes that
# were hashed instead of reading and hashing each file again. Past this, bodies are read again.
BODY_CACHE_MAX_BYTES = 64 * MIB

_MANIFEST = Where(MANIFEST_NAME, MANIFEST_NAME)
_EVENTS = Where(EVENTS_NAME, EVENTS_NAME)


def is_exchange_log(path: Path) -> bool:
    """Whether `path` is a folder holding an exchange log: exchange.json, or the events.jsonl of a log
    never closed (so that `read_log` reports it incomplete instead of its files being read as payloads)."""
    # A name inside `path` exists only when `path` is a folder (or a link to one): no is_dir first.
    try:
        return any(os.path.lexists(os.path.join(path, name)) for name in (MANIFEST_NAME, EVENTS_NAME))
    except OSError:
        return False


def read_log(folder: Path, *, max_events: int = LOG_MAX_EVENTS) -> ExchangeLog:
    """The exchange log in `folder`, checked for form; a PayloadError naming file and line or field."""
    try:
        return _read(folder, max_events)
    except PayloadError as exc:
        if exc.location is None:
            exc.location = str(folder)
        raise


def _read(folder: Path, max_events: int) -> ExchangeLog:
    if not folder.is_dir():
        raise PayloadError("is not a folder: an exchange log is a folder holding exchange.json",
                           message_zh="不是文件夹：交换日志是包含 exchange.json 的文件夹",
                           location=str(folder))
    root = Path(os.path.realpath(folder))  # what Path.resolve does, without its Path objects
    manifest_bytes = _own_file(root, MANIFEST_NAME, LOG_MANIFEST_MAX_BYTES, _MANIFEST)
    manifest = _manifest(parse_strict(manifest_bytes, _MANIFEST))
    events_bytes = _own_file(root, EVENTS_NAME, LOG_EVENTS_MAX_BYTES, _EVENTS)
    hasher = LogHasher()
    hasher.add(MANIFEST_NAME, manifest_bytes)
    hasher.add(EVENTS_NAME, events_bytes)
    reader = _Events(root, manifest, hasher, max_events)
    events = reader.read(events_bytes)
    return ExchangeLog(root=root, manifest=manifest, events=events, content_hash=hasher.digest(),
                       bodies=reader.held)


def _own_file(root: Path, name: str, max_bytes: int, where: Where) -> bytes:
    """One of the log's two named files: present, inside the folder, regular, bounded."""
    path = os.path.join(root, name)
    data = _read_plain(path, max_bytes)
    if data is not None:
        return data
    if not os.path.lexists(path):
        if name == MANIFEST_NAME:
            raise where.error("is missing: the log is incomplete (a recorder writes exchange.json last, "
                              "when it closes the log) or this is not an exchange log",
                              "缺失：日志不完整（记录方在关闭日志时最后写入 exchange.json），"
                              "或这不是交换日志")
        raise where.error("is missing: an exchange log holds its events in events.jsonl",
                          "缺失：交换日志的事件保存在 events.jsonl 中")
    return _bounded(_inside(root, name, where), max_bytes, where)


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_PLAIN_FLAGS = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def _read_plain(path: str, max_bytes: int) -> bytes | None:
    """The bytes of `path` when it is a regular file, not a symlink, within `max_bytes`; None for any
    other case, which `_inside` and `read_bounded` then examine and word.

    Not a symlink, directly in the resolved log folder (or its bodies folder, checked once): then it
    is inside the log without resolving each part of its path. Four system calls where the careful
    path makes six or more, which is most of what reading a small log costs.
    """
    if not _NOFOLLOW:
        return None  # no O_NOFOLLOW (Windows): a symlink would be followed unseen
    try:
        fd = os.open(path, _PLAIN_FLAGS)  # a symlink fails (ELOOP); a FIFO opens without waiting
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
            return None
        data = os.read(fd, info.st_size + 1)  # one byte more: a file that grew is left to read_bounded
        return data if len(data) <= info.st_size else None
    except OSError:
        return None
    finally:
        os.close(fd)


def _bounded(path: Path | str, max_bytes: int, where: Where) -> bytes:
    try:
        return read_bounded(path, max_bytes=max_bytes, error=PayloadError)
    except PayloadError as exc:
        raise where.error(exc.message, exc.message_zh) from None


def _inside(root: Path, name: str, where: Where) -> Path:
    """`root/name` resolved, refused when a symlink leads it out of the log folder."""
    # os.path, not pathlib: a third of the time reading a small log went to Path objects.
    base = str(root)
    try:
        target = os.path.realpath(os.path.join(base, name), strict=True)
    except FileNotFoundError:
        raise where.error("is missing", "缺失") from None
    except (OSError, RuntimeError) as exc:  # a symlink loop, a name the system refuses
        raise where.error(f"cannot be resolved: {exc}", f"无法解析：{exc}") from None
    if not target.startswith(base.rstrip(os.sep) + os.sep):
        raise where.error("is a symlink leading out of the log folder: a log holds only its own files",
                          "是指向日志文件夹之外的符号链接：日志只能包含自身的文件")
    return Path(target)


# --- exchange.json ------------------------------------------------------------------------------

def _manifest(raw: Any) -> LogManifest:
    if not isinstance(raw, dict):
        raise _MANIFEST.error("is not a JSON object", "不是 JSON 对象")
    if raw.get("format") != LOG_FORMAT:
        raise _MANIFEST.field("format").error(
            f"{quote(raw.get('format'))} is not the exchange-log format (expected {LOG_FORMAT!r})",
            f"{quote(raw.get('format'))} 不是交换日志格式（应为 {LOG_FORMAT!r}）")
    if raw.get("format-version") != LOG_FORMAT_VERSION:
        raise _MANIFEST.field("format-version").error(
            f"version {quote(raw.get('format-version'))} is not one this tool reads ({LOG_FORMAT_VERSION})",
            f"本工具不能读取版本 {quote(raw.get('format-version'))}（支持 {LOG_FORMAT_VERSION}）")
    times = {key: parse_time(raw[key], _MANIFEST.field(key)) for key in ("started", "ended") if key in raw}
    check_shape(raw, "manifest", _MANIFEST)
    _integers(raw, ("event-count",), _MANIFEST)
    started, ended = times["started"], times["ended"]
    if ended < started:
        raise _MANIFEST.field("ended").error(
            f"the log ended ({raw['ended']}) before it started ({raw['started']})",
            f"日志结束时间（{raw['ended']}）早于开始时间（{raw['started']}）")
    parties = tuple(Party(p["role"], p.get("endpoint")) for p in raw["parties"])
    roles = [p.role for p in parties]
    for index, role in enumerate(roles):
        if role in roles[:index]:
            raise _MANIFEST.field(f"parties[{index}].role").error(
                f"role {role!r} is listed twice", f"角色 {role!r} 重复列出")
    if raw["system-under-test"] not in roles:
        raise _MANIFEST.field("system-under-test").error(
            f"{raw['system-under-test']!r} is not one of the parties ({', '.join(roles)})",
            f"{raw['system-under-test']!r} 不是参与方之一（{', '.join(roles)}）")
    return LogManifest(
        standard=raw["standard"], conversation=raw["conversation"],
        system_under_test=raw["system-under-test"], parties=parties,
        recorded_by=dict(raw["recorded-by"]), started=started, ended=ended,
        time_scale=float(raw.get("time-scale", 1.0)), scenario=raw.get("scenario"),
        format_version=raw["format-version"], event_count=raw.get("event-count"),
    )


# --- events.jsonl and bodies ----------------------------------------------------------------------

_PATH_REFUSALS = (
    (lambda name: any(ord(c) < 0x20 or ord(c) == 0x7F for c in name), "holds a control character",
     "含有控制字符"),
    (lambda name: name.startswith("/"), "is absolute", "是绝对路径"),
    (lambda name: ":" in name, "holds a colon (a URL scheme or drive letter)", "含有冒号（URL 协议或盘符）"),
    (lambda name: "\\" in name, "holds a backslash", "含有反斜杠"),
    (lambda name: ".." in name.split("/"), "climbs out with '..'", "用 '..' 跳出目录"),
)


# What every refusal above lets through, in one match: `bodies/` and a name with no control
# character, colon, backslash or slash that does not start with a dot (so it is not `..` either).
_PLAIN_BODY_NAME = re.compile(r"bodies/[^\x00-\x1f\x7f:\\/.][^\x00-\x1f\x7f:\\/]*")


def _body_name_problem(name: str) -> tuple[str, str] | None:
    """Why a body path is refused, in both languages; None for `bodies/NAME`."""
    return None if _PLAIN_BODY_NAME.fullmatch(name) else _body_name_refusal(name)


def _body_name_refusal(name: str) -> tuple[str, str] | None:
    """`_body_name_problem` one refusal at a time: the first that applies is what the error says."""
    for refused, en, zh in _PATH_REFUSALS:
        if refused(name):
            return en, zh
    folder, _, file = name.partition("/")
    if folder != "bodies" or not file or "/" in file or file.startswith("."):
        return ("is not bodies/NAME (a file directly in the log's bodies folder)",
                "不是 bodies/NAME（日志 bodies 文件夹中的文件）")
    return None


class _Events:
    """The events of one log, read line by line and checked against the manifest and each other."""

    def __init__(self, root: Path, manifest: LogManifest, hasher: LogHasher, max_events: int) -> None:
        self.root, self.manifest, self.hasher, self.max_events = root, manifest, hasher, max_events
        self.roles = tuple(p.role for p in manifest.parties)
        self.bodies: dict[str, int] = {}  # body name -> seq of the event that names it
        self.body_bytes = 0
        self.held: dict[str, bytes] = {}  # the bodies read and hashed, while under BODY_CACHE_MAX_BYTES
        self.bodies_folder_plain: bool | None = None
        self.base = str(root)
        self.lines: list[bytes] = []

    def read(self, data: bytes) -> tuple[Event, ...]:
        # Counted before a line is parsed: 10^6 tiny lines are refused at memchr speed.
        if data.count(b"\n") > self.max_events:
            raise _EVENTS.error(f"holds more than {self.max_events} events (the limit of one log)",
                                f"事件超过 {self.max_events} 个（单个日志的上限）")
        lines = data.split(b"\n")
        cut_off = bool(lines[-1])  # JSON Lines lets the last line end without a line end
        if not cut_off:
            lines.pop()
        if len(lines) > self.max_events:
            raise _EVENTS.error(f"holds more than {self.max_events} events (the limit of one log)",
                                f"事件超过 {self.max_events} 个（单个日志的上限）")
        events: list[Event] = []
        self.lines = lines  # what a seq out of place is looked for in
        for number, line in enumerate(lines, start=1):
            last = number == len(lines) and cut_off
            previous = events[-1] if events else None
            events.append(self._event(line, line_of(EVENTS_NAME, number), previous, last))
        expected = self.manifest.event_count
        if expected is not None and expected != len(events):
            raise _MANIFEST.field("event-count").error(
                f"the log was closed with {expected} events; events.jsonl holds {len(events)} "
                "(cut off, or changed since)",
                f"日志关闭时有 {expected} 个事件，events.jsonl 中有 {len(events)} 个（被截断或已被改动）")
        return tuple(events)

    def _event(self, line: bytes, where: Where, previous: Event | None, last: bool) -> Event:
        if len(line) > LOG_EVENT_MAX_BYTES:
            raise where.error(f"an event of {len(line)} bytes, over the limit of {LOG_EVENT_MAX_BYTES}",
                              f"事件大小 {len(line)} 字节，超过上限 {LOG_EVENT_MAX_BYTES} 字节")
        if not line.strip():
            raise where.error("is empty (JSON Lines has one JSON object on every line)",
                              "是空行（JSON Lines 每行一个 JSON 对象）")
        try:
            raw = parse_strict(line, where)
        except PayloadError as exc:
            if last:  # the writer ends every line: an unended last line that does not parse was cut
                exc.message += " (the last line has no line end: the log was cut off mid-line)"
                exc.message_zh += "（最后一行没有换行符：日志在行中被截断）"
            raise
        if not isinstance(raw, dict):
            raise where.error("is not a JSON object", "不是 JSON 对象")
        time = parse_time(raw["time"], where.field("time")) if "time" in raw else None
        body_name = raw.get("body")
        if isinstance(body_name, str):
            problem = _body_name_problem(body_name)
            if problem:
                raise where.field("body").error(f"path {quote(body_name)} {problem[0]}",
                                                f"路径 {quote(body_name)} {problem[1]}")
        if ("body" in raw) == ("note" in raw):
            raise where.error("an event is a message (body) or a transport note (note): it has "
                              + ("both" if "body" in raw else "neither"),
                              "事件要么是报文（body），要么是传输说明（note）：此处"
                              + ("两者都有" if "body" in raw else "两者都没有"))
        check_shape(raw, "event", where)
        _integers(raw, ("seq", "size"), where)
        _integers(raw.get("transport", {}), ("status",), where, "transport.")
        assert time is not None  # required by the schema
        seq = raw["seq"]
        self._order(seq, time, raw["time"], previous, where)
        for member in ("from", "to"):
            if raw[member] not in self.roles:
                raise where.field(member).error(
                    f"{raw[member]!r} is not a role of the log ({', '.join(self.roles)})",
                    f"{raw[member]!r} 不是日志中的角色（{', '.join(self.roles)}）")
        body = self._body(raw, seq, where) if body_name is not None else None
        return Event(
            seq=seq, time=time, direction=Direction(raw["direction"]), sender=raw["from"],
            receiver=raw["to"], line=where.line or 0, body=body, body_name=body_name,
            sha256=raw.get("sha256"), size=raw.get("size"), media_type=raw.get("media-type"),
            transport=_transport(raw.get("transport", {})),
            note=NoteKind(raw["note"]) if "note" in raw else None, text=raw.get("text"),
        )

    def _comes_later(self, seq: int, line: int) -> bool:
        """Whether a line after `line` holds event `seq` (told only when an event is out of place:
        a reordered log is not a log with a gap)."""
        for later in self.lines[line:]:
            found = _SEQ.search(later)
            if found is not None and int(found.group(1)) == seq:
                return True
        return False

    def _order(self, seq: int, time: datetime, shown: str, previous: Event | None, where: Where) -> None:
        expected = previous.seq + 1 if previous else 1
        if seq != expected:
            if previous is None:
                en = f"seq {seq} is the first event; a log starts at seq 1"
                zh = f"首个事件的 seq 为 {seq}；日志应从 1 开始"
            elif seq > expected and self._comes_later(expected, where.line or 0):
                en = (f"seq {seq} follows seq {previous.seq}, and seq {expected} comes later: events "
                      "are out of order")
                zh = f"seq {seq} 紧跟在 seq {previous.seq} 之后，而 seq {expected} 在其后出现：事件顺序错乱"
            elif seq > expected:
                missing = (f"event {expected} is" if seq == expected + 1
                           else f"events {expected} to {seq - 1} are")
                en = f"seq {seq} follows seq {previous.seq} ({missing} missing)"
                gap = f"{expected}" if seq == expected + 1 else f"{expected}–{seq - 1}"
                zh = f"seq {seq} 紧跟在 seq {previous.seq} 之后（缺少事件 {gap}）"
            else:
                en = f"seq {seq} follows seq {previous.seq}: events are out of order or repeated"
                zh = f"seq {seq} 跟在 seq {previous.seq} 之后：事件顺序错乱或重复"
            raise where.field("seq").error(en, zh)
        manifest = self.manifest
        if previous is not None and time < previous.time:
            raise where.field("time").error(
                f"time {shown} is before the time of event {previous.seq}: times never decrease",
                f"时间 {shown} 早于事件 {previous.seq} 的时间：时间不能倒退")
        if time < manifest.started or time > manifest.ended:
            raise where.field("time").error(
                f"time {shown} is outside the log's recording (exchange.json started to ended)",
                f"时间 {shown} 不在日志记录期间内（exchange.json 的 started 至 ended）")

    def _body_bytes(self, name: str, own: Where) -> tuple[Path, bytes]:
        """The body's path and bytes. When neither the bodies folder (one lstat a log) nor the body is
        a symlink, it is inside the log (its name is `bodies/NAME`) and read at once; any other case
        is resolved and read the careful way, which words what is wrong."""
        path = os.path.join(self.base, name)  # strings: Path objects cost more than the reading
        if self.bodies_folder_plain is None:
            try:
                self.bodies_folder_plain = stat.S_ISDIR(os.lstat(os.path.join(self.base, BODIES_DIR)).st_mode)
            except OSError:
                self.bodies_folder_plain = False  # missing, unreadable: `_inside` says which
        data = _read_plain(path, PAYLOAD_MAX_BYTES) if self.bodies_folder_plain else None
        if data is not None:
            return Path(path), data
        resolved = _inside(self.root, name, own)
        return resolved, _bounded(resolved, PAYLOAD_MAX_BYTES, own)

    def _body(self, raw: Mapping[str, Any], seq: int, where: Where) -> Path:
        name: str = raw["body"]
        own = Where(f"{name} (events.jsonl line {where.line})", f"{name}（events.jsonl 第 {where.line} 行）",
                    where.line)
        if name in self.bodies:
            raise where.field("body").error(f"{name} is already the body of event {self.bodies[name]}",
                                            f"{name} 已是事件 {self.bodies[name]} 的报文体")
        self.bodies[name] = seq
        path, data = self._body_bytes(name, own)
        self.body_bytes += len(data)
        if self.body_bytes > LOG_BODIES_MAX_BYTES:
            raise own.error(f"the log's bodies are over the limit of {LOG_BODIES_MAX_BYTES} bytes together",
                            f"日志报文体合计超过上限 {LOG_BODIES_MAX_BYTES} 字节")
        if len(data) != raw["size"]:
            raise own.error(f"is {len(data)} bytes, the event says {raw['size']}",
                            f"大小为 {len(data)} 字节，事件记录为 {raw['size']}")
        actual = hashlib.sha256(data).hexdigest()
        if actual != raw["sha256"]:
            raise own.error(f"SHA-256 is {actual}, the event says {raw['sha256']}",
                            f"SHA-256 为 {actual}，事件记录为 {raw['sha256']}")
        self.hasher.add(name, data)
        if self.body_bytes <= BODY_CACHE_MAX_BYTES:
            self.held[name] = data
        return path


def _integers(raw: Any, members: tuple[str, ...], where: Where, prefix: str = "") -> None:
    """Refuse a number that JSON Schema takes for an integer but is not one (`1.0`; a bool is no
    number there either, yet Python's bool is an int)."""
    if not isinstance(raw, dict):
        return
    for member in members:
        value = raw.get(member)
        if value is not None and type(value) is not int:
            raise where.field(prefix + member).error(f"is {quote(value)}, not an integer",
                                            f"为 {quote(value)}，不是整数")


_SEQ = re.compile(rb'"seq"\s*:\s*(\d{1,6})\s*[,}]')


def _transport(raw: Mapping[str, Any]) -> Transport:
    return Transport(method=raw.get("method"), url=raw.get("url"), status=raw.get("status"),
                     headers=dict(raw.get("headers", {})))
