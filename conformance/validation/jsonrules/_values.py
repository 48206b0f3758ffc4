"""Semantics of JSON values in the rule language: truthiness, strict equality, numbers, text.

Values are what `json.loads` produces: dict, list, str, int, float, bool, None. Types are tested
with `type(x) is ...` on purpose: `bool` is a subclass of `int` in Python but a different JSON
type, and exact tests are also the fastest.
"""

from __future__ import annotations

import math
from typing import Any

from conformance.core.errors import RuleError
from conformance.core.limits import RULE_MAX_BUILT, RULE_MAX_STEPS, RULE_MAX_STRING_LENGTH

MAX_STEPS = RULE_MAX_STEPS
MAX_STRING_LENGTH = RULE_MAX_STRING_LENGTH
MAX_BUILT = RULE_MAX_BUILT
# Work proportional to a string's length (matching, searching, comparing) costs one step per this
# many characters: a step is then roughly the same time whatever the operator.
CHARS_PER_STEP = 64
# Integers stay exact within this bound; beyond it they become doubles, as in JSON/JavaScript.
# The bound keeps repeated multiplication in `reduce` from building huge integers.
INT_LIMIT = 2**63


class Env:
    """State of one evaluation: the document root and the remaining step and size budgets."""

    __slots__ = ("budget", "built", "root", "size_budget", "steps")

    def __init__(self, root: Any, budget: int, size_budget: int = MAX_BUILT) -> None:
        self.root = root
        self.budget = budget
        self.steps = budget
        self.size_budget = size_budget
        self.built = size_budget

    def spend(self, steps: int) -> None:
        """Pay `steps` from the step budget; RuleError when it is spent.

        The one way to pay, except in the loops that run once per item (`all`, `some`, `none`,
        `reduce`, pairs compared by `strict_equal`), which inline these two lines: there the
        method call costs about 90 ns an item, a sixth of an `all` over numbers (measured).
        """
        self.steps -= steps
        if self.steps < 0:
            self.exhausted()

    def exhausted(self) -> None:
        """Raise RuleError: the step budget is spent."""
        raise RuleError(f"evaluation step budget of {self.budget} steps exhausted")

    def build(self, size: int) -> None:
        """Pay for a value being built (characters of a string, items of an array)."""
        self.built -= size
        if self.built < 0:
            raise RuleError(f"evaluation size budget exhausted: the rule built more than "
                            f"{self.size_budget} characters and array items")


def truthy(value: Any) -> bool:
    """CertLogic truthiness: false, null, 0, "", [] and {} are falsy; all other values truthy."""
    if value is True:
        return True
    if value is False or value is None:
        return False
    kind = type(value)
    if kind is int:
        return value != 0
    if kind is float:
        return value != 0.0 and value == value  # NaN (not JSON, but some parsers make it) is falsy
    if kind is str or kind is list or kind is dict:
        return len(value) > 0
    return True


def is_number(value: Any) -> bool:
    """True for JSON numbers (int or float, never bool)."""
    kind = type(value)
    return kind is int or kind is float


def strict_equal(left: Any, right: Any, env: Env) -> bool:
    """Equality without coercion: same JSON type and same value; arrays and objects structurally.

    1 and 1.0 are equal (JSON has one number type); true and 1 are not. Iterative, so a deeply
    nested document cannot exhaust the Python stack; each compared pair costs one step.
    """
    kind = type(left)
    if kind is str:
        if type(right) is not str:
            return False
        if len(left) > CHARS_PER_STEP:
            env.spend(len(left) // CHARS_PER_STEP)
        return left == right
    if left is None:
        return right is None
    if kind is bool:
        return left is right
    if kind is int or kind is float:
        other = type(right)
        return (other is int or other is float) and left == right
    pending = [(left, right)]
    while pending:
        a, b = pending.pop()
        env.steps -= 1  # Env.spend inlined: this loop runs once per value pair compared
        if env.steps < 0:
            env.exhausted()
        ka, kb = type(a), type(b)
        if ka is bool or kb is bool:
            if a is not b:
                return False
        elif ka is int or ka is float:
            if not (kb is int or kb is float) or a != b:
                return False
        elif ka is not kb:
            return False
        elif ka is list:
            if len(a) != len(b):
                return False
            pending.extend(zip(a, b, strict=True))
        elif ka is dict:
            if a.keys() != b.keys():
                return False
            pending.extend((a[key], b[key]) for key in a)
        elif ka is str:
            if len(a) > CHARS_PER_STEP:
                env.spend(len(a) // CHARS_PER_STEP)
            if a != b:
                return False
        elif a != b:  # None and anything else compare by value
            return False
    return True


def number(value: int | float) -> int | float | None:
    """An arithmetic result as a JSON number: big integers become doubles, non-finite is null."""
    if type(value) is int:
        if -INT_LIMIT <= value <= INT_LIMIT:
            return value
        try:
            value = float(value)
        except OverflowError:
            return None
    if math.isfinite(value):
        return value
    return None


def as_index(value: Any) -> int | None:
    """An integer argument (an int, or a float with no fraction), else None."""
    kind = type(value)
    if kind is int:
        return value
    if kind is float and value.is_integer():
        return int(value)
    return None


def scalar_text(value: Any) -> str | None:
    """Text of a scalar for `cat`: strings as they are, others as JSON text; None for containers."""
    kind = type(value)
    if kind is str:
        return value
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        # Integral doubles print without ".0", as JSON writers and JavaScript do.
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    return None
