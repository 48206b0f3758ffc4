"""`outline_schematron` lists exactly the assertions, keys and flags a compiled rule set reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.validation.schematron import compile_schematron, outline_schematron
from tests.conftest import CORPORA

from .conftest import DATA

EN16931 = CORPORA / "en16931-ubl" / "schematron" / "EN16931-UBL-validation.sch"

RULE_SETS = [DATA / "features" / "invoice.sch", DATA / "features" / "phases.sch",
             DATA / "features" / "function.sch", DATA / "include" / "main.sch"]


def _same(path: Path, phase: str | None) -> None:
    outline = outline_schematron(path, phase=phase)
    compiled = compile_schematron(path, phase=phase)
    assert {a.key for a in outline.assertions} == set(compiled.assertions)
    for a in outline.assertions:
        info = compiled.assertions[a.key]
        if info.rule_context == a.context:  # a reused id is described by its first assertion
            assert (info.kind, info.flag, info.role, info.text) == (a.kind, a.flag, a.role, a.text)
    assert outline.files[0] == path.absolute()


@pytest.mark.parametrize("path", RULE_SETS, ids=lambda p: p.name)
def test_outline_agrees_with_the_compiled_rule_set(path: Path) -> None:
    _same(path, None)


def test_outline_follows_the_phase() -> None:
    path = DATA / "features" / "phases.sch"
    phases = outline_schematron(path).phases
    assert phases
    for phase in phases:
        _same(path, phase)
        outline = outline_schematron(path, phase=phase)
        assert set(outline.all_contexts) >= set(outline.contexts)


def test_outline_lists_included_files_and_source_lines() -> None:
    outline = outline_schematron(DATA / "include" / "main.sch")
    assert len(outline.files) > 1
    assert all(a.file in outline.files and a.line for a in outline.assertions)


@pytest.mark.skipif(not EN16931.is_file(), reason="EN 16931 corpus not found (../shared/corpora)")
def test_outline_of_en16931() -> None:
    _same(EN16931, None)
    _same(EN16931, "codelist_phase")
