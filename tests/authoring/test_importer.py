"""Importing artefacts as a standard bundle: requirements, levels, ids, layout, phases, refusals."""

from __future__ import annotations

import copy
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from lxml import etree

from conformance.authoring.importer import (
    ImportPlan,
    import_standard,
    parse_root,
    plan_import,
    write_bundle,
)
from conformance.core.errors import BundlePathError, SpecError, UsageError
from conformance.core.findings import Level, Outcome, Verdict
from conformance.execution.session import ValidationSession
from conformance.standard.manifest import load_standard, load_yaml, manifest_schema
from conformance.standard.model import CheckKind, Standard
from conformance.validation.schematron import compile_schematron
from conformance.validation.sources import SchematronSource
from conformance.validation.validator import MessageTypeValidator
from tests.conftest import CORPORA

from .importer_artefacts import LINES_SCH, MAIN_SCH, NS, make_artefacts, make_payloads, write

EN16931 = CORPORA / "en16931-ubl"
EN16931_SCH = EN16931 / "schematron" / "EN16931-UBL-validation.sch"
VEFA = "{http://difi.no/xsd/vefa/validator/1.0}"
XS = "http://www.w3.org/2001/XMLSchema"
needs_en16931 = pytest.mark.skipif(not EN16931_SCH.is_file(),
                                   reason=f"EN 16931 corpus not found at {EN16931}")


@pytest.fixture(autouse=True, scope="module")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # Compiled rule sets go to a cache of this module, never to the user's.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONFORMANCE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture
def artefacts(tmp_path: Path) -> tuple[Path, Path]:
    return make_artefacts(tmp_path / "src")


def imported(artefacts: tuple[Path, ...], out: Path, **options: object) -> Standard:
    folder, _ = import_standard(list(artefacts), out=out, standard_id="orders", version="1.0.0",
                                **options)  # type: ignore[arg-type]
    return load_standard(folder)


def verdicts(standard: Standard, payloads: dict[str, Path]) -> dict[str, tuple[Verdict, dict[str, Outcome]]]:
    session = ValidationSession([standard])
    results = {name: session.validate_path(path) for name, path in payloads.items()}
    return {name: (r.verdict, dict(r.outcomes)) for name, r in results.items()}


# -- what the manifest says ------------------------------------------------------------------------

def test_requirements_levels_and_statements(artefacts: tuple[Path, Path], tmp_path: Path) -> None:
    standard = imported(artefacts, tmp_path / "out")
    levels = {r.id: r.level for r in standard.requirements.values()}
    assert levels == {
        "XSD": Level.MUST,
        "ORD-1": Level.MUST,      # flag fatal
        "ORD-2": Level.SHOULD,    # role warning
        "ORD-3": Level.MAY,       # flag information (a report)
        "ORD-4": Level.MUST,      # unknown flag: MUST by default
        "LINE-2": Level.MUST,     # role ERROR (case-insensitive)
        "p-lines-1-1": Level.MUST,  # no id, no flag
    }
    ord1 = standard.requirements["ORD-1"]
    assert ord1.statement.en == ord1.statement.zh == "An order MUST have an id."
    line2 = standard.requirements["LINE-2"].statement
    assert (line2.en, line2.zh) == ("A line has a price.", "每一行必须有价格。")
    assert [c.kind for c in standard.requirements["XSD"].checks] == [CheckKind.SCHEMA]
    derived = standard.requirements["p-lines-1-1"].checks[0]
    assert (derived.kind, derived.rule) == (CheckKind.RULE, "p-lines/1/1")
    assert list(standard.classes) == ["all"] and standard.default_class == "all"
    assert set(standard.classes["all"].requirements) == set(levels)
    assert standard.lifecycle.status.value == "draft"
    assert "conform standards import" in standard.description.en
    assert "rules/main.sch" in standard.description.en and "schemas/order.xsd" in standard.description.en


