"""Judging one payload: parse it, recognise its message type, run that type's compiled checks.

The one path from bytes to findings. A validation session (execution layer) turns what it returns
into a PayloadResult; the conversation checker (conversations layer) also needs the parsed
document, to read the fields a conversation exposes without parsing the body twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from conformance.core.errors import PayloadError, RecognitionError, UsageError
from conformance.core.evaluation import EvaluationContext
from conformance.core.findings import Finding, Outcome, Verdict
from conformance.standard.model import MessageType, Standard
from conformance.validation.documents.jsondoc import JsonDocument, parse_json
from conformance.validation.documents.payload import Payload, sniff_syntax
from conformance.validation.documents.xmldoc import XmlDocument, parse_xml
from conformance.validation.recognition import Recognizer
from conformance.validation.validator import MessageTypeValidator
from conformance.validation.verdicts import VerdictPlan


@dataclass(frozen=True, slots=True)
class Judgement:
    """One payload judged: its document, its message type, every finding (passed ones included),
    the outcome of every requirement and the verdict of every class."""

    document: XmlDocument | JsonDocument
    standard: Standard
    message_type: MessageType
    findings: tuple[Finding, ...]
    outcomes: dict[str, Outcome]
    verdicts: dict[str, Verdict]


class PayloadJudge:
    """The standards' message types compiled once; `judge` is then called for every payload.

    Raises PayloadError (unparsable) and RecognitionError (no or several message types) for the
    caller to turn into a processing error; `message_type` skips recognition (one standard only).
    """

    def __init__(self, standards: Sequence[Standard], *, message_type: str | None = None,
                 evaluation: EvaluationContext | None = None) -> None:
        if message_type is not None and (
            len(standards) != 1 or message_type not in standards[0].message_types
        ):
            known = sorted(mt for s in standards for mt in s.message_types)
            raise UsageError(f"message type {message_type!r} needs exactly one standard that "
                             f"defines it; message types: {', '.join(known)}")
        self.standards = tuple(standards)
        self.message_type = message_type
        self.evaluation = evaluation or EvaluationContext()
        self._recognizer = Recognizer(self.standards)
        # Compile everything now: a broken standard is a SpecError before any payload is read.
        self.validators = {
            (s.ref, mt.id): MessageTypeValidator(s, mt, evaluation=self.evaluation)
            for s in self.standards for mt in s.message_types.values()
        }
        self._plans = {key: VerdictPlan(v.standard, v.message_type.id)
                       for key, v in self.validators.items()}

    @property
    def fork_safe(self) -> bool:
        return all(v.fork_safe for v in self.validators.values())

    def parse(self, payload: Payload) -> XmlDocument | JsonDocument:
        """The payload parsed as the syntax its first significant byte says."""
        syntax = sniff_syntax(payload.data)
        if syntax == "xml":
            return parse_xml(payload)
        if syntax == "json":
            return parse_json(payload)
        if not payload.data.strip():
            raise PayloadError("empty file", message_zh="空文件", location=payload.name)
        raise PayloadError(
            "neither XML nor JSON: the first significant byte is "
            f"0x{payload.data.lstrip()[0]:02x}",
            message_zh="既不是 XML 也不是 JSON", location=payload.name, line=1, column=1,
        )

    def judge(self, payload: Payload) -> Judgement:
        doc = self.parse(payload)
        if self.message_type is not None:
            # Named by the caller: recognition is skipped, only the syntax must agree.
            standard = self.standards[0]
            message_type = standard.message_types[self.message_type]
            syntax = "xml" if isinstance(doc, XmlDocument) else "json"
            if message_type.syntax.value != syntax:
                raise RecognitionError(
                    f"message type {message_type.id} is {message_type.syntax.value.upper()}, "
                    f"the payload is {syntax.upper()}", location=payload.name)
        else:
            candidate = self._recognizer.recognise(doc)
            standard, message_type = candidate.standard, candidate.message_type
        key = (standard.ref, message_type.id)
        findings = tuple(self.validators[key].validate(doc))
        plan = self._plans[key]
        outcomes = plan.outcomes(findings)
        return Judgement(doc, standard, message_type, findings, outcomes, plan.verdicts(outcomes))
