"""A suite run against a live system: the partner plays the other role first, and the exchange
logs it records become the run's payloads (`--conformance-endpoint`, `conform run --endpoint`).

The logs are graded by the same engine pass as recorded ones, so a live run and a run over its
own logs give the same record, and a certificate's evidence names each log's content hash.

This module is also where an endpoint URL and a listen address are checked, for `conform partner`,
`conform run` and the plugin alike; it imports nothing heavy (httpx only once a URL is checked), so
the CLI can use it at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from conformance.core.errors import ConformanceError, UsageError

if TYPE_CHECKING:
    from conformance.standard.model import Standard

LIVE_DIR = "live"  # under the report folder: OUT/live/exchanges/<scenario>/
URL_MAX_CHARS = 2000
# conformance.partner.SCENARIOS, without importing the partner (a test keeps the two equal).
SCENARIO_NAMES = ("happy-path", "retry", "duplicate", "out-of-order", "late", "invalid")
DEFAULT_LISTEN = ("127.0.0.1", 0)
DEFAULT_LIVE_TIMEOUT = 30.0


def http_url_problem(value: str) -> str | None:
    """Why `value` is not an http:// or https:// URL with a host that a request can go to (None
    when it is one)."""
    shown = repr(value[:80]) + ("..." if len(value) > 80 else "")
    if len(value) > URL_MAX_CHARS or any(ch.isspace() or not ch.isprintable() for ch in value):
        return f"{shown} is not a URL (too long, or it holds spaces or control characters)"
    try:
        parts = urlsplit(value)
        host, _ = parts.hostname, parts.port  # .port raises on a port that is not 0-65535
    except ValueError as exc:
        return f"{shown} is not a URL: {exc}"
    if parts.scheme not in ("http", "https") or not host:
        return f"{shown} is not an http:// or https:// URL with a host"
    import httpx

    try:
        url = httpx.URL(value)
        _ = url.host, url.raw_host  # decoded as a request decodes it (IDNA 2008): 'xn--' is no name
    except (httpx.InvalidURL, ValueError) as exc:  # idna.IDNAError is a UnicodeError, a ValueError
        return f"{shown} is not a URL a request can go to: {str(exc)[:120]}"
    return None


def listen_address(value: str) -> tuple[str, int]:
    """`HOST:PORT` (`[::1]:0` for IPv6; port 0: any free port); ValueError saying why not."""
    host, sep, port = value.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdecimal() or not port.isascii() or len(port) > 5 \
            or int(port) > 65535 or len(host) > 253 or any(ch.isspace() for ch in host):
        raise ValueError(f"{value[:80]!r} is not HOST:PORT (PORT 0: any free port)")
    return host, int(port)


@dataclass(frozen=True, slots=True)
class LiveOptions:
    """What the partner needs to play against the system under test."""

    endpoint: str
    play: str | None = None  # the tool's role; default: the role the target class is not named after
    conversation: str | None = None
    trigger: str | None = None
    time_scale: float = 1.0
    timeout: float = DEFAULT_LIVE_TIMEOUT  # the longest any one wait of the partner lasts
    scenarios: Sequence[str] = ()
    listen: tuple[str, int] = DEFAULT_LISTEN  # where the tool's own inbox listens
    # How the options are spelled for the user: `conform run` says --play, pytest --conformance-play.
    prefix: str = "--conformance-"
    names: dict[str, str] = field(default_factory=dict)

    def option(self, name: str) -> str:
        """The command line option `name` (play, conversation, ...) as the user's command spells it."""
        return self.names.get(name, f"{self.prefix}{name}")

    def check(self) -> None:
        """UsageError naming the option when an endpoint, trigger or scenario is not one."""
        for name, value in (("endpoint", self.endpoint), ("trigger", self.trigger)):
            problem = http_url_problem(value) if value is not None else None
            if problem is not None:
                raise UsageError(f"{self.option(name)}: {problem}")
        unknown = [s for s in self.scenarios if s not in SCENARIO_NAMES]
        if unknown:
            raise UsageError(f"{self.option('scenario')}: unknown scenario {unknown[0]!r}; scenarios: "
                             f"{', '.join(SCENARIO_NAMES)}")
        # Only shorter: a log's deadlines may be scaled down for a test environment, never stretched.
        if not 0 < self.time_scale <= 1:
            raise UsageError(f"{self.option('time-scale')}: {self.time_scale:g} is not in (0, 1]: "
                             "deadlines may be shortened for tests, never lengthened")
        if not 0 < self.timeout <= 86400:
            raise UsageError(f"{self.option('timeout')}: {self.timeout:g} is not in (0, 86400] seconds")


def _role_played(standard: Standard, options: LiveOptions, class_id: str | None) -> str:
    known = ", ".join(standard.conversations) or "none"
    if options.conversation is not None and options.conversation not in standard.conversations:
        raise UsageError(f"{options.option('conversation')} {options.conversation!r}: {standard.ref} "
                         f"declares no such conversation (conversations: {known})")
    conversations = list(standard.conversations.values())
    if options.conversation is not None:
        conversations = [c for c in conversations if c.id == options.conversation]
    if len(conversations) != 1:
        raise UsageError(f"name the conversation to play ({options.option('conversation')} ID; "
                         f"conversations: {known})")
    roles = list(conversations[0].roles)
    if options.play is not None:
        if options.play not in roles:
            raise UsageError(f"{options.option('play')} {options.play!r}: conversation "
                             f"{conversations[0].id} has the roles {', '.join(roles)}")
        return options.play
    if class_id in roles and len(roles) == 2:
        return next(r for r in roles if r != class_id)
    raise UsageError(f"name the role the tool plays ({options.option('play')} {'|'.join(roles)}): the "
                     f"target class {class_id!r} is not one of the two roles")


def record_live(standard: Standard, options: LiveOptions, class_id: str | None, out: Path,
                announce: Callable[[str], None] = lambda text: None) -> list[Path]:
    """Play every scenario against the live system; the folders of the logs recorded, in order."""
    from conformance.partner import PartnerSession, Settings

    options.check()
    play = _role_played(standard, options, class_id)
    settings = Settings(endpoint=options.endpoint, trigger=options.trigger, time_scale=options.time_scale,
                        timeout=options.timeout)
    folder = out / LIVE_DIR
    with PartnerSession(standard, conversation=options.conversation, play=play, settings=settings,
                        listen=options.listen, class_id=class_id, announce=announce) as partner:
        announce(f"playing {partner.roles.ours} at {partner.inbox.url} against {partner.roles.sut} at "
                 f"{options.endpoint}")
        # Only played: the run grades the logs as its payloads.
        reports = partner.run(list(options.scenarios) or list(SCENARIO_NAMES), folder, grade=False)
    for report in reports:
        if report.error:
            announce(f"scenario {report.scenario} stopped: {report.error}")
    logs = [r.log for r in reports if r.log is not None]
    if not logs:
        skipped = "; ".join(f"{r.scenario}: {r.skipped}" for r in reports if r.skipped)
        raise ConformanceError(f"no scenario could be played against {options.endpoint}"
                               + (f" ({skipped})" if skipped else ""))
    return logs
