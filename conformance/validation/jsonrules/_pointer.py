"""Rule contexts: JSON selectors (`validation/selector.py`), with the pointer budget of rules."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from conformance.core.errors import RuleError, SpecError
from conformance.core.limits import RULE_MAX_POINTER_CHARS
from conformance.validation.selector import (
    Link,
    Selector,
    escape_token,
    parse_selector,
    pointer_lengths,
    pointers,
)

__all__ = ["ContextSelector", "escape_token"]


class ContextSelector(Selector):
    """A compiled context pointer: `select(document)` yields (pointer, node) in document order."""

    # A selector itself rather than a holder of one: rules call `nodes` per context and document,
    # and a call passed on costs a sixth of the walk of a small payload (measured: 0.1 of 0.7 us).
    __slots__ = ()

    def __init__(self, text: str) -> None:
        """Parse `text`; ValueError saying why when it is not a pointer."""
        try:
            parsed = parse_selector(text)
        except SpecError as exc:
            # The rule loader names file, rule and field around this message.
            raise ValueError(exc.message) from None
        super().__init__(parsed.text, parsed.steps)

    nodes = Selector.values

    def select(self, document: Any) -> Iterator[tuple[str, Any]]:
        """Every (pointer, node) the context matches in `document`; pointers RFC 6901 escaped.

        RuleError when the pointers together would exceed RULE_MAX_POINTER_CHARS characters.
        """
        walked = self.walk(document)
        found = self._join([link for _, link in walked])
        return iter([(at, node) for at, (node, _) in zip(found, walked, strict=True)])

    def pointers(self, document: Any, positions: Sequence[int]) -> list[str]:
        """The pointers of the nodes at `positions` in `nodes(document)` (failing nodes, usually).

        RuleError when they together would exceed RULE_MAX_POINTER_CHARS characters.
        """
        walked = self.walk(document)
        return self._join([walked[i][1] for i in positions])

    def _join(self, links: list[Link]) -> list[str]:
        # Joined while counted: past the budget the rest are only measured, for the message.
        joined: list[str] = []
        total = 0
        for at in pointers(links):
            total += len(at)
            if total > RULE_MAX_POINTER_CHARS:
                total += sum(pointer_lengths(links[len(joined) + 1:]))
                raise RuleError(
                    f"the pointers of the {len(links)} nodes of context {self.text!r} to report "
                    f"would take {total} characters, over the budget of {RULE_MAX_POINTER_CHARS}")
            joined.append(at)
        return joined

    def __repr__(self) -> str:
        return f"ContextSelector({self.text!r})"
