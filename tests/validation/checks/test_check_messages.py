"""Every built-in check's message names the value it saw, quoted, escaped and capped (issue 10 §4)."""

from __future__ import annotations

import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.core.printable import quoted, terminal
from conformance.validation.checks import get_check
from conformance.validation.checks.check import shown_zh
from tests.validation.checks.test_checks_formats import CTX, DIVISIONS, SHARING

PARAMS: dict[str, dict[str, object]] = {
    "division-code": {"code-list": DIVISIONS.id},
    "code-list": {"code-list": SHARING.id},
}
CHECKS = ("timestamp", "uuid", "citizen-id", "unified-social-credit-code", "division-code", "code-list",
          "sha256-digest-value", "media-type")
# Values of ordinary size that fail each check on their form, not on one character.
SEEN = ("2024-13-01", "not-a-uuid", "1234", "ABC", "12345", "sharing", "abc", "pdf")


@pytest.mark.parametrize(("name", "value"), list(zip(CHECKS, SEEN, strict=True)))
def test_the_message_quotes_the_value_seen(name: str, value: str) -> None:
    problems = get_check(name).run(value, PARAMS.get(name, {}), CTX)
    assert problems, f"{name} accepted {value!r}"
    assert any(f"'{value}'" in p.message.en for p in problems), [p.message.en for p in problems]
    assert any(f"“{value}”" in p.message.zh for p in problems), [p.message.zh for p in problems]


@pytest.mark.parametrize("name", CHECKS)
@pytest.mark.parametrize("hostile", ["\x1b]52;c;evil\x07" + "9" * 200_000, "\u202e" + "x" * 200_000,
                                     "2024-01-01T00:00:00" + "+" * 200_000])
def test_hostile_values_stay_capped_and_escaped(name: str, hostile: str) -> None:
    for problem in get_check(name).run(hostile, PARAMS.get(name, {}), CTX):
        for text in (problem.message.en, problem.message.zh):
            assert len(text) < 400, text[:100]
            assert "\x1b" not in text and "\u202e" not in text


def test_a_huge_value_is_cut_before_it_is_escaped() -> None:
    # Escaped whole, 50 MB of NUL would be 200 MB of text, only to keep 60 characters of it.
    huge = "\x00" * 50_000_000
    tracemalloc.start()
    try:
        en, zh = quoted(huge), shown_zh(huge)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert en == repr("\x00" * 100)[:59] + "…"
    assert zh == "“" + ("\\x00" * 100)[:59] + "…”"
    assert peak < 100_000


@given(st.text(alphabet="a\x1b\u202e\n“", max_size=80), st.integers(min_value=1, max_value=70))
def test_the_chinese_quote_is_the_escaped_value_cut(value: str, limit: int) -> None:
    escaped = terminal(value)
    cut = escaped if len(escaped) <= limit else escaped[:limit - 1] + "…"
    assert shown_zh(value, limit) == f"“{cut}”"
