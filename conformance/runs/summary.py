"""The summary at the end of a run: what a vendor fixes, in the order to fix it.

Printed by the plugin's terminal summary (so `conform run` and plain `pytest SUITE` both show
it) and read from the run record alone: nothing is validated again. First the payloads that could
not be judged at all (unparsable, unrecognised, over budget), because every requirement on them is
undecided and they hide the real failures; then each failing requirement, MUST before SHOULD
before MAY, with its first payloads, where and why; then one line per class.
"""

from __future__ import annotations

from conformance.core.findings import Outcome, Verdict
from conformance.core.printable import terminal
from conformance.records.record import RunRecord
from conformance.reports.fix_first import ProcessingError
from conformance.reports.fix_first import processing_errors as _in_record_order
from conformance.reports.labels import finding_line, label, level_label, verdict_counts, verdict_label
from conformance.runs.results_view import RequirementOutcomes, RunView

PAYLOADS_PER_REQUIREMENT = 3
MAX_PROCESSING_ERRORS_SHOWN = 20
# A message quoting a whole value (a long name, a base64 blob) would drown the summary: the
# reports keep it whole.
MAX_MESSAGE_CHARS = 300
# The source of a processing error says why the payload could not be judged; any other source is
# a rule, schema or check that broke on it.
_REASONS = {"parser": "reason-parser", "recognition": "reason-recognition",
            "supervisor": "reason-supervisor", "engine": "reason-engine"}


def reason(error: ProcessingError) -> str:
    """The label key of why: unparsable, unrecognised, budget exceeded, engine or rule error."""
    return _REASONS.get(error.first.source, "reason-rule")


def processing_errors(record: RunRecord) -> list[ProcessingError]:
    """Every payload with a processing error, by name (record order among equal names)."""
    return sorted(_in_record_order(record), key=lambda e: e.payload.name)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS - 1] + "…"


def _processing_block(record: RunRecord, lang: str) -> list[str]:
    errors = processing_errors(record)
    if not errors:
        return []
    lines = [label("processing-errors", lang, count=len(errors))]
    for error in errors[:MAX_PROCESSING_ERRORS_SHOWN]:
        rid = f" ({error.first.requirement_id})" if error.first.requirement_id else ""
        why = label(reason(error), lang)
        lines.append(terminal(f"  {error.payload.name}{label('colon', lang)}{why}{rid}"))
        more = f" {label('more-findings', lang, count=error.count - 1)}" if error.count > 1 else ""
        lines.append("    " + terminal(finding_line(error.first, lang, clip=_clip)) + more)
    if len(errors) > MAX_PROCESSING_ERRORS_SHOWN:
        hidden = len(errors) - MAX_PROCESSING_ERRORS_SHOWN
        lines.append("  " + label("more-payloads-short", lang, count=hidden))
    return [*lines, ""]


def _requirement_block(outcomes: RequirementOutcomes, lang: str) -> list[str]:
    requirement = outcomes.requirement
    failed = outcomes.with_outcome(Outcome.FAILED)
    lines = [terminal(label("failing-requirement", lang, id=requirement.id,
                            level=level_label(requirement.level, lang), count=len(failed),
                            total=len(outcomes.cases))),
             "    " + terminal(requirement.statement.get(lang))]
    hints: list[str] = []
    for case in failed[:PAYLOADS_PER_REQUIREMENT]:
        lines.append("    " + terminal(case.payload.name))
        own = [f for f in case.findings if f.outcome is Outcome.FAILED] or list(case.findings)
        if own:
            more = f" {label('more-findings', lang, count=len(own) - 1)}" if len(own) > 1 else ""
            statement = requirement.statement.get(lang)
            lines.append("      " + terminal(finding_line(own[0], lang, statement, clip=_clip)) + more)
        for finding in own:
            hint = finding.hint.get(lang) if finding.hint is not None else None
            if hint and hint not in hints:
                hints.append(hint)
    if len(failed) > PAYLOADS_PER_REQUIREMENT:
        hidden = len(failed) - PAYLOADS_PER_REQUIREMENT
        lines.append("    " + label("more-payloads-short", lang, count=hidden))
    lines.extend("    " + terminal(f"{label('how-to-fix', lang)}{label('colon', lang)}{_clip(hint)}")
                 for hint in hints)
    return lines


def _class_lines(record: RunRecord, lang: str) -> list[str]:
    lines = []
    for klass in record.classes:
        counts = dict.fromkeys(Verdict, 0)
        for payload in record.payloads:
            # A payload that could not be processed has no class verdicts: it is an error for each.
            counts[payload.verdicts.get(klass.id, Verdict.ERROR)] += 1
        lines.append(terminal(label("class-verdict", lang, klass=klass.id,
                                    verdict=verdict_label(klass.verdict, lang),
                                    counts=verdict_counts(counts, lang))))
    return lines


def summary_lines(view: RunView, lang: str = "en") -> list[str]:
    """The whole summary of the run `view` indexes, one string per line, in `lang` ("en" or "zh")."""
    record = view.record
    lines = _processing_block(record, lang)
    failing = view.failing()
    if failing:
        lines.append(label("failing-requirements", lang, count=len(failing)))
        for outcomes in failing:
            lines.extend("  " + line for line in _requirement_block(outcomes, lang))
    else:
        lines.append(label("no-failing-requirements", lang))
    lines.append("")
    lines.extend(_class_lines(record, lang))
    summary = record.summary
    lines.append(terminal(label(
        "payloads-line", lang, total=summary.payloads, conformant=summary.conformant,
        not_conformant=summary.not_conformant, error=summary.error, klass=record.class_id,
        verdict=verdict_label(record.verdict, lang))))
    return lines
