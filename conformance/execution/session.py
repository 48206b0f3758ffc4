"""A validation session: some standards, compiled once, turning payloads into PayloadResults.

Every failure of a single payload (unreadable, unparsable, unrecognised, a rule that breaks, even
a bug of ours) becomes a processing-error result for that payload; the session goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from conformance.core.errors import ConformanceError, PayloadError, RecognitionError, SpecError, UsageError
from conformance.core.evaluation import EvaluationContext
from conformance.core.findings import Finding, Location, Outcome, Severity, Verdict
from conformance.core.results import PayloadResult, overall_verdict
from conformance.core.text import Text
from conformance.standard.manifest import load_standard
from conformance.standard.model import Standard
from conformance.validation.documents.payload import DEFAULT_MAX_BYTES, Payload, read_payload
from conformance.validation.judge import PayloadJudge

if TYPE_CHECKING:
    from conformance.conversations.checker import ConversationChecker

log = logging.getLogger(__name__)
_PASSED = Outcome.PASSED
CLOCKED_JUDGES = 4  # judges of clock-reading bundles kept, one per distinct log end
# What a rule names to read the clock (Schematron, XSLT, XSD 1.1 assertions; see core/evaluation.py).
_CLOCK_WORDS = (b"current-dateTime", b"current-date", b"current-time", b"implicit-timezone",
                b"exslt.org/dates-and-times")
_CLOCK_SUFFIXES = frozenset({".sch", ".xsd", ".xsl", ".xslt"})
_CLOCK_SCAN_BYTES = 64 * 1024 * 1024  # read at most this much of a bundle's files looking for them


class ValidationSession:
    """Validates payloads against `standards`; with one standard, `class_id` selects the class."""

    def __init__(
        self,
        standards: Sequence[Standard],
        *,
        class_id: str | None = None,
        message_type: str | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        evaluation: EvaluationContext | None = None,
    ) -> None:
        if not standards:
            raise UsageError("no standard to validate against")
        if class_id is not None:
            lacking = [s.ref for s in standards if class_id not in s.classes]
            if lacking:
                known = sorted({c for s in standards for c in s.classes})
                raise UsageError(f"conformance class {class_id!r} is not defined by "
                                 f"{', '.join(lacking)}; classes: {', '.join(known)}")
        self.standards = tuple(standards)
        self.message_type = message_type
        self.class_id = class_id
        self.max_bytes = max_bytes
        # The time and seed every rule sees: the run's, or this session's start when none is given.
        self.evaluation = evaluation or EvaluationContext()
        # Compiles everything now: a broken standard is a SpecError before any payload is read.
        self.judge = PayloadJudge(self.standards, message_type=message_type, evaluation=self.evaluation)
        # A bad guard is a SpecError now, as a bad rule file is, not a surprise on the first log.
        if any(s.conversations for s in self.standards):
            from conformance.conversations.checker import compile_guards

            for standard in self.standards:
                for conversation in standard.conversations.values():
                    compile_guards(conversation)
        # Conversation checkers per standard ref, made when the first exchange log comes.
        self._checkers: dict[str, ConversationChecker] = {}
        # Judges of log bodies whose rules read the clock, by (standard ref, when the log ended).
        self._clocked: dict[tuple[str, datetime], PayloadJudge] = {}

    def recipe(self) -> SessionRecipe:
        """What a worker process needs to compile this session again for itself."""
        return SessionRecipe(tuple(s.root for s in self.standards), self.class_id, self.message_type,
                             self.max_bytes, self.evaluation)

    @property
    def fork_safe(self) -> bool:
        """Whether forked workers may inherit this compiled session instead of compiling their own."""
        return self.judge.fork_safe

    def validate_path(self, path: Path) -> PayloadResult:
        """Read and validate one file, or check one exchange log (a folder holding exchange.json)."""
        if path.is_dir():
            from conformance.conversations.logfile import is_exchange_log

            if is_exchange_log(path):
                return self.check_log(path)
        try:
            payload = read_payload(path, max_bytes=self.max_bytes)
        except PayloadError as exc:
            return error_result(str(path), None, exc)
        return self.validate_payload(payload)

    def validate_payload(self, payload: Payload) -> PayloadResult:
        """Validate one payload; never raises for anything the payload does."""
        try:
            return self._validate(payload)
        except (PayloadError, RecognitionError) as exc:
            return error_result(payload.name, payload, exc)
        except ConformanceError as exc:
            return error_result(payload.name, payload, exc)
        except Exception as exc:  # a bug of ours must not turn into a pass or stop the run
            log.exception("internal error on %s", payload.name)
            return error_result(payload.name, payload, exc)

    def check_log(self, folder: Path) -> PayloadResult:
        """Check the exchange log in `folder`; never raises for anything the log does."""
        from conformance.conversations.checker import log_error
        from conformance.conversations.log import MANIFEST_NAME
        from conformance.conversations.logfile import read_log

        try:
            exchange = read_log(folder)
        except PayloadError as exc:
            return error_result(str(folder), None, exc)
        ref = exchange.manifest.standard
        try:
            checker = self._checker(ref)
            if checker is None:
                known = ", ".join(s.ref for s in self.standards)
                return log_error(str(folder), exchange, Text(
                    zh=f"{MANIFEST_NAME} 字段 standard：本次运行没有加载 {ref}；已加载：{known}",
                    en=f"{MANIFEST_NAME} field standard: {ref} is not a standard of this run; "
                       f"loaded: {known}"))
            return checker.check(exchange, name=str(folder), target_class=self.class_id)
        except ConformanceError as exc:  # a conversation that does not compile (a bad guard)
            return error_result(str(folder), None, exc)
        except Exception as exc:  # a bug of ours must not turn into a pass or stop the run
            log.exception("internal error on %s", folder)
            return error_result(str(folder), None, exc)

    def _checker(self, ref: str) -> ConversationChecker | None:
        from conformance.conversations.checker import ConversationChecker

        checker = self._checkers.get(ref)
        if checker is None:
            standard = next((s for s in self.standards if s.ref == ref), None)
            if standard is None:
                return None
            # A log's bodies are recognised among the log's own standard and the bundles its
            # conversations bind, never among every standard of the run: a second version of the
            # same bundle would make every body ambiguous. Nor as a message type named for the run.
            bound = {b.message_type.rpartition(":")[0] for c in standard.conversations.values()
                     for b in c.bindings.values() if ":" in b.message_type}
            judged = [standard, *(s for s in self.standards if s.ref in bound and s.ref != ref)]
            judge = self.judge if self.message_type is None and len(self.standards) == 1 else PayloadJudge(
                judged, evaluation=self.evaluation)
            clocked = (partial(self._clocked_judge, ref, judged) if any(_reads_clock(s) for s in judged)
                       else None)
            checker = self._checkers[ref] = ConversationChecker(standard, judge, max_bytes=self.max_bytes,
                                                                judge_at=clocked)
        return checker

    def _clocked_judge(self, ref: str, standards: list[Standard], ended: datetime) -> PayloadJudge:
        """A judge whose "now" is when the log ended: a check of a log never reads the wall clock.

        Compiling one costs as much as the session's own, so only bundles whose rules name a clock
        function get them, and only the last few are kept (logs of one run mostly end apart).
        """
        key = (ref, ended)
        judge = self._clocked.get(key)
        if judge is None:
            if len(self._clocked) >= CLOCKED_JUDGES:
                del self._clocked[next(iter(self._clocked))]
            judge = self._clocked[key] = PayloadJudge(
                standards, evaluation=EvaluationContext(now=ended, seed=self.evaluation.seed))
        return judge

    def _validate(self, payload: Payload) -> PayloadResult:
        judged = self.judge.judge(payload)
        standard = judged.standard
        target = self.class_id or standard.default_class
        return PayloadResult(
            name=payload.name,
            sha256=payload.sha256,
            size=len(payload.data),
            standard=standard.ref,
            message_type=judged.message_type.id,
            # Passed findings live on in `outcomes`; dropping them keeps results small to send
            # between processes and to write.
            findings=tuple([f for f in judged.findings if f.outcome is not _PASSED]),
            outcomes=judged.outcomes,
            verdicts=judged.verdicts,
            verdict=overall_verdict(judged.verdicts, target),
            target_class=target,
        )


@dataclass(frozen=True, slots=True)
class SessionRecipe:
    """A session's options, small and picklable: a spawned worker loads the bundles again, a forked
    one that may not use the parent's compiled validators (SaxonC) compiles the inherited ones."""

    folders: tuple[Path, ...]
    class_id: str | None
    message_type: str | None
    max_bytes: int
    evaluation: EvaluationContext  # the same pinned time and seed in every worker

    def build(self, standards: Sequence[Standard] | None = None) -> ValidationSession:
        loaded = list(standards) if standards is not None else [load_standard(f) for f in self.folders]
        return ValidationSession(loaded, class_id=self.class_id, message_type=self.message_type,
                                 max_bytes=self.max_bytes, evaluation=self.evaluation)


