"""Layer 4: payloads built from a bundle: the structure description (`describe`), declared
examples and skeletons (`examples`), and the generator of valid payloads and of mutants that fail
exactly one requirement (`conform examples`; the live partner sends what it makes).

Names load on first use: `standards show` imports `generation.describe` and must not pay for
Hypothesis or the engine.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "MAX_COUNT", "Example", "GenerationError", "Mutator", "NoMutantFound", "example_payload", "mutant",
    "mutants", "skeleton", "valid_payloads",
]

_HOMES = {
    "Example": "examples", "example_payload": "examples", "skeleton": "examples",
    "MAX_COUNT": "_generate", "GenerationError": "_generate", "NoMutantFound": "_generate",
    "Mutator": "_generate", "mutant": "_generate", "mutants": "_generate", "valid_payloads": "_generate",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
