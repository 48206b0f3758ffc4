"""Compiler of the rule language: a JSON expression becomes a tree of Python closures.

Everything that can be decided from the expression alone is decided here, once, when the rule
file loads: operator names, arities, `var` paths, regular expressions, depth and size. Evaluation
then only walks closures; it defines a result for every operator on every JSON type and raises
nothing but RuleError (step budget, size budget, oversized strings).

Budgets: every operator that does work proportional to the size of its operands pays for it
(`Env.spend`, in steps; long strings at one step per CHARS_PER_STEP characters), and every value
an operator builds is paid for by its size (`Env.build`). Such an operator marks the expression
`dynamic`, so that both budgets are reset for each context node.
"""

from __future__ import annotations

import functools
import json
import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

import re2

from conformance.core.errors import RuleError, SpecError
from conformance.core.limits import (
    RULE_MAX_DEPTH,
    RULE_MAX_MATCH_SUBJECT,
    RULE_MAX_NODES,
    RULE_MAX_PATTERN_LENGTH,
    RULE_REGEX_MAX_MEM,
)
from conformance.validation.jsonrules._values import (
    CHARS_PER_STEP,
    MAX_STEPS,
    MAX_STRING_LENGTH,
    Env,
    as_index,
    number,
    scalar_text,
    strict_equal,
    truthy,
)

MAX_DEPTH = RULE_MAX_DEPTH
MAX_NODES = RULE_MAX_NODES
MAX_PATTERN_LENGTH = RULE_MAX_PATTERN_LENGTH
MAX_MATCH_SUBJECT = RULE_MAX_MATCH_SUBJECT

Evaluator = Callable[[Any, Env], Any]


