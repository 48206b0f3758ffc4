"""The compiler and its operator tables: one language joined from modules that do not overlap."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.core.errors import RuleError, SpecError
from conformance.validation.jsonrules import _expression, compile_expression, operators
from conformance.validation.jsonrules._compiler import (
    Compiler,
    Evaluator,
    Operator,
    OperatorTable,
    Problem,
    operator,
)
from conformance.validation.jsonrules._values import Env

MODULES = ("_paths", "_logic", "_comparison", "_arithmetic", "_strings", "_arrays", "_loops", "_patterns")


def _tables() -> dict[str, OperatorTable]:
    return {name: getattr(_expression, name).OPERATORS for name in MODULES}


def test_each_operator_is_defined_by_exactly_one_module() -> None:
    owners: dict[str, list[str]] = {}
    for module, table in _tables().items():
        assert table, f"{module} defines no operator"
        for name in table:
            owners.setdefault(name, []).append(module)
    assert {name: found for name, found in owners.items() if len(found) > 1} == {}
    assert tuple(sorted(owners)) == operators()
    assert owners["match"] == ["_patterns"] and owners["var"] == ["_paths"]


def test_joining_refuses_an_operator_defined_twice() -> None:
    logic = _tables()["_logic"]
    with pytest.raises(RuntimeError, match="operator 'and' is defined twice"):
        _expression._joined(logic, {"and": logic["and"]})


def test_a_compiler_knows_only_its_table() -> None:
    table: OperatorTable = {}

    @operator(table, "twice", 1, 1)
    def _twice(compiler: Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
        (operand,) = compiler.each(args, path, depth)
        return lambda data, env: 2 * operand(data, env)

    assert table == {"twice": Operator(1, 1, _twice)}
    compiler = Compiler(table)
    assert compiler.compile({"twice": 21}, "", 1)(None, Env(None, 10)) == 42
    assert compiler.cost == 1 and compiler.depth == 2 and not compiler.dynamic
    with pytest.raises(Problem, match="unknown operator 'var'; operators: twice"):
        Compiler(table).compile({"var": "a"}, "", 1)
    with pytest.raises(SpecError, match="unknown operator 'twice'"):
        compile_expression({"twice": 21})  # the language's table is not changed by another one


def test_spending_the_step_budget() -> None:
    env = Env(None, 10)
    env.spend(10)
    assert env.steps == 0
    with pytest.raises(RuleError, match="step budget of 10 steps exhausted"):
        env.spend(1)


@pytest.mark.parametrize(("loop", "test", "value"), [("all", "!==", True), ("some", "===", False),
                                                     ("none", "===", True)])
def test_quantifiers_pay_per_item_they_run_for(loop: str, test: str, value: bool) -> None:
    # Up front: the quantifier, `var`, the test and its `var` (4); per item: the body (2) plus one.
    expression = compile_expression({loop: [{"var": "xs"}, {test: [{"var": ""}, -1]}]})
    data = {"xs": [0] * 10}  # no item decides the loop: it runs for all ten
    assert expression.cost == 4
    assert expression.evaluate(data, max_steps=4 + 10 * 3) is value
    with pytest.raises(RuleError, match="step budget"):
        expression.evaluate(data, max_steps=4 + 10 * 3 - 1)


def test_reduce_pays_per_item() -> None:
    total = compile_expression(
        {"reduce": [{"var": ""}, {"+": [{"var": "current"}, {"var": "accumulator"}]}, 0]})
    assert total.cost == 5  # reduce, var, +, var, var; the literal 0 costs nothing
    # Per item: the body (+, var, var) plus one.
    assert total.evaluate([1] * 10, max_steps=5 + 10 * 4) == 10
    with pytest.raises(RuleError, match="step budget"):
        total.evaluate([1] * 10, max_steps=5 + 10 * 4 - 1)
