"""Checking a recorded exchange offline: every message judged, then the conversation's rules.

`ConversationChecker(standard, judge).check(log)` is a pure function of the log: each body is
judged once by the PayloadJudge (its document is then read for the exposed fields, never parsed
again), the state machine runs over each conversation instance, the reply rules run over the
whole log, and the result is one PayloadResult for the log, as a payload's result is:

- message requirements: judged on the messages the system under test sent only, each the worst
  over those messages of the types it applies to (inapplicable when none); the partner's messages
  are judged only to know which are invalid;
- conversation requirements: the outcome of the rule they name, from the observations about the
  system under test's behaviour (an observation about the partner is no evidence about it);
  inapplicable when nothing in the log exercised the rule;
- verdicts per class as for one payload (validation/verdicts.py VerdictPlan).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from conformance.conversations.fields import BindingReader, binding_key, compile_bindings
from conformance.conversations.log import MANIFEST_NAME, Event, ExchangeLog
from conformance.conversations.machine import StateMachine, group
from conformance.conversations.messages import (
    Correlation,
    Judged,
    LoggedMessage,
    Observation,
    Status,
    identity_of,
)
from conformance.conversations.rules import REPLY_RULES, LogView
from conformance.core.digests import sha256_digest
from conformance.core.errors import ConformanceError, PayloadError, RecognitionError, RuleError, SpecError
from conformance.core.findings import OUTCOME_RANK, Finding, Level, Location, Outcome, Severity, Verdict
from conformance.core.limits import PAYLOAD_MAX_BYTES
from conformance.core.printable import quoted
from conformance.core.results import PayloadResult, overall_verdict
from conformance.core.text import Text
from conformance.standard.conversation import Conversation, RuleKind
from conformance.standard.model import CheckKind, Requirement, Standard
from conformance.validation.documents.payload import Payload, read_payload
from conformance.validation.jsonrules import Expression, compile_expression
from conformance.validation.judge import Judgement, PayloadJudge
from conformance.validation.verdicts import VerdictPlan

_PASSED, _FAILED, _INAPPLICABLE = Outcome.PASSED, Outcome.FAILED, Outcome.INAPPLICABLE
_RANK = OUTCOME_RANK
SOURCE = "exchange-log"  # the source of a log's processing errors


@dataclass(frozen=True, slots=True)
class _Compiled:
    """One conversation made ready: field readers per binding, the state machine with its guards."""

    conversation: Conversation
    readers: Mapping[str, BindingReader]
    machine: StateMachine
    # (rule id) -> requirements that check it, in the standard's order
    requirements: Mapping[str, tuple[Requirement, ...]]
    # (role) -> requirements of this conversation that only judge other roles, with no message check
    other_roles_only: Mapping[str, tuple[str, ...]]
    # Requirements checked on another conversation only: this log cannot show them (untested).
    elsewhere: tuple[str, ...] = ()
    # Message requirements of the message types the conversation binds in this standard: what a
    # body of the system under test that cannot be judged leaves undecided.
    bound_message_requirements: tuple[str, ...] = ()


class ConversationChecker:
    """The conversations of one standard compiled once; `check` is then called for every log.

    Compiling parses every guard (JSON rule language) and field selector: a bad one is a SpecError
    naming the conversation file and the transition or binding.
    """

    def __init__(self, standard: Standard, judge: PayloadJudge, *, max_bytes: int = PAYLOAD_MAX_BYTES,
                 judge_at: Callable[[datetime], PayloadJudge] | None = None) -> None:
        self.standard = standard
        self.judge = judge
        self.max_bytes = min(max_bytes, PAYLOAD_MAX_BYTES)  # a body over it is refused (--max-bytes)
        # The judge of a log that ended at a given time, for bundles whose rules read the clock:
        # "now" is then when the log ended, never when it is checked (None: the clock is never read).
        self.judge_at = judge_at
        self._plan = VerdictPlan(standard, "")  # verdicts only: they depend on classes, not types
        self._logs_only = frozenset(r.id for r in standard.requirements.values() if r.checks and all(
            c.kind is CheckKind.CONVERSATION for c in r.checks))
        self._compiled = {cid: self._compile(c) for cid, c in standard.conversations.items()}

    def _compile(self, conversation: Conversation) -> _Compiled:
        guards = compile_guards(conversation)
        requirements: dict[str, list[Requirement]] = {}
        for requirement in self.standard.requirements.values():
            for check in requirement.conversation_checks:
                if check.conversation == conversation.id and check.rule is not None:
                    named = requirements.setdefault(check.rule, [])
                    if requirement not in named:
                        named.append(requirement)
        readers = compile_bindings(self.standard, conversation, self.judge.standards)
        other_roles_only = {role: tuple(_judging_only_others(self.standard, conversation, role))
                            for role in conversation.roles}
        every = self.standard.requirements.values()
        elsewhere = tuple(r.id for r in every if r.conversation_checks
                          and all(c.conversation != conversation.id for c in r.conversation_checks))
        bound = [type_id for ref, _, type_id in (b.message_type.rpartition(":")
                                                  for b in conversation.bindings.values())
                 if ref in ("", self.standard.ref)]
        bound_requirements = tuple(r.id for r in every
                                   if r.id not in self._logs_only and any(r.applies_to(t) for t in bound))
        return _Compiled(conversation, readers, StateMachine(conversation, guards),
                         {rule: tuple(reqs) for rule, reqs in requirements.items()}, other_roles_only,
                         elsewhere, bound_requirements)

    def check(self, log: ExchangeLog, *, name: str | None = None,
              target_class: str | None = None) -> PayloadResult:
        """The result of `log` (named `name`, default its folder); never raises for what the log does."""
        name = name if name is not None else str(log.root)
        try:
            return self._check(log, name, target_class)
        except ConformanceError as exc:  # a body that breaks a rule's budget, a vanished file, ...
            return log_error(name, log, Text(zh=f"无法检查交换日志：{_zh_of(exc)}",
                                             en=f"cannot check the log: {exc}"))

    def _check(self, log: ExchangeLog, name: str, target_class: str | None) -> PayloadResult:
        manifest = log.manifest
        if manifest.standard != self.standard.ref:
            return log_error(name, log, Text(
                zh=f"{MANIFEST_NAME} 字段 standard：日志属于 {quoted(manifest.standard)}，而检查使用的是 "
                   f"{self.standard.ref}",
                en=f"{MANIFEST_NAME} field standard: the log is of {quoted(manifest.standard)}, this check "
                   f"is of {self.standard.ref}"))
        compiled = self._compiled.get(manifest.conversation)
        if compiled is None:
            known = ", ".join(sorted(self._compiled)) or "none"
            return log_error(name, log, Text(
                zh=f"{MANIFEST_NAME} 字段 conversation：{self.standard.ref} 没有会话 "
                   f"{quoted(manifest.conversation)}；已声明：{known}",
                en=f"{MANIFEST_NAME} field conversation: {self.standard.ref} has no conversation "
                   f"{quoted(manifest.conversation)}; declared: {known}"))
        conversation = compiled.conversation
        roles = conversation.roles
        if manifest.system_under_test not in roles:
            return log_error(name, log, Text(
                zh=f"{MANIFEST_NAME} 字段 system-under-test：会话 {conversation.id} 没有角色 "
                   f"{quoted(manifest.system_under_test)}；角色：{', '.join(roles)}",
                en=f"{MANIFEST_NAME} field system-under-test: conversation {conversation.id} has no role "
                   f"{quoted(manifest.system_under_test)}; roles: {', '.join(roles)}"))
        for event in log.events:
            for role in (event.sender, event.receiver):
                if role not in roles:
                    return log_error(name, log, Text(
                        zh=f"events.jsonl 第 {event.line} 行：会话 {conversation.id} 没有角色 {quoted(role)}",
                        en=f"events.jsonl line {event.line}: conversation {conversation.id} has no role "
                           f"{quoted(role)}; roles: {', '.join(roles)}"), line=event.line)
        judge = self.judge_at(manifest.ended) if self.judge_at is not None else self.judge
        messages = [self._message(log, event, compiled, judge)
                    for event in log.events if event.body is not None]
        return self._judged(log, name, compiled, messages, target_class)

    def _message(self, log: ExchangeLog, event: Event, compiled: _Compiled,
                 judge: PayloadJudge) -> LoggedMessage:
        """One body judged (the bytes the reader hashed, or read again and hashed again), classified."""
        assert event.body is not None
        held = log.bodies.get(event.body_name) if event.body_name is not None else None
        if held is not None:  # the very bytes whose size and SHA-256 the reader checked
            if len(held) > self.max_bytes:
                size, most = len(held), self.max_bytes
                raise PayloadError(f"{event.body_name}: {size} bytes, over the limit of {most}",
                                   message_zh=f"{event.body_name}：{size} 字节，超过上限 {most} 字节",
                                   location=str(log.root))
            payload = Payload(name=str(event.body), data=held)
        else:  # not kept (over the reader's budget, or a log built by hand): the file may have changed
            payload = read_payload(event.body, max_bytes=self.max_bytes)
            digest = sha256_digest(payload.data).removeprefix("sha256:")
            if event.sha256 is not None and digest != event.sha256:
                raise PayloadError(f"{event.body_name}: the body changed after the log was read",
                                   message_zh=f"{event.body_name}：读取日志后消息体被改动",
                                   location=str(log.root))
        conversation = compiled.conversation
        try:
            judgement = judge.judge(payload)
        except (PayloadError, RecognitionError) as exc:
            zh = exc.message_zh if isinstance(exc, PayloadError) else f"无法识别报文类型：{exc.message}"
            return LoggedMessage(event, None, {}, None, None, None, None,
                                 problem=(f"the body is not a message: {exc.message}",
                                          f"消息体无法识别：{zh}"),
                                 problem_line=exc.line if isinstance(exc, PayloadError) else None)
        # Only what the rules and the result need is kept: the document and passed findings go, so
        # that a log of large bodies does not hold every parsed body at once.
        judged = Judged(judgement.standard.ref, judgement.outcomes,
                        tuple(f for f in judgement.findings if f.outcome is not _PASSED))
        key = binding_key(self.standard, judgement.standard, judgement.message_type)
        reader = compiled.readers.get(key)
        failed_musts = _failed_musts(judgement)
        if reader is None:
            return LoggedMessage(event, None, {}, judged, None, None, None, failed_musts, problem=(
                f"message type {key} is not bound by conversation {conversation.id}",
                f"报文类型 {key} 不属于会话 {conversation.id}"))
        fields = reader.read(judgement.document)
        message_id, conversation_id, in_reply_to = identity_of(conversation, fields)
        kind = next((m for m in conversation.messages.values()
                     if fields.get(m.match.field) == m.match.equals), None)
        problem = None
        if kind is None:
            fields_used = sorted({m.match.field for m in conversation.messages.values()})
            found = ", ".join(f"{f} {quoted(fields.get(f))}" for f in fields_used)
            problem = (f"no message of conversation {conversation.id} matches it ({found})",
                       f"不匹配会话 {conversation.id} 的任何消息（{found}）")
        return LoggedMessage(event, kind, fields, judged, message_id, conversation_id, in_reply_to,
                             failed_musts, problem)

    def _judged(self, log: ExchangeLog, name: str, compiled: _Compiled, messages: list[LoggedMessage],
                target_class: str | None) -> PayloadResult:
        conversation = compiled.conversation
        sut = log.manifest.system_under_test
        correlation = Correlation(messages)
        instances = group(messages, correlation)
        observed: list[Observation] = []
        status: dict[int, Status] = {}
        for instance in instances:
            observed.extend(compiled.machine.run(instance, correlation, log.manifest.time_scale))
            status.update(instance.status)
        view = LogView(conversation, messages, instances, correlation, status, log.manifest.ended,
                       log.manifest.time_scale, log.events,
                       {party.role: party.endpoint for party in log.manifest.parties})
        for rule in conversation.rules.values():
            judge_rule = REPLY_RULES.get(rule.kind)
            if judge_rule is not None:
                observed.extend(judge_rule(view, rule))
        # The partner's behaviour is not evidence about the system under test.
        kept = [o for o in observed if o.actor == sut and sut in conversation.rule_roles(o.rule)]
        sent = [m for m in messages if m.sender == sut]
        # A system under test that sent nothing showed nothing of how it converses; nor did one
        # about which no rule but delivery (taking POSTs) observed anything: never a pass.
        if not sent or not any(conversation.rules[o.rule].kind is not RuleKind.DELIVERY for o in kept):
            kept.extend(_silent(conversation, sut, log, len(sent)))

        outcomes: dict[str, Outcome] = dict.fromkeys(self.standard.requirements, _INAPPLICABLE)
        # A requirement on another role's behaviour is untested here, not inapplicable: a log of
        # a co-approver under test must never make the lead class conformant (and certifiable).
        # So is one of another conversation: this log shows nothing of it.
        for requirement_id in (*compiled.other_roles_only.get(sut, ()), *compiled.elsewhere):
            outcomes[requirement_id] = Outcome.UNTESTED
        if not sent:  # no message of the system under test: its message requirements are not shown
            for requirement_id in compiled.bound_message_requirements:
                outcomes[requirement_id] = Outcome.UNTESTED
        located: list[tuple[int, int, Finding]] = []
        unjudged: LoggedMessage | None = None
        for message in sent:
            judged = message.judgement
            if judged is None:
                unjudged = unjudged or message
                continue
            if judged.standard != self.standard.ref:
                continue
            # A message's judgement of a requirement checked on logs only (untested: no message can
            # pass it) is no outcome of the log.
            _worst_into(outcomes, {rid: outcome for rid, outcome in judged.outcomes.items()
                                   if rid not in self._logs_only})
            for finding in judged.findings:
                if finding.outcome is not _PASSED:
                    located.append((message.seq, len(located), _at_event(finding, message.seq)))
        if unjudged is not None:
            # A body of the system under test that is no message it could be judged as: whether
            # its messages meet the message requirements cannot be told (never inapplicable).
            _worst_into(outcomes, dict.fromkeys(compiled.bound_message_requirements, Outcome.CANT_TELL))
            en, zh = unjudged.problem or ("the body could not be judged", "消息体无法评判")
            for requirement_id in compiled.bound_message_requirements:
                requirement = self.standard.requirements[requirement_id]
                located.append((unjudged.seq, len(located), Finding(
                    requirement_id, Outcome.CANT_TELL, requirement.level.severity,
                    Text(zh=f"事件 {unjudged.seq} 是被测系统 {sut} 发送的，但无法作为报文评判：{zh}",
                         en=f"event {unjudged.seq}, sent by {sut} (the system under test), could not be "
                            f"judged as a message: {en}"),
                    SOURCE, location=Location(event=unjudged.seq, line=unjudged.problem_line),
                    hint=requirement.hint)))
        rule_outcomes: dict[str, Outcome] = {}
        for observation in kept:
            current = rule_outcomes.get(observation.rule)
            if current is None or _RANK[observation.outcome] < _RANK[current]:
                rule_outcomes[observation.rule] = observation.outcome
            if observation.outcome is _PASSED:
                continue
            rule = conversation.rules[observation.rule]
            for requirement in compiled.requirements.get(observation.rule, ()):
                located.append((observation.event or 0, len(located), Finding(
                    requirement.id, observation.outcome, requirement.level.severity,
                    Text(zh=f"{rule.message.zh.rstrip('。. ')}：{observation.zh}",
                         en=f"{rule.message.en.rstrip('. ')}: {observation.en}"),
                    f"conversation:{rule.id}",
                    location=(Location(event=observation.event, line=observation.line)
                              if observation.event is not None else None),
                    hint=requirement.hint)))
        for rule_id, outcome in rule_outcomes.items():
            _worst_into(outcomes, {r.id: outcome for r in compiled.requirements.get(rule_id, ())})
        located.sort(key=lambda item: (item[0], item[1]))
        verdicts = self._plan.verdicts(outcomes)
        # A class named after the role under test is the one a log is evidence for; a log of the
        # lead is no evidence about the co-approver class the bundle may default to.
        target = target_class or (sut if sut in self.standard.classes else self.standard.default_class)
        return PayloadResult(
            name=name,
            sha256=log.content_hash,
            size=sum(e.size or 0 for e in log.events if e.body is not None),
            standard=self.standard.ref,
            message_type=f"conversation:{conversation.id}",
            findings=tuple(f for _, _, f in located),
            outcomes=outcomes,
            verdicts=verdicts,
            verdict=overall_verdict(verdicts, target),
            target_class=target,
        )


def _zh_of(exc: ConformanceError) -> str:
    """`exc` in Chinese as far as it goes: a PayloadError has its own words; others have English
    details only (a file, a rule id, an engine's message), introduced in Chinese."""
    where = f"{exc.location}：" if exc.location else ""
    if isinstance(exc, PayloadError):
        return where + exc.message_zh
    if isinstance(exc, RuleError):
        return f"{where}规则运行出错：{exc.message}"
    if isinstance(exc, SpecError):
        return f"{where}标准包有误：{exc.message}"
    return f"{where}{exc.message}"


def compile_guards(conversation: Conversation) -> dict[int, Expression]:
    """The guards of `conversation` compiled, by transition index; a bad one is a SpecError naming
    the conversation file and the transition (a session compiles them when it is built)."""
    guards = {}
    for index, transition in enumerate(conversation.transitions):
        if transition.guard is not None:
            guards[index] = compile_expression(
                transition.guard.test,
                field=f"transitions[{index}] ({transition.source} -> {transition.target}).guard.test",
                location=str(conversation.path))
    return guards


def _judging_only_others(standard: Standard, conversation: Conversation, role: str) -> list[str]:
    """Requirements whose every check is a rule of `conversation` that does not judge `role`."""
    found = []
    for requirement in standard.requirements.values():
        checks = requirement.checks
        if checks and all(c.conversation == conversation.id and c.rule is not None
                          and role not in conversation.rule_roles(c.rule) for c in checks):
            found.append(requirement.id)
    return found


def _silent(conversation: Conversation, sut: str, log: ExchangeLog, sent: int) -> list[Observation]:
    """A log that exercised no rule judging the system under test (it sent nothing, or nothing a
    rule judges it by) shows nothing of its behaviour: its sequence rules (or, when none judges
    it, every rule that does) cannot tell: never a pass on an empty or one-sided log."""
    first = log.events[0].seq if log.events else None
    judging = [r for r in conversation.rules.values() if sut in conversation.rule_roles(r.id)]
    sequence = [r for r in judging if r.kind is RuleKind.SEQUENCE]
    if sent:
        en = (f"nothing {sut}, the system under test, sent in this log ({sent} of {len(log.events)} "
              "events) exercised a rule that judges it: nothing shows how it behaves")
        zh = (f"被测系统 {sut} 在本日志中发送的消息（{len(log.events)} 个事件中的 {sent} 个）"
              "未触及任何评判它的规则，无法判断其行为")
    else:
        en = (f"{sut}, the system under test, sent no message in this log ({len(log.events)} events): "
              "nothing shows how it behaves")
        zh = f"被测系统 {sut} 在本日志中未发送任何消息（共 {len(log.events)} 个事件），无法判断其行为"
    return [Observation(rule.id, Outcome.CANT_TELL, sut, first, en, zh) for rule in sequence or judging]


def _failed_musts(judged: Judgement) -> tuple[str, ...]:
    requirements = judged.standard.requirements
    return tuple(rid for rid, outcome in judged.outcomes.items()
                 if outcome is _FAILED and requirements[rid].level is Level.MUST)


def _worst_into(outcomes: dict[str, Outcome], more: Mapping[str, Outcome]) -> None:
    for rid, outcome in more.items():
        current = outcomes.get(rid)
        if current is not None and _RANK[outcome] < _RANK[current]:
            outcomes[rid] = outcome


def _at_event(finding: Finding, seq: int) -> Finding:
    """A message's finding located in the log: the event, then the spot inside its body."""
    at = finding.location
    location = (Location(event=seq) if at is None else
                Location(line=at.line, column=at.column, xpath=at.xpath, pointer=at.pointer, event=seq))
    return Finding(finding.requirement_id, finding.outcome, finding.severity, finding.message, finding.source,
                   location=location, processing_error=finding.processing_error, hint=finding.hint,
                   excerpt=finding.excerpt)


def log_error(name: str, log: ExchangeLog | None, message: Text, *, line: int | None = None) -> PayloadResult:
    """The result of a log that cannot be checked: one processing error, verdict error."""
    finding = Finding(None, Outcome.CANT_TELL, Severity.ERROR, message, SOURCE,
                      location=Location(line=line) if line is not None else None, processing_error=True)
    return PayloadResult(
        name=name,
        sha256=log.content_hash if log is not None else None,
        size=sum(e.size or 0 for e in log.events if e.body is not None) if log is not None else None,
        standard=None,
        message_type=None,
        findings=(finding,),
        verdict=Verdict.ERROR,
    )
