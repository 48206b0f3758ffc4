"""Textual formats: ISO 8601 timestamps with a zone designator, RFC 9562 UUIDs."""

from __future__ import annotations

import re
from collections.abc import Mapping

from conformance.core.text import Text
from conformance.validation.checks._identifiers import is_real_date
from conformance.validation.checks.check import CheckProblem, Param, builtin_check, shown, shown_zh
from conformance.validation.checks.context import CheckContext

# re.ASCII: without it \d also matches other scripts' digits, which no receiver would parse.
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|([+-])(\d{2}):(\d{2}))",
    re.ASCII,
)
# Recognises near misses so the message can say what exactly is off.
_TIMESTAMP_LOOSE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})([Tt ])(\d{2}):(\d{2}):(\d{2})(?:([.,])\d+)?(.*)", re.ASCII | re.DOTALL
)
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_NO_SECONDS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?:Z|[+-].*)?", re.ASCII | re.DOTALL)
_OFFSET_NO_COLON = re.compile(r"[+-]\d{4}", re.ASCII)
_OFFSET_HOURS_ONLY = re.compile(r"[+-]\d{2}", re.ASCII)
_FORM = "YYYY-MM-DDThh:mm:ss[.s](Z|+hh:mm|-hh:mm)"
_FORM_HINT = Text(
    zh=f"写作 {_FORM}，例如 2024-03-01T09:30:00+08:00",
    en=f"write {_FORM}, for example 2024-03-01T09:30:00+08:00",
)


def _problem(zh: str, en: str, hint: Text | None = _FORM_HINT) -> CheckProblem:
    return CheckProblem(Text(zh=zh, en=en), hint)


def _form_problem(value: str) -> CheckProblem:
    """Why `value`, which does not match the strict form, is not a timestamp."""
    loose = _TIMESTAMP_LOOSE.fullmatch(value)
    if loose is not None:
        separator, fraction, zone = loose.group(4), loose.group(8), loose.group(9)
        if separator != "T":
            return _problem(f"日期与时间之间应为大写“T”，实际为{shown_zh(separator)}",
                            f"date and time must be separated by an upper-case 'T', "
                            f"found {shown(separator)}")
        if fraction == ",":
            return _problem("秒的小数部分应以“.”分隔", "the fraction of a second must follow a '.'")
        if zone == "":
            return _problem(
                f"时间{shown_zh(value)}缺少时区标识",
                f"timestamp {shown(value)} has no zone designator",
                Text(zh="加上“Z”（UTC）或偏移量，例如“+08:00”",
                     en="add 'Z' (UTC) or an offset such as '+08:00'"),
            )
        if zone == "z":
            return _problem("时区标识应为大写“Z”", "the zone designator must be an upper-case 'Z'")
        if _OFFSET_NO_COLON.fullmatch(zone):
            return _problem(f"时区偏移{shown_zh(zone)}应写作 ±hh:mm",
                            f"offset {shown(zone)} must be written ±hh:mm "
                            f"('{zone[:3]}:{zone[3:]}')")
        if _OFFSET_HOURS_ONLY.fullmatch(zone):
            return _problem(f"时区偏移{shown_zh(zone)}缺少分钟，应写作 ±hh:mm",
                            f"offset {shown(zone)} lacks minutes: write '{zone}:00'")
        return _problem(f"时区标识{shown_zh(zone)}应为 Z 或 ±hh:mm",
                        f"zone designator {shown(zone)} must be Z or ±hh:mm")
    if _DATE_ONLY.fullmatch(value):
        return _problem(f"{shown_zh(value)}是日期，不是带时区的日期时间",
                        f"{shown(value)} is a date, not a date-time with a zone designator")
    if _NO_SECONDS.fullmatch(value):
        return _problem("时间须包含秒（hh:mm:ss）", "the time must include seconds (hh:mm:ss)")
    return _problem(f"{shown_zh(value)}不是形如 {_FORM} 的日期时间",
                    f"{shown(value)} is not a date-time of the form {_FORM}")