def test_message_type_from_the_xsd_root(artefacts: tuple[Path, Path], tmp_path: Path) -> None:
    standard = imported(artefacts, tmp_path / "out")
    # Line is a global element too, but Order uses it by reference: not a document element.
    assert list(standard.message_types) == ["Order"]
    order = standard.message_types["Order"]
    assert (order.recognition.root, order.recognition.namespace) == ("Order", NS)
    assert order.schema == standard.root / "schemas" / "order.xsd"
    assert order.rules == (standard.root / "rules" / "main.sch",)
    assert order.namespaces == {"o": NS}


def test_artefacts_are_copied_with_their_layout(artefacts: tuple[Path, Path], tmp_path: Path) -> None:
    standard = imported(artefacts, tmp_path / "out")
    files = sorted(p.relative_to(standard.root).as_posix() for p in standard.root.rglob("*") if p.is_file())
    assert files == ["rules/inc/lines.sch", "rules/main.sch", "schemas/order.xsd",
                     "schemas/types/common.xsd", "standard.yaml"]
    assert (standard.root / "rules" / "main.sch").read_bytes() == artefacts[0].read_bytes()


def test_manifest_matches_its_schema_and_says_what_was_derived(
    artefacts: tuple[Path, Path], tmp_path: Path
) -> None:
    standard = imported(artefacts, tmp_path / "out")
    text = (standard.root / "standard.yaml").read_text(encoding="utf-8")
    jsonschema.Draft202012Validator(manifest_schema()).validate(load_yaml(standard.root / "standard.yaml"))
    assert text.startswith("# orders 1.0.0: a bundle manifest generated by `conform standards import`")
    lines = text.splitlines()
    at = lines.index("- id: p-lines-1-1")
    assert lines[at - 1].startswith("# derived id: the assert at rules/inc/lines.sch:4 has no id")
    assert lines[lines.index("- id: ORD-4") - 1].startswith("# flag='bogus' is not a known severity")


def test_derived_key_is_the_key_the_engine_reports(artefacts: tuple[Path, Path]) -> None:
    plan = plan_import([artefacts[0]], standard_id="orders", version="1.0.0")
    assert "rule: p-lines/1/1" in plan.manifest
    assert "p-lines/1/1" in compile_schematron(artefacts[0]).assertions
    assert any("derived id" in note for note in plan.notes)


def test_imported_bundle_validates(artefacts: tuple[Path, Path], tmp_path: Path) -> None:
    standard = imported(artefacts, tmp_path / "out")
    results = verdicts(standard, make_payloads(tmp_path))
    assert results["good.xml"][0] is Verdict.CONFORMANT
    assert results["no-id.xml"][0] is Verdict.NOT_CONFORMANT
    assert results["no-id.xml"][1]["ORD-1"] is Outcome.FAILED
    # a failed SHOULD and a fired MAY report are not failures of conformance
    assert results["warnings.xml"][0] is Verdict.CONFORMANT
    assert results["warnings.xml"][1]["ORD-2"] is Outcome.FAILED
    assert results["zero-qty.xml"][1]["p-lines-1-1"] is Outcome.FAILED
    assert results["invalid.xml"][1]["XSD"] is Outcome.FAILED


# -- phases --------------------------------------------------------------------------------------

def test_phase_selects_the_requirements_and_is_kept_in_the_manifest(
    artefacts: tuple[Path, Path], tmp_path: Path
) -> None:
    standard = imported(artefacts, tmp_path / "out", phase="basic")
    assert set(standard.requirements) == {"XSD", "ORD-1", "ORD-2", "ORD-3", "ORD-4"}
    order = standard.message_types["Order"]
    assert order.phase_of(order.rules[0]) == "basic"
    assert "- file: rules/main.sch\n    phase: basic" in (standard.root / "standard.yaml").read_text()
    validator = MessageTypeValidator(standard, order)
    rules = validator.sources[1]
    assert isinstance(rules, SchematronSource)
    assert [s.phase for s in rules.schematrons] == ["basic"]
    results = verdicts(standard, make_payloads(tmp_path))
    # the line rules are not in phase "basic": a zero quantity is no longer a failure
    assert results["zero-qty.xml"][0] is Verdict.CONFORMANT
    assert results["no-id.xml"][0] is Verdict.NOT_CONFORMANT


