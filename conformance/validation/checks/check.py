"""What a check is: a named, documented function from one value to the problems found in it.

One calling convention for every check, built in or third-party: the function returns a tuple of
`CheckProblem` values, empty when the value passes. A generator (jsonschema's keyword functions) was
the other candidate; checks run on every node of every payload and nearly always pass, and there
the tuple is cheaper: no generator frame to create and drain per value.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from conformance.core.errors import ConformanceError, SpecError
from conformance.core.printable import quoted, shorten, terminal
from conformance.core.text import Text
from conformance.validation.checks.context import CheckContext


@dataclass(frozen=True, slots=True)
class CheckProblem:
    """One reason a value fails a check: what is wrong, and how to fix it."""

    message: Text
    hint: Text | None = None


# A payload value for a check's message: quoted, escaped and cut (the name _formats.py and _codes.py use).
shown = quoted


def shown_zh(value: str, limit: int = 60) -> str:
    """A payload value for a Chinese message: in Chinese quotation marks, escaped and cut."""
    # Each character is one or more of the escaped text: cut first, so that a long value costs nothing.
    return "“" + shorten(terminal(value[: limit + 1]), limit) + "”"


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


CheckFunction = Callable[[str, Mapping[str, object], CheckContext], tuple[CheckProblem, ...]]

_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")


@dataclass(frozen=True, slots=True)
class BuiltinCheck:
    """A check a bundle may name (`by: builtin`): its public name, documentation, parameters and
    implementation. Ours and those of third-party distributions are alike."""

    name: str
    title: Text
    doc: str
    params: tuple[Param, ...]
    function: CheckFunction = field(repr=False, compare=False)

    def __call__(
        self, value: str, params: Mapping[str, object], context: CheckContext
    ) -> tuple[CheckProblem, ...]:
        """The function itself: a decorated check stays callable as it was written."""
        return self.function(value, params, context)

    def run(
        self, value: str, params: Mapping[str, object], context: CheckContext
    ) -> tuple[CheckProblem, ...]:
        """Problems of `value` under `params` (validated beforehand); empty when it passes."""
        if type(value) is str:
            return self.function(value, params, context)
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
        return tuple(self.function(value, params, context))

    def run_all(
        self, values: Iterable[Any], params: Mapping[str, object], context: CheckContext
    ) -> list[tuple[CheckProblem, ...]]:
        """`run` on each value, in one loop: a check runs on every part of every payload."""
        function, run = self.function, self.run
        # Text (nearly every value) goes straight to the function: no wrapping per value.
        return [function(v, params, context) if type(v) is str else run(v, params, context)
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


def builtin_check(
    name: str, *, title: Text, params: tuple[Param, ...] = ()
) -> Callable[[CheckFunction], BuiltinCheck]:
    """Make the decorated function the check `name`; the registry lists it (`register`, or an
    entry point of the group `egov_conformance.checks`)."""
    if not _NAME.fullmatch(name):
        raise ConformanceError(f"built-in check name {name!r} is not lower-case-with-hyphens")
    for param in params:
        if param.kind not in PARAM_KINDS:
            raise ConformanceError(
                f"check {name!r}: parameter {param.name!r} has unknown kind {param.kind!r}"
            )

    def make(function: CheckFunction) -> BuiltinCheck:
        doc = inspect.getdoc(function)
        if not doc:
            # The docstring is what `conform standards show` prints: a check without one is a bug.
            raise ConformanceError(f"built-in check {name!r} has no docstring")
        if inspect.isgeneratorfunction(function):
            raise ConformanceError(
                f"built-in check {name!r} is a generator; a check returns a tuple of problems"
            )
        return BuiltinCheck(name=name, title=title, doc=doc, params=params, function=function)

    return make
