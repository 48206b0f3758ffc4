"""citizen-id and unified-social-credit-code: DOMAIN.md examples and Hypothesis properties."""

from __future__ import annotations

import string
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from conformance.core.errors import SpecError
from conformance.core.text import Text
from conformance.standard.model import CodeList
from conformance.validation.checks import (
    USCC_CHARSET,
    citizen_id_check_char,
    get_check,
    org_code_check_char,
    uscc_check_char,
)

CITIZEN = get_check("citizen-id")
USCC = get_check("unified-social-credit-code")
TODAY = date(2024, 6, 1)
PARAMS: dict[str, object] = {"today": TODAY}
PROVINCES = [
    *map(str, range(11, 16)), *map(str, range(21, 24)), *map(str, range(31, 38)),
    *map(str, range(41, 47)), *map(str, range(50, 55)), *map(str, range(61, 66)), "71", "81", "82",
]
DIVISIONS = CodeList(
    id="gbt2260", version="2023", date=date(2023, 12, 31), title=Text.same("GB/T 2260"),
    codes=frozenset({"110105", "350100", "440300", "440524"}),
)


class Lists:
    def code_list(self, list_id: str) -> CodeList:
        if list_id != DIVISIONS.id:
            raise SpecError(f"unknown code list {list_id!r}")
        return DIVISIONS


CTX = Lists()


def citizen(value: str, **params: object) -> list[str]:
    return [p.message.en for p in CITIZEN.run(value, {**PARAMS, **params}, CTX)]


def uscc(value: str, **params: object) -> list[str]:
    return [p.message.en for p in USCC.run(value, params, CTX)]


# --- DOMAIN.md worked examples ------------------------------------------------------------------


def test_domain_citizen_examples() -> None:
    assert citizen_id_check_char("11010519491231002") == "X"  # S = 167, 167 % 11 = 2
    assert citizen_id_check_char("44052418800101001") == "4"  # S = 195
    assert citizen("11010519491231002X") == []
    assert citizen("440524188001010014") == []
    assert citizen("11010519491231002X", **{"division-code-list": "gbt2260"}) == []


def test_domain_uscc_examples() -> None:
    assert uscc_check_char("91350100M000100Y4") == "3"  # S = 1640
    assert uscc_check_char("91440300192203821") == "6"  # S = 831
    assert org_code_check_char("M000100Y") == "4"
    assert org_code_check_char("19220382") == "1"
    assert uscc("91350100M000100Y43") == []
    assert uscc("914403001922038216") == []
    assert uscc("91350100M000100Y43", **{"division-code-list": "gbt2260"}) == []


# --- messages say exactly what is wrong ---------------------------------------------------------


def test_citizen_wrong_check_char_message() -> None:
    problems = CITIZEN.run("44052418800101001X", PARAMS, CTX)
    assert [p.message.en for p in problems] == ["check character is 'X' but should be '4'"]
    assert problems[0].message.zh == "校验码为“X”，应为“4”"
    assert problems[0].hint is not None


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("11010519491231002", "must have 18 characters, found 17"),
        ("1101051949123100X2", "character 17 ('X') must be a digit 0-9"),
        ("11010519491231002x", "character 18 ('x') must be a digit 0-9 or an upper-case X"),
        ("110105194912310０2X", "character 16 ('０') must be a digit"),  # full-width digit
        ("110105194902300026", "birth date '19490230' (characters 7-14) is not a real date"),
        ("110105202501010027", "birth date 2025-01-01 is in the future (today is 2024-06-01)"),
        ("910105194912310023", "starts with '91', which is not a GB/T 2260 province prefix"),
    ],
)
def test_citizen_problems(value: str, fragment: str) -> None:
    messages = citizen(value)
    assert any(fragment in m for m in messages), messages


def test_citizen_fifteen_digit_legacy_gets_a_hint() -> None:
    (problem,) = CITIZEN.run("110105491231002", PARAMS, CTX)
    assert problem.hint is not None and "15-digit" in problem.hint.en


def test_citizen_leap_days() -> None:
    body = "11010520000229002"  # 2000 is a leap year
    assert citizen(body + citizen_id_check_char(body)) == []
    body = "11010519000229002"  # 1900 is not
    assert any("not a real date" in m for m in citizen(body + citizen_id_check_char(body)))


def test_citizen_today_default_is_the_real_today() -> None:
    body = "11010520990101002"
    messages = [p.message.en for p in CITIZEN.run(body + citizen_id_check_char(body), {}, CTX)]
    assert any("in the future" in m for m in messages)
    assert [p.message.en for p in CITIZEN.run(body + citizen_id_check_char(body),
                                               {"today": "2100-01-01"}, CTX)] == []


