"""A compiled expression and how to get one: `compile_expression` over the joined operator tables.

The language is one table of operators, joined here from the modules that define them (reading
the document, logic, comparison, arithmetic, strings, arrays, loops, `match`); `_compiler` turns
expression data into evaluator closures with that table. Evaluation then only walks closures; it
defines a result for every operator on every JSON type and raises nothing but RuleError (step
budget, size budget, oversized strings).

Budgets: every operator that does work proportional to the size of its operands pays for it
(`Env.spend`, in steps; long strings at one step per CHARS_PER_STEP characters), and every value
an operator builds is paid for by its size (`Env.build`). Such an operator marks the expression
`dynamic`, so that both budgets are reset for each context node.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from conformance.core.errors import SpecError
from conformance.validation.jsonrules import (
    _arithmetic,
    _arrays,
    _comparison,
    _logic,
    _loops,
    _paths,
    _patterns,
    _strings,
)
from conformance.validation.jsonrules._compiler import Compiler, Evaluator, OperatorTable, Problem
from conformance.validation.jsonrules._values import MAX_STEPS, Env


def _joined(*tables: OperatorTable) -> OperatorTable:
    """One table of all operators; an operator defined twice is a defect of this package."""
    joined: OperatorTable = {}
    for table in tables:
        for name, defined in table.items():
            if name in joined:
                raise RuntimeError(f"operator {name!r} is defined twice")
            joined[name] = defined
    return joined


OPERATORS = _joined(
    _paths.OPERATORS, _logic.OPERATORS, _comparison.OPERATORS, _arithmetic.OPERATORS,
    _strings.OPERATORS, _arrays.OPERATORS, _loops.OPERATORS, _patterns.OPERATORS,
)
_NO_ROOT = object()


def operators() -> tuple[str, ...]:
    """Names of the operators of the language, sorted."""
    return tuple(sorted(OPERATORS))


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

    def evaluate(self, data: Any, *, root: Any = _NO_ROOT, max_steps: int = MAX_STEPS) -> Any:
        """Value with `data` as context node and `root` as document root (shared: do not mutate)."""
        # Every operator node is paid for up front; loops and comparisons pay per item as they go.
        env = Env(data if root is _NO_ROOT else root, max_steps)
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
    compiler = Compiler(OPERATORS)
    try:
        function = compiler.compile(source, "", 1)
    except Problem as problem:
        raise SpecError(
            f"{field}: {problem.message} (at {problem.path or '/'} in the expression)",
            location=location,
        ) from None
    return Expression(source, function, compiler.cost, compiler.depth, compiler.dynamic)
