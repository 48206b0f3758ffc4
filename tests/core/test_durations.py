"""ISO 8601 durations of fixed length: what parses, what is refused and why, and the round trip."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.core.durations import DURATION_MAX_CHARS, DurationError, format_duration, parse_duration
from tests.fuzzing import examples


@pytest.mark.parametrize(("text", "expected"), [
    ("PT5M", timedelta(minutes=5)),
    ("P1D", timedelta(days=1)),
    ("P2W", timedelta(weeks=2)),
    ("P1DT12H", timedelta(days=1, hours=12)),
    ("P1DT1S", timedelta(days=1, seconds=1)),
    ("PT1H30M", timedelta(hours=1, minutes=30)),
    ("PT90M", timedelta(minutes=90)),
    ("PT0.5S", timedelta(milliseconds=500)),
    ("PT0,25S", timedelta(milliseconds=250)),
    ("PT1.000001S", timedelta(seconds=1, microseconds=1)),
    ("PT0.0000015S", timedelta(microseconds=2)),  # below a microsecond: rounded to the nearest
    ("PT0.123456789S", timedelta(microseconds=123457)),
    ("PT0S", timedelta(0)),
    ("P0D", timedelta(0)),
    ("P999999999D", timedelta(days=999_999_999)),
])
def test_accepted_forms(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(("text", "reason"), [
    ("P1Y", "years and months have no fixed length"),
    ("P1M", "years and months have no fixed length"),
    ("P1Y2M3D", "years and months have no fixed length"),
    ("-PT5M", "cannot be negative"),
    ("P1W3D", "weeks cannot be combined"),
    ("P1WT1H", "weeks cannot be combined"),
    ("PT", "a 'T' must be followed by"),
    ("P1DT", "a 'T' must be followed by"),
    ("PT1.1234567891S", "at most 9 digits"),
    ("P", "expected PnW or PnDTnHnMnS"),
    ("", "expected PnW or PnDTnHnMnS"),
    ("pt5m", "expected PnW or PnDTnHnMnS"),
    ("PT5M ", "expected PnW or PnDTnHnMnS"),
    ("PT5M\n", "expected PnW or PnDTnHnMnS"),
    ("P1.5D", "expected PnW or PnDTnHnMnS"),
    ("PT1.5M", "expected PnW or PnDTnHnMnS"),
    ("PT5M1H", "expected PnW or PnDTnHnMnS"),
    ("P\u0665D", "expected PnW or PnDTnHnMnS"),  # an Arabic-Indic five is not an ASCII digit
    ("5 minutes", "expected PnW or PnDTnHnMnS"),
    ("P1000000000D", "longer than the longest duration"),
    ("P999999999999W", "longer than the longest duration"),
    ("PT" + "9" * 13 + "S", "expected PnW or PnDTnHnMnS"),
    ("P" + "1" * DURATION_MAX_CHARS + "D", f"at most {DURATION_MAX_CHARS} characters"),
])
def test_refused_forms_say_why(text: str, reason: str) -> None:
    with pytest.raises(DurationError, match=reason):
        parse_duration(text)


def test_a_duration_error_is_a_value_error_and_quotes_the_text_escaped() -> None:
    with pytest.raises(ValueError, match=r"'PT5M\\x00' is not a duration"):
        parse_duration("PT5M\x00")
    with pytest.raises(DurationError, match="a duration is a string, not int"):
        parse_duration(5)  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "text"), [
    (timedelta(0), "PT0S"),
    (timedelta(minutes=5), "PT5M"),
    (timedelta(days=1), "P1D"),
    (timedelta(weeks=2), "P14D"),
    (timedelta(days=1, hours=12), "P1DT12H"),
    (timedelta(seconds=90), "PT1M30S"),
    (timedelta(milliseconds=500), "PT0.5S"),
    (timedelta(hours=2, microseconds=10), "PT2H0.00001S"),
])
def test_format(value: timedelta, text: str) -> None:
    assert format_duration(value) == text


def test_a_negative_duration_is_not_formatted() -> None:
    with pytest.raises(DurationError, match="negative"):
        format_duration(timedelta(seconds=-1))


@settings(max_examples=examples(300))
@given(st.timedeltas(min_value=timedelta(0)))
def test_format_then_parse_is_the_identity(value: timedelta) -> None:
    assert parse_duration(format_duration(value)) == value


@settings(max_examples=examples(300))
@given(st.text(alphabet="PWDTHMS0123456789.,-Y ", max_size=DURATION_MAX_CHARS + 4))
def test_any_text_parses_to_a_value_that_formats_back_or_is_refused(text: str) -> None:
    try:
        value = parse_duration(text)
    except DurationError:
        return
    assert value >= timedelta(0)
    assert parse_duration(format_duration(value)) == value
