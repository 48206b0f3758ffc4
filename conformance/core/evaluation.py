"""What a rule may know of the world while it runs: the time and the random seed of the run.

Rules that ask for the current time (`current-dateTime()`, EXSLT `date:date-time()`) or for random
numbers (`random-number-generator()`) would make two runs over the same inputs differ. They are
answered from this value instead, which a run records (`started`, `seed` in the run results), so a
rerun given the same context gives the same findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from conformance.core.errors import UsageError


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class EvaluationContext:
    """The instant every rule of a run sees as "now" (timezone-aware) and the run's random seed."""

    now: datetime = field(default_factory=_now)
    seed: int = 0

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise UsageError("EvaluationContext.now must carry a time zone")
