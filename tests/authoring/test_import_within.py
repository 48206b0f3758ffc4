"""`--within`: a rule file given by name may include files up to a folder the user names.

XRechnung's `schematron/ubl/XRechnung-UBL-validation.sch` includes `../common.sch`; importing the
whole `schematron/` folder would mix its UBL and CII rule sets (they share ids). Issue 10 §6.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conformance import api
from conformance.authoring.importer import import_standard
from conformance.core.errors import BundlePathError, UsageError
from conformance.core.findings import Verdict
from tests.conftest import CORPORA

XRECHNUNG = CORPORA / "xrechnung"
ENTRY = XRECHNUNG / "schematron" / "ubl" / "XRechnung-UBL-validation.sch"
EXAMPLE = XRECHNUNG / "examples" / "01.01a-INVOICE_ubl.xml"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


SCH = """<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt">
  <ns prefix="d" uri="urn:d"/>
  <include href="{href}"/>
</schema>"""
PATTERN = """<pattern xmlns="http://purl.oclc.org/dsdl/schematron" id="p">
  <rule context="/d:doc"><assert id="R-1" test="d:item">An item.</assert></rule>
</pattern>"""


def test_an_include_beside_the_folder_needs_within(tmp_path: Path) -> None:
    entry = _write(tmp_path / "rules" / "ubl" / "entry.sch", SCH.format(href="../common.sch"))
    _write(tmp_path / "rules" / "common.sch", PATTERN)
    with pytest.raises(BundlePathError, match="outside the imported folder"):
        import_standard([entry], out=tmp_path / "out", standard_id="t", version="1.0.0")
    folder, plan = import_standard([entry], out=tmp_path / "out", standard_id="t", version="1.0.0",
                                   within=tmp_path / "rules")
    assert sorted(plan.files) == ["rules/common.sch", "rules/ubl/entry.sch"]
    assert (folder / "rules" / "common.sch").is_file()


def test_within_still_bounds_what_is_read(tmp_path: Path) -> None:
    entry = _write(tmp_path / "rules" / "ubl" / "entry.sch", SCH.format(href="../../common.sch"))
    _write(tmp_path / "common.sch", PATTERN)
    with pytest.raises(BundlePathError, match="outside the imported folder"):
        import_standard([entry], out=tmp_path / "out", standard_id="t", version="1.0.0",
                        within=tmp_path / "rules")
    (tmp_path / "rules" / "other").mkdir()
    with pytest.raises(BundlePathError):  # the file itself must lie within
        import_standard([entry], out=tmp_path / "out", standard_id="t", version="1.0.0",
                        within=tmp_path / "rules" / "other")
    with pytest.raises(UsageError, match="not a folder"):
        import_standard([entry], out=tmp_path / "out", standard_id="t", version="1.0.0",
                        within=tmp_path / "missing")


@pytest.mark.slow
@pytest.mark.skipif(not ENTRY.is_file() and not os.environ.get("CI"), reason=f"no corpus at {XRECHNUNG}")
def test_xrechnung_imports_and_its_example_passes(tmp_path: Path) -> None:
    assert ENTRY.is_file() and EXAMPLE.is_file(), f"CI is set and the corpus is missing: {XRECHNUNG}"
    out = tmp_path / "standards"
    import_standard([ENTRY], out=out, standard_id="xrechnung-ubl", version="3.0.0",
                    within=XRECHNUNG / "schematron")
    (result,) = api.validate([EXAMPLE], standard="xrechnung-ubl@3.0.0", standards_path=[out])
    assert result.verdict is Verdict.CONFORMANT, [f.message.en for f in result.failures()]


def test_validate_ad_hoc_takes_within(tmp_path: Path) -> None:
    from tests.conftest import invoke

    entry = _write(tmp_path / "rules" / "ubl" / "entry.sch", SCH.format(href="../common.sch"))
    _write(tmp_path / "rules" / "common.sch", PATTERN)
    good = _write(tmp_path / "good.xml", '<doc xmlns="urn:d"><item/></doc>')
    bad = _write(tmp_path / "bad.xml", '<doc xmlns="urn:d"/>')
    refused = invoke("validate", good, "--schematron", entry)
    assert refused.exit_code == 2 and "outside the imported folder" in refused.output
    assert invoke("validate", good, "--schematron", entry, "--within", tmp_path / "rules").exit_code == 0
    failed = invoke("validate", bad, "--schematron", entry, "--within", tmp_path / "rules")
    assert failed.exit_code == 1 and "R-1" in failed.output
    assert invoke("validate", good, "--within", tmp_path).exit_code == 2  # needs --schematron or --xsd


@pytest.mark.slow
@pytest.mark.skipif(not ENTRY.is_file() and not os.environ.get("CI"), reason=f"no corpus at {XRECHNUNG}")
def test_conform_standards_import_within_then_validate(tmp_path: Path) -> None:
    from tests.conftest import invoke

    out = tmp_path / "standards"
    imported = invoke("standards", "import", ENTRY, "--within", XRECHNUNG / "schematron",
                      "--id", "xrechnung-ubl", "--version", "3.0.0", "--out", out)
    assert imported.exit_code == 0, imported.output
    assert (out / "xrechnung-ubl" / "3.0.0" / "rules" / "common.sch").is_file()
    checked = invoke("validate", EXAMPLE, "--standard", "xrechnung-ubl", "--standards-path", out)
    assert checked.exit_code == 0, checked.output
