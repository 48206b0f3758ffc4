"""Targets of built-in checks: the values-only walk and the walk with pointers agree, item for item.

Checks run on values alone and find a failing value's pointer again by its position, so the two
walks must visit the same values in the same order on any document.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.engine.targets import parse_json_target, select_json, select_json_values

KEYS = st.sampled_from(["a", "b", "0", "1", "a/b", "~x"])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=30,
)
STEPS = st.lists(st.sampled_from(["a", "b", "0", "1", "*", "a/b", "~x"]), max_size=4).map(tuple)


@settings(max_examples=300)
@given(JSON, STEPS)
def test_values_walk_equals_pointer_walk(document: object, steps: tuple[str, ...]) -> None:
    with_pointers = list(select_json(steps, document))
    values = select_json_values(steps, document)
    assert len(values) == len(with_pointers)
    assert all(a is b for a, (b, _) in zip(values, with_pointers, strict=True))


def test_pointers_are_escaped_and_concrete() -> None:
    parts = [{"digest": {"value": "x"}}, {"digest": {}}, {"digest": {"value": "y"}}]
    document = {"payload": {"parts": parts}}
    steps = parse_json_target("/payload/parts/*/digest/value", where="test")
    assert [p for _, p in select_json(steps, document)] == ["/payload/parts/0/digest/value",
                                                            "/payload/parts/2/digest/value"]
    assert select_json_values(steps, document) == ["x", "y"]
    assert [p for _, p in select_json(("*",), {"a/b": 1, "~x": 2})] == ["/a~1b", "/~0x"]
