"""`conform standards import` and ad hoc `conform validate --schematron/--xsd`, as a user meets them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.authoring.importer_artefacts import MAIN_SCH, make_artefacts, make_payloads, write
from tests.conftest import CORPORA, invoke

EN16931 = CORPORA / "en16931-ubl"
EN16931_SCH = EN16931 / "schematron" / "EN16931-UBL-validation.sch"


@pytest.fixture(autouse=True, scope="module")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONFORMANCE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, dict[str, Path]]:
    sch, xsd = make_artefacts(tmp_path / "src")
    return sch, xsd, make_payloads(tmp_path)


def import_args(out: Path, *artefacts: Path) -> list[object]:
    return ["standards", "import", *artefacts, "--id", "orders", "--version", "1.0.0", "--out", out]


# -- conform standards import --------------------------------------------------------------------

def test_import_then_validate_with_the_bundle(files: tuple[Path, Path, dict[str, Path]],
                                              tmp_path: Path) -> None:
    sch, xsd, payloads = files
    out = tmp_path / "standards"
    result = invoke(*import_args(out, sch, xsd), "--title", "Orders")
    assert result.exit_code == 0, result.output
    assert "imported orders@1.0.0 into" in result.output and "7 requirements" in result.output
    assert "conform: note: p-lines-1-1: derived id" in result.stderr
    manifest = (out / "orders" / "1.0.0" / "standard.yaml").read_text("utf-8")
    assert "en: Orders" in manifest

    good = invoke("validate", "--standards-path", out, "--standard", "orders", payloads["good.xml"])
    assert good.exit_code == 0, good.output
    bad = invoke("validate", "--standards-path", out, "--standard", "orders", payloads["no-id.xml"])
    assert bad.exit_code == 1 and "ORD-1" in bad.output
    listed = invoke("standards", "list", "--standards-path", out)
    assert "orders@1.0.0" in listed.output and "draft" in listed.output


def test_import_refuses_to_overwrite_without_force(files: tuple[Path, Path, dict[str, Path]],
                                                   tmp_path: Path) -> None:
    sch, xsd, _ = files
    assert invoke(*import_args(tmp_path, sch, xsd)).exit_code == 0
    again = invoke(*import_args(tmp_path, sch, xsd))
    assert again.exit_code == 2
    assert "already exists; pass --force" in again.output
    assert invoke(*import_args(tmp_path, sch, xsd), "--force").exit_code == 0


def test_two_imports_write_byte_identical_manifests(files: tuple[Path, Path, dict[str, Path]],
                                                    tmp_path: Path) -> None:
    sch, xsd, _ = files
    assert invoke(*import_args(tmp_path / "a", sch, xsd)).exit_code == 0
    assert invoke(*import_args(tmp_path / "b", sch.parents[1])).exit_code == 0  # the folder, this time
    first = (tmp_path / "a" / "orders" / "1.0.0" / "standard.yaml").read_bytes()
    second = (tmp_path / "b" / "orders" / "1.0.0" / "standard.yaml").read_bytes()
    assert first == second


@pytest.mark.parametrize(("setup", "message"), [
    (lambda d: write(d, "x.sch", "<notes/>"), "neither an ISO Schematron schema nor an XML Schema"),
    (lambda d: write(d, "x.sch", "<schema"), "not well-formed XML"),
    (lambda d: write(d, "x.sch", MAIN_SCH), "broken include: 'inc/lines.sch' does not exist"),
    (lambda d: write(d, "x.sch", MAIN_SCH.replace("inc/lines.sch", "/etc/passwd")), "not a relative path"),
])
def test_import_errors_are_one_line_and_exit_2(tmp_path: Path, setup: Any, message: str) -> None:
    result = invoke(*import_args(tmp_path / "out", setup(tmp_path)))
    assert result.exit_code == 2
    assert result.stderr.startswith("conform: error:") and message in result.stderr
    assert not (tmp_path / "out" / "orders" / "1.0.0").exists()


def test_import_bad_id_exit_2(files: tuple[Path, Path, dict[str, Path]], tmp_path: Path) -> None:
    result = invoke("standards", "import", files[0], "--id", "../evil", "--version", "1.0.0",
                 "--out", tmp_path)
    assert result.exit_code == 2 and "--id '../evil'" in result.output
    assert not (tmp_path.parent / "evil").exists()


def test_import_missing_file_exit_2(tmp_path: Path) -> None:
    result = invoke(*import_args(tmp_path, tmp_path / "nope.sch"))
    assert result.exit_code == 2 and "does not exist" in result.output


# -- conform validate --schematron/--xsd -----------------------------------------------------------

def test_adhoc_exit_codes(files: tuple[Path, Path, dict[str, Path]]) -> None:
    sch, xsd, payloads = files
    good = invoke("validate", "--schematron", sch, "--xsd", xsd, payloads["good.xml"])
    assert good.exit_code == 0, good.output
    assert good.stdout.startswith("PASS") and "main@0.0.0-adhoc Order" in good.stdout
    bad = invoke("validate", "--schematron", sch, "--xsd", xsd, payloads["invalid.xml"])
    assert bad.exit_code == 1 and "XSD MUST (failed)" in bad.output
    broken = invoke("validate", "--schematron", sch, "--phase", "nope", payloads["good.xml"])
    assert broken.exit_code == 2 and "unknown phase 'nope'" in broken.output


def test_adhoc_phase_is_passed_down(files: tuple[Path, Path, dict[str, Path]]) -> None:
    sch, _, payloads = files
    full = invoke("validate", "--schematron", sch, payloads["zero-qty.xml"])
    assert full.exit_code == 1 and "p-lines-1-1" in full.output
    basic = invoke("validate", "--schematron", sch, "--phase", "basic", payloads["zero-qty.xml"])
    assert basic.exit_code == 0, basic.output
    lines = invoke("validate", "--schematron", sch, "--phase", "lines", payloads["zero-qty.xml"])
    assert lines.exit_code == 1


def test_adhoc_json_and_jobs(files: tuple[Path, Path, dict[str, Path]]) -> None:
    sch, xsd, payloads = files
    folder = payloads["good.xml"].parent
    one = invoke("validate", "-f", "json", "--schematron", sch, "--xsd", xsd, folder)
    two = invoke("validate", "-f", "json", "-j", "2", "--schematron", sch, "--xsd", xsd, folder)
    assert one.exit_code == two.exit_code == 1
    data = json.loads(one.stdout)
    assert data["summary"] == {"payloads": 5, "conformant": 2, "not-conformant": 3, "error": 0}
    strip = lambda d: [(p["name"], p["verdict"], p["outcomes"]) for p in d["payloads"]]  # noqa: E731
    assert strip(data) == strip(json.loads(two.stdout))


def test_adhoc_xsd_only(files: tuple[Path, Path, dict[str, Path]]) -> None:
    _, xsd, payloads = files
    assert invoke("validate", "--xsd", xsd, payloads["no-id.xml"]).exit_code == 0
    assert invoke("validate", "--xsd", xsd, payloads["invalid.xml"]).exit_code == 1


@pytest.mark.parametrize("extra", [
    ["--standard", "egov-exchange-envelope"],
    ["--standards-path", "."],
])
def test_adhoc_excludes_a_bundle(files: tuple[Path, Path, dict[str, Path]], extra: list[str]) -> None:
    sch, _, payloads = files
    result = invoke("validate", "--schematron", sch, *extra, payloads["good.xml"])
    assert result.exit_code == 2 and "not with --standard" in result.output


@pytest.mark.parametrize("extra", [["--phase", "basic"], ["--root", "Order"]])
def test_phase_and_root_need_adhoc_artefacts(files: tuple[Path, Path, dict[str, Path]],
                                             extra: list[str]) -> None:
    result = invoke("validate", *extra, files[2]["good.xml"])
    assert result.exit_code == 2 and "need --schematron or --xsd" in result.output


def test_adhoc_needs_a_root_when_contexts_name_none(files: tuple[Path, Path, dict[str, Path]],
                                                     tmp_path: Path) -> None:
    sch, _, payloads = files
    relative = write(sch.parent, "relative.sch", MAIN_SCH.replace('context="/o:Order"', 'context="o:Order"'))
    result = invoke("validate", "--schematron", relative, payloads["good.xml"])
    assert result.exit_code == 2 and "--root" in result.output
    given = invoke("validate", "--schematron", relative, "--root", "{urn:test:order}Order",
                   payloads["good.xml"])
    assert given.exit_code == 0, given.output


# -- EN 16931 ------------------------------------------------------------------------------------

@pytest.mark.skipif(not EN16931_SCH.is_file(), reason=f"EN 16931 corpus not found at {EN16931}")
def test_en16931_import_and_adhoc(tmp_path: Path) -> None:
    result = invoke("standards", "import", EN16931_SCH.parent, "--id", "en16931-ubl", "--version", "1.3.16",
                 "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert "message types CreditNote, Invoice" in result.output
    example = EN16931 / "examples" / "ubl-tc434-example1.xml"
    bundled = invoke("validate", "--standards-path", tmp_path, "-s", "en16931-ubl", example)
    assert bundled.exit_code == 0, bundled.output
    adhoc = invoke("validate", "--schematron", EN16931_SCH, "--phase", "codelist_phase", example)
    assert adhoc.exit_code == 0, adhoc.output


# -- a file given by name brings nothing from outside its folder (issue 8, item 7) -----------------

@pytest.mark.parametrize("command", ["import", "adhoc"])
def test_one_file_including_from_outside_its_folder_exit_2_nothing_written(tmp_path: Path,
                                                                          command: str) -> None:
    write(tmp_path, "outside/secret.xsd", '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>')
    entry = write(tmp_path, "src/deep/main.xsd",
                  '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
                  '<xs:include schemaLocation="../../outside/secret.xsd"/><xs:element name="a"/></xs:schema>')
    out = tmp_path / "standards"
    if command == "import":
        result = invoke(*import_args(out, entry))
    else:
        result = invoke("validate", "--xsd", entry, write(tmp_path, "p.xml", "<a/>"))
    assert result.exit_code == 2, result.output
    assert "outside the imported folder" in result.output and "secret.xsd" in result.output
    assert not out.exists()
