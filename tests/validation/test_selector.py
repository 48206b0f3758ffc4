"""The JSON selector against RFC 6901, and its two users (check targets, rule contexts) in agreement.

Targets and contexts once had a walk each and disagreed (`/items/01` selected `items[1]` as a
target and nothing as a context; `/a~2b` was a target and not a context): every case here is
asked of both uses.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.core.errors import RuleError, SpecError
from conformance.core.limits import RULE_MAX_POINTER_CHARS
from conformance.validation.jsonrules import ContextSelector
from conformance.validation.selector import (
    Selector,
    escape_token,
    format_selector,
    parse_selector,
    pointer,
    pointer_length,
    pointer_lengths,
    pointers,
    unescape_token,
)
from conformance.validation.targets import (
    json_pointers_at,
    parse_json_target,
    select_json,
    select_json_values,
)

# Member names rich in what RFC 6901 treats specially: '~', '/', digits, '~0'/'~1' spelled out.
# A member named exactly `*` is the one name a selector cannot reach (that step is the wildcard).
NAMES = st.text(alphabet="ab~/01*-+ é", max_size=4).filter(lambda name: name != "*")
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(NAMES, inner, max_size=4),
    max_leaves=30,
)


def token_of(step: str | int) -> str:
    return str(step) if isinstance(step, int) else escape_token(step)


def pointer_of(path: list[str | int]) -> str:
    return "".join("/" + token_of(step) for step in path)


@st.composite
def documents_with_a_path(draw: st.DrawFn) -> tuple[Any, list[str | int], Any]:
    """A document, the path of one of its values (member names and item indexes), and that value."""
    document = draw(JSON)
    path: list[str | int] = []
    value = document
    while isinstance(value, dict | list) and value and draw(st.booleans()):
        if isinstance(value, dict):
            name = draw(st.sampled_from(sorted(value)))
            path.append(name)
            value = value[name]
        else:
            index = draw(st.integers(min_value=0, max_value=len(value) - 1))
            path.append(index)
            value = value[index]
    return document, path, value


def every_use(text: str, document: Any) -> list[list[tuple[Any, str]]]:
    """What each user of the selector selects, as (value, pointer) pairs."""
    selector = parse_selector(text)
    target = parse_json_target(text, where="test")
    context = ContextSelector(text)
    walked = selector.walk(document)
    return [
        list(selector.matches(document)),
        [(value, pointer(link)) for value, link in walked],
        list(select_json(target, document)),
        [(value, at) for at, value in context.select(document)],
    ]


def assert_selects(text: str, document: Any, expected: list[tuple[Any, str]]) -> None:
    """Every use selects exactly `expected` (the very values, not equal ones), values-only walks too."""
    for found in every_use(text, document):
        assert [at for _, at in found] == [at for _, at in expected]
        assert all(a is b for (a, _), (b, _) in zip(found, expected, strict=True))
    for values in (parse_selector(text).values(document), ContextSelector(text).nodes(document),
                   select_json_values(parse_json_target(text, where="test"), document)):
        assert len(values) == len(expected)
        assert all(a is b for a, (b, _) in zip(values, expected, strict=True))


# --- RFC 6901 ---------------------------------------------------------------------------------------

RFC_6901_DOCUMENT = {
    "foo": ["bar", "baz"], "": 0, "a/b": 1, "c%d": 2, "e^f": 3, "g|h": 4, "i\\j": 5, 'k"l': 6, " ": 7,
    "m~n": 8,
}


@pytest.mark.parametrize(("text", "path"), [
    # RFC 6901 section 5, the JSON string representation: each pointer and the value it selects
    ("", []),
    ("/foo", ["foo"]),
    ("/foo/0", ["foo", 0]),
    ("/", [""]),
    ("/a~1b", ["a/b"]),
    ("/c%d", ["c%d"]),
    ("/e^f", ["e^f"]),
    ("/g|h", ["g|h"]),
    ("/i\\j", ["i\\j"]),
    ('/k"l', ['k"l']),
    ("/ ", [" "]),
    ("/m~0n", ["m~n"]),
])
def test_rfc_6901_examples(text: str, path: list[str | int]) -> None:
    value: Any = RFC_6901_DOCUMENT
    for step in path:
        value = value[step]
    assert_selects(text, RFC_6901_DOCUMENT, [(value, text)])
    assert pointer_of(path) == text


@settings(max_examples=400)
@given(documents_with_a_path())
def test_the_pointer_of_an_existing_path_selects_exactly_its_value(case: tuple[Any, list[str | int], Any],
                                                                    ) -> None:
    document, path, value = case
    assert_selects(pointer_of(path), document, [(value, pointer_of(path))])


@settings(max_examples=300)
@given(documents_with_a_path())
def test_a_wildcard_expands_to_exactly_the_members_or_items(case: tuple[Any, list[str | int], Any]) -> None:
    document, path, value = case
    text = pointer_of(path)
    if isinstance(value, dict):
        expected = [(child, f"{text}/{escape_token(name)}") for name, child in value.items()]
    elif isinstance(value, list):
        expected = [(child, f"{text}/{index}") for index, child in enumerate(value)]
    else:
        expected = []  # a scalar has no members
    assert_selects(text + "/*", document, expected)


def test_decoding_takes_tilde_one_before_tilde_zero() -> None:
    document = {"~1": "tilde one", "/": "slash", "~": "tilde"}
    assert_selects("/~01", document, [(document["~1"], "/~01")])
    assert_selects("/~1", document, [(document["/"], "/~1")])
    assert_selects("/~0", document, [(document["~"], "/~0")])
    assert unescape_token("~01") == "~1" and escape_token("~1") == "~01"


@pytest.mark.parametrize("token", ["01", "00", "-", "+1", " 1", "1 ", "1.0", "0x1", "١", "²", "9" * 5_000])
def test_tokens_that_are_no_array_index_select_no_item(token: str) -> None:
    # RFC 6901: array-index is "0" or a non-zero digit followed by ASCII digits; "-" names the item
    # after the last, which does not exist when values are selected.
    items = [f"item {i}" for i in range(12)]
    assert_selects(f"/items/{token}", {"items": items}, [])
    assert_selects(f"/items/{token}/x", {"items": [{"x": 1}] * 12}, [])
    # ... yet a token is a member name whatever it looks like.
    document = {"items": {token: "member"}}
    assert_selects(f"/items/{token}", document, [(document["items"][token], f"/items/{token}")])


def test_array_indexes_select_the_item_when_it_exists() -> None:
    document = {"items": [f"item {i}" for i in range(12)]}
    assert_selects("/items/0", document, [(document["items"][0], "/items/0")])
    assert_selects("/items/10", document, [(document["items"][10], "/items/10")])
    assert_selects("/items/12", document, [])


# --- refused selectors --------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "found"), [
    ("/a~2b", "'~2'"), ("/a~", "'~'"), ("/~", "'~'"), ("/a~/b", "'~'"), ("/~x", "'~x'"), ("/ok/~~0", "'~~'"),
])
def test_invalid_escapes_are_refused_in_both_uses(text: str, found: str) -> None:
    message = f"'~' must be followed by 0 or 1 (RFC 6901), found {found}"
    with pytest.raises(SpecError) as info:
        parse_json_target(text, where="standard.yaml: requirement R-1")
    assert info.value.location == "standard.yaml: requirement R-1"
    assert info.value.message == f"target {text!r}: {message}"
    with pytest.raises(ValueError, match=f"^{re.escape(f'JSON pointer {text!r}: {message}')}$"):
        ContextSelector(text)


@pytest.mark.parametrize("text", ["payload", "*", "~0", " /a"])
def test_a_selector_starts_with_a_slash_in_both_uses(text: str) -> None:
    with pytest.raises(SpecError, match="must be empty or start with '/'") as info:
        parse_json_target(text, where="here")
    assert info.value.location == "here"
    with pytest.raises(ValueError, match="must be empty or start with '/'"):
        ContextSelector(text)


def test_a_selector_is_a_string() -> None:
    with pytest.raises(SpecError, match="must be a JSON pointer string, found 5") as info:
        parse_selector(5, where="rules.yaml")
    assert info.value.location == "rules.yaml"
    with pytest.raises(ValueError, match="must be a JSON pointer string"):
        ContextSelector(5)  # type: ignore[arg-type]


# --- parsing --------------------------------------------------------------------------------------------

TEXTS = st.lists(NAMES.map(escape_token) | st.just("*"), max_size=5).map(
    lambda tokens: "".join("/" + t for t in tokens))


@given(TEXTS)
def test_parsing_round_trips(text: str) -> None:
    selector = parse_selector(text)
    assert format_selector(selector.steps) == text == str(selector)
    assert parse_selector(format_selector(selector.steps)) == selector
    assert [step.wildcard for step in selector.steps] == [t == "*" for t in text.split("/")[1:]]
    assert [step.name for step in selector.steps] == [unescape_token(t) for t in text.split("/")[1:]]


def test_steps_know_their_array_index() -> None:
    steps = parse_selector("/0/7/10/01/-/*/a").steps
    assert [step.index for step in steps] == [0, 7, 10, -1, -1, -1, -1]


# --- the walks agree -----------------------------------------------------------------------------------


@settings(max_examples=300)
@given(JSON, TEXTS | st.lists(st.sampled_from(["0", "1", "01", "*", "a", "~1"]), max_size=4).map(
    lambda ts: "".join("/" + t for t in ts)))
def test_values_walk_and_select_agree(document: Any, text: str) -> None:
    selector = parse_selector(text)
    values = selector.values(document)
    walked = selector.walk(document)
    selected = list(selector.matches(document))
    assert len(values) == len(walked) == len(selected)
    assert all(a is b is c for a, (b, _), (c, _) in zip(values, walked, selected, strict=True))
    links = [link for _, link in walked]
    assert list(pointers(links)) == [pointer(link) for link in links] == [at for _, at in selected]
    assert [pointer_length(link) for link in links] == [len(pointer(link)) for link in links]
    assert list(pointer_lengths(links)) == [len(pointer(link)) for link in links]
    for value, at in selected:  # every pointer found is a plain RFC 6901 pointer to its value
        assert_selects(at, document, [(value, at)])


def test_pointers_of_siblings_under_a_long_name_share_the_prefix() -> None:
    name = "a/" * 50_000
    document = {name: list(range(1_000))}
    found = list(parse_selector("/*/*").matches(document))
    assert [at for _, at in found] == [f"/{escape_token(name)}/{i}" for i in range(1_000)]


# --- the budgets of the two users ------------------------------------------------------------------------


def test_a_context_over_the_pointer_budget_is_a_rule_error_naming_the_total() -> None:
    name = "n" * 100_000
    count = RULE_MAX_POINTER_CHARS // 100_000 + 10
    document = {f"{name}{i:03}": i for i in range(count)}
    context = ContextSelector("/*")
    total = count * (1 + 100_003)
    with pytest.raises(RuleError, match=f"would take {total} characters, over the budget"):
        list(context.select(document))
    with pytest.raises(RuleError, match=f"would take {total} characters"):
        context.pointers(document, range(count))
    assert context.pointers(document, [count - 1]) == [f"/{name}{count - 1:03}"]
    # A target leaves the pointers past its budget out instead: the findings keep their messages.
    target = parse_json_target("/*", where="test")
    assert len(json_pointers_at(target, document, set(range(count)))) == RULE_MAX_POINTER_CHARS // 100_004


def test_selectors_are_values() -> None:
    assert parse_selector("/a/*") == parse_selector("/a/*")
    assert hash(parse_selector("/a/*")) == hash(parse_selector("/a/*"))
    assert isinstance(parse_json_target("/a", where="x"), Selector)
