"""The run summary a vendor acts on: processing errors first, then failing requirements, then classes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance import api
from conformance.core.findings import Level, Outcome
from conformance.core.ordering import natural_key
from conformance.core.results import PayloadResult
from conformance.core.text import Text
from conformance.execution.session import budget_result
from conformance.records.record import RunRecord
from conformance.records.run_results import RunResults
from conformance.reports.fix_first import failing_order
from conformance.reports.labels import english_words
from conformance.runs.results_view import RunView
from conformance.runs.summary import PAYLOADS_PER_REQUIREMENT, processing_errors, summary_lines
from conformance.standard.model import Standard
from tests.conftest import ENVELOPE_FIXTURES as ENVELOPE

STANDARD = api.load_standard("egov-exchange-envelope")
FAILING = ["xml/bad-sender-uscc-check.xml", "xml/bad-created-no-zone.xml", "json/bad-digest-value-short.json",
           "xml/warn-empty-part.xml", "xml/conformant-full.xml"]


def make_record(standard: Standard, results: list[PayloadResult]) -> RunRecord:
    run = RunResults(standard, "full")
    for result in results:
        run.add(result)
    return run.record(started="2026-01-01T00:00:00Z", finished="2026-01-01T00:00:01Z")


@pytest.fixture(scope="module")
def unrecognised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("other") / "a-other-root.xml"
    path.write_text("<a/>\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def record(unrecognised: Path) -> RunRecord:
    paths = [ENVELOPE / name for name in FAILING] + [ENVELOPE / "hostile" / "truncated.json", unrecognised]
    results = list(api.validate(paths, standard=STANDARD))
    # A payload stopped by its budget, as the supervisor reports it; named to sort between the others.
    budget = Text(zh="超出 2 秒的时间预算", en="exceeded the time budget of 2 s")
    results.append(budget_result("m-slow.xml", budget))
    return make_record(STANDARD, results)


def test_processing_errors_come_first_by_name_with_reason_and_location(record: RunRecord,
                                                                      unrecognised: Path) -> None:
    lines = summary_lines(RunView(record))
    assert lines[0].startswith("processing errors: 3 payload(s) could not be judged")
    truncated = str(ENVELOPE / "hostile" / "truncated.json")
    names = sorted([str(unrecognised), "m-slow.xml", truncated])
    heads = [line for line in lines if line.startswith("  ") and not line.startswith("   ")
             and line.strip().split(":")[0] in names]
    reasons = {str(unrecognised): "unrecognised", "m-slow.xml": "budget exceeded", truncated: "unparsable"}
    assert heads == [f"  {name}: {reasons[name]}" for name in names]
    at = lines.index(f"  {truncated}: unparsable")
    assert re.match(r"    line \d+, column \d+: not well-formed JSON", lines[at + 1]), lines[at + 1]
    assert lines[lines.index("  m-slow.xml: budget exceeded") + 1] == "    exceeded the time budget of 2 s"
    assert lines.index("failing requirements: 4") > at


def test_each_failing_requirement_has_level_statement_payloads_where_and_how_to_fix(
        record: RunRecord) -> None:
    lines = summary_lines(RunView(record))
    heads = [line for line in lines if re.match(r"  EXC-\d+ (MUST|SHOULD|MAY): failed on", line)]
    # MUST before SHOULD, then by id; SHOULD failures are listed too (they leave a payload conformant).
    assert [h.split()[0] for h in heads] == ["EXC-005", "EXC-007", "EXC-022", "EXC-020"]
    assert heads[0] == f"  EXC-005 MUST: failed on 1 of {len(record.payloads)} payload(s)"
    at = lines.index(heads[0])
    requirement = STANDARD.requirements["EXC-005"]
    assert lines[at + 1] == f"      {requirement.statement.en}"
    assert lines[at + 2] == f"      {ENVELOPE / 'xml' / 'bad-sender-uscc-check.xml'}"
    assert lines[at + 3] == ("        line 11; /env:Envelope/env:Sender/env:Code: check character is 'A' "
                             "but should be 'Q'")
    assert lines[at + 4].startswith("      how to fix: ")
    json_block = lines[lines.index(heads[2]):]
    assert json_block[3].startswith("        line 29, column 20; pointer /payload/parts/0/digest/value: ")
    classes = [line for line in lines if line.startswith("class ")]
    assert [c.split(":")[0] for c in classes] == ["class core", "class full"]
    assert lines[-1].startswith(f"payloads: {len(record.payloads)} (")


def test_class_lines_count_payloads_by_their_verdict_for_that_class(record: RunRecord) -> None:
    lines = summary_lines(RunView(record))
    for klass in record.classes:
        counts = {"conformant": 0, "not-conformant": 0, "error": 0}
        for payload in record.payloads:
            counts[payload.verdicts[klass.id].value if klass.id in payload.verdicts else "error"] += 1
        expected = (f"class {klass.id}: {klass.verdict.value.replace('-', ' ')} ({counts['conformant']} "
                    f"conformant, {counts['not-conformant']} not conformant, "
                    f"{counts['error']} processing error)")
        assert expected in lines


def test_only_the_first_payloads_of_a_requirement_are_shown() -> None:
    results = list(api.validate([ENVELOPE / "xml", ENVELOPE / "json"], standard=STANDARD))
    record = make_record(STANDARD, results)
    view = RunView(record)
    many = next(o for o in view.failing() if len(o.with_outcome(Outcome.FAILED)) > PAYLOADS_PER_REQUIREMENT)
    failed = many.with_outcome(Outcome.FAILED)
    lines = summary_lines(view)
    at = next(i for i, line in enumerate(lines) if line.startswith(f"  {many.requirement.id} "))
    block = lines[at + 1:]
    block = block[:next(i for i, line in enumerate(block) if not line.startswith("    "))]
    shown = [line.strip() for line in block if line.strip() in {c.payload.name for c in failed}]
    assert shown == [c.payload.name for c in failed[:PAYLOADS_PER_REQUIREMENT]]
    hidden = len(failed) - PAYLOADS_PER_REQUIREMENT
    assert f"      ... and {hidden} more payload(s) (see the reports)" in block
    assert not processing_errors(record) and not lines[0].startswith("processing errors")


def test_order_is_deterministic_whatever_the_order_of_the_record(record: RunRecord) -> None:
    from dataclasses import replace

    reordered = replace(record, payloads=tuple(reversed(record.payloads)))
    first = [line for line in summary_lines(RunView(record)) if not line.startswith("      ")]
    second = [line for line in summary_lines(RunView(reordered)) if not line.startswith("      ")]
    assert first == second  # only which payloads are shown first under a requirement follows the record


def test_requirement_order_is_level_then_id_with_numbers_as_numbers() -> None:
    from conformance.records.record import RequirementRecord

    def req(rid: str, level: Level) -> RequirementRecord:
        # Each fails on one payload, so the order is the level, then the id.
        return RequirementRecord(rid, "urn:x", level, Text.same(rid), (), Outcome.FAILED, {Outcome.FAILED: 1})

    reqs = [req("R-10", Level.MUST), req("R-9", Level.SHOULD), req("R-2", Level.MUST), req("R-1", Level.MAY)]
    assert [r.id for r in sorted(reqs, key=failing_order)] == ["R-2", "R-10", "R-9", "R-1"]


def test_natural_key_orders_numbers_as_numbers_and_never_converts_them() -> None:
    ids = ["R-10", "R-2", "R-1", "R-02a", "R-", "R-x", "Q-3"]
    assert sorted(ids, key=natural_key) == ["Q-3", "R-", "R-1", "R-2", "R-02a", "R-10", "R-x"]
    # '²' is a digit to str.isdigit() but not to int(); a 5,000-digit run is past int()'s limit.
    huge = "9" * 5000
    odd = ["BR-1²", f"BR-{huge}", "BR-1", f"BR-1{huge}", "BR-2"]
    assert sorted(odd, key=natural_key) == ["BR-1", "BR-1²", "BR-2", f"BR-{huge}", f"BR-1{huge}"]


def data_of(record: RunRecord, lang: str) -> list[str]:
    """Every string of the run that comes from its data, longest first: what labels surround."""
    data: set[str] = {record.class_id or "", str(record.verdict.value)}
    for payload in record.payloads:
        data |= {payload.name, payload.standard or "", payload.message_type or ""}
        for finding in payload.findings:
            data.add(finding.message.get(lang))
            if finding.hint is not None:
                data.add(finding.hint.get(lang))
            if finding.location is not None:
                data |= {finding.location.xpath or "", finding.location.pointer or ""}
    for requirement in record.requirements:
        data |= {requirement.id, requirement.statement.get(lang)}
    data |= {c.id for c in record.classes}
    return sorted((d for d in data if d), key=len, reverse=True)


def assert_no_english_labels(text: str, data: list[str]) -> None:
    for value in data:
        text = text.replace(value, " ")
    words = english_words()
    assert {"line", "column", "pointer", "class", "MUST", "SHOULD", "failed", "fix", "payload", "payloads",
            "processing", "error", "conformant", "unrecognised", "unparsable", "budget", "verdict",
            "reports", "requirements"} <= words
    found = sorted({w for w in re.findall(r"[A-Za-z]{2,}", text) if w in words})
    assert not found, (found, text)


def test_chinese_summary_has_no_english_label(record: RunRecord) -> None:
    lines = summary_lines(RunView(record), "zh")
    text = "\n".join(lines)
    assert lines[0].startswith("处理错误：3 个载荷无法评判")
    assert "  EXC-005 必须：在 " in text and "  EXC-020 应当：在 " in text and "修改建议：" in text
    assert "第 11 行；/env:Envelope/env:Sender/env:Code：" in text
    assert "类别 core：不符合（" in text
    assert_no_english_labels(text, data_of(record, "zh"))