def test_unknown_phase_is_a_spec_error(artefacts: tuple[Path, Path]) -> None:
    with pytest.raises(SpecError, match="unknown phase 'nope'"):
        plan_import([artefacts[0]], standard_id="orders", version="1.0.0", phase="nope")


def test_phase_needs_a_rule_set(artefacts: tuple[Path, Path]) -> None:
    with pytest.raises(UsageError, match="--phase"):
        plan_import([artefacts[1]], standard_id="orders", version="1.0.0", phase="basic")


# -- roots ---------------------------------------------------------------------------------------

def test_schematron_only_roots_come_from_rule_contexts(artefacts: tuple[Path, Path], tmp_path: Path) -> None:
    standard = imported((artefacts[0],), tmp_path / "out")
    assert [(m.recognition.root, m.recognition.namespace, m.schema)
            for m in standard.message_types.values()] == [("Order", NS, None)]
    assert "XSD" not in standard.requirements


def test_without_absolute_contexts_a_root_must_be_given(tmp_path: Path) -> None:
    sch = write(tmp_path, "r.sch", MAIN_SCH.replace('context="/o:Order"', 'context="o:Order"'))
    write(tmp_path, "inc/lines.sch", LINES_SCH)
    with pytest.raises(UsageError, match="--root"):
        plan_import([sch], standard_id="orders", version="1.0.0")
    plan = plan_import([sch], standard_id="orders", version="1.0.0", roots=[parse_root(f"{{{NS}}}Order")])
    assert plan.message_types == ("Order",)


def test_given_root_must_be_declared_by_the_xsd(artefacts: tuple[Path, Path]) -> None:
    with pytest.raises(UsageError, match="not a global element"):
        plan_import(list(artefacts), standard_id="orders", version="1.0.0",
                    roots=[parse_root("{urn:other}Order")])
    plan = plan_import(list(artefacts), standard_id="orders", version="1.0.0",
                       roots=[parse_root(f"{{{NS}}}Line")])
    assert plan.message_types == ("Line",)


@pytest.mark.parametrize("text", ["{ns", "a b", "{ns}", "p:Name"])
def test_bad_root_option(text: str) -> None:
    with pytest.raises(UsageError):
        parse_root(text)


# -- folders -------------------------------------------------------------------------------------

def test_folder_import_finds_the_entry_files(artefacts: tuple[Path, Path], tmp_path: Path) -> None:
    src = artefacts[0].parents[1]
    write(src, "rules/unused.sch", LINES_SCH.replace("p-lines", "p-unused"))
    write(src, "README.txt", "not an artefact")
    plan = plan_import([src], standard_id="orders", version="1.0.0")
    assert sorted(plan.files) == ["rules/inc/lines.sch", "rules/main.sch", "schemas/order.xsd",
                                  "schemas/types/common.xsd"]
    assert plan.message_types == ("Order",)
    assert any("unused.sch" in w and "ignored" in w for w in plan.warnings)


# -- determinism and overwriting -------------------------------------------------------------------

def test_imports_are_byte_identical(artefacts: tuple[Path, Path], tmp_path: Path) -> None:
    elsewhere = tmp_path / "copy"
    shutil.copytree(artefacts[0].parents[1], elsewhere)
    first, _ = import_standard(list(artefacts), out=tmp_path / "a", standard_id="orders", version="1.0.0")
    second, _ = import_standard([elsewhere / "rules/main.sch", elsewhere / "xsd/order.xsd"],
                                out=tmp_path / "b", standard_id="orders", version="1.0.0")
    assert (first / "standard.yaml").read_bytes() == (second / "standard.yaml").read_bytes()


