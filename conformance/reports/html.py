"""The HTML report: one self-contained page for people, in Chinese and English side by side.

Rendered by Jinja2 with autoescaping on and `StrictUndefined`: payload names, messages and
excerpts are untrusted and always escaped; characters no HTML/XML document should carry are shown
as escapes (`printable`) by the environment's `finalize`, so no template can forget it. The page
loads nothing: CSS is inline, no scripts, fonts or images, and a Content-Security-Policy of
`default-src 'none'` keeps it so even if a future template change slipped. Both languages are on the
page (no switch, so nothing needs JavaScript); Chinese text carries `lang="zh-Hans"` so browsers
pick Simplified Chinese glyphs, and the font stack names CJK fonts first.

Large runs stay usable: per-payload details are given for the first `DETAIL_LIMIT` payloads with
findings (at most `FINDING_LIMIT` findings each), the payload inventory with hashes lists at most
`INVENTORY_LIMIT` payloads, and the page says what it left out; results.json has everything.

A run that did not pass opens with what to fix first (`fix_first`): processing errors, then the
failing requirements worst first, each linked to its row and to its first failing payload below.
Text that reads the same in both languages is printed once (`bilingual.lines`).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from functools import cache, partial
from typing import IO, Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template
from markupsafe import Markup

from conformance.core.printable import printable
from conformance.records.record import RunRecord
from conformance.reports.bilingual import lines
from conformance.reports.fix_first import fix_first
from conformance.reports.labels import describe_location

DETAIL_LIMIT = 500
FINDING_LIMIT = 50
INVENTORY_LIMIT = 10_000

VERDICT_LABELS = {
    "conformant": {"zh": "符合", "en": "Conformant"},
    "not-conformant": {"zh": "不符合", "en": "Not conformant"},
    "error": {"zh": "无法得出结论（处理错误）", "en": "No verdict (processing error)"},
}
OUTCOME_LABELS = {
    "passed": {"zh": "通过", "en": "passed"},
    "failed": {"zh": "未通过", "en": "failed"},
    "cantTell": {"zh": "无法判定", "en": "can't tell"},
    "inapplicable": {"zh": "不适用", "en": "inapplicable"},
    "untested": {"zh": "未测试", "en": "untested"},
}
LEVEL_LABELS = {"MUST": {"zh": "必须", "en": "MUST"}, "SHOULD": {"zh": "应", "en": "SHOULD"},
                "MAY": {"zh": "可", "en": "MAY"}}


def _finalize(value: Any) -> Any:
    # Markup is already escaped output of a macro; everything else printed is data.
    if isinstance(value, str) and not isinstance(value, Markup):
        return printable(value)
    return value


@cache
def _template() -> Template:
    env = Environment(
        loader=PackageLoader("conformance.reports", "templates"),
        # Always on: select_autoescape() decides by extension and would miss `.html.j2`.
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["location"] = partial(describe_location, lang="en")
    env.filters["bilingual"] = lines
    return env.get_template("report.html.j2")


def _details(record: RunRecord) -> tuple[list[dict[str, Any]], int]:
    """Payloads with findings (capped), each finding joined with its requirement; and their count."""
    requirements = {r.id: r for r in record.requirements}
    shown: list[dict[str, Any]] = []
    total = 0
    for index, payload in enumerate(record.payloads, 1):
        if not payload.findings:
            continue
        total += 1
        if len(shown) >= DETAIL_LIMIT:
            continue  # still counted, so the page can say how many it leaves out
        findings = [{"finding": f, "requirement": requirements.get(f.requirement_id or "")}
                    for f in payload.findings[:FINDING_LIMIT]]
        shown.append({"index": index, "payload": payload, "findings": findings,
                      "omitted": max(0, len(payload.findings) - FINDING_LIMIT)})
    return shown, total


def _context(record: RunRecord) -> dict[str, Any]:
    details, with_findings = _details(record)
    return {
        "record": record,
        "verdicts": VERDICT_LABELS,
        "outcomes": OUTCOME_LABELS,
        "levels": LEVEL_LABELS,
        "details": details,
        "detailed": {d["index"] for d in details},
        "fix_first": fix_first(record),
        "with_findings": with_findings,
        "inventory": record.payloads[:INVENTORY_LIMIT],
        "limits": {"detail": DETAIL_LIMIT, "finding": FINDING_LIMIT, "inventory": INVENTORY_LIMIT},
    }


def iter_html(record: RunRecord) -> Iterator[str]:
    """The HTML report of a run record, in chunks as Jinja renders them."""
    return _template().generate(**_context(record))


def write_html(record: RunRecord, stream: IO[str]) -> None:
    """Write the HTML report of a run record to a text stream."""
    for chunk in iter_html(record):
        stream.write(chunk)


def html_report(record: RunRecord) -> str:
    """The HTML report of a run record, as text."""
    buffer = io.StringIO()
    write_html(record, buffer)
    return buffer.getvalue()

