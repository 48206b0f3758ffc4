"""Identifiers with check characters: citizen identity numbers and unified social credit codes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from operator import mul

from conformance.core.text import Text
from conformance.validation.checks._codes import (
    DIVISION_LIST_PARAM,
    is_ascii_digits,
    membership_problem,
    province_problem,
)
from conformance.validation.checks.check import (
    CheckProblem,
    Param,
    builtin_check,
    parse_date_param,
    shown,
    shown_zh,
)
from conformance.validation.checks.context import CheckContext

# --- GB 11643-1999 citizen identity number: ISO 7064 MOD 11-2 -----------------------------------

CITIZEN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CITIZEN_ID_CHECK = "10X98765432"
# Digits are summed from their ASCII bytes; subtracting this once is cheaper than 17 int() calls.
_CID_ASCII_OFFSET = ord("0") * sum(CITIZEN_ID_WEIGHTS)
_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_TRANSCRIPTION_HINT = Text(
    zh="多为抄录错误：请按原始证件核对每一位",
    en="usually a transcription error: compare every character with the source document",
)


def citizen_id_check_char(body: str) -> str:
    """The MOD 11-2 check character of the first 17 digits `body` (ASCII digits)."""
    total = sum(map(mul, body.encode("ascii"), CITIZEN_ID_WEIGHTS)) - _CID_ASCII_OFFSET
    return CITIZEN_ID_CHECK[total % 11]


def is_real_date(year: int, month: int, day: int) -> bool:
    """True when year-month-day is a date of the proleptic Gregorian calendar (year 1-9999)."""
    if year < 1 or not 1 <= month <= 12 or day < 1:
        return False
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return day <= 29
    return day <= _DAYS_IN_MONTH[month]


def _check_char_problem(found: str, expected: str, zh: str, en: str) -> CheckProblem:
    return CheckProblem(
        Text(zh=f"{zh}校验码为“{found}”，应为“{expected}”",
             en=f"{en}check character is '{found}' but should be '{expected}'"),
        _TRANSCRIPTION_HINT,
    )


def _bad_char(value: str, allowed: frozenset[str]) -> tuple[int, str] | None:
    for index, char in enumerate(value, start=1):
        if char not in allowed:
            return index, char
    return None


_DIGIT_SET = frozenset("0123456789")
_CID_LAST = frozenset("0123456789X")


@builtin_check(
    "citizen-id",
    title=Text(zh="公民身份号码（GB 11643-1999）", en="Citizen identity number (GB 11643-1999)"),
    params=(
        Param("today", "date that counts as today for the future-birth test (default: today)",
              kind="date"),
        DIVISION_LIST_PARAM,
    ),
)
def citizen_id(
    value: str, params: Mapping[str, object], context: CheckContext
) -> tuple[CheckProblem, ...]:
    """An 18-character GB 11643-1999 citizen identity number.

    Checks the form `^[0-9]{17}[0-9X]$`, the ISO 7064 MOD 11-2 check character, that positions
    7-14 are a real birth date not after today, and that positions 1-2 are a GB/T 2260 province
    prefix. With `division-code-list`, positions 1-6 must be in that code list. 15-digit legacy
    numbers (no check character) are refused.
    """
    if len(value) != 18:
        legacy = len(value) == 15 and is_ascii_digits(value)
        return (CheckProblem(
            Text(zh=f"公民身份号码{shown_zh(value)}应为 18 位，实际为 {len(value)} 位",
                 en=f"citizen identity number {shown(value)} must have 18 characters, found {len(value)}"),
            Text(zh="15 位旧号码没有校验码，须换用 18 位号码",
                 en="15-digit legacy numbers carry no check character: use the 18-character "
                 "number")
            if legacy else None,
        ),)
    body = value[:17]
    if not is_ascii_digits(body):
        index, char = _bad_char(body, _DIGIT_SET) or (0, "")
        return (CheckProblem(
            Text(zh=f"第 {index} 位“{char}”应为数字 0-9",
                 en=f"character {index} ('{char}') must be a digit 0-9")),)
    last = value[17]
    if last not in _CID_LAST:
        return (CheckProblem(
            Text(zh=f"第 18 位“{last}”应为数字 0-9 或大写 X",
                 en=f"character 18 ('{last}') must be a digit 0-9 or an upper-case X"),
            Text(zh="使用大写 X", en="write the check character X in upper case")
            if last == "x" else None,
        ),)
    problems: list[CheckProblem] = []
    expected = citizen_id_check_char(body)
    if last != expected:
        problems.append(_check_char_problem(last, expected, "", ""))
    year, month, day = int(value[6:10]), int(value[10:12]), int(value[12:14])
    if not is_real_date(year, month, day):
        problems.append(CheckProblem(
            Text(zh=f"第 7-14 位出生日期“{value[6:14]}”不是真实日期",
                 en=f"birth date '{value[6:14]}' (characters 7-14) is not a real date")))
    else:
        today = parse_date_param(params.get("today")) or date.today()
        if (year, month, day) > (today.year, today.month, today.day):
            born = f"{value[6:10]}-{value[10:12]}-{value[12:14]}"
            problems.append(CheckProblem(
                Text(zh=f"出生日期 {born} 晚于今天（{today.isoformat()}）",
                     en=f"birth date {born} is in the future (today is {today.isoformat()})")))
    province = province_problem(value[:6], "地址码", "address code")
    if province is not None:
        problems.append(province)
        return tuple(problems)
    list_id = params.get("division-code-list")
    if list_id is not None:
        member = membership_problem(
            value[:6], context.code_list(str(list_id)), "地址码", "address code"
        )
        if member is not None:
            problems.append(member)
    return tuple(problems)


# --- GB 32100-2015 unified social credit code: MOD 31 over its own charset ------------------------

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _value_table(charset: str) -> tuple[int, ...]:
    """ASCII byte -> index in `charset`, -1 outside: a tuple index per character, no hashing."""
    table = [-1] * 128
    for index, char in enumerate(charset):
        table[ord(char)] = index
    return tuple(table)


_USCC_VALUE = _value_table(USCC_CHARSET)
_USCC_SET = frozenset(USCC_CHARSET)

# GB 11714 organisation code: 8 characters (digits, A-Z = 10..35) and a MOD 11 check character.
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_VALUE = _value_table("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def uscc_check_char(body: str) -> str:
    """The GB 32100 check character of the first 17 characters `body` (all in the charset)."""
    values = map(_USCC_VALUE.__getitem__, body.encode("ascii"))
    return USCC_CHARSET[(31 - sum(map(mul, values, USCC_WEIGHTS)) % 31) % 31]


def org_code_check_char(body: str) -> str:
    """The GB 11714 check character of an organisation code's first 8 characters."""
    values = map(_ORG_VALUE.__getitem__, body.encode("ascii"))
    check = 11 - sum(map(mul, values, ORG_CODE_WEIGHTS)) % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


