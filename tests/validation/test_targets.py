"""Targets of built-in checks: the values-only walk and the walk with pointers agree, item for item.

Checks run on values alone and find a failing value's pointer again by its position, so the two
walks must visit the same values in the same order on any document.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.validation.selector import Selector, escape_token
from conformance.validation.targets import (
    json_pointers_at,
    parse_json_target,
    select_json,
    select_json_values,
)

KEYS = st.sampled_from(["a", "b", "0", "1", "a/b", "~x"])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=30,
)
STEPS = st.lists(st.sampled_from(["a", "b", "0", "1", "*", "a/b", "~x", "01"]), max_size=4).map(tuple)


def target(*steps: str) -> Selector:
    """The target whose steps are `steps` (member names, or `*`)."""
    text = "".join("/" + (s if s == "*" else escape_token(s)) for s in steps)
    return parse_json_target(text, where="test")


@settings(max_examples=300)
@given(JSON, STEPS)
def test_values_walk_equals_pointer_walk(document: object, steps: tuple[str, ...]) -> None:
    selector = target(*steps)
    with_pointers = list(select_json(selector, document))
    values = select_json_values(selector, document)
    assert len(values) == len(with_pointers)
    assert all(a is b for a, (b, _) in zip(values, with_pointers, strict=True))


def test_pointers_are_escaped_and_concrete() -> None:
    parts = [{"digest": {"value": "x"}}, {"digest": {}}, {"digest": {"value": "y"}}]
    document = {"payload": {"parts": parts}}
    steps = parse_json_target("/payload/parts/*/digest/value", where="test")
    assert [p for _, p in select_json(steps, document)] == ["/payload/parts/0/digest/value",
                                                            "/payload/parts/2/digest/value"]
    assert select_json_values(steps, document) == ["x", "y"]
    assert [p for _, p in select_json(target("*"), {"a/b": 1, "~x": 2})] == ["/a~1b", "/~0x"]


@settings(max_examples=300)
@given(JSON, STEPS, st.sets(st.integers(min_value=0, max_value=12)))
def test_pointers_of_failures_equal_the_pointer_walk(document: object, steps: tuple[str, ...],
                                                     wanted: set[int]) -> None:
    # The validator joins pointers only for failing values: the same pointers, by position.
    selector = target(*steps)
    every = [pointer for _, pointer in select_json(selector, document)]
    assert json_pointers_at(selector, document, wanted) == {i: every[i] for i in wanted if i < len(every)}


def test_pointers_of_failures_under_long_member_names_are_not_all_built() -> None:
    # 2,000 members named with 100,000 characters each, each holding a value the target reaches:
    # joining every pointer would take 200 million characters; one failure needs one.
    name = "n" * 100_000
    document = {f"{name}{i}": {"v": i} for i in range(2_000)}
    assert json_pointers_at(target("*", "v"), document, {1_999}) == {1_999: f"/{name}1999/v"}
    every = set(range(2_000))
    assert json_pointers_at(target("*", "v"), document, every, budget=500_000).keys() == {0, 1, 2, 3}
