"""Sizing fuzz tests: their own example count in ordinary runs, the profile's in a long campaign."""

from __future__ import annotations

from hypothesis import settings


def examples(n: int) -> int:
    """`n` examples, or the active profile's count when that is larger (`--hypothesis-profile=long`)."""
    return max(n, settings.default.max_examples)