def test_refuses_to_overwrite_without_force(artefacts: tuple[Path, Path], tmp_path: Path) -> None:
    plan = plan_import(list(artefacts), standard_id="orders", version="1.0.0")
    folder = write_bundle(plan, tmp_path)
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="already exists; pass --force"):
        write_bundle(plan, tmp_path)
    assert (folder / "notes.txt").exists()
    assert write_bundle(plan, tmp_path, force=True) == folder
    assert not (folder / "notes.txt").exists()
    assert sorted(p.name for p in folder.parent.iterdir()) == ["1.0.0"], "no staging folder left"


def test_force_never_replaces_a_folder_that_is_not_a_bundle(
    artefacts: tuple[Path, Path], tmp_path: Path
) -> None:
    write(tmp_path, "orders/1.0.0/precious.txt", "keep")
    plan = plan_import(list(artefacts), standard_id="orders", version="1.0.0")
    with pytest.raises(UsageError, match="not a standard bundle"):
        write_bundle(plan, tmp_path, force=True)
    assert (tmp_path / "orders/1.0.0/precious.txt").exists()


def test_a_bundle_that_does_not_compile_is_not_written(tmp_path: Path) -> None:
    sch = write(tmp_path, "bad.sch", MAIN_SCH.replace('test="o:Id"', 'test="o:Id[["')
                .replace('<include href="inc/lines.sch"/>', ""))
    plan = plan_import([sch], standard_id="orders", version="1.0.0")
    with pytest.raises(SpecError, match="the imported bundle does not work"):
        write_bundle(plan, tmp_path / "out")
    assert list((tmp_path / "out" / "orders").iterdir()) == []


# -- refusals ------------------------------------------------------------------------------------

def test_broken_include(tmp_path: Path) -> None:
    sch = write(tmp_path, "main.sch", MAIN_SCH)
    with pytest.raises(SpecError, match=r"broken include: 'inc/lines\.sch' does not exist"):
        plan_import([sch], standard_id="orders", version="1.0.0")


def test_broken_xsd_include(artefacts: tuple[Path, Path]) -> None:
    (artefacts[1].parent / "types" / "common.xsd").unlink()
    with pytest.raises(SpecError, match=r"broken include: 'types/common\.xsd' does not exist"):
        plan_import([artefacts[1]], standard_id="orders", version="1.0.0")


@pytest.mark.parametrize(("content", "message"), [
    ("<notes/>", "neither an ISO Schematron schema nor an XML Schema"),
    ("<schema", "not well-formed XML"),
    ('<schema xmlns="http://www.ascc.net/xml/schematron"/>', "Schematron 1.5"),
    (LINES_SCH, "a Schematron fragment"),
])
def test_not_a_schematron_file(tmp_path: Path, content: str, message: str) -> None:
    path = write(tmp_path, "rules.sch", content)
    with pytest.raises(SpecError, match=message):
        plan_import([path], standard_id="orders", version="1.0.0")


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    write(tmp_path, "inc/lines.sch", LINES_SCH.replace('id="LINE-2"', 'id="ORD-1"'))
    sch = write(tmp_path, "main.sch", MAIN_SCH)
    with pytest.raises(SpecError, match=r"duplicate assertion id 'ORD-1'.*main\.sch:9 and .*lines\.sch:5"):
        plan_import([sch], standard_id="orders", version="1.0.0")


def test_an_id_with_a_superscript_digit_is_sorted_and_renamed(tmp_path: Path) -> None:
    # '²' is a digit to str.isdigit() but int() refuses it: sorting ids once raised ValueError here.
    write(tmp_path, "inc/lines.sch", LINES_SCH)
    sch = write(tmp_path, "main.sch", MAIN_SCH.replace('id="ORD-1"', 'id="ORD-1²"'))
    plan = plan_import([sch], standard_id="orders", version="1.0.0")
    assert "ORD-1: assertion id 'ORD-1²' is not a manifest identifier" in plan.notes


def test_duplicate_ids_across_rule_sets(artefacts: tuple[Path, Path], tmp_path: Path) -> None:
    other = write(tmp_path, "other.sch", MAIN_SCH.replace('<include href="inc/lines.sch"/>', ""))
    with pytest.raises(SpecError, match="duplicate assertion id 'ORD-1'"):
        plan_import([artefacts[0], other], standard_id="orders", version="1.0.0")


