"""Arithmetic: `+`, `*`, `-`, `/`, `%`, `max`, `min`, on JSON numbers only (else null).

Results go through `_values.number`: integers stay exact up to INT_LIMIT and become doubles
beyond, non-finite results are null, so no rule can build a huge integer or print `Infinity`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from conformance.validation.jsonrules._compiler import Compiler, Evaluator, OperatorTable, operator
from conformance.validation.jsonrules._values import Env, number

OPERATORS: OperatorTable = {}


def _numbers(*values: Any) -> bool:
    for value in values:
        kind = type(value)
        if kind is not int and kind is not float:
            return False
    return True


@operator(OPERATORS, "+", 1, None)
def _plus(compiler: Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    parts = compiler.each(args, path, depth)

    def plus(data: Any, env: Env) -> Any:
        total: int | float = 0
        for part in parts:
            value = part(data, env)
            kind = type(value)
            if kind is not int and kind is not float:
                return None
            total += value
        return number(total)

    return plus


@operator(OPERATORS, "*", 1, None)
def _times(compiler: Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    parts = compiler.each(args, path, depth)

    def times(data: Any, env: Env) -> Any:
        product: int | float | None = 1
        for part in parts:
            value = part(data, env)
            kind = type(value)
            if product is None or (kind is not int and kind is not float):
                return None
            # Normalised at each step so integers never grow past INT_LIMIT * INT_LIMIT.
            product = number(product * value)
        return product

    return times


@operator(OPERATORS, "-", 1, 2)
def _minus(compiler: Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    parts = compiler.each(args, path, depth)
    if len(parts) == 1:
        (operand,) = parts

        def negate(data: Any, env: Env) -> Any:
            value = operand(data, env)
            return number(-value) if _numbers(value) else None

        return negate
    left, right = parts

    def minus(data: Any, env: Env) -> Any:
        a, b = left(data, env), right(data, env)
        return number(a - b) if _numbers(a, b) else None

    return minus


@operator(OPERATORS, "/", 2, 2)
def _divide(compiler: Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    left, right = compiler.each(args, path, depth)

    def divide(data: Any, env: Env) -> Any:
        a, b = left(data, env), right(data, env)
        if not _numbers(a, b) or b == 0:
            return None
        if type(a) is int and type(b) is int:
            quotient, remainder = divmod(a, b)
            if remainder == 0:
                return number(quotient)
        try:
            return number(a / b)
        except OverflowError:  # int / int whose quotient exceeds the double range
            return None

    return divide


@operator(OPERATORS, "%", 2, 2)
def _remainder(compiler: Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    left, right = compiler.each(args, path, depth)

    def remainder(data: Any, env: Env) -> Any:
        a, b = left(data, env), right(data, env)
        if not _numbers(a, b) or b == 0:
            return None
        # JavaScript's %: the result has the sign of the dividend (Python's % follows the divisor).
        if type(a) is int and type(b) is int:
            result = abs(a) % abs(b)
            return number(-result if a < 0 else result)
        try:
            return number(math.fmod(a, b))
        except (ValueError, OverflowError):  # infinities cannot come from JSON; be total anyway
            return None

    return remainder


def _extreme(name: str, pick: Callable[[Sequence[Any]], Any]) -> None:
    def build(compiler: Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
        parts = compiler.each(args, path, depth)

        def extreme(data: Any, env: Env) -> Any:
            values = [part(data, env) for part in parts]
            return pick(values) if _numbers(*values) else None

        return extreme

    operator(OPERATORS, name, 1, None)(build)


_extreme("max", max)
_extreme("min", min)