class _Problem(Exception):
    """A defect of an expression, found while compiling; `path` points into the expression."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


_MISSING = object()
Segment = tuple[str, int]  # (object key, array index or -1)


def parse_path(path: str) -> tuple[Segment, ...]:
    """Dotted `var` path -> segments; a segment of canonical digits also indexes arrays."""
    if path == "":
        return ()
    segments = []
    for part in path.split("."):
        canonical = part.isascii() and part.isdigit() and (part == "0" or part[0] != "0")
        segments.append((part, int(part) if canonical else -1))
    return tuple(segments)


def lookup(data: Any, segments: tuple[Segment, ...]) -> Any:
    """The value at `segments` below `data`, or _MISSING."""
    for key, index in segments:
        kind = type(data)
        if kind is dict:
            data = data.get(key, _MISSING)
            if data is _MISSING:
                return _MISSING
        elif kind is list and 0 <= index < len(data):
            data = data[index]
        else:
            return _MISSING
    return data


class Expression:
    """A compiled expression: `evaluate(data)` gives its value on a context node."""

    __slots__ = ("_function", "cost", "depth", "dynamic", "source")

    def __init__(self, source: Any, function: Evaluator, cost: int, depth: int,
                 dynamic: bool = True) -> None:
        self.source = source
        self._function = function
        self.cost = cost
        self.depth = depth
        self.dynamic = dynamic

    def evaluate(self, data: Any, *, root: Any = _MISSING, max_steps: int = MAX_STEPS) -> Any:
        """Value with `data` as context node and `root` as document root (shared: do not mutate)."""
        # Every operator node is paid for up front; loops and comparisons pay per item as they go.
        env = Env(data if root is _MISSING else root, max_steps)
        env.spend(self.cost)
        return self._function(data, env)

    def evaluator(self, root: Any, *, max_steps: int = MAX_STEPS) -> Callable[[Any], Any]:
        """A function giving the value on one context node after another of the document `root`."""
        # One Env for all nodes of a document, its budget reset per node: evaluating a rule on
        # many nodes then costs no allocation beyond what the operators make.
        env = Env(root, max_steps)
        function = self._function
        start = max_steps - self.cost
        built = env.size_budget
        if not self.dynamic:
            # Nothing spends steps or builds values while it runs: no reset between nodes.
            if start < 0:
                env.exhausted()
            return functools.partial(function, env=env)  # type: ignore[call-arg]

        def run(data: Any) -> Any:
            env.steps = start
            env.built = built
            if start < 0:
                env.exhausted()
            return function(data, env)

        return run

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"


def compile_expression(
    source: Any, *, field: str = "expression", location: str | None = None
) -> Expression:
    """Compile a JSON expression; SpecError naming `field` and the spot in the expression."""
    compiler = _Compiler()
    try:
        function = compiler.compile(source, "", 1)
    except _Problem as problem:
        raise SpecError(
            f"{field}: {problem.message} (at {problem.path or '/'} in the expression)",
            location=location,
        ) from None
    return Expression(source, function, compiler.cost, compiler.depth, compiler.dynamic)


def _literal(value: Any) -> Evaluator:
    def literal(data: Any, env: Env) -> Any:
        return value

    return literal


Builder = Callable[["_Compiler", list[Any], str, int], Evaluator]
# name -> (minimum arity, maximum arity or None, builder)
_OPERATORS: dict[str, tuple[int, int | None, Builder]] = {}
_LEFT_OUT = {
    "==": "'==' coerces types in JsonLogic and is not in this profile: use '==='",
    "!=": "'!=' coerces types in JsonLogic and is not in this profile: use '!=='",
}


def _operator(name: str, minimum: int, maximum: int | None) -> Callable[[Builder], Builder]:
    def register(builder: Builder) -> Builder:
        _OPERATORS[name] = (minimum, maximum, builder)
        return builder

    return register


def operators() -> tuple[str, ...]:
    """Names of the operators of the language, sorted."""
    return tuple(sorted(_OPERATORS))


class _Compiler:
    def __init__(self) -> None:
        self.nodes = 0  # every JSON value of the expression, bounded against alias bombs in YAML
        self.cost = 0  # operator nodes and array literals: what one evaluation runs at most once
        self.depth = 0
        # Whether evaluation spends steps beyond `cost` (loops, searches, deep comparisons); a
        # static expression cannot run out of budget once its cost fits.
        self.dynamic = False

    def compile(self, source: Any, path: str, depth: int) -> Evaluator:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Problem(f"expression has more than {MAX_NODES} nodes", path)
        if depth > MAX_DEPTH:
            raise _Problem(f"expression is nested deeper than {MAX_DEPTH} levels", path)
        self.depth = max(self.depth, depth)
        kind = type(source)
        if kind is dict:
            return self._operation(source, path, depth)
        if kind is list:
            self.cost += 1
            items = tuple(
                self.compile(item, f"{path}/{i}", depth + 1) for i, item in enumerate(source)
            )
            if all(type(item) is not dict and type(item) is not list for item in source):
                # An array of literals is built once: no operator mutates a value it is given.
                return _literal(list(source))
            self.dynamic = True
            size = len(items)

            def array(data: Any, env: Env) -> Any:
                env.build(size)
                return [item(data, env) for item in items]

            return array
        self.check_literal(source, path)
        return _literal(source)

    def check_literal(self, value: Any, path: str) -> None:
        kind = type(value)
        if value is None or kind is str or kind is bool or kind is int:
            return
        if kind is float:
            if not math.isfinite(value):
                raise _Problem(f"{value!r} is not a JSON number", path)
            return
        # YAML has types JSON lacks: an unquoted 2024-01-01 is a date, !!binary gives bytes.
        raise _Problem(
            f"{value!r} is a YAML {kind.__name__}, not a JSON value: quote it if text is meant",
            path,
        )

    def _operation(self, source: dict[Any, Any], path: str, depth: int) -> Evaluator:
        if len(source) != 1:
            raise _Problem(
                "an operation is an object with exactly one key, the operator; object literals "
                f"are not part of the language (found keys {sorted(map(str, source))})",
                path,
            )
        ((name, raw_args),) = source.items()
        where = f"{path}/{name}"
        if not isinstance(name, str):
            raise _Problem(f"operator {name!r} is not a string", path)
        if name in _LEFT_OUT:
            raise _Problem(_LEFT_OUT[name], where)
        if name not in _OPERATORS:
            raise _Problem(
                f"unknown operator {name!r}; operators: {', '.join(operators())}", where
            )
        minimum, maximum, builder = _OPERATORS[name]
        # JsonLogic: a single argument may be written without the array.
        args = raw_args if type(raw_args) is list else [raw_args]
        if len(args) < minimum or (maximum is not None and len(args) > maximum):
            expected = (
                f"{minimum}" if minimum == maximum
                else f"{minimum} or more" if maximum is None
                else f"{minimum} to {maximum}"
            )
            raise _Problem(f"'{name}' takes {expected} arguments, found {len(args)}", where)
        self.cost += 1
        return builder(self, args, where, depth + 1)

    def each(self, args: Sequence[Any], path: str, depth: int) -> tuple[Evaluator, ...]:
        return tuple(self.compile(arg, f"{path}/{i}", depth) for i, arg in enumerate(args))

    def body(self, source: Any, path: str, depth: int) -> tuple[Evaluator, int]:
        """Compile a loop body; also return its cost, charged once per item it runs for."""
        self.dynamic = True
        before = self.cost
        function = self.compile(source, path, depth)
        return function, self.cost - before + 1

    def path_literal(self, value: Any, path: str) -> str:
        if type(value) is int and value >= 0:
            return str(value)
        if type(value) is not str:
            raise _Problem(f"a path must be a literal string, found {value!r}", path)
        return value


# --- data access ---------------------------------------------------------------------------------


def _access(
    compiler: _Compiler, args: list[Any], path: str, depth: int, *, root: bool
) -> Evaluator:
    segments = parse_path(compiler.path_literal(args[0], f"{path}/0")) if args else ()
    default = compiler.compile(args[1], f"{path}/1", depth) if len(args) > 1 else None

    if root:
        def from_root(data: Any, env: Env) -> Any:
            value = lookup(env.root, segments)
            if value is _MISSING:
                return None if default is None else default(data, env)
            return value

        return from_root
    if default is None and len(segments) == 1:
        # The commonest shape, {"var": "name"}, without the loop.
        ((key, index),) = segments

        def var_one(data: Any, env: Env) -> Any:
            kind = type(data)
            if kind is dict:
                return data.get(key)
            if kind is list and 0 <= index < len(data):
                return data[index]
            return None

        return var_one

    if default is None:

        def var_path(data: Any, env: Env) -> Any:
            # lookup() inlined: this closure runs once per context node and per loop item.
            for key, index in segments:
                kind = type(data)
                if kind is dict:
                    data = data.get(key, _MISSING)
                    if data is _MISSING:
                        return None
                elif kind is list and 0 <= index < len(data):
                    data = data[index]
                else:
                    return None
            return data

        return var_path

    fallback = default

    def var(data: Any, env: Env) -> Any:
        value = lookup(data, segments)
        return fallback(data, env) if value is _MISSING else value

    return var


@_operator("var", 0, 2)
def _var(compiler: _Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    return _access(compiler, args, path, depth, root=False)


@_operator("root", 0, 2)
def _root(compiler: _Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    return _access(compiler, args, path, depth, root=True)


@_operator("missing", 1, None)
def _missing(compiler: _Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    if len(args) == 1 and type(args[0]) is list:
        args, path = args[0], f"{path}/0"
    paths = tuple(
        (text, parse_path(text))
        for text in (compiler.path_literal(a, f"{path}/{i}") for i, a in enumerate(args))
    )

    def missing(data: Any, env: Env) -> Any:
        absent = []
        for text, segments in paths:
            value = lookup(data, segments)
            if value is _MISSING or value is None or value == "":
                absent.append(text)
        return absent

    return missing


# --- logic ---------------------------------------------------------------------------------------


@_operator("if", 2, None)
def _if(compiler: _Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    parts = compiler.each(args, path, depth)
    if len(parts) == 3:
        guard, then, otherwise = parts

        def if3(data: Any, env: Env) -> Any:
            return then(data, env) if truthy(guard(data, env)) else otherwise(data, env)

        return if3
    count = len(parts)

    def if_chain(data: Any, env: Env) -> Any:
        i = 0
        while i + 1 < count:
            if truthy(parts[i](data, env)):
                return parts[i + 1](data, env)
            i += 2
        return parts[-1](data, env) if count % 2 else None

    return if_chain


@_operator("===", 2, 2)
def _equal(compiler: _Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    left, right = compiler.each(args, path, depth)
    compiler.dynamic = True  # arrays and objects are compared item by item

    def equal(data: Any, env: Env) -> Any:
        return strict_equal(left(data, env), right(data, env), env)

    return equal


@_operator("!==", 2, 2)
def _not_equal(compiler: _Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    left, right = compiler.each(args, path, depth)
    compiler.dynamic = True

    def not_equal(data: Any, env: Env) -> Any:
        return not strict_equal(left(data, env), right(data, env), env)

    return not_equal


@_operator("!", 1, 1)
def _not(compiler: _Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    (operand,) = compiler.each(args, path, depth)

    def negation(data: Any, env: Env) -> Any:
        return not truthy(operand(data, env))

    return negation


@_operator("!!", 1, 1)
def _bool(compiler: _Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    (operand,) = compiler.each(args, path, depth)

    def boolean(data: Any, env: Env) -> Any:
        return truthy(operand(data, env))

    return boolean


@_operator("and", 1, None)
def _and(compiler: _Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    parts = compiler.each(args, path, depth)

    def conjunction(data: Any, env: Env) -> Any:
        value = None
        for part in parts:
            value = part(data, env)
            if not truthy(value):
                return value
        return value

    return conjunction


@_operator("or", 1, None)
def _or(compiler: _Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    parts = compiler.each(args, path, depth)

    def disjunction(data: Any, env: Env) -> Any:
        value = None
        for part in parts:
            value = part(data, env)
            if truthy(value):
                return value
        return value

    return disjunction


# --- comparison ----------------------------------------------------------------------------------


def _comparable(a: Any, b: Any) -> bool:
    ka, kb = type(a), type(b)
    return ((ka is int or ka is float) and (kb is int or kb is float)) or (ka is str and kb is str)


def _comparison(name: str, test: Callable[[Any, Any], bool]) -> None:
    def build(compiler: _Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
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

    _operator(name, 2, 3)(build)


_comparison("<", operator.lt)
_comparison("<=", operator.le)
_comparison(">", operator.gt)
_comparison(">=", operator.ge)


# --- arithmetic ----------------------------------------------------------------------------------


@_operator("+", 1, None)
def _plus(compiler: _Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
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


@_operator("*", 1, None)
def _times(compiler: _Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
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


def _numbers(*values: Any) -> bool:
    for value in values:
        kind = type(value)
        if kind is not int and kind is not float:
            return False
    return True


@_operator("-", 1, 2)
def _minus(compiler: _Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
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


@_operator("/", 2, 2)
def _divide(compiler: _Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
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


@_operator("%", 2, 2)
def _remainder(compiler: _Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
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
    def build(compiler: _Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
        parts = compiler.each(args, path, depth)

        def extreme(data: Any, env: Env) -> Any:
            values = [part(data, env) for part in parts]
            return pick(values) if _numbers(*values) else None

        return extreme

    _operator(name, 1, None)(build)


_extreme("max", max)
_extreme("min", min)


# --- strings and arrays --------------------------------------------------------------------------


def _literal_strings(source: Any) -> frozenset[str] | None:
    """The items of an array literal made only of strings, else None."""
    if type(source) is list and source and all(type(item) is str for item in source):
        return frozenset(source)
    return None


@_operator("in", 2, 2)
def _in(compiler: _Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
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


@_operator("cat", 1, None)
def _cat(compiler: _Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    parts = compiler.each(args, path, depth)
    compiler.dynamic = True

    def concatenate(data: Any, env: Env) -> Any:
        texts = []
        length = 0
        for part in parts:
            text = scalar_text(part(data, env))
            if text is None:
                return None
            length += len(text)
            if length > MAX_STRING_LENGTH:
                raise RuleError(f"'cat' result longer than {MAX_STRING_LENGTH} characters")
            texts.append(text)
        env.build(length)
        return "".join(texts)

    return concatenate


@_operator("substr", 2, 3)
def _substr(compiler: _Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    parts = compiler.each(args, path, depth)
    source_of, start_of = parts[0], parts[1]
    length_of = parts[2] if len(parts) == 3 else None
    compiler.dynamic = True

    def substring(data: Any, env: Env) -> Any:
        source, start = source_of(data, env), as_index(start_of(data, env))
        if type(source) is not str or start is None:
            return None
        result: str = source[start:]
        if length_of is not None:
            length = as_index(length_of(data, env))
            if length is None:
                return None
            result = result[:length]  # a negative length drops characters from the end
        env.build(len(result))
        return result

    return substring


@_operator("count", 1, 1)
def _count(compiler: _Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    (operand,) = compiler.each(args, path, depth)

    def count(data: Any, env: Env) -> Any:
        value = operand(data, env)
        kind = type(value)
        return len(value) if kind is list or kind is str else None

    return count


def _quantifier(name: str, *, empty: bool, stop_at: bool, stopped: bool) -> None:
    """An item whose truthiness is `stop_at` ends the loop with `stopped`; else `not stopped`."""

    def build(compiler: _Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
        items_of = compiler.compile(args[0], f"{path}/0", depth)
        predicate, cost = compiler.body(args[1], f"{path}/1", depth)

        def quantify(data: Any, env: Env) -> Any:
            items = items_of(data, env)
            if type(items) is not list or not items:
                return empty
            for item in items:
                env.spend(cost)
                if truthy(predicate(item, env)) is stop_at:
                    return stopped
            return not stopped

        return quantify

    _operator(name, 2, 2)(build)


# JsonLogic's "all" is false on an empty (or absent) array; kept for compatibility, documented.
_quantifier("all", empty=False, stop_at=False, stopped=False)
_quantifier("some", empty=False, stop_at=True, stopped=True)
_quantifier("none", empty=True, stop_at=True, stopped=False)


@_operator("reduce", 3, 3)
def _reduce(compiler: _Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    items_of = compiler.compile(args[0], f"{path}/0", depth)
    step, cost = compiler.body(args[1], f"{path}/1", depth)
    initial_of = compiler.compile(args[2], f"{path}/2", depth)

    def reduce(data: Any, env: Env) -> Any:
        items = items_of(data, env)
        accumulator = initial_of(data, env)
        if type(items) is not list:
            return accumulator
        for item in items:
            env.spend(cost)
            accumulator = step({"current": item, "accumulator": accumulator}, env)
        return accumulator

    return reduce


@_operator("map", 2, 2)
def _map(compiler: _Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    items_of = compiler.compile(args[0], f"{path}/0", depth)
    body, cost = compiler.body(args[1], f"{path}/1", depth)

    def map_items(data: Any, env: Env) -> Any:
        items = items_of(data, env)
        if type(items) is not list:
            return []
        env.spend(cost * len(items))
        env.build(len(items))
        return [body(item, env) for item in items]

    return map_items


@_operator("unique", 1, 1)
def _unique(compiler: _Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
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


# --- regular expressions -------------------------------------------------------------------------

# RE2 matches in time linear in the subject whatever the pattern: its safety comes from the engine,
# not from screening patterns. Patterns it cannot express (back-references, lookaround) are
# refused when the rule file loads.
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # errors are ours to report, as a SpecError
_RE2_OPTIONS.never_capture = True  # `match` only asks whether the whole subject matches
_RE2_OPTIONS.max_mem = RULE_REGEX_MAX_MEM
_ANCHOR_BOTH = re2._Anchor.ANCHOR_BOTH
_HEX = frozenset("0123456789abcdefABCDEF")


def _re2_syntax(pattern: str) -> str:
    r"""`\uXXXX` (Python, ECMAScript, XML Schema) as RE2's `\x{XXXX}`; the rest unchanged."""
    if "\\u" not in pattern:
        return pattern
    out: list[str] = []
    i, end = 0, len(pattern)
    while i < end:
        char = pattern[i]
        if char == "\\" and i + 1 < end:
            if pattern[i + 1] == "u" and len(pattern) >= i + 6 and set(pattern[i + 2:i + 6]) <= _HEX:
                out.append("\\x{" + pattern[i + 2:i + 6] + "}")
                i += 6
                continue
            out.append(pattern[i:i + 2])
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def compile_pattern(pattern: Any, path: str = "") -> tuple[Callable[[str], bool], int]:
    """Compile a `match` pattern (literal, bounded, RE2); _Problem if refused.

    Gives the full-match test and the size of the compiled program, on which the time per
    character depends: RE2's DFA reads a character in a few nanoseconds, but when a pattern's
    states outgrow the DFA's memory it falls back to simulating the program, up to about 150 ns
    per character per instruction (measured with `(a|b)*a(a|b){20}`).
    """
    if type(pattern) is not str:
        raise _Problem(f"the pattern of 'match' must be a literal string, found {pattern!r}", path)
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise _Problem(f"pattern longer than {MAX_PATTERN_LENGTH} characters", path)
    try:
        compiled = re2.compile(_re2_syntax(pattern), options=_RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and type(exc.args[0]) is bytes \
            else str(exc)
        raise _Problem(f"invalid regular expression {pattern!r}: {reason} (the dialect is RE2: "
                       "no back-references, no lookaround; see LANGUAGE.md section 5)", path) from None
    program = compiled.programsize
    regexp = getattr(compiled, "_regexp", None)
    if regexp is None:  # pragma: no cover - another release of the binding: its public, slower path
        return (lambda subject: compiled.fullmatch(subject) is not None), program

    # The binding's own `fullmatch` builds a match object and maps offsets back to characters,
    # 8x the cost of the match itself; a yes/no needs only the span of the whole match.
    def fullmatch(subject: str) -> bool:
        encoded = subject.encode("utf-8")
        return regexp.Match(_ANCHOR_BOTH, encoded, 0, len(encoded))[0][0] == 0

    return fullmatch, program


# Steps charged per character and instruction of the pattern's program, as a shift: one step per
# 8, so that the slowest matching (about 150 ns per character and instruction) still costs no more
# than about a microsecond per step.
_MATCH_COST_SHIFT = 3


@_operator("match", 2, 2)
def _match(compiler: _Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    subject_of = compiler.compile(args[0], f"{path}/0", depth)
    compiler.nodes += 1
    compiler.dynamic = True
    fullmatch, program = compile_pattern(args[1], f"{path}/1")

    def match(data: Any, env: Env) -> Any:
        subject = subject_of(data, env)
        if type(subject) is not str:
            return False
        length = len(subject)
        if length > MAX_MATCH_SUBJECT:
            raise RuleError(f"'match' subject longer than {MAX_MATCH_SUBJECT} characters")
        env.spend((length * program) >> _MATCH_COST_SHIFT)
        try:
            return fullmatch(subject)
        except UnicodeEncodeError:
            # Only a lone surrogate cannot be encoded; parsers refuse them, this stays total.
            raise RuleError("'match' subject holds a lone surrogate, which is not Unicode text") \
                from None

    return match