def test_include_climbing_out_of_an_imported_folder(tmp_path: Path) -> None:
    write(tmp_path, "outside/lines.sch", LINES_SCH)
    write(tmp_path, "set/main.sch", MAIN_SCH.replace("inc/lines.sch", "../outside/lines.sch"))
    with pytest.raises(BundlePathError, match="outside"):
        plan_import([tmp_path / "set"], standard_id="orders", version="1.0.0")


def test_absolute_and_remote_references_are_refused(artefacts: tuple[Path, Path], tmp_path: Path) -> None:
    lines = artefacts[0].parent / "inc" / "lines.sch"
    absolute = write(tmp_path, "abs.sch", MAIN_SCH.replace("inc/lines.sch", str(lines)))
    with pytest.raises(BundlePathError, match="not a relative path"):
        plan_import([absolute], standard_id="orders", version="1.0.0")
    remote = artefacts[1].read_text().replace("types/common.xsd", "https://example.org/common.xsd")
    with pytest.raises(BundlePathError, match="not a relative path"):
        plan_import([write(tmp_path, "remote.xsd", remote)], standard_id="orders", version="1.0.0")


@pytest.mark.parametrize(("standard_id", "version"), [
    ("../evil", "1.0.0"), ("orders/x", "1.0.0"), ("1orders", "1.0.0"),
    ("orders", "../1.0.0"), ("orders", "1.0"), ("orders", ""),
])
def test_id_and_version_cannot_leave_the_output_folder(
    artefacts: tuple[Path, Path], standard_id: str, version: str
) -> None:
    with pytest.raises(UsageError):
        plan_import(list(artefacts), standard_id=standard_id, version=version)


def test_written_paths_stay_inside_the_bundle(artefacts: tuple[Path, Path], tmp_path: Path) -> None:
    plan = plan_import(list(artefacts), standard_id="orders", version="1.0.0")
    forged = ImportPlan(**{**{f: getattr(plan, f) for f in plan.__dataclass_fields__},
                           "files": {"../../escaped.sch": b"<x/>"}})
    with pytest.raises(BundlePathError):
        write_bundle(forged, tmp_path / "out")
    assert not (tmp_path / "escaped.sch").exists()


# -- EN 16931 ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def en16931(tmp_path_factory: pytest.TempPathFactory) -> Standard:
    folder, _ = import_standard([EN16931_SCH], out=tmp_path_factory.mktemp("en16931"),
                                standard_id="en16931-ubl", version="1.3.16")
    return load_standard(folder)


