"""Bilingual text on a page: two lines when the languages differ, one when they agree or one is blank."""

from __future__ import annotations

import pytest

from conformance.core.text import Text
from conformance.reports.bilingual import Line, lines


def test_two_languages_give_two_lines() -> None:
    assert lines(Text(zh="符合", en="Conformant")) == (Line("zh-Hans", "zh", "符合"),
                                                      Line("en", "en", "Conformant"))


def test_order_follows_the_languages_asked_for() -> None:
    assert [line.kind for line in lines({"zh": "符合", "en": "Conformant"}, ("en", "zh"))] == ["en", "zh"]


@pytest.mark.parametrize("text", [Text.same("EXC-001 holds"), {"zh": "", "en": "EXC-001 holds"},
                                  {"zh": "  ", "en": "EXC-001 holds"}, {"en": "EXC-001 holds"}])
def test_same_or_missing_chinese_gives_one_english_line(text: Text | dict[str, str]) -> None:
    assert lines(text) == (Line("en", "same", "EXC-001 holds"),)


def test_same_chinese_text_is_marked_chinese() -> None:
    # A name given once, in Chinese, is still drawn with Simplified Chinese glyphs.
    name = "国家电子政务标准测试中心"
    assert lines(Text.same(name)) == (Line("zh-Hans", "same", name),)


def test_missing_english_gives_one_chinese_line() -> None:
    assert lines({"zh": "报文", "en": ""}) == (Line("zh-Hans", "same", "报文"),)


def test_one_language_falls_back_and_keeps_the_real_language() -> None:
    assert lines({"zh": "", "en": "Scope"}, ("zh",)) == (Line("en", "zh", "Scope"),)
    assert lines({"zh": "范围", "en": "Scope"}, ("zh",)) == (Line("zh-Hans", "zh", "范围"),)
    assert lines({"zh": "范围", "en": ""}, ("en",)) == (Line("zh-Hans", "en", "范围"),)
