"""ISO 8601 durations of fixed length: the deadlines of conversations (`PT5M`, `P1D`, `P2W`).

Only the forms whose length never depends on a calendar are read: `PnW`, and `PnDTnHnMnS` with
each part optional (at least one) and a fraction of up to 9 digits on the seconds. Years and months
are refused, since "P1M" is 28 to 31 days; so are negative durations. A day is 24 hours (ebBP
and XSD read them so; a log's times carry their offsets, so no daylight-saving hour is lost).
Fractions below a microsecond (the resolution of `timedelta`) are rounded to the nearest one.
"""

from __future__ import annotations

import re
from datetime import timedelta

# Longer than any sensible deadline, short enough that the expression below stays cheap.
DURATION_MAX_CHARS = 64
_DIGITS = 12  # per part: 10^12 seconds is 31,000 years, beyond which timedelta overflows anyway

# ASCII digits only: `\d` alone also takes "٥", which int() reads as 5.
_WEEKS = re.compile(rf"P(?P<weeks>\d{{1,{_DIGITS}}})W", re.ASCII)
_DAY_TIME = re.compile(
    rf"P(?:(?P<days>\d{{1,{_DIGITS}}})D)?"
    rf"(?:T(?:(?P<hours>\d{{1,{_DIGITS}}})H)?(?:(?P<minutes>\d{{1,{_DIGITS}}})M)?"
    rf"(?:(?P<seconds>\d{{1,{_DIGITS}}})(?:[.,](?P<fraction>\d{{1,9}}))?S)?)?",
    re.ASCII,
)
_MAX_MICROSECONDS = (timedelta.max.days * 86_400 + 86_399) * 1_000_000 + 999_999


class DurationError(ValueError):
    """A text that is not an ISO 8601 duration of the accepted forms; the message says why."""


def _why_not(text: str) -> str:
    """What is wrong with a text the expressions refused, for the message."""
    if text.startswith("-"):
        return "a duration cannot be negative"
    if re.match(r"P[^T]*[YM]", text):  # Y or M before the T: years or months
        return "years and months have no fixed length; write days (P30D) or weeks (P4W)"
    if "W" in text:
        return "weeks cannot be combined with other parts (write P10D, not P1W3D)"
    if text.endswith("T"):
        return "a 'T' must be followed by hours, minutes or seconds"
    if re.search(r"[.,]\d{10}", text):
        return "seconds take a fraction of at most 9 digits"
    return "expected PnW or PnDTnHnMnS (for example PT5M, P1D, P1DT12H, PT0.5S)"


def parse_duration(text: str) -> timedelta:
    """The `timedelta` of an ISO 8601 duration `PnW` or `PnDTnHnMnS`; DurationError otherwise."""
    if not isinstance(text, str):
        raise DurationError(f"a duration is a string, not {type(text).__name__}")
    if len(text) > DURATION_MAX_CHARS:
        raise DurationError(f"a duration is at most {DURATION_MAX_CHARS} characters long")
    weeks = _WEEKS.fullmatch(text)
    if weeks:
        micros = int(weeks["weeks"]) * 7 * 86_400 * 1_000_000
    else:
        found = _DAY_TIME.fullmatch(text)
        # "P", "PT" and "P1DT" match with a part missing: a T needs a time part, P any part.
        time_parts = found is not None and any(found[g] for g in ("hours", "minutes", "seconds"))
        if found is None or not (found["days"] or time_parts) or ("T" in text and not time_parts):
            raise DurationError(f"{text!r} is not a duration: {_why_not(text)}")
        seconds = (int(found["days"] or 0) * 86_400 + int(found["hours"] or 0) * 3_600
                   + int(found["minutes"] or 0) * 60 + int(found["seconds"] or 0))
        nanos = int((found["fraction"] or "").ljust(9, "0"))
        micros = seconds * 1_000_000 + (nanos + 500) // 1000
    if micros > _MAX_MICROSECONDS:
        raise DurationError(f"{text!r} is longer than the longest duration held ({timedelta.max.days} days)")
    return timedelta(microseconds=micros)


def format_duration(value: timedelta) -> str:
    """The ISO 8601 text of a non-negative `timedelta` (`PnDTnHnMnS`, zero parts left out; `PT0S`)."""
    if value < timedelta(0):
        raise DurationError("a duration cannot be negative")
    hours, rest = divmod(value.seconds, 3_600)
    minutes, seconds = divmod(rest, 60)
    text = f"P{value.days}D" if value.days else "P"
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if seconds or value.microseconds:
        fraction = f".{value.microseconds:06d}".rstrip("0") if value.microseconds else ""
        time += f"{seconds}{fraction}S"
    if time:
        text += "T" + time
    return text if text != "P" else "PT0S"
