"""Logic: `if`, `!`, `!!`, `and`, `or`, on CertLogic truthiness.

Only the operands needed are evaluated (the chosen branch of `if`, `and`/`or` up to the first
deciding operand), so a costly operand behind a deciding one costs nothing.
"""

from __future__ import annotations

from typing import Any

from conformance.validation.jsonrules._compiler import Compiler, Evaluator, OperatorTable, operator
from conformance.validation.jsonrules._values import Env, truthy

OPERATORS: OperatorTable = {}


@operator(OPERATORS, "if", 2, None)
def _if(compiler: Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
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


@operator(OPERATORS, "!", 1, 1)
def _not(compiler: Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    (operand,) = compiler.each(args, path, depth)

    def negation(data: Any, env: Env) -> Any:
        return not truthy(operand(data, env))

    return negation


@operator(OPERATORS, "!!", 1, 1)
def _bool(compiler: Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    (operand,) = compiler.each(args, path, depth)

    def boolean(data: Any, env: Env) -> Any:
        return truthy(operand(data, env))

    return boolean


@operator(OPERATORS, "and", 1, None)
def _and(compiler: Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    parts = compiler.each(args, path, depth)

    def conjunction(data: Any, env: Env) -> Any:
        value = None
        for part in parts:
            value = part(data, env)
            if not truthy(value):
                return value
        return value

    return conjunction


@operator(OPERATORS, "or", 1, None)
def _or(compiler: Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    parts = compiler.each(args, path, depth)

    def disjunction(data: Any, env: Env) -> Any:
        value = None
        for part in parts:
            value = part(data, env)
            if truthy(value):
                return value
        return value

    return disjunction
