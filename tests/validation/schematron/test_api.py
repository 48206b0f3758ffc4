"""The public surface of the Schematron engine stays small and deliberate."""

from __future__ import annotations

import dataclasses

import conformance.validation.schematron as schematron


def test_every_public_name_is_documented() -> None:
    # The names themselves are pinned with every facade's in tests/test_architecture.py.
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