def _reads_clock(standard: Standard) -> bool:
    """Whether a rule or schema file of `standard` may ask for the current time (a word test: a
    false alarm costs a judge per log end, a miss cannot happen for the functions of the list)."""
    budget = _CLOCK_SCAN_BYTES
    for path in sorted(standard.root.rglob("*")):
        if path.suffix.lower() not in _CLOCK_SUFFIXES or not path.is_file():
            continue
        try:
            data = path.read_bytes()[:budget]
        except OSError:
            return True  # unreadable now: assume the worst, pin the clock
        budget -= len(data)
        if any(word in data for word in _CLOCK_WORDS) or budget <= 0:
            return True
    return False


def budget_result(name: str, message: Text) -> PayloadResult:
    """The result of a payload stopped from outside its worker (time, memory, a dead worker)."""
    finding = Finding(None, Outcome.CANT_TELL, Severity.ERROR, message, "supervisor",
                      processing_error=True)
    return PayloadResult(name=name, sha256=None, size=None, standard=None, message_type=None,
                         findings=(finding,), verdict=Verdict.ERROR)


def error_result(name: str, payload: Payload | None, exc: Exception) -> PayloadResult:
    """The result of a payload that could not be judged because of `exc` (one processing error)."""
    if isinstance(exc, PayloadError):
        message = Text(zh=exc.message_zh, en=exc.message)
        location = Location(line=exc.line, column=exc.column)
        source = "parser"
    elif isinstance(exc, RecognitionError):
        message = Text(zh=f"无法识别报文类型：{exc.message}", en=exc.message)
        location = None
        source = "recognition"
    elif isinstance(exc, SpecError):
        message = Text(zh=f"标准包有误（{exc.location or '-'}）：{exc.message}", en=str(exc))
        location = None
        source = "engine"
    elif isinstance(exc, ConformanceError):
        message = Text.same(exc.message)
        location = None
        source = "engine"
    else:
        message = Text(zh=f"内部错误：{type(exc).__name__}: {exc}",
                       en=f"internal error: {type(exc).__name__}: {exc}")
        location = None
        source = "engine"
    finding = Finding(None, Outcome.CANT_TELL, Severity.ERROR, message, source,
                      location=location, processing_error=True)
    return PayloadResult(
        name=name,
        sha256=payload.sha256 if payload else None,
        size=len(payload.data) if payload else None,
        standard=None,
        message_type=None,
        findings=(finding,),
        verdict=Verdict.ERROR,
    )
