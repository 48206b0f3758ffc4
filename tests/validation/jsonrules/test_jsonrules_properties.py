"""Properties: evaluation is total over arbitrary JSON data (only RuleError may escape)."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.core.errors import RuleError
from conformance.validation.jsonrules import ContextSelector, compile_expression, truthy

KEYS = st.sampled_from(["a", "b", "c", "0", "1", "current", "accumulator", "x.y", ""])
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=25,
)
PATHS = st.lists(KEYS, max_size=3).map(".".join)


def _expressions() -> st.SearchStrategy[Any]:
    leaves = (
        SCALARS
        | PATHS.map(lambda p: {"var": p})
        | st.tuples(PATHS, SCALARS).map(lambda t: {"var": list(t)})
        | PATHS.map(lambda p: {"root": p})
        | st.lists(PATHS, min_size=1, max_size=3).map(lambda ps: {"missing": ps})
    )

    def branches(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        def op(name: str, low: int, high: int) -> st.SearchStrategy[Any]:
            return st.lists(inner, min_size=low, max_size=high).map(lambda args: {name: args})

        return st.one_of(
            op("if", 2, 5), op("===", 2, 2), op("!==", 2, 2), op("!", 1, 1), op("!!", 1, 1),
            op("and", 1, 3), op("or", 1, 3), op("<", 2, 3), op("<=", 2, 3), op(">", 2, 3),
            op(">=", 2, 3), op("+", 1, 3), op("-", 1, 2), op("*", 1, 3), op("/", 2, 2),
            op("%", 2, 2), op("in", 2, 2), op("cat", 1, 3), op("substr", 2, 3),
            op("count", 1, 1), op("all", 2, 2), op("some", 2, 2), op("none", 2, 2),
            op("reduce", 3, 3), op("max", 1, 3), op("min", 1, 3),
            st.lists(inner, max_size=3),
            inner.map(lambda e: {"match": [e, "[a-z0-9]{1,4}(-[0-9]{2})?"]}),
        )

    return st.recursive(leaves, branches, max_leaves=20)


EXPRESSIONS = _expressions()


def is_json(value: Any) -> bool:
    if value is None or isinstance(value, (bool, str, int)):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(is_json(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_json(v) for k, v in value.items())
    return False


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS, JSON, JSON, st.sampled_from([50, 10_000, 1_000_000]))
def test_evaluation_is_total(expression: Any, data: Any, root: Any, budget: int) -> None:
    compiled = compile_expression(expression)
    try:
        result = compiled.evaluate(data, root=root, max_steps=budget)
    except RuleError:
        return
    assert is_json(result), result
    truthy(result)
    json.dumps(result)  # results are serialisable JSON (finite numbers, string keys)


@given(EXPRESSIONS)
def test_compiling_is_deterministic_about_cost(expression: Any) -> None:
    a, b = compile_expression(expression), compile_expression(expression)
    assert a.cost == b.cost and a.depth == b.depth and a.cost >= 0


@given(JSON)
def test_var_empty_path_is_the_identity(data: Any) -> None:
    assert compile_expression({"var": ""}).evaluate(data) is data


@given(JSON, JSON)
def test_strict_equality_is_reflexive_and_symmetric(a: Any, b: Any) -> None:
    def eq(x: Any, y: Any) -> Any:
        return compile_expression({"===": [{"var": "x"}, {"var": "y"}]}).evaluate({"x": x, "y": y})

    assert eq(a, a) is True
    assert eq(a, b) is eq(b, a)
    assert eq(a, json.loads(json.dumps(a))) is True


@given(JSON)
def test_wildcard_selects_every_child_with_a_resolvable_pointer(document: Any) -> None:
    selected = list(ContextSelector("/*").select(document))
    if isinstance(document, (list, dict)):
        assert len(selected) == len(document)
    else:
        assert selected == []
    for pointer, node in selected:
        # Following the escaped pointer back, token by token, reaches the same node.
        current = document
        for token in pointer.split("/")[1:]:
            token = token.replace("~1", "/").replace("~0", "~")
            current = current[int(token)] if isinstance(current, list) else current[token]
        assert current is node