def test_citizen_division_list_membership() -> None:
    body = "11010619491231002"  # 110106 is not in the test list
    messages = citizen(body + citizen_id_check_char(body), **{"division-code-list": "gbt2260"})
    assert messages == ["address code '110106' is not in code list gbt2260 2023 (2023-12-31)"]


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("91350100M000100Y4", "must have 18 characters, found 17"),
        ("91350100M000100I43", "character 16 ('I') is not allowed"),
        ("91350100m000100Y43", "character 9 ('m') is not allowed"),
        ("91350100M000100Y44", "check character is '4' but should be '3'"),
        ("9135A100M000100Y43", "characters 3-8 ('35A100') must be a six-digit division code"),
        ("91990100M000100Y4U", "'99', which is not a GB/T 2260 province prefix"),
    ],
)
def test_uscc_problems(value: str, fragment: str) -> None:
    messages = uscc(value)
    assert any(fragment in m for m in messages), messages


def test_uscc_lower_case_gets_a_hint() -> None:
    (problem,) = USCC.run("91350100m000100Y43", {}, CTX)
    assert problem.hint is not None and "upper case" in problem.hint.en


def test_uscc_embedded_org_code_check_is_verified() -> None:
    # Org code check char changed to '5' and the USCC check char recomputed: only GB 11714 fails.
    body = "91350100M000100Y5"
    value = body + uscc_check_char(body)
    assert uscc(value) == [
        "embedded organisation code 'M000100Y5' (characters 9-17): check character is '5' but "
        "should be '4'"
    ]
    body = "91350100M000100YA"
    messages = uscc(body + uscc_check_char(body))
    assert any("must be a digit or X" in m for m in messages)


def test_uscc_division_list_membership() -> None:
    body = "91350200M000100Y4"
    messages = uscc(body + uscc_check_char(body), **{"division-code-list": "gbt2260"})
    assert messages == [
        "division code (characters 3-8) '350200' is not in code list gbt2260 2023 (2023-12-31)"
    ]


# --- Hypothesis: generated valid identifiers pass; every single-character change fails ---------


@st.composite
def citizen_ids(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(PROVINCES))
    rest = draw(st.text(string.digits, min_size=4, max_size=4))
    born = draw(st.dates(min_value=date(1880, 1, 1), max_value=TODAY))
    sequence = draw(st.text(string.digits, min_size=3, max_size=3))
    body = f"{prefix}{rest}{born:%Y%m%d}{sequence}"
    return body + citizen_id_check_char(body)


USCC_CHARS = st.sampled_from(USCC_CHARSET)


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    head = draw(USCC_CHARS) + draw(USCC_CHARS)
    division = draw(st.sampled_from(PROVINCES)) + draw(
        st.text(string.digits, min_size=4, max_size=4)
    )
    org_body = "".join(draw(st.lists(USCC_CHARS, min_size=8, max_size=8)))
    body = head + division + org_body + org_code_check_char(org_body)
    return body + uscc_check_char(body)


# Any character at all: other scripts' digits, lower case, full-width forms, controls.
REPLACEMENTS = st.characters(codec="utf-8")


@given(citizen_ids())
def test_generated_citizen_ids_pass(value: str) -> None:
    assert citizen(value) == []


@given(citizen_ids(), st.integers(0, 17), REPLACEMENTS)
def test_every_single_change_of_a_citizen_id_fails(value: str, position: int, char: str) -> None:
    assume(value[position] != char)
    changed = value[:position] + char + value[position + 1:]
    assert citizen(changed), changed


@given(credit_codes())
def test_generated_credit_codes_pass(value: str) -> None:
    assert uscc(value) == []


@given(credit_codes(), st.integers(0, 17), REPLACEMENTS)
def test_every_single_change_of_a_credit_code_fails(value: str, position: int, char: str) -> None:
    assume(value[position] != char)
    changed = value[:position] + char + value[position + 1:]
    assert uscc(changed), changed


@given(credit_codes(), st.integers(0, 16), USCC_CHARS)
def test_every_in_charset_change_of_a_credit_code_breaks_the_mod31_check(
    value: str, position: int, char: str
) -> None:
    # The stronger claim behind the previous test: MOD 31 alone catches every substitution.
    assume(value[position] != char)
    changed = value[:position] + char + value[position + 1:17]
    assert uscc_check_char(changed) != value[17]


@given(citizen_ids(), st.integers(0, 16), st.sampled_from(string.digits))
def test_every_digit_change_breaks_the_mod11_check(value: str, position: int, char: str) -> None:
    assume(value[position] != char)
    changed = value[:position] + char + value[position + 1:17]
    assert citizen_id_check_char(changed) != value[17]


@pytest.mark.parametrize("value", ["11010519491231002X", "440524188001010014"])
def test_domain_citizen_examples_exhaustively(value: str) -> None:
    for position in range(18):
        for char in string.printable + "０１２３４５６７８９٣x":
            if char != value[position]:
                changed = value[:position] + char + value[position + 1:]
                assert citizen(changed), changed


@pytest.mark.parametrize("value", ["91350100M000100Y43", "914403001922038216"])
def test_domain_uscc_examples_exhaustively(value: str) -> None:
    for position in range(18):
        for char in string.printable + "ＡＢ０":
            if char != value[position]:
                changed = value[:position] + char + value[position + 1:]
                assert uscc(changed), changed


@given(citizen_ids(), st.integers(0, 17))
def test_deleting_a_character_fails(value: str, position: int) -> None:
    assert citizen(value[:position] + value[position + 1:])
