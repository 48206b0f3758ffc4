"""Reading the document: `var`, `root` and `missing`, over dotted paths parsed when compiling.

A path is split once, when the rule file loads, into (member name, array index) segments, so that
evaluation is a loop of dictionary and list look-ups. `var` runs once per context node and per
loop item, more often than any other operator: its commonest shapes get closures of their own.
"""

from __future__ import annotations

from typing import Any

from conformance.validation.jsonrules._compiler import Compiler, Evaluator, OperatorTable, operator
from conformance.validation.jsonrules._values import Env

OPERATORS: OperatorTable = {}

MISSING = object()  # no value at a path (told apart from an existing null)
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
    """The value at `segments` below `data`, or MISSING."""
    for key, index in segments:
        kind = type(data)
        if kind is dict:
            data = data.get(key, MISSING)
            if data is MISSING:
                return MISSING
        elif kind is list and 0 <= index < len(data):
            data = data[index]
        else:
            return MISSING
    return data


def _access(compiler: Compiler, args: list[Any], path: str, depth: int, *, root: bool) -> Evaluator:
    segments = parse_path(compiler.path_literal(args[0], f"{path}/0")) if args else ()
    default = compiler.compile(args[1], f"{path}/1", depth) if len(args) > 1 else None

    if root:
        def from_root(data: Any, env: Env) -> Any:
            value = lookup(env.root, segments)
            if value is MISSING:
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
                    data = data.get(key, MISSING)
                    if data is MISSING:
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
        return fallback(data, env) if value is MISSING else value

    return var


@operator(OPERATORS, "var", 0, 2)
def _var(compiler: Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    return _access(compiler, args, path, depth, root=False)


@operator(OPERATORS, "root", 0, 2)
def _root(compiler: Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
    return _access(compiler, args, path, depth, root=True)


@operator(OPERATORS, "missing", 1, None)
def _missing(compiler: Compiler, args: list[Any], path: str, depth: int) -> Evaluator:
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
            if value is MISSING or value is None or value == "":
                absent.append(text)
        return absent

    return missing
