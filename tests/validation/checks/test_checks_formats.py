"""timestamp, uuid, division-code and code-list."""

from __future__ import annotations

import re
import uuid as uuidlib
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from conformance.core.errors import SpecError
from conformance.core.text import Text
from conformance.standard.model import CodeList
from conformance.validation.checks import get_check

TIMESTAMP = get_check("timestamp")
UUID = get_check("uuid")
DIVISIONS = CodeList(
    id="gbt2260", version="2023", date=date(2023, 12, 31), title=Text.same("GB/T 2260"),
    codes=frozenset({"110105", "350100", "440300", "440524", "990001"}),
)
SHARING = CodeList(
    id="sharing-type", version="1", date=date(2024, 1, 1), title=Text.same("sharing"),
    codes=frozenset({"unconditional", "conditional", "not-shared"}),
)


class Lists:
    def code_list(self, list_id: str) -> CodeList:
        lists = {DIVISIONS.id: DIVISIONS, SHARING.id: SHARING}
        if list_id not in lists:
            raise SpecError(f"unknown code list {list_id!r}")
        return lists[list_id]


CTX = Lists()


def stamp(value: str) -> list[str]:
    return [p.message.en for p in TIMESTAMP.run(value, {}, CTX)]


# --- timestamp -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2024-03-01T09:30:00+08:00",
        "2024-03-01T09:30:00Z",
        "2024-03-01T09:30:00.5Z",
        "2024-03-01T09:30:00.123456789-05:30",
        "2024-02-29T23:59:59+14:00",
        "2000-02-29T00:00:00-14:00",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "2024-03-01T09:30:00-00:00",
    ],
)
def test_timestamps_accepted(value: str) -> None:
    assert stamp(value) == []


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("2024-03-01T09:30:00", "has no zone designator"),
        ("2024-03-01T09:30:00.25", "has no zone designator"),
        ("2024-02-30T09:30:00Z", "date '2024-02-30' does not exist"),
        ("1900-02-29T09:30:00Z", "date '1900-02-29' does not exist"),
        ("0000-01-01T00:00:00Z", "does not exist"),
        ("2024-13-01T09:30:00Z", "does not exist"),
        ("2024-03-01T24:00:00Z", "hour '24' is outside 00-23"),
        ("2024-03-01T09:60:00Z", "minute '60' is outside 00-59"),
        ("2024-03-01T09:30:60Z", "leap seconds are not accepted"),
        ("2024-03-01T09:30:00+14:01", "beyond ±14:00"),
        ("2024-03-01T09:30:00-15:00", "beyond ±14:00"),
        ("2024-03-01T09:30:00+08:60", "minutes outside 00-59"),
        ("2024-03-01T09:30:00+0800", "must be written ±hh:mm"),
        ("2024-03-01T09:30:00+08", "lacks minutes"),
        ("2024-03-01T09:30:00z", "upper-case 'Z'"),
        ("2024-03-01t09:30:00Z", "upper-case 'T'"),
        ("2024-03-01 09:30:00Z", "upper-case 'T'"),
        ("2024-03-01T09:30:00,5Z", "must follow a '.'"),
        ("2024-03-01", "is a date, not a date-time"),
        ("2024-03-01T09:30Z", "must include seconds"),
        ("2024-03-01T09:30:00 UTC", "zone designator ' UTC'"),
        ("2024-03-01T09:30:00.Z", "zone designator '.Z'"),
        ("2024-3-1T09:30:00Z", "is not a date-time of the form"),
        ("٢٠٢٤-03-01T09:30:00Z", "is not a date-time of the form"),  # Arabic-Indic digits
        ("", "is not a date-time of the form"),
        ("2024-03-01T09:30:00Z\n", "zone designator"),
    ],
)
def test_timestamps_refused(value: str, fragment: str) -> None:
    messages = stamp(value)
    assert any(fragment in m for m in messages), messages


def test_timestamp_messages_are_bilingual() -> None:
    (problem,) = TIMESTAMP.run("2024-03-01T09:30:00", {}, CTX)
    assert "时区" in problem.message.zh
    assert problem.hint is not None and "+08:00" in problem.hint.en


OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@given(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=OFFSETS),
    st.integers(0, 9),
)
def test_generated_timestamps_pass(moment: datetime, digits: int) -> None:
    text = moment.replace(microsecond=0).isoformat()
    if digits:
        text = text[:19] + "." + str(moment.microsecond).zfill(6)[:digits] + text[19:]
    text = text.replace("+00:00", "Z") if moment.microsecond % 2 else text
    assert stamp(text) == [], text


@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)))
def test_timestamps_without_zone_always_fail(moment: datetime) -> None:
    assert any("zone designator" in m for m in stamp(moment.replace(microsecond=0).isoformat()))


