"""Plain-text results for a person at a terminal: grouped by payload, failures first-hand."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO

from conformance.core.findings import Outcome, Verdict
from conformance.core.printable import terminal
from conformance.core.results import PayloadResult
from conformance.standard.model import Standard

_MARK = {Verdict.CONFORMANT: "PASS", Verdict.NOT_CONFORMANT: "FAIL", Verdict.ERROR: "ERROR"}
_LABEL = {
    "en": {Verdict.CONFORMANT: "conformant", Verdict.NOT_CONFORMANT: "not conformant",
           Verdict.ERROR: "processing error"},
    "zh": {Verdict.CONFORMANT: "符合", Verdict.NOT_CONFORMANT: "不符合", Verdict.ERROR: "处理错误"},
}


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
        what = f"{result.standard} {result.message_type}" if result.standard else "unrecognised"
        klass = f", class {result.target_class}" if result.target_class else ""
        out = [f"{_MARK[result.verdict]:<5} {terminal(result.name)}  [{_LABEL[lang][result.verdict]}; "
               f"{terminal(what + klass)}]"]
        standard = self._standards.get(result.standard or "")
        for finding in result.failures():
            rid = finding.requirement_id
            requirement = standard.requirements.get(rid) if standard and rid else None
            if requirement is not None:
                kind = "warning" if finding.severity.value == "warning" else finding.outcome.value
                out.append(terminal(f"  {rid} {requirement.level.value} ({kind}): "
                                    f"{requirement.statement.get(lang)}"))
            else:
                out.append("  processing error:" if finding.processing_error else "  finding:")
            where = finding.location.describe() if finding.location else ""
            out.append(terminal(f"    {where + ': ' if where else ''}{finding.message.get(lang)}"))
            if finding.excerpt:
                out.extend("      " + terminal(line) for line in finding.excerpt.split("\n"))
            if finding.hint is not None:
                out.append(terminal(f"    {'修改建议' if lang == 'zh' else 'how to fix'}: "
                                    f"{finding.hint.get(lang)}"))
        if self._verbose:
            passed = sum(1 for o in result.outcomes.values() if o is Outcome.PASSED)
            out.append(f"  {passed} requirement(s) passed")
        self._stream.write("\n".join(out) + "\n")

    def close(self) -> None:
        total = sum(self.counts.values())
        parts = ", ".join(f"{n} {_LABEL[self._lang][v]}" for v, n in self.counts.items())
        self._stream.write(f"\n{total} payload(s): {parts}\n")
