"""A message type's rule file may name the Schematron phase it runs in: `rules: [{file, phase}]`."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from conformance.core.errors import SpecError
from conformance.standard.manifest import load_standard

from .test_manifest import BASE, write_bundle

SCH = """<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt">
  <phase id="quick"><active pattern="p"/></phase>
  <pattern id="p"><rule context="/doc"><assert id="A-1" test="@id">id</assert></rule></pattern>
</schema>
"""


def xml_bundle(tmp_path: Path, rules: list[Any]) -> Path:
    manifest = copy.deepcopy(BASE)
    manifest["message-types"].append({
        "id": "xdoc", "syntax": "xml", "title": {"zh": "文档", "en": "Document"},
        "recognise": {"root": "doc"}, "rules": rules,
    })
    folder = write_bundle(tmp_path / "demo" / "1.2.0", manifest)
    (folder / "rules.sch").write_text(SCH, encoding="utf-8")
    (folder / "more.sch").write_text(SCH, encoding="utf-8")
    return folder


def test_plain_paths_and_phased_entries_load(tmp_path: Path) -> None:
    folder = xml_bundle(tmp_path, ["more.sch", {"file": "rules.sch", "phase": "quick"}])
    xdoc = load_standard(folder).message_types["xdoc"]
    more, rules = xdoc.rules
    assert (more.name, rules.name) == ("more.sch", "rules.sch")
    assert xdoc.phase_of(rules) == "quick"
    assert xdoc.phase_of(more) is None


def test_entry_without_phase_is_the_default_phase(tmp_path: Path) -> None:
    xdoc = load_standard(xml_bundle(tmp_path, [{"file": "rules.sch"}])).message_types["xdoc"]
    assert xdoc.phase_of(xdoc.rules[0]) is None


@pytest.mark.parametrize("entry", [
    {"file": "rules.sch", "phase": ""},
    {"file": "rules.sch", "mode": "quick"},
    {"phase": "quick"},
])
def test_malformed_entries_are_refused_by_the_schema(tmp_path: Path, entry: dict[str, str]) -> None:
    with pytest.raises(SpecError, match="manifest schema"):
        load_standard(xml_bundle(tmp_path, [entry]))


def test_a_rule_file_listed_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="listed twice"):
        load_standard(xml_bundle(tmp_path, ["rules.sch", {"file": "rules.sch", "phase": "quick"}]))


def test_phase_is_for_schematron_only(tmp_path: Path) -> None:
    manifest = copy.deepcopy(BASE)
    manifest["message-types"][0]["rules"] = [{"file": "schema.json", "phase": "quick"}]
    with pytest.raises(SpecError, match="Schematron rule files only"):
        load_standard(write_bundle(tmp_path / "demo" / "1.2.0", manifest))
