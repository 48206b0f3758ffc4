"""Plain-text results for a person at a terminal: grouped by payload, failures first-hand."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO

from conformance.core.findings import Outcome, Verdict
from conformance.core.printable import terminal
from conformance.core.results import PayloadResult
from conformance.reports.labels import (
    finding_line,
    label,
    level_label,
    outcome_label,
    verdict_counts,
    verdict_label,
    verdict_mark,
)
from conformance.standard.model import Standard


class TextWriter:
    """Writes one block per payload and a closing summary."""

    def __init__(self, stream: IO[str], standards: Mapping[str, Standard], *, lang: str = "en",
                 verbose: bool = False) -> None:
        self._stream = stream
        self._standards = standards
        self._lang = lang
        self._verbose = verbose
        self.counts = {v: 0 for v in Verdict}

    def write(self, result: PayloadResult) -> None:
        # Every field may come from a payload or a third-party bundle (names, messages quoting
        # values, excerpts, pointers built from keys): each goes through `terminal`, so none can
        # move the cursor, forge a line or reorder what is shown, and any string can be encoded.
        self.counts[result.verdict] += 1
        lang = self._lang
        what = f"{result.standard} {result.message_type}" if result.standard else label("unrecognised", lang)
        klass = label("of-class", lang, klass=result.target_class) if result.target_class else ""
        mark = verdict_mark(result.verdict, lang)
        out = [f"{mark:<5} {terminal(result.name)}  [{verdict_label(result.verdict, lang)}"
               f"{label('semicolon', lang)}{terminal(what + klass)}]"]
        standard = self._standards.get(result.standard or "")
        for finding in result.failures():
            rid = finding.requirement_id
            requirement = standard.requirements.get(rid) if standard and rid else None
            if requirement is not None:
                kind = (label("warning", lang) if finding.severity.value == "warning"
                        else outcome_label(finding.outcome, lang))
                out.append("  " + terminal(label("requirement-head", lang, id=rid,
                                                 level=level_label(requirement.level, lang), kind=kind,
                                                 statement=requirement.statement.get(lang))))
            else:
                out.append("  " + label("processing-error-head" if finding.processing_error
                                        else "finding-head", lang))
            statement = requirement.statement.get(lang) if requirement is not None else None
            out.append(terminal("    " + finding_line(finding, lang, statement)))
            if finding.excerpt:
                out.extend("      " + terminal(line) for line in finding.excerpt.split("\n"))
            if finding.hint is not None:
                how = label("how-to-fix", lang) + label("colon", lang)
                out.append(terminal(f"    {how}{finding.hint.get(lang)}"))
        if self._verbose:
            passed = sum(1 for o in result.outcomes.values() if o is Outcome.PASSED)
            out.append("  " + label("requirements-passed", lang, count=passed))
        self._stream.write("\n".join(out) + "\n")

    def close(self) -> None:
        lang = self._lang
        total = sum(self.counts.values())
        parts = verdict_counts(self.counts, lang)
        self._stream.write("\n" + label("payloads-total", lang, total=total, parts=parts) + "\n")
