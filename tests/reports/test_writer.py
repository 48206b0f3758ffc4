"""write_reports: every format into one folder, byte-identical for the same results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from conformance.core.errors import UsageError
from conformance.records.run_results import dumps, load_run_results
from conformance.reports.writer import FILE_NAMES, write_reports
from conformance.standard.model import Standard
from tests.reports.conftest import FIXTURE_SET, as_record, make_document


def contents(paths: dict[str, Path]) -> dict[str, bytes]:
    return {name: path.read_bytes() for name, path in paths.items()}


def test_writes_every_format(failing_document: dict[str, Any], tmp_path: Path) -> None:
    paths = write_reports(as_record(failing_document), tmp_path / "out")
    assert paths == {f: tmp_path / "out" / FILE_NAMES[f] for f in ("json", "junit", "earl", "html")}
    assert [p.name for p in paths.values()] == ["results.json", "junit.xml", "earl.jsonld", "report.html"]
    # Nothing else, in particular no temporary file, is left in the folder.
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(FILE_NAMES.values())
    assert paths["json"].read_text("utf-8") == dumps(failing_document)
    assert load_run_results(paths["json"]) == failing_document
    etree.parse(str(paths["junit"]))
    json.loads(paths["earl"].read_text("utf-8"))
    assert paths["html"].read_text("utf-8").startswith("<!DOCTYPE html>")


def test_same_results_give_identical_files(standard: Standard, failing_document: dict[str, Any],
                                           tmp_path: Path) -> None:
    # Built again from the payloads, not copied: determinism of the whole path, not just the writers.
    again = make_document(standard, [FIXTURE_SET / "xml", FIXTURE_SET / "json", FIXTURE_SET / "hostile"])
    first = contents(write_reports(as_record(failing_document), tmp_path / "a"))
    second = contents(write_reports(as_record(again), tmp_path / "b"))
    assert first == second
    assert contents(write_reports(as_record(failing_document), tmp_path / "a")) == first  # overwriting, too


def test_some_formats_only(conformant_document: dict[str, Any], tmp_path: Path) -> None:
    paths = write_reports(as_record(conformant_document), tmp_path, formats=("html", "junit"))
    assert set(paths) == {"html", "junit"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junit.xml", "report.html"]


def test_unknown_format_is_a_usage_error(conformant_document: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="pdf"):
        write_reports(as_record(conformant_document), tmp_path, formats=("json", "pdf"))
    assert not list(tmp_path.iterdir())


def test_hostile_text_survives_every_format(hostile_document: dict[str, Any], tmp_path: Path) -> None:
    paths = write_reports(as_record(hostile_document), tmp_path)
    # The lone surrogate is written as a JSON escape and reads back as the same string.
    assert json.loads(paths["json"].read_text("utf-8")) == hostile_document
    assert "\\udcff" in paths["earl"].read_text("utf-8")
    etree.parse(str(paths["junit"]), etree.XMLParser(recover=False))
    assert "\\udcff" in paths["html"].read_text("utf-8")


def test_side_by_side_writing_gives_the_same_files(failing_document: dict[str, Any], tmp_path: Path) -> None:
    one = write_reports(as_record(failing_document), tmp_path / "one")
    two = write_reports(as_record(failing_document), tmp_path / "two", jobs=2)
    assert set(one) == set(two)
    for name in one:
        assert one[name].read_bytes() == two[name].read_bytes(), name
    assert not list((tmp_path / "two").glob(".*.tmp"))
