"""The pytest plugin on generated suites: outcomes keep their meaning, ids are stable, xdist agrees.

Expected failures come from the fixture manifest, not from this file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conformance import api
from conformance.records.record import Subject
from conformance.records.run_results import load_run_record
from conformance.runs.suite import generate_suite
from tests.conftest import ENVELOPE_FIXTURES as ENVELOPE
from tests.conftest import fixture_manifest

CASES = {c["file"]: c for c in fixture_manifest()}
STANDARD = api.load_standard("egov-exchange-envelope")
VERBOSE_LINE = re.compile(
    r"::(test_\w+) (PASSED|FAILED|ERROR|SKIPPED)|(PASSED|FAILED|ERROR|SKIPPED) \S+::(test_\w+)"
)


@pytest.fixture
def suite(pytester: pytest.Pytester) -> Path:
    folder = pytester.path / "suite"
    generate_suite(STANDARD, "full", folder)
    return folder


def run(
    pytester: pytest.Pytester, suite: Path, *payloads: str, extra: tuple[str, ...] = ()
) -> pytest.RunResult:
    args = [str(suite), "-p", "no:cacheprovider", "-v", "-rA"]
    for p in payloads:
        args += ["--conformance-payloads", str(ENVELOPE / p)]
    return pytester.runpytest_subprocess(*args, *extra)


def outcomes_by_test(result: pytest.RunResult) -> dict[str, str]:
    found = {}
    for line in result.outlines:
        m = VERBOSE_LINE.search(line)
        if m and (m.group(1) or m.group(4)) not in found:
            found[m.group(1) or m.group(4)] = m.group(2) or m.group(3)
    return found


def item_name(requirement_id: str) -> str:
    return "test_" + requirement_id.lower().replace("-", "_")


def test_conformant_payload_passes_and_inapplicable_is_skipped(
    pytester: pytest.Pytester, suite: Path
) -> None:
    name = "xml/conformant-minimal.xml"
    result = run(pytester, suite, name)
    by_test = outcomes_by_test(result)
    assert result.ret == 0
    (engine,) = api.validate([ENVELOPE / name], standard=STANDARD)
    inapplicable = sorted(r for r, o in engine.outcomes.items() if o.value == "inapplicable")
    assert inapplicable, "the minimal envelope leaves optional parts out"
    assert {r for r in STANDARD.requirements if by_test[item_name(r)] == "SKIPPED"} == set(inapplicable)
    assert set(by_test.values()) == {"PASSED", "SKIPPED"}
    assert f"{inapplicable[0]} is inapplicable to all 1 payloads" in result.stdout.str()


def test_failures_are_the_manifest_ones_with_a_readable_report(
    pytester: pytest.Pytester, suite: Path
) -> None:
    name = "xml/bad-sender-uscc-check.xml"
    result = run(pytester, suite, name)
    by_test = outcomes_by_test(result)
    expected = set(CASES[name]["fails"])
    failed = {rid for rid in STANDARD.requirements if by_test.get(item_name(rid)) == "FAILED"}
    assert failed == {rid for rid in expected if STANDARD.requirements[rid].level.value == "MUST"}
    text = result.stdout.str()
    rid = sorted(failed)[0]
    assert f"{rid} (MUST) failed on 1 of 1 payloads" in text
    assert STANDARD.requirements[rid].statement.en in text
    assert "bad-sender-uscc-check.xml: failed" in text and "line " in text
    assert "Traceback" not in text and "def test_" not in text  # the report replaces the traceback
    assert result.ret == 1


def test_unprocessable_payload_is_an_error_never_a_pass(pytester: pytest.Pytester, suite: Path) -> None:
    result = run(pytester, suite, "hostile/invalid-utf8.xml")
    by_test = outcomes_by_test(result)
    assert set(by_test.values()) == {"ERROR"}
    assert len(by_test) == len(STANDARD.classes["full"].requirements)
    assert "could not be decided" in result.stdout.str()


def test_should_failure_passes_with_a_warning(pytester: pytest.Pytester, suite: Path) -> None:
    name = "xml/warn-empty-part.xml"
    result = run(pytester, suite, name)
    by_test = outcomes_by_test(result)
    (should,) = CASES[name]["fails"]
    assert by_test[item_name(should)] == "PASSED"
    assert "ConformanceWarning" in result.stdout.str() and f"{should} (SHOULD) failed" in result.stdout.str()
    assert result.ret == 0


def test_test_ids_do_not_depend_on_where_pytest_runs(
    pytester: pytest.Pytester, suite: Path, tmp_path: Path
) -> None:
    ids = []
    for cwd in (pytester.path, tmp_path):
        with pytest.MonkeyPatch.context() as mp:
            mp.chdir(cwd)
            result = pytester.runpytest_subprocess(
                str(suite),
                "--collect-only",
                "-q",
                "-p",
                "no:cacheprovider",
                "--conformance-payloads",
                str(ENVELOPE / "xml"),
            )
        ids.append([line for line in result.outlines if "::" in line])
    assert ids[0] == ids[1]
    assert ids[0][0] == "test_egov_exchange_envelope_core.py::test_exc_001"


def test_xdist_gives_the_same_results(pytester: pytest.Pytester, suite: Path) -> None:
    one = run(pytester, suite, "xml", "json")
    two = run(pytester, suite, "xml", "json", extra=("-n", "2"))
    assert outcomes_by_test(one) == outcomes_by_test(two)
    assert one.parseoutcomes() == two.parseoutcomes()


def test_results_are_written_and_valid(pytester: pytest.Pytester, suite: Path) -> None:
    out = pytester.path / "out"
    run(
        pytester,
        suite,
        "xml",
        extra=("--conformance-report-dir", str(out), "--conformance-subject", "ACME/Gateway/2.1"),
    )
    record = load_run_record(out / "results.json")
    assert record.subject == Subject("ACME", "Gateway", "2.1")
    assert record.suite_hash == json.loads((suite / "conformance-suite.json").read_text())["suite-hash"]
    assert record.summary.payloads == len(record.payloads) == len(list((ENVELOPE / "xml").glob("*.xml")))


def test_edited_suite_and_missing_payloads_are_usage_errors(pytester: pytest.Pytester, suite: Path) -> None:
    result = run(pytester, suite)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "no payloads bound" in result.stderr.str()
    module = suite / "test_egov_exchange_envelope_core.py"
    module.write_text(module.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    result = run(pytester, suite, "xml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "changed after generation" in result.stderr.str()


def test_plugin_is_inert_without_a_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    assert True\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "conformance:" not in result.stdout.str()


def test_plugin_names_agree_with_the_modules_it_loads_lazily() -> None:
    from conformance.runs import plugin, suite

    assert plugin.SUITE_MANIFEST == suite.SUITE_MANIFEST


def test_a_narrower_target_class_skips_the_other_classes_tests(
    pytester: pytest.Pytester, suite: Path
) -> None:
    result = run(pytester, suite, "xml/conformant-full.xml", extra=("--conformance-class", "core"))
    by_test = outcomes_by_test(result)
    core = set(STANDARD.classes["core"].requirements)
    assert {r for r in STANDARD.requirements if by_test[item_name(r)] == "SKIPPED"} >= (
        set(STANDARD.requirements) - core
    )
    assert "is not a requirement of class core" in result.stdout.str()
    assert result.ret == 0


def test_payloads_bound_at_generation_need_no_option(pytester: pytest.Pytester) -> None:
    folder = pytester.path / "bound"
    generate_suite(STANDARD, "full", folder, payloads=[str(ENVELOPE / "xml" / "conformant-*.xml")])
    result = pytester.runpytest_subprocess(str(folder), "-p", "no:cacheprovider")
    assert result.ret == 0
    conformant = len(list((ENVELOPE / "xml").glob("conformant-*.xml")))
    assert f"payloads: {conformant} ({conformant} conformant" in result.stdout.str()


def test_terminal_summary_shows_processing_errors_first_then_failing_requirements(
    pytester: pytest.Pytester, suite: Path
) -> None:
    result = run(pytester, suite, "hostile/truncated.json", "xml/bad-sender-uscc-check.xml",
                 "xml/warn-empty-part.xml")
    lines = result.outlines
    section = next(i for i, line in enumerate(lines) if re.fullmatch(r"=+ conformance =+", line))
    summary = lines[section + 1:]
    assert summary[0] == "processing errors: 1 payload(s) could not be judged (every requirement on them " \
                         "is undecided: fix these first)"
    assert summary[1] == f"  {ENVELOPE / 'hostile' / 'truncated.json'}: unparsable"
    assert summary.index("failing requirements: 2") > 1
    must = summary.index("  EXC-005 MUST: failed on 1 of 3 payload(s)")
    should = summary.index("  EXC-020 SHOULD: failed on 1 of 3 payload(s)")
    assert must < should
    assert summary[must + 1] == f"      {STANDARD.requirements['EXC-005'].statement.en}"
    assert summary[must + 2] == f"      {ENVELOPE / 'xml' / 'bad-sender-uscc-check.xml'}"
    assert summary[must + 3].startswith("        line 11; /env:Envelope/env:Sender/env:Code: ")
    assert any(line.startswith("class full: not conformant (") for line in summary)
    assert result.ret == 1  # exit codes stay pytest's


def test_conformance_lang_zh_gives_the_summary_and_reports_in_chinese(
    pytester: pytest.Pytester, suite: Path
) -> None:
    result = run(pytester, suite, "hostile/truncated.json", "xml/bad-sender-uscc-check.xml",
                 extra=("--conformance-lang", "zh"))
    text = result.stdout.str()
    assert re.search(r"=+ 符合性 =+", text)
    assert "处理错误：1 个载荷无法评判" in text and "  EXC-005 必须：在 2 个载荷中有 1 个未通过" in text
    assert "EXC-005（必须）在 2 个载荷中有 1 个未通过" in text  # the test's own report
    assert "\n  EXC-005 MUST" not in text and "failing requirements" not in text
    assert result.ret == 1
