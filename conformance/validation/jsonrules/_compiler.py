"""The compiler of the rule language: expression data becomes a tree of evaluator closures.

Everything that can be decided from the expression alone is decided here, once, when the rule
file loads: operator names, arities, depth and size, refused YAML types. Each operator module
(`_paths`, `_logic`, `_comparison`, `_arithmetic`, `_strings`, `_arrays`, `_loops`, `_patterns`)
registers builders in a table of its own; `_expression` joins the tables and hands the result to
`Compiler`, so this module knows no operator and no operator module knows another.

A builder also tells the compiler what evaluation will cost: `cost` counts the nodes one
evaluation runs at most once (paid up front), and `dynamic` marks an expression that pays more as
it runs (loops, searches, long strings, built values), whose budgets are reset per context node.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from conformance.core.limits import RULE_MAX_DEPTH, RULE_MAX_NODES
from conformance.validation.jsonrules._values import Env

MAX_DEPTH = RULE_MAX_DEPTH
MAX_NODES = RULE_MAX_NODES

Evaluator = Callable[[Any, Env], Any]
Builder = Callable[["Compiler", list[Any], str, int], Evaluator]

# JsonLogic operators left out of the profile on purpose, with the reason given to the author.
LEFT_OUT = {
    "==": "'==' coerces types in JsonLogic and is not in this profile: use '==='",
    "!=": "'!=' coerces types in JsonLogic and is not in this profile: use '!=='",
}


class Problem(Exception):
    """A defect of an expression, found while compiling; `path` points into the expression."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


@dataclass(frozen=True, slots=True)
class Operator:
    """An operator of the language: its arity (`maximum` None: unbounded) and its builder."""

    minimum: int
    maximum: int | None
    build: Builder


OperatorTable = dict[str, Operator]


def operator(table: OperatorTable, name: str, minimum: int,
             maximum: int | None) -> Callable[[Builder], Builder]:
    """Decorator entering a builder in `table` as operator `name` with its arity."""

    def register(builder: Builder) -> Builder:
        table[name] = Operator(minimum, maximum, builder)
        return builder

    return register


def literal(value: Any) -> Evaluator:
    """An evaluator giving `value` on every node (shared: no operator mutates what it is given)."""

    def constant(data: Any, env: Env) -> Any:
        return value

    return constant


class Compiler:
    """One compilation: the operator table, and what the builders learn about cost and depth."""

    def __init__(self, operators: OperatorTable) -> None:
        self.operators = operators
        self.nodes = 0  # every JSON value of the expression, bounded against alias bombs in YAML
        self.cost = 0  # operator nodes and array literals: what one evaluation runs at most once
        self.depth = 0
        # Whether evaluation spends steps beyond `cost` (loops, searches, deep comparisons); a
        # static expression cannot run out of budget once its cost fits.
        self.dynamic = False

    def compile(self, source: Any, path: str, depth: int) -> Evaluator:
        """The evaluator of `source` found at `path`, `depth` levels down; Problem if refused."""
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise Problem(f"expression has more than {MAX_NODES} nodes", path)
        if depth > MAX_DEPTH:
            raise Problem(f"expression is nested deeper than {MAX_DEPTH} levels", path)
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
                return literal(list(source))
            self.dynamic = True
            size = len(items)

            def array(data: Any, env: Env) -> Any:
                env.build(size)
                return [item(data, env) for item in items]

            return array
        self.check_literal(source, path)
        return literal(source)

    def check_literal(self, value: Any, path: str) -> None:
        """Problem unless `value` is a JSON scalar (YAML also gives dates, bytes, infinities)."""
        kind = type(value)
        if value is None or kind is str or kind is bool or kind is int:
            return
        if kind is float:
            if not math.isfinite(value):
                raise Problem(f"{value!r} is not a JSON number", path)
            return
        # YAML has types JSON lacks: an unquoted 2024-01-01 is a date, !!binary gives bytes.
        raise Problem(
            f"{value!r} is a YAML {kind.__name__}, not a JSON value: quote it if text is meant",
            path,
        )

    def _operation(self, source: dict[Any, Any], path: str, depth: int) -> Evaluator:
        if len(source) != 1:
            raise Problem(
                "an operation is an object with exactly one key, the operator; object literals "
                f"are not part of the language (found keys {sorted(map(str, source))})",
                path,
            )
        ((name, raw_args),) = source.items()
        where = f"{path}/{name}"
        if not isinstance(name, str):
            raise Problem(f"operator {name!r} is not a string", path)
        if name in LEFT_OUT:
            raise Problem(LEFT_OUT[name], where)
        found = self.operators.get(name)
        if found is None:
            raise Problem(
                f"unknown operator {name!r}; operators: {', '.join(sorted(self.operators))}", where
            )
        minimum, maximum = found.minimum, found.maximum
        # JsonLogic: a single argument may be written without the array.
        args = raw_args if type(raw_args) is list else [raw_args]
        if len(args) < minimum or (maximum is not None and len(args) > maximum):
            expected = (
                f"{minimum}" if minimum == maximum
                else f"{minimum} or more" if maximum is None
                else f"{minimum} to {maximum}"
            )
            raise Problem(f"'{name}' takes {expected} arguments, found {len(args)}", where)
        self.cost += 1
        return found.build(self, args, where, depth + 1)

    def each(self, args: Sequence[Any], path: str, depth: int) -> tuple[Evaluator, ...]:
        """The evaluators of the arguments `args` of the operator at `path`."""
        return tuple(self.compile(arg, f"{path}/{i}", depth) for i, arg in enumerate(args))

    def body(self, source: Any, path: str, depth: int) -> tuple[Evaluator, int]:
        """Compile a loop body; also return its cost, charged once per item it runs for."""
        self.dynamic = True
        before = self.cost
        function = self.compile(source, path, depth)
        return function, self.cost - before + 1

    def path_literal(self, value: Any, path: str) -> str:
        """A `var` path as text (a non-negative integer is one too); Problem if not a literal."""
        if type(value) is int and value >= 0:
            return str(value)
        if type(value) is not str:
            raise Problem(f"a path must be a literal string, found {value!r}", path)
        return value
