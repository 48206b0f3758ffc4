"""The public surface of the Schematron engine stays small and deliberate."""

from __future__ import annotations

import dataclasses

import conformance.validation.schematron as schematron


def test_all() -> None:
    assert sorted(schematron.__all__) == [
        "AssertionInfo",
        "CompiledSchematron",
        "LineFinder",
        "OutlinedAssertion",
        "RuleSetOutline",
        "SchematronFailure",
        "SchematronReport",
        "cache_dir",
        "clear_memory_cache",
        "compile_schematron",
        "outline_schematron",
        "union_branches",
    ]
    for name in schematron.__all__:
        assert getattr(schematron, name).__doc__


def test_values_are_frozen() -> None:
    for cls in (
        schematron.AssertionInfo,
        schematron.SchematronFailure,
        schematron.SchematronReport,
    ):
        assert dataclasses.is_dataclass(cls)
        assert cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
