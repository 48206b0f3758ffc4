"""Comparison: strict equality (`===`, `!==`) and order (`<`, `<=`, `>`, `>=`, and "between").

Equality never coerces (see `_values.strict_equal`); order is defined on two numbers or two
strings (by code point, so ISO dates of one form compare chronologically) and is false otherwise.
Long strings are paid for by their length, arrays and objects pair by pair.
"""

from __future__ import annotations

import operator as op
from collections.abc import Callable
from typing import Any

from conformance.validation.jsonrules._compiler import Compiler, Evaluator, OperatorTable, operator
from conformance.validation.jsonrules._values import CHARS_PER_STEP, Env, strict_equal

OPERATORS: OperatorTable = {}


@operator(OPERATORS, "===", 2, 2)
def _equal(compiler: Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    left, right = compiler.each(args, path, depth)
    compiler.dynamic = True  # arrays and objects are compared item by item

    def equal(data: Any, env: Env) -> Any:
        return strict_equal(left(data, env), right(data, env), env)

    return equal


@operator(OPERATORS, "!==", 2, 2)
def _not_equal(compiler: Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    left, right = compiler.each(args, path, depth)
    compiler.dynamic = True

    def not_equal(data: Any, env: Env) -> Any:
        return not strict_equal(left(data, env), right(data, env), env)

    return not_equal


def _comparable(a: Any, b: Any) -> bool:
    ka, kb = type(a), type(b)
    return ((ka is int or ka is float) and (kb is int or kb is float)) or (ka is str and kb is str)


def _order(name: str, test: Callable[[Any, Any], bool]) -> None:
    def build(compiler: Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
        parts = compiler.each(args, path, depth)
        if len(parts) == 2 and type(args[1]) in (int, float):
            # `{"<": [x, 0]}`, the commonest shape: the literal's type is known when compiling.
            left, bound = parts[0], args[1]

            def compare_number(data: Any, env: Env) -> Any:
                a = left(data, env)
                kind = type(a)
                return (kind is int or kind is float) and test(a, bound)

            return compare_number
        compiler.dynamic = True  # strings are compared character by character
        if len(parts) == 2:
            left, right = parts

            def compare(data: Any, env: Env) -> Any:
                a, b = left(data, env), right(data, env)
                if not _comparable(a, b):
                    return False
                if type(a) is str and len(a) > CHARS_PER_STEP:
                    env.spend(len(a) // CHARS_PER_STEP)
                return test(a, b)

            return compare
        first, middle, last = parts

        def between(data: Any, env: Env) -> Any:
            a, b, c = first(data, env), middle(data, env), last(data, env)
            if not (_comparable(a, b) and _comparable(b, c)):
                return False
            if type(b) is str and len(b) > CHARS_PER_STEP:
                env.spend(2 * (len(b) // CHARS_PER_STEP))
            return test(a, b) and test(b, c)

        return between

    operator(OPERATORS, name, 2, 3)(build)


_order("<", op.lt)
_order("<=", op.le)
_order(">", op.gt)
_order(">=", op.ge)
