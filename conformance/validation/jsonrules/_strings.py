"""Strings a rule builds: `cat` and `substr`.

Every string built is paid for by its length from the size budget (`Env.build`), and `cat` is
bounded by MAX_STRING_LENGTH as it goes, so doubling a string in a loop ends in a RuleError.
"""

from __future__ import annotations

from typing import Any

from conformance.core.errors import RuleError
from conformance.validation.jsonrules._compiler import Compiler, Evaluator, OperatorTable, operator
from conformance.validation.jsonrules._values import MAX_STRING_LENGTH, Env, as_index, scalar_text

OPERATORS: OperatorTable = {}


@operator(OPERATORS, "cat", 1, None)
def _cat(compiler: Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
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


@operator(OPERATORS, "substr", 2, 3)
def _substr(compiler: Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
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
