"""Compile once: memory cache, disk cache, and keys that change with content, phase and binding."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.validation.schematron import (
    _compiled,
    cache_dir,
    clear_memory_cache,
    compile_schematron,
)

from .conftest import DATA, parse


def translations() -> int:
    return _compiled.TRANSLATIONS[0]


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    target = tmp_path / "include"
    shutil.copytree(DATA / "include", target)
    return target


def test_second_compile_is_a_memory_hit(bundle: Path) -> None:
    before = translations()
    first = compile_schematron(bundle / "main.sch")
    second = compile_schematron(bundle / "main.sch")
    assert translations() == before + 1
    assert first.content_hash == second.content_hash
    assert first._compiled is second._compiled


def test_disk_cache_skips_translation(bundle: Path) -> None:
    first = compile_schematron(bundle / "main.sch")
    assert list(cache_dir().glob("*.xsl"))
    clear_memory_cache()
    before = translations()
    second = compile_schematron(bundle / "main.sch")
    assert translations() == before
    assert second.xslt == first.xslt
    report = second.validate(parse(bundle / "order.xml"))
    assert [f.assertion_id for f in report.failures] == ["INC-1", "INC-3"]


def test_changing_an_included_file_changes_the_key(bundle: Path) -> None:
    first = compile_schematron(bundle / "main.sch")
    rule = bundle / "parts" / "rule.sch"
    rule.write_text(rule.read_text().replace("@qty &gt; 0", "@qty &gt; 1"))
    before = translations()
    second = compile_schematron(bundle / "main.sch")
    assert translations() == before + 1
    assert second.content_hash != first.content_hash
    report = second.validate(parse(bundle / "order.xml"))
    assert [f.assertion_id for f in report.failures] == ["INC-1", "INC-3", "INC-3"]


def test_phase_is_part_of_the_key() -> None:
    schema = DATA / "features" / "phases.sch"
    quick = compile_schematron(schema)
    limits = compile_schematron(schema, phase="limits")
    assert set(quick.assertions) == {"PH-IDS"}
    assert set(limits.assertions) == {"PH-LIMIT"}


def test_corrupt_disk_entry_is_rebuilt(bundle: Path) -> None:
    compile_schematron(bundle / "main.sch")
    for entry in cache_dir().glob("*.xsl"):
        entry.write_text("<not-a-stylesheet")
    clear_memory_cache()
    before = translations()
    compiled = compile_schematron(bundle / "main.sch")
    assert translations() == before + 1
    assert "INC-1" in compiled.assertions


def test_a_second_process_loads_from_disk(bundle: Path) -> None:
    compile_schematron(bundle / "main.sch")
    code = (
        "import sys; from pathlib import Path;"
        "from conformance.validation.schematron import compile_schematron, _compiled;"
        "compile_schematron(Path(sys.argv[1]));"
        "print(_compiled.TRANSLATIONS[0])"
    )
    repo = Path(__file__).resolve().parents[3]
    result = subprocess.run(
        [sys.executable, "-c", code, str(bundle / "main.sch")],
        capture_output=True,
        text=True,
        check=True,
        cwd=repo,
        env={**__import__("os").environ, "PYTHONPATH": str(repo)},
    )
    assert result.stdout.strip() == "0"
