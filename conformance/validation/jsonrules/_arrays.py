"""Questions about an array (or a string) as a whole: `in`, `count`, `unique`.

`in` pays per item searched (a list of strings written in the rule becomes a set, charged with
the expression up front); `unique` is linear, keying scalars by value and arrays and objects by a
canonical text built within the step and size budgets.
"""

from __future__ import annotations

import json
from typing import Any

from conformance.validation.jsonrules._compiler import Compiler, Evaluator, OperatorTable, operator
from conformance.validation.jsonrules._values import CHARS_PER_STEP, Env, strict_equal

OPERATORS: OperatorTable = {}


def _literal_strings(source: Any) -> frozenset[str] | None:
    """The items of an array literal made only of strings, else None."""
    if type(source) is list and source and all(type(item) is str for item in source):
        return frozenset(source)
    return None


@operator(OPERATORS, "in", 2, 2)
def _in(compiler: Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    needle_of, haystack_of = compiler.each(args, path, depth)
    strings = _literal_strings(args[1])
    if strings is not None:
        # A list of strings written in the rule (a code list in small): a set look-up, with the
        # same result and the same step charge as the search below.
        # The search of a literal list is charged with the expression's cost, up front.
        compiler.cost += len(args[1])

        def contains_literal(data: Any, env: Env) -> Any:
            needle = needle_of(data, env)
            return type(needle) is str and needle in strings

        return contains_literal

    compiler.dynamic = True

    def contains(data: Any, env: Env) -> Any:
        needle, haystack = needle_of(data, env), haystack_of(data, env)
        kind = type(haystack)
        if kind is str:
            if type(needle) is not str:
                return False
            if len(haystack) > CHARS_PER_STEP:
                env.spend(len(haystack) // CHARS_PER_STEP)
            return needle in haystack
        if kind is not list:
            return False
        if type(needle) is str or needle is None:
            # Python's == is already strict between a str (or None) and any JSON value; each
            # item of the same length costs a comparison of the characters.
            env.spend(len(haystack) * (1 + (len(needle) // CHARS_PER_STEP if needle else 0)))
            return needle in haystack
        env.spend(len(haystack))
        return any(strict_equal(needle, item, env) for item in haystack)

    return contains


@operator(OPERATORS, "count", 1, 1)
def _count(compiler: Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    (operand,) = compiler.each(args, path, depth)

    def count(data: Any, env: Env) -> Any:
        value = operand(data, env)
        kind = type(value)
        return len(value) if kind is list or kind is str else None

    return count


@operator(OPERATORS, "unique", 1, 1)
def _unique(compiler: Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    (operand,) = compiler.each(args, path, depth)
    compiler.dynamic = True

    def unique(data: Any, env: Env) -> Any:
        items = operand(data, env)
        if type(items) is not list:
            return None
        env.spend(len(items))
        # Scalars are compared as `===` does (1 and 1.0 equal, true and 1 not); linear time.
        seen: set[tuple[str, Any]] = set()
        for item in items:
            kind = type(item)
            if kind is list or kind is dict:
                key = ("json", _canonical(item, env))
            elif kind is bool or item is None:
                key = ("literal", item)
            elif kind is int or kind is float:
                key = ("number", item)
            else:
                key = ("string", item)
            if key in seen:
                return False
            seen.add(key)
        return True

    return unique


def _canonical(value: Any, env: Env) -> str:
    """A text equal for two values exactly when `===` holds between them; paid for as it is built.

    Iterative with one step per node visited: values a rule builds share structure (`reduce` with
    `[acc, acc]` doubles a value per step for no memory), so their expansion may be far larger
    and deeper than any document, and is cut by the budgets rather than the Python stack.
    Arrays and objects carry their length, so no closing mark is needed.
    """
    pieces: list[str] = []
    pending = [value]
    while pending:
        item = pending.pop()
        env.spend(1)
        kind = type(item)
        if kind is list:
            piece = f"[{len(item)}:"
            pending.extend(reversed(item))
        elif kind is dict:
            keys = sorted(item)
            env.spend(len(keys))
            piece = f"{{{len(keys)}:"
            for key in reversed(keys):
                pending.append(item[key])
                pending.append(_Key(key))
        elif type(item) is _Key:
            piece = "k" + json.dumps(item.name)
        elif kind is str:
            piece = "s" + json.dumps(item)
        elif kind is bool or item is None:
            piece = "t" if item is True else "f" if item is False else "n"
        elif kind is float and item.is_integer():
            piece = f"i{int(item)}"  # 1.0 === 1
        elif kind is int:
            piece = f"i{item}"
        else:
            piece = f"d{item!r}"
        env.build(len(piece))
        pieces.append(piece)
    return "".join(pieces)


class _Key:
    """An object member name on the stack of `_canonical` (told apart from a string value)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name
