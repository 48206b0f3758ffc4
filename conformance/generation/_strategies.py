"""Hypothesis strategies of the values a field takes: from the built-in check on it (a UUID, a unified
social credit code with its check characters, a date-time with a zone, a code of its list), else
from the schema (an enumeration, an integer, a short text).

They aim at valid values; whether a payload holding them passes is still decided by the judge.
"""

from __future__ import annotations

import hashlib
from base64 import b64encode
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from conformance.standard.model import Check, MessageType, Standard, Syntax
from conformance.validation.checks import (
    USCC_CHARSET,
    citizen_id_check_char,
    org_code_check_char,
    uscc_check_char,
)
from conformance.validation.checks._codes import PROVINCE_PREFIXES

from .describe import Field, FieldKind
from .describe._fields import bound_code_list, builtin_checks, field_path

_ZONES = (UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5)),
          timezone(timedelta(hours=5, minutes=30)))
_MEDIA_TYPES = ("application/xml", "application/json", "application/pdf", "text/csv;charset=utf-8",
                "image/png", "text/plain")
# Latin letters, digits and common Chinese characters of organisation names: printable everywhere.
_NAME_ALPHABET = ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                  "市区县局委办中心数据政务服务管理")
_INTEGER_TYPES = ("integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
                  "unsignedInt", "unsignedLong", "unsignedShort")


def _timestamp(moment: datetime) -> str:
    zone = moment.strftime("%z")
    zone = "Z" if zone == "+0000" else f"{zone[:3]}:{zone[3:]}"
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + zone


def timestamps() -> st.SearchStrategy[str]:
    moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31),
                           timezones=st.sampled_from(_ZONES))
    return st.builds(_timestamp, moments)


def _uscc(registration: str, division: str, org: str) -> str:
    body = f"{registration}{division}{org}{org_code_check_char(org)}"
    return body + uscc_check_char(body)


def usccs(divisions: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Unified social credit codes with both check characters right (GB 32100, GB 11714)."""
    registration = st.sampled_from(("11", "12", "13", "19", "51", "52", "53", "91", "92", "93", "Y1"))
    org_chars = "".join(c for c in USCC_CHARSET if c.isdigit() or c in "ABCDEFGHJKLMNPQRTUWXY")
    org = st.text(alphabet=org_chars, min_size=8, max_size=8)
    return st.builds(_uscc, registration, divisions, org)


def _province_divisions() -> st.SearchStrategy[str]:
    return st.builds(lambda p, rest: p + rest, st.sampled_from(sorted(PROVINCE_PREFIXES)),
                     st.sampled_from(("0000", "0100", "0101", "0105")))


def citizen_ids() -> st.SearchStrategy[str]:
    def make(division: str, born: datetime, sequence: int) -> str:
        body = f"{division}{born:%Y%m%d}{sequence:03d}"
        return body + citizen_id_check_char(body)
    return st.builds(make, _province_divisions(), st.datetimes(datetime(1930, 1, 1), datetime(2010, 12, 31)),
                     st.integers(0, 999))


def digests() -> st.SearchStrategy[str]:
    hashed = st.binary(max_size=32).map(lambda b: hashlib.sha256(b).digest())
    return st.one_of(hashed.map(bytes.hex), hashed.map(lambda d: b64encode(d).decode("ascii")))


def _check_strategy(standard: Standard, check: Check) -> st.SearchStrategy[str] | None:
    name = check.name
    if name == "uuid":
        version = check.params.get("version", 4)
        if isinstance(version, int) and 1 <= version <= 5 and version != 2:
            return st.uuids(version=version).map(str)  # type: ignore[arg-type]
        return None
    if name == "timestamp":
        return timestamps()
    if name in ("code-list", "division-code"):
        code_list = bound_code_list(standard, check)
        return st.sampled_from(sorted(code_list.codes)) if code_list is not None and code_list.codes else None
    if name == "unified-social-credit-code":
        code_list = bound_code_list(standard, check, "division-code-list")
        divisions = (st.sampled_from(sorted(code_list.codes)) if code_list is not None and code_list.codes
                     else _province_divisions())
        return usccs(divisions)
    if name == "citizen-id":
        return citizen_ids()
    if name == "sha256-digest-value":
        return digests()
    if name == "media-type":
        return st.sampled_from(_MEDIA_TYPES)
    return None  # a check of another distribution: its base value is kept


def check_strategies(standard: Standard, message_type: MessageType) -> dict[str, st.SearchStrategy[str]]:
    """Field path -> the values the first built-in check on that field accepts (when we know them)."""
    found: dict[str, st.SearchStrategy[str]] = {}
    for _, check in builtin_checks(standard, message_type):
        path = field_path(check.target or "", message_type)
        if path is None or path in found:
            continue
        strategy = _check_strategy(standard, check)
        if strategy is not None:
            found[path] = strategy
    return found


def check_pools(standard: Standard, message_type: MessageType) -> dict[str, tuple[str, ...]]:
    """Field path -> the codes of the code list a check binds there (values a rule may react to)."""
    found: dict[str, tuple[str, ...]] = {}
    for _, check in builtin_checks(standard, message_type):
        path = field_path(check.target or "", message_type)
        code_list = bound_code_list(standard, check)
        if path is not None and code_list is not None and path not in found:
            found[path] = tuple(sorted(code_list.codes))
    return found


def _texts() -> st.SearchStrategy[str]:
    token = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,11}", fullmatch=True)
    name = st.text(alphabet=_NAME_ALPHABET, min_size=1, max_size=24)
    return st.one_of(token, name)


def field_strategy(f: Field, syntax: Syntax, checked: Mapping[str, st.SearchStrategy[str]]) -> \
        st.SearchStrategy[Any] | None:
    """The values `f` may take, or None when only its base value is safe (fixed, unknown, complex)."""
    if f.fixed is not None or (f.kind is not FieldKind.ATTRIBUTE and not f.has_sample):
        return None
    if any(c.kind is not FieldKind.ATTRIBUTE for c in f.children):
        return None
    if f.path in checked:
        return checked[f.path]
    if f.values and f.value_count == len(f.values):
        return st.sampled_from(f.values)
    local = f.type.rsplit(":", 1)[-1].split(" ")[0]
    if local in _INTEGER_TYPES or f.type == "integer":
        low = 1 if local == "positiveInteger" else 0
        numbers = st.integers(low, 10**9)
        return numbers if syntax is Syntax.JSON else numbers.map(str)
    if f.type == "boolean" or local == "boolean":
        return st.booleans() if syntax is Syntax.JSON else st.sampled_from(("true", "false"))
    if local == "anyURI" or "uri" in f.type:
        return st.sampled_from(("urn:example:inbox", "https://example.org/inbox", "urn:uuid:x1"))
    if "object" in f.type or "array" in f.type or f.type == "null":
        return None
    if local in ("dateTime", "date-time") or f.type == "date-time":
        return timestamps()
    return _texts()