@builtin_check(
    "unified-social-credit-code",
    title=Text(zh="统一社会信用代码（GB 32100-2015）",
               en="Unified social credit code (GB 32100-2015)"),
    params=(DIVISION_LIST_PARAM,),
)
def unified_social_credit_code(
    value: str, params: Mapping[str, object], context: CheckContext
) -> tuple[CheckProblem, ...]:
    """An 18-character GB 32100-2015 unified social credit code.

    Checks the charset (0-9 and A-Z without I, O, S, V, Z), the MOD 31 check character, the GB
    11714 organisation code embedded at positions 9-17 with its own MOD 11 check character, and
    that positions 3-8 are six digits starting with a GB/T 2260 province prefix. With
    `division-code-list`, positions 3-8 must be in that code list. Some pilot-era codes fail the
    check character yet are legally valid: a profile can make this requirement a waivable warning.
    """
    if len(value) != 18:
        return (CheckProblem(
            Text(zh=f"统一社会信用代码{shown_zh(value)}应为 18 位，实际为 {len(value)} 位",
                 en=f"unified social credit code {shown(value)} must have 18 characters, "
                    f"found {len(value)}")),)
    bad = _bad_char(value, _USCC_SET)
    if bad is not None:
        index, char = bad
        upper = char.upper()
        return (CheckProblem(
            Text(zh=f"第 {index} 位“{char}”不在代码字符集中"
                 "（0-9 及除 I、O、S、V、Z 以外的大写字母）",
                 en=f"character {index} ('{char}') is not allowed: the charset is 0-9 and the "
                 "upper-case letters except I, O, S, V, Z"),
            Text(zh="字母须大写", en="write letters in upper case")
            if upper != char and upper in _USCC_SET else None,
        ),)
    problems: list[CheckProblem] = []
    expected = uscc_check_char(value[:17])
    if value[17] != expected:
        problems.append(_check_char_problem(value[17], expected, "", ""))
    org = value[8:17]
    if org[8] != "X" and not org[8].isdigit():
        problems.append(CheckProblem(
            Text(zh=f"第 9-17 位组织机构代码{shown_zh(org)}的校验码“{org[8]}”应为数字或 X",
                 en=f"embedded organisation code {shown(org)} (characters 9-17): check character "
                 f"'{org[8]}' must be a digit or X")))
    else:
        org_expected = org_code_check_char(org[:8])
        if org[8] != org_expected:
            problems.append(_check_char_problem(
                org[8], org_expected,
                f"第 9-17 位组织机构代码{shown_zh(org)}的", f"embedded organisation code {shown(org)} "
                "(characters 9-17): "))
    division = value[2:8]
    if not is_ascii_digits(division):
        problems.append(CheckProblem(
            Text(zh=f"第 3-8 位登记管理机关行政区划码{shown_zh(division)}应为 6 位数字",
                 en=f"characters 3-8 ({shown(division)}) must be a six-digit division code")))
        return tuple(problems)
    province = province_problem(division, "第 3-8 位行政区划码", "division code (characters 3-8)")
    if province is not None:
        problems.append(province)
        return tuple(problems)
    list_id = params.get("division-code-list")
    if list_id is not None:
        member = membership_problem(
            division, context.code_list(str(list_id)),
            "第 3-8 位行政区划码", "division code (characters 3-8)",
        )
        if member is not None:
            problems.append(member)
    return tuple(problems)


CHECKS = (citizen_id, unified_social_credit_code)