@builtin_check(
    "timestamp",
    title=Text(zh="带时区的日期时间（GB/T 7408.1 / ISO 8601）",
               en="Date-time with zone designator (GB/T 7408.1 / ISO 8601)"),
)
def timestamp(
    value: str, params: Mapping[str, object], context: CheckContext
) -> tuple[CheckProblem, ...]:
    """An ISO 8601 (GB/T 7408.1) date-time `YYYY-MM-DDThh:mm:ss[.s+](Z|+hh:mm|-hh:mm)`.

    The zone designator is required. The date must exist (no 02-30, year 0001-9999), hours run
    00-23 (24:00:00 is refused), seconds 00-59 (leap second 60 is refused, as XML Schema does), and
    an offset lies within -14:00..+14:00 with minutes 00-59.
    """
    match = _TIMESTAMP.fullmatch(value)
    if match is None:
        return (_form_problem(value),)
    year, month, day, hour, minute, second = (int(g) for g in match.group(1, 2, 3, 4, 5, 6))
    problems: list[CheckProblem] = []
    if not is_real_date(year, month, day):
        problems.append(_problem(f"日期“{value[:10]}”不存在", f"date '{value[:10]}' does not exist",
                                 None))
    if hour > 23:
        problems.append(_problem(f"小时“{match.group(4)}”超出 00-23",
                                 f"hour '{match.group(4)}' is outside 00-23"
                                 + (" (write 24:00:00 as 00:00:00 of the next day)" if hour == 24 else ""),
                                 None))
    if minute > 59:
        problems.append(_problem(f"分钟“{match.group(5)}”超出 00-59",
                                 f"minute '{match.group(5)}' is outside 00-59", None))
    if second > 59:
        problems.append(_problem(f"秒“{match.group(6)}”超出 00-59",
                                 f"second '{match.group(6)}' is outside 00-59"
                                 + (" (leap seconds are not accepted)" if second == 60 else ""), None))
    if match.group(7) is not None:
        offset_hours, offset_minutes = int(match.group(8)), int(match.group(9))
        offset = value[match.start(7):]
        if offset_minutes > 59:
            problems.append(_problem(f"时区偏移“{offset}”的分钟超出 00-59",
                                     f"offset '{offset}' has minutes outside 00-59", None))
        elif offset_hours * 60 + offset_minutes > 14 * 60:
            problems.append(_problem(f"时区偏移“{offset}”超出 ±14:00",
                                     f"offset '{offset}' is beyond ±14:00", None))
    return tuple(problems)


_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", re.ASCII
)
_HEX32 = re.compile(r"[0-9a-fA-F]{32}", re.ASCII)
_RFC_VARIANT = frozenset("89abAB")
_UUID_FORM = Text(
    zh="写作 8-4-4-4-12 位十六进制，例如 f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
    en="write 8-4-4-4-12 hex digits, for example f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
)


def _uuid_form_problem(value: str) -> CheckProblem:
    inner = value
    if value.lower().startswith("urn:uuid:"):
        inner = value[9:]
        if _UUID.fullmatch(inner):
            return CheckProblem(
                Text(zh="UUID 不应带“urn:uuid:”前缀",
                     en="the UUID must not carry a 'urn:uuid:' prefix"),
                Text(zh=f"写作{shown_zh(inner)}", en=f"write {shown(inner)}"),
            )
    if len(value) == 38 and value[0] == "{" and value[-1] == "}" and _UUID.fullmatch(value[1:-1]):
        return CheckProblem(
            Text(zh="UUID 不应带花括号", en="the UUID must not be wrapped in braces"),
            Text(zh=f"写作“{value[1:-1]}”", en=f"write '{value[1:-1]}'"),
        )
    if _HEX32.fullmatch(value):
        dashed = f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
        return CheckProblem(
            Text(zh="UUID 缺少连字符", en="the UUID lacks its hyphens"),
            Text(zh=f"写作{shown_zh(dashed)}", en=f"write {shown(dashed)}"),
        )
    return CheckProblem(
        Text(zh=f"{shown_zh(value)}不是 RFC 9562 文本形式的 UUID",
             en=f"{shown(value)} is not a UUID in RFC 9562 textual form"),
        _UUID_FORM,
    )


@builtin_check(
    "uuid",
    title=Text(zh="通用唯一识别码（RFC 9562）", en="Universally unique identifier (RFC 9562)"),
    params=(
        Param("version", "UUID version (1-8) the value must have; the variant must then be RFC "
              "9562's", kind="integer", choices=(1, 2, 3, 4, 5, 6, 7, 8)),
    ),
)
def uuid(value: str, params: Mapping[str, object], context: CheckContext) -> tuple[CheckProblem, ...]:
    """A UUID in RFC 9562 textual form: 8-4-4-4-12 hex digits, lower or upper case.

    With `version`, the version digit (character 15) must equal it and the variant (character 20)
    must be RFC 9562's (8, 9, a or b). No braces, no `urn:uuid:` prefix.
    """
    if not _UUID.fullmatch(value):
        return (_uuid_form_problem(value),)
    version = params.get("version")
    if version is None:
        return ()
    problems: list[CheckProblem] = []
    found = value[14]
    if found != str(version):
        problems.append(CheckProblem(
            Text(zh=f"UUID 版本为“{found}”，应为“{version}”（第 15 位）",
                 en=f"UUID version is '{found}' but should be '{version}' (character 15)")))
    if value[19] not in _RFC_VARIANT:
        problems.append(CheckProblem(
            Text(zh=f"UUID 变体位“{value[19]}”不是 RFC 9562 变体（第 20 位应为 8、9、a 或 b）",
                 en=f"UUID variant character '{value[19]}' is not the RFC 9562 variant "
                 "(character 20 must be 8, 9, a or b)")))
    return tuple(problems)


CHECKS = (timestamp, uuid)
