"""What one walk of a schema may still do, under its `Limits`, and whether it was cut short."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ._model import Limits


@dataclass(slots=True)
class Budget:
    """The fields a walk has made and the references it has followed, against its limits."""

    limits: Limits
    hints: Mapping[str, str] = field(default_factory=dict)  # path -> preferred sample text
    made: int = 0
    followed: int = 0
    cut: bool = False
    follows_cut: bool = False  # the $ref and allOf chains ran out: the walk ended there

    def take(self) -> bool:
        """Count one more field; False (and cut) when the walk may make no more."""
        if self.follows_cut or self.made >= self.limits.fields:
            self.cut = True
            return False
        self.made += 1
        return True

    def follow(self, cost: int) -> bool:
        """Charge one `$ref` hop or `allOf` member weighing `cost`; False (and cut) past the limit."""
        if self.followed + cost > self.limits.follows:
            self.cut = self.follows_cut = True
            return False
        self.followed += cost
        return True
