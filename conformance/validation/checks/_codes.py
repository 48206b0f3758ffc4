"""Checks against code lists: GB/T 2260 division codes and any code list of a standard."""

from __future__ import annotations

from collections.abc import Mapping

from conformance.core.text import Text
from conformance.standard.model import CodeList
from conformance.validation.checks.check import CheckProblem, Param, builtin_check, shown, shown_zh
from conformance.validation.checks.context import CheckContext

# GB/T 2260 province-level prefixes (incl. 71 Taiwan, 81 Hong Kong, 82 Macao). A prefix is fixed
# by the standard's structure, unlike the county codes, which change and ship as dated code lists.
PROVINCE_PREFIXES = frozenset(
    [str(n) for n in range(11, 16)]
    + [str(n) for n in range(21, 24)]
    + [str(n) for n in range(31, 38)]
    + [str(n) for n in range(41, 47)]
    + [str(n) for n in range(50, 55)]
    + [str(n) for n in range(61, 66)]
    + ["71", "81", "82"]
)

PROVINCE_TEXT = "11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81, 82"


def is_ascii_digits(value: str) -> bool:
    """True when `value` is non-empty and only ASCII 0-9 (str.isdigit alone accepts '²', '٣')."""
    return value.isascii() and value.isdigit()


def province_problem(code: str, what_zh: str, what_en: str) -> CheckProblem | None:
    """A problem when the first two digits of the division code `code` are no province prefix."""
    prefix = code[:2]
    if prefix in PROVINCE_PREFIXES:
        return None
    return CheckProblem(
        Text(
            zh=f"{what_zh}{shown_zh(code)}的前两位“{prefix}”不是 GB/T 2260 的省级代码",
            en=f"{what_en} {shown(code)} starts with '{prefix}', which is not a GB/T 2260 province "
            "prefix",
        ),
        Text(
            zh=f"省级代码为 {PROVINCE_TEXT}",
            en=f"province prefixes are {PROVINCE_TEXT}",
        ),
    )


def membership_problem(
    code: str, code_list: CodeList, what_zh: str, what_en: str
) -> CheckProblem | None:
    """A problem when `code` is not in `code_list`, naming the list, its version and date."""
    if code in code_list.codes:
        return None
    listed = f"{code_list.id} {code_list.version} ({code_list.date.isoformat()})"
    hint: Text | None = None
    stripped = code.strip()
    if stripped != code and stripped in code_list.codes:
        hint = Text(zh="去掉首尾空白", en="remove the surrounding white space")
    else:
        # Only on the failure path: a linear scan is cheap enough there and saves a cache.
        folded = code.casefold()
        for candidate in code_list.codes:
            if candidate.casefold() == folded:
                hint = Text(zh=f"代码区分大小写，应写作“{candidate}”",
                            en=f"codes are case-sensitive: write '{candidate}'")
                break
    return CheckProblem(
        Text(
            zh=f"{what_zh}{shown_zh(code)}不在代码表 {listed} 中",
            en=f"{what_en} {shown(code)} is not in code list {listed}",
        ),
        hint,
    )


CODE_LIST_PARAM = Param(
    "code-list", "id of a code list declared by the standard", required=True, kind="code-list"
)
DIVISION_LIST_PARAM = Param(
    "division-code-list",
    "id of a GB/T 2260 code list the division code must be in (use the union of historical "
    "lists: codes of abolished divisions stay valid in old identifiers)",
    kind="code-list",
)


@builtin_check(
    "division-code",
    title=Text(zh="行政区划代码（GB/T 2260）", en="Administrative division code (GB/T 2260)"),
    params=(CODE_LIST_PARAM,),
)
def division_code(
    value: str, params: Mapping[str, object], context: CheckContext
) -> tuple[CheckProblem, ...]:
    """Six ASCII digits (province, prefecture, county) listed in the given GB/T 2260 code list.

    The code list is dated data shipped with the standard; a code of an abolished division is
    accepted only if the list (for instance a union of historical lists) still holds it.
    """
    if len(value) != 6 or not is_ascii_digits(value):
        return (CheckProblem(
            Text(
                zh=f"行政区划代码{shown_zh(value)}应为 6 位数字",
                en=f"division code {shown(value)} must be 6 digits, found {len(value)} characters"
                + ("" if is_ascii_digits(value) else " that are not all digits 0-9"),
            )
        ),)
    problem = membership_problem(
        value, context.code_list(str(params["code-list"])), "行政区划代码", "division code"
    )
    if problem is None:
        return ()
    province = province_problem(value, "行政区划代码", "division code")
    return (CheckProblem(problem.message, province.message if province else problem.hint),)


@builtin_check(
    "code-list",
    title=Text(zh="代码表取值", en="Value from a code list"),
    params=(CODE_LIST_PARAM,),
)
def code_list_member(
    value: str, params: Mapping[str, object], context: CheckContext
) -> tuple[CheckProblem, ...]:
    """The value is a code of the given code list, compared exactly (case and spaces count)."""
    problem = membership_problem(value, context.code_list(str(params["code-list"])), "值", "value")
    return () if problem is None else (problem,)


CHECKS = (division_code, code_list_member)