def _unit_test_document(name: str, expectation: str, tmp_path: Path) -> tuple[Path, str]:
    """The first document of a published unit-test file that must raise `expectation`."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    tree = etree.parse(str(EN16931 / "unit-tests" / name), parser)
    for test in tree.getroot().iter(f"{VEFA}test"):
        header = test.find(f"{VEFA}assert")
        assert header is not None
        expected = header.find(f"{VEFA}{expectation}")
        if expected is None:
            continue
        body = next(c for c in test if isinstance(c.tag, str) and c.tag != f"{VEFA}assert")
        path = tmp_path / f"{Path(name).stem}.xml"
        etree.ElementTree(copy.deepcopy(body)).write(str(path), xml_declaration=True, encoding="UTF-8")
        return path, (expected.text or "").strip()
    raise AssertionError(f"no {expectation} test in {name}")


@needs_en16931
def test_en16931_one_requirement_per_assertion_id(en16931: Standard) -> None:
    ids = set(compile_schematron(EN16931_SCH).assertions)
    assert set(en16931.requirements) == ids
    assert {r.checks[0].rule for r in en16931.requirements.values()} == ids
    assert en16931.requirements["BR-01"].level is Level.MUST      # flag fatal
    assert en16931.requirements["BR-51"].level is Level.SHOULD    # flag warning
    assert sorted(en16931.message_types) == ["CreditNote", "Invoice"]
    assert sorted(p.relative_to(en16931.root).as_posix() for p in en16931.root.rglob("*.sch")) == [
        "rules/EN16931-UBL-validation.sch", "rules/UBL/EN16931-UBL-model.sch",
        "rules/UBL/EN16931-UBL-syntax.sch", "rules/abstract/EN16931-model.sch",
        "rules/abstract/EN16931-syntax.sch", "rules/codelist/EN16931-UBL-codes.sch",
    ]


@needs_en16931
def test_en16931_example_conforms(en16931: Standard) -> None:
    session = ValidationSession([en16931])
    for example in ("ubl-tc434-example1.xml", "ubl-tc434-creditnote1.xml"):
        result = session.validate_path(EN16931 / "examples" / example)
        assert result.verdict is Verdict.CONFORMANT, result.failures()


@needs_en16931
@pytest.mark.parametrize("unit_test", ["BR-01.xml", "BR-CO-15.xml", "BR-CL-14.xml"])
def test_en16931_unit_test_fails_with_its_id(en16931: Standard, unit_test: str, tmp_path: Path) -> None:
    path, rule = _unit_test_document(unit_test, "error", tmp_path)
    result = ValidationSession([en16931]).validate_path(path)
    assert result.verdict is Verdict.NOT_CONFORMANT
    assert result.outcomes[rule] is Outcome.FAILED
    assert rule in {f.requirement_id for f in result.failures()}


# -- one file given by name: its folder is the boundary, as for a folder (issue 8, item 7) --------

@pytest.mark.parametrize("kind", ["schematron", "xsd", "xsd-import"])
def test_a_named_file_cannot_include_from_outside_its_folder(tmp_path: Path, kind: str) -> None:
    write(tmp_path, "outside/lines.sch", LINES_SCH)
    write(tmp_path, "outside/common.xsd", f'<xs:schema xmlns:xs="{XS}" targetNamespace="urn:o"/>')
    if kind == "schematron":
        entry = write(tmp_path, "src/deep/main.sch", MAIN_SCH.replace("inc/lines.sch",
                                                                      "../../outside/lines.sch"))
    elif kind == "xsd":
        entry = write(tmp_path, "src/deep/main.xsd",
                      f'<xs:schema xmlns:xs="{XS}"><xs:include schemaLocation="../../outside/common.xsd"/>'
                      '<xs:element name="a"/></xs:schema>')
    else:
        entry = write(tmp_path, "src/deep/main.xsd",
                      f'<xs:schema xmlns:xs="{XS}"><xs:import namespace="urn:o" '
                      'schemaLocation="../../outside/common.xsd"/><xs:element name="a"/></xs:schema>')
    with pytest.raises(BundlePathError, match="outside the imported folder"):
        plan_import([entry], standard_id="orders", version="1.0.0")


def test_a_named_file_in_a_folder_of_its_own_still_imports_its_includes(
        artefacts: tuple[Path, Path]) -> None:
    plan = plan_import([artefacts[1]], standard_id="orders", version="1.0.0")
    assert sorted(plan.files) == ["schemas/order.xsd", "schemas/types/common.xsd"]


def test_a_symlink_out_of_an_imported_folder_is_refused(tmp_path: Path) -> None:
    secret = write(tmp_path, "outside/secret.sch", MAIN_SCH.replace('<include href="inc/lines.sch"/>', ""))
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "main.sch").symlink_to(secret)
    with pytest.raises(BundlePathError, match="outside the imported folder"):
        plan_import([tmp_path / "set"], standard_id="orders", version="1.0.0")


def test_an_artefact_that_is_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    write(tmp_path, "set/main.sch", MAIN_SCH)
    (tmp_path / "set" / "inc").mkdir()
    os.mkfifo(tmp_path / "set" / "inc" / "lines.sch")  # an include that would block a reader
    with pytest.raises(SpecError):
        plan_import([tmp_path / "set" / "main.sch"], standard_id="orders", version="1.0.0")
