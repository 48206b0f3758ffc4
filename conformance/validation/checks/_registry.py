"""The registry of built-in checks: named functions a standard's `standard.yaml` refers to."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, Protocol, TypeVar

from conformance.core.errors import ConformanceError, SpecError
from conformance.core.text import Text
from conformance.standard.model import CodeList


@dataclass(frozen=True, slots=True)
class CheckProblem:
    """One reason a value fails a check: what is wrong, and how to fix it."""

    message: Text
    hint: Text | None = None


# Kinds of parameter values; `validate_params` checks them before any payload is read.
PARAM_KINDS = frozenset({"string", "code-list", "date", "integer"})


@dataclass(frozen=True, slots=True)
class Param:
    """A declared parameter of a check.

    `kind` is one of PARAM_KINDS: "code-list" names a code list of the standard, "date" is a
    `datetime.date` or an ISO `YYYY-MM-DD` string, "integer" an int (never a bool). `choices`, when
    not empty, lists the values allowed.
    """

    name: str
    description: str
    required: bool = False
    default: object = None
    kind: str = "string"
    choices: tuple[object, ...] = ()


class CheckContext(Protocol):
    """What a check may ask of the standard it runs under."""

    def code_list(self, list_id: str) -> CodeList:
        """The code list `list_id`; raises SpecError if the standard has none by that id."""
        ...


CheckFunction = Callable[[str, Mapping[str, object], CheckContext], Iterable[CheckProblem]]
F = TypeVar("F", bound=CheckFunction)

_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_NO_PROBLEMS: tuple[CheckProblem, ...] = ()


@dataclass(frozen=True)
class BuiltinCheck:
    """A registered check: its public name, documentation, parameters and implementation."""

    name: str
    title: Text
    doc: str
    params: tuple[Param, ...]
    function: CheckFunction = field(repr=False, compare=False)
    # True for a plain function returning a tuple of problems (not a generator of them).
    returns_tuple: bool = field(default=False, repr=False, compare=False)

    def run(
        self, value: str, params: Mapping[str, object], context: CheckContext
    ) -> tuple[CheckProblem, ...]:
        """Problems of `value` under `params` (validated beforehand); empty when it passes."""
        if type(value) is str:
            return tuple(self.function(value, params, context)) or _NO_PROBLEMS
        if not isinstance(value, str):
            # Payload nodes reach us as text; a number or object here is a payload fact, not a bug.
            return (
                CheckProblem(
                    Text(
                        zh=f"值应为文本，实际为 {type(value).__name__}",
                        en=f"value must be text, found {type(value).__name__}",
                    )
                ),
            )
        problems = tuple(self.function(value, params, context))
        return problems or _NO_PROBLEMS

    def run_all(
        self, values: Iterable[Any], params: Mapping[str, object], context: CheckContext
    ) -> list[tuple[CheckProblem, ...]]:
        """`run` on each value, in one loop: a check runs on every part of every payload."""
        function, run = self.function, self.run
        if not self.returns_tuple:
            return [run(v, params, context) for v in values]
        # A plain function returns its tuple of problems itself: no wrapping per value.
        return [function(v, params, context) if type(v) is str else run(v, params, context)  # type: ignore[misc]
                for v in values]

    def validate_params(
        self,
        params: Mapping[str, object],
        *,
        context: CheckContext | None = None,
        location: str | None = None,
    ) -> None:
        """SpecError on unknown, missing or ill-typed params; with a context, code lists too."""
        if not isinstance(params, Mapping):
            raise SpecError(
                f"check {self.name!r}: params must be a mapping, found {type(params).__name__}",
                location=location,
            )
        declared = {p.name: p for p in self.params}
        for key in params:
            if key not in declared:
                known = ", ".join(declared) or "none"
                raise SpecError(
                    f"check {self.name!r}: unknown parameter {key!r}; known parameters: {known}",
                    location=location,
                )
        for param in self.params:
            if param.name not in params:
                if param.required:
                    raise SpecError(
                        f"check {self.name!r}: missing required parameter {param.name!r} "
                        f"({param.description})",
                        location=location,
                    )
                continue
            problem = _param_problem(param, params[param.name])
            if problem:
                raise SpecError(
                    f"check {self.name!r}: parameter {param.name!r} {problem}", location=location
                )
            if param.kind == "code-list" and context is not None:
                try:
                    context.code_list(str(params[param.name]))
                except SpecError as exc:
                    raise SpecError(
                        f"check {self.name!r}: parameter {param.name!r}: {exc.message}",
                        location=location,
                    ) from exc


def _param_problem(param: Param, value: object) -> str | None:
    """Why `value` is not acceptable for `param`, or None."""
    if param.kind == "string" or param.kind == "code-list":
        if not isinstance(value, str) or not value:
            return f"must be a non-empty string, found {value!r}"
    elif param.kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            return f"must be an integer, found {value!r}"
    elif param.kind == "date":
        if isinstance(value, datetime) or not isinstance(value, (date, str)):
            return f"must be a date YYYY-MM-DD, found {value!r}"
        if isinstance(value, str) and parse_date_param(value) is None:
            return f"must be a date YYYY-MM-DD, found {value!r}"
    if param.choices and value not in param.choices:
        allowed = ", ".join(repr(c) for c in param.choices)
        return f"must be one of {allowed}, found {value!r}"
    return None


def parse_date_param(value: object) -> date | None:
    """A `date` parameter as a date: a date object or an ISO `YYYY-MM-DD` string; else None."""
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) == 10 and value.isascii():
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


_REGISTRY: dict[str, BuiltinCheck] = {}


def builtin_check(
    name: str, *, title: Text, params: tuple[Param, ...] = ()
) -> Callable[[F], F]:
    """Register the decorated generator function as the built-in check `name`."""
    if not _NAME.fullmatch(name):
        raise ConformanceError(f"built-in check name {name!r} is not lower-case-with-hyphens")
    for param in params:
        if param.kind not in PARAM_KINDS:
            raise ConformanceError(
                f"check {name!r}: parameter {param.name!r} has unknown kind {param.kind!r}"
            )

    def register(function: F) -> F:
        if name in _REGISTRY:
            raise ConformanceError(f"built-in check {name!r} is registered twice")
        doc = inspect.getdoc(function)
        if not doc:
            # The docstring is what `conform standards show` prints: a check without one is a bug.
            raise ConformanceError(f"built-in check {name!r} has no docstring")
        _REGISTRY[name] = BuiltinCheck(
            name=name, title=title, doc=doc, params=params, function=function,
            returns_tuple=not inspect.isgeneratorfunction(function),
        )
        return function

    return register


def get_check(name: str) -> BuiltinCheck:
    """The built-in check `name`; SpecError listing the known names when there is none."""
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise SpecError(f"unknown built-in check {name!r}; known checks: {known}") from None


def all_checks() -> Mapping[str, BuiltinCheck]:
    """Every registered check, sorted by name."""
    return MappingProxyType(dict(sorted(_REGISTRY.items())))
