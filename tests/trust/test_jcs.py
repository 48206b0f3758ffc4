"""RFC 8785 (JCS) on what certificates hold: strings, integers, literals, nesting."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.core.errors import CanonicalizationError
from conformance.trust.jcs import MAX_SAFE_INTEGER, canonicalize


def jcs(text: str) -> str:
    return canonicalize(json.loads(text)).decode("utf-8")


def test_rfc8785_sorting_is_by_utf16_code_units() -> None:
    # RFC 8785 section 3.2.3: U+1F600 (surrogates D83D DE00) sorts before U+FB33, although its
    # code point is larger; "\r" and "1" come first.
    source = ('{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet '
              'With Dagesh", "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", '
              '"\\u0080": "Control", "\\u00f6": "Latin Small Letter O With Diaeresis"}')
    keys = list(json.loads(jcs(source)))
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_rfc8785_string_escapes() -> None:
    # RFC 8785 section 3.2.2.2: only '"', '\\' and controls are escaped, controls in lower-case hex
    # or their short forms; '/' and everything above U+001F are written as they are.
    source = '"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/"'
    assert jcs(source) == '"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"'


def test_rfc8785_literals() -> None:
    assert jcs('{"literals": [null, true, false]}') == '{"literals":[null,true,false]}'


def test_structures_example() -> None:
    # The structures test of the JCS reference test data (its 56.0 written as the integer 56).
    source = '{"1": {"f": {"f": "hi","F": 5} ,"\\n": 56}, "10": { }, "": "empty", "a": { }, ' \
             '"111": [ { } ], "A": { }}'
    assert jcs(source) == '{"":"empty","1":{"\\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{}],"A":{},"a":{}}'


def test_weird_example_keeps_del_and_c1_controls_unescaped() -> None:
    source = ('{"\\u20ac": "Euro Sign", "1": "One", "\\u0080": "Control\\u007f", '
              '"\\ud83d\\ude02": "Smiley", "\\u00f6": "Latin Small Letter O With Diaeresis", '
              '"\\ufb33": "Hebrew Letter Dalet With Dagesh", "</script>": "Browser Challenge"}')
    expected = ('{"1":"One","</script>":"Browser Challenge","\u0080":"Control\u007f",'
                '"ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😂":"Smiley",'
                '"\ufb33":"Hebrew Letter Dalet With Dagesh"}')
    assert jcs(source) == expected


def test_no_unicode_normalisation_and_no_locale_order() -> None:
    assert jcs('{"Unnormalized Unicode":"A\\u030a"}') == '{"Unnormalized Unicode":"A\u030a"}'
    assert list(json.loads(jcs('{"sin": 1, "péché": 2, "peach": 3, "pêche": 4}'))) == \
        ["peach", "péché", "pêche", "sin"]


def test_output_is_utf8_without_whitespace() -> None:
    assert canonicalize({"b": [1, -2, {"z": "中"}], "a": 0}) == '{"a":0,"b":[1,-2,{"z":"中"}]}'.encode()


@pytest.mark.parametrize("value", [1.5, 1.0, float("nan"), {"a": [0.1]}, 2**53, -(2**53),
                                   "\ud800", {"\udc00": 1}, b"bytes", {1: "int key"}, object()])
def test_values_outside_the_profile_are_refused(value: Any) -> None:
    with pytest.raises(CanonicalizationError):
        canonicalize(value)


def test_safe_integer_bounds_are_accepted() -> None:
    assert canonicalize([MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER]) == b"[9007199254740991,-9007199254740991]"


def test_nesting_is_bounded() -> None:
    value: Any = "x"
    for _ in range(100):
        value = [value]
    with pytest.raises(CanonicalizationError, match="nesting"):
        canonicalize(value)


_scalars = st.none() | st.booleans() | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER) | st.text()
_json = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.text(), inner, max_size=4), max_leaves=20)


@given(_json)
def test_canonical_form_is_json_of_the_same_value_and_a_fixed_point(value: Any) -> None:
    once = canonicalize(value)
    assert json.loads(once) == value
    assert canonicalize(json.loads(once)) == once


@given(st.dictionaries(st.text(), st.integers(0, 9), max_size=8))
def test_member_order_does_not_matter(members: dict[str, int]) -> None:
    reversed_order = dict(reversed(list(members.items())))
    assert canonicalize(members) == canonicalize(reversed_order)