@given(
    st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32), st.integers(0, 25),
    st.integers(0, 61), st.integers(0, 61), st.sampled_from(["", ".1", ".123456"]),
    st.one_of(
        st.just("Z"), st.tuples(st.sampled_from("+-"), st.integers(0, 15), st.integers(0, 61))
    ),
)
def test_timestamp_agrees_with_an_independent_oracle(
    y: int, mo: int, d: int, h: int, mi: int, s: int, fraction: str, zone: object
) -> None:
    zone_ok = True
    if isinstance(zone, tuple):
        sign, zh, zm = zone
        zone_text = f"{sign}{zh:02d}:{zm:02d}"
        zone_ok = zm <= 59  # datetime.fromisoformat lets "+00:60" through
    else:
        zone_text = "Z"
    text = f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}{fraction}{zone_text}"
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        offset = parsed.utcoffset()
        expected = zone_ok and offset is not None and abs(offset) <= timedelta(hours=14)
    except ValueError:
        expected = False
    assert (stamp(text) == []) is expected, text


# --- uuid ----------------------------------------------------------------------------------------


def ids(value: str, **params: object) -> list[str]:
    return [p.message.en for p in UUID.run(value, params, CTX)]


@given(st.uuids())
def test_generated_uuids_pass_in_both_cases(value: uuidlib.UUID) -> None:
    assert ids(str(value)) == []
    assert ids(str(value).upper()) == []


@given(st.integers(1, 8), st.integers(0, 2**128 - 1))
def test_versioned_uuids(version: int, bits: int) -> None:
    # uuid.UUID(version=...) knows versions 1-5 only in Python 3.11: set the bits by hand.
    bits = (bits & ~(0xF << 76) & ~(0x3 << 62)) | (version << 76) | (0x2 << 62)
    value = str(uuidlib.UUID(int=bits))
    assert ids(value, version=version) == []
    other = version % 8 + 1
    assert ids(value, version=other) == [
        f"UUID version is '{version}' but should be '{other}' (character 15)"
    ]


@given(st.uuids(), st.integers(0, 35), st.characters(codec="utf-8"))
def test_uuid_with_a_non_hex_character_fails(value: uuidlib.UUID, position: int, char: str) -> None:
    assume(not re.fullmatch("[0-9a-fA-F]", char) and char != "-")
    text = str(value)
    assert ids(text[:position] + char + text[position + 1:])


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("{f81d4fae-7dec-11d0-a765-00a0c91e6bf6}", "braces"),
        ("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6", "'urn:uuid:' prefix"),
        ("f81d4fae7dec11d0a76500a0c91e6bf6", "lacks its hyphens"),
        ("f81d4fae-7dec-11d0-a765-00a0c91e6bf", "not a UUID in RFC 9562 textual form"),
        ("f81d4fae-7dec-11d0-a765-00a0c91e6bf6 ", "not a UUID in RFC 9562 textual form"),
        ("g81d4fae-7dec-11d0-a765-00a0c91e6bf6", "not a UUID in RFC 9562 textual form"),
    ],
)
def test_uuid_form_problems(value: str, fragment: str) -> None:
    messages = ids(value)
    assert any(fragment in m for m in messages), messages


def test_uuid_variant_must_be_rfc_when_a_version_is_asked() -> None:
    assert ids("f81d4fae-7dec-41d0-c765-00a0c91e6bf6") == []  # no version asked: format only
    assert ids("f81d4fae-7dec-41d0-c765-00a0c91e6bf6", version=4) == [
        "UUID variant character 'c' is not the RFC 9562 variant (character 20 must be 8, 9, a or b)"
    ]
    assert ids("00000000-0000-0000-0000-000000000000", version=4)  # the nil UUID has version 0


# --- division-code and code-list ----------------------------------------------------------------


def division(value: str) -> list[tuple[str, str | None]]:
    problems = get_check("division-code").run(value, {"code-list": "gbt2260"}, CTX)
    return [(p.message.en, p.hint.en if p.hint else None) for p in problems]


def test_division_codes() -> None:
    assert division("110105") == []
    assert division("990001") == []  # the code list is the authority, even for odd prefixes
    assert division("110106") == [
        ("division code '110106' is not in code list gbt2260 2023 (2023-12-31)", None)
    ]
    ((message, hint),) = division("910105")
    assert "not in code list" in message and hint is not None and "'91'" in hint
    assert "must be 6 digits" in division("11010")[0][0]
    assert "must be 6 digits" in division("11010a")[0][0]
    assert "must be 6 digits" in division("11010５")[0][0]  # full-width digit


def test_code_list_membership_and_hints() -> None:
    check = get_check("code-list")
    params = {"code-list": "sharing-type"}
    assert check.run("conditional", params, CTX) == ()
    (problem,) = check.run("Conditional", params, CTX)
    assert problem.message.en == (
        "value 'Conditional' is not in code list sharing-type 1 (2024-01-01)"
    )
    assert problem.hint is not None and "'conditional'" in problem.hint.en
    (problem,) = check.run(" conditional", params, CTX)
    assert problem.hint is not None and "white space" in problem.hint.en
    (problem,) = check.run("shared", params, CTX)
    assert problem.hint is None and "不在代码表" in problem.message.zh


def test_unknown_code_list_at_run_time_is_a_spec_error() -> None:
    with pytest.raises(SpecError):
        get_check("code-list").run("x", {"code-list": "nope"}, CTX)
