"""Times as certificates write them: RFC 3339 in UTC, whole seconds, `Z`."""

from __future__ import annotations

from datetime import UTC, datetime

from conformance.core.errors import UsageError


def format_time(moment: datetime) -> str:
    """`moment` (timezone-aware) as `YYYY-MM-DDTHH:MM:SSZ`."""
    if moment.tzinfo is None:
        raise UsageError("times must carry a timezone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """A timezone-aware time from RFC 3339 text, or a date (then midnight UTC).

    A time without an offset is taken as UTC: certificates only ever hold UTC."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise UsageError(f"{text!r} is not a date (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM:SSZ)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
