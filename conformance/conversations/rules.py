"""The conversation rules that look at replies: correlation, copied fields, timing, and what a
receiver does with a duplicate, an invalid, a late or an out-of-order message, and whether each
role took the deliveries made to it (the transport notes of the log).

Each function yields `Observation`s (passed ones included: a rule that was exercised and held
passes) for one rule over the messages of a log once the state machine has given every message its
status. Times are the recorded ones; `ended` is when the log ended, never the wall clock.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from conformance.conversations.log import Event, NoteKind
from conformance.conversations.machine import Instance
from conformance.conversations.messages import Correlation, LoggedMessage, Observation, Status
from conformance.conversations.timing import (
    ANSWER_GRACE,
    allowed,
    deadline,
    late_under,
    scale_text,
    spoken,
    within_replies_to,
)
from conformance.core.durations import format_duration as iso
from conformance.core.findings import Outcome
from conformance.core.printable import quoted
from conformance.standard.conversation import Conversation, ConversationRule, RuleKind

_FAILED, _PASSED, _CANT_TELL = Outcome.FAILED, Outcome.PASSED, Outcome.CANT_TELL
# Statuses a message must not have for a rule to read its correlation fields.
_UNREAD = (Status.UNCLASSIFIED, Status.WRONG_SENDER)


@dataclass(frozen=True, slots=True)
class LogView:
    """What every rule reads: the conversation, the classified messages, their instances."""

    conversation: Conversation
    messages: Sequence[LoggedMessage]
    instances: Sequence[Instance]
    correlation: Correlation
    status: dict[int, Status]
    ended: datetime
    time_scale: float
    # Every event of the log, transport notes included, and each role's recorded endpoint: what
    # the delivery rule reads.
    events: Sequence[Event] = ()
    endpoints: Mapping[str, str | None] = field(default_factory=dict)

    def of_kind(self, kind: str | None) -> Iterator[LoggedMessage]:
        """Classified messages of `kind` (every classified message for None), in order."""
        for message in self.messages:
            if self.status.get(message.seq) in _UNREAD:
                continue
            if kind is None or message.kind_id == kind:
                yield message


def _name(message: LoggedMessage) -> str:
    return f"{message.kind_id} (event {message.seq})"


def _name_zh(message: LoggedMessage) -> str:
    return f"{message.kind_id}（事件 {message.seq}）"


def in_reply_to(view: LogView, rule: ConversationRule) -> Iterator[Observation]:
    """`rule.subject` names, in in-reply-to, the message id of an earlier request of the right kind."""
    subject = view.conversation.messages[rule.subject or ""]
    expected = rule.replies_to or subject.replies_to
    for message in view.of_kind(subject.id):
        request = view.correlation.request_of(message)
        kinds = " or ".join(expected)
        if message.in_reply_to is None:
            yield Observation(rule.id, _FAILED, message.sender, message.seq,
                              f"{_name(message)} has no in-reply-to; expected the message id of a {kinds}",
                              f"{_name_zh(message)} 缺少 in-reply-to；应为 {kinds} 的消息标识")
        elif request is None:
            yield Observation(rule.id, _FAILED, message.sender, message.seq,
                              f"{_name(message)} replies to {quoted(message.in_reply_to)}, which no earlier "
                              f"message of the log has as its message id",
                              f"{_name_zh(message)} 回复 {quoted(message.in_reply_to)}，"
                              f"但日志中此前没有该消息标识")
        elif request.kind_id not in expected:
            yield Observation(rule.id, _FAILED, message.sender, message.seq,
                              f"{_name(message)} replies to {_name(request)}; expected a {kinds}",
                              f"{_name_zh(message)} 回复的是 {_name_zh(request)}；应回复 {kinds}")
        else:
            yield Observation(rule.id, _PASSED, message.sender, message.seq,
                              f"{_name(message)} replies to {_name(request)}",
                              f"{_name_zh(message)} 回复 {_name_zh(request)}")


def copies(view: LogView, rule: ConversationRule) -> Iterator[Observation]:
    """`rule.subject` carries `rule.fields` of the message it replies to, value for value."""
    for message in view.of_kind(rule.subject):
        request = view.correlation.request_of(message)
        if request is None:
            yield Observation(rule.id, _CANT_TELL, message.sender, message.seq,
                              f"{_name(message)}: cannot tell whether it copies "
                              f"{', '.join(rule.fields)}: it names no earlier message it replies to",
                              f"{_name_zh(message)}：未指明所回复的此前消息，无法判断是否复制了 "
                              f"{', '.join(rule.fields)}")
            continue
        for name in rule.fields:
            mine, theirs = message.fields.get(name), request.fields.get(name)
            if mine != theirs:
                yield Observation(rule.id, _FAILED, message.sender, message.seq,
                                  f"{_name(message)} has {name} {quoted(mine)}; the message it replies to, "
                                  f"{_name(request)}, has {quoted(theirs)}",
                                  f"{_name_zh(message)} 的 {name} 为 {quoted(mine)}；其回复的 "
                                  f"{_name_zh(request)} 为 {quoted(theirs)}")
                break
        else:
            yield Observation(rule.id, _PASSED, message.sender, message.seq,
                              f"{_name(message)} copies {', '.join(rule.fields)} of {_name(request)}",
                              f"{_name_zh(message)} 复制了 {_name_zh(request)} 的 {', '.join(rule.fields)}")


def constant(view: LogView, rule: ConversationRule) -> Iterator[Observation]:
    """`rule.field` has, in every message of an instance, the value of the instance's first message."""
    name = rule.field or ""
    for instance in view.instances:
        readable = [m for m in instance.messages if view.status.get(m.seq) not in _UNREAD]
        if not readable:
            continue
        first = readable[0]
        for message in readable[1:]:
            if rule.subject is not None and message.kind_id != rule.subject:
                continue
            value = message.fields.get(name)
            if value == first.fields.get(name):
                yield Observation(rule.id, _PASSED, message.sender, message.seq,
                                  f"{_name(message)} keeps {name}", f"{_name_zh(message)} 保持 {name} 不变")
            else:
                yield Observation(rule.id, _FAILED, message.sender, message.seq,
                                  f"{_name(message)} has {name} {quoted(value)}; the conversation's first "
                                  f"message, {_name(first)}, has {quoted(first.fields.get(name))}",
                                  f"{_name_zh(message)} 的 {name} 为 {quoted(value)}；会话首条消息 "
                                  f"{_name_zh(first)} 为 {quoted(first.fields.get(name))}")


def within(view: LogView, rule: ConversationRule) -> Iterator[Observation]:
    """A reply of kind `rule.subject` follows its request within `rule.duration` x the time scale."""
    if rule.duration is None or rule.subject is None:
        return
    limit = allowed(rule.duration, view.time_scale)
    allowance_en = f"allowed {iso(rule.duration)} x time scale {scale_text(view.time_scale)}"
    allowance_zh = f"允许 {iso(rule.duration)} × 时间比例 {scale_text(view.time_scale)}"
    requests = within_replies_to(view.conversation, rule)
    answered: set[int] = set()
    for message in view.of_kind(rule.subject):
        if view.status.get(message.seq) is Status.DUPLICATE:
            continue  # a resend is not a second answer: the first one is timed
        request = view.correlation.request_of(message)
        if request is None or request.kind_id not in requests or request.seq in answered:
            continue
        answered.add(request.seq)
        took = message.time - request.time
        took_en, took_zh = spoken(took)
        if took <= limit:
            yield Observation(rule.id, _PASSED, message.sender, message.seq,
                              f"{rule.subject} of event {request.seq} came after {took_en} "
                              f"(event {message.seq}); {allowance_en}",
                              f"事件 {request.seq} 的 {rule.subject} 在 {took_zh} 后到达"
                              f"（事件 {message.seq}）；{allowance_zh}")
        else:
            yield Observation(rule.id, _FAILED, message.sender, message.seq,
                              f"{rule.subject} of event {request.seq} came after {took_en} "
                              f"(event {message.seq}); {allowance_en}",
                              f"事件 {request.seq} 的 {rule.subject} 在 {took_zh} 后才到达（事件 "
                              f"{message.seq}）；{allowance_zh}")
    yield from _missing(view, rule, requests, answered, limit, allowance_en, allowance_zh)


def _missing(view: LogView, rule: ConversationRule, requests: tuple[str, ...], answered: set[int],
             limit: timedelta, allowance_en: str, allowance_zh: str) -> Iterator[Observation]:
    """A reply the conversation is waiting for at the end of the log: failed once its deadline
    passed before the log ended, cantTell when the log ended first."""
    assert rule.subject is not None
    senders = view.conversation.messages[rule.subject].senders
    for instance in view.instances:
        if instance.state in view.conversation.final:
            continue
        if not any(source == instance.state and kind == rule.subject
                   for source, kind in ((t.source, t.message) for t in view.conversation.transitions)):
            continue
        pending = [m for m in instance.messages
                   if instance.status.get(m.seq) is Status.TAKEN and m.kind_id in requests]
        if not pending or pending[-1].seq in answered:
            continue
        request = pending[-1]
        actor = request.receiver if request.receiver in senders else senders[0]
        due = deadline(request.time, limit)
        if due is not None and view.ended > due:
            waited_en, waited_zh = spoken(view.ended - request.time)
            yield Observation(rule.id, _FAILED, actor, request.seq,
                              f"no {rule.subject} answered {_name(request)}: the log ended {waited_en} "
                              f"after it; {allowance_en}",
                              f"{_name_zh(request)} 没有收到 {rule.subject}：日志在其后 {waited_zh} 结束；"
                              f"{allowance_zh}")
        else:
            yield Observation(rule.id, _CANT_TELL, actor, request.seq,
                              f"cannot tell whether {rule.subject} answers {_name(request)} in time: the log "
                              f"ended before the deadline; {allowance_en}",
                              f"无法判断 {_name_zh(request)} 是否按时收到 {rule.subject}：日志在时限前结束；"
                              f"{allowance_zh}")


def duplicate(view: LogView, rule: ConversationRule) -> Iterator[Observation]:
    """A receiver given a message id twice sends at most one business reply of each kind to it,
    and resends a signal at most once per copy it received."""
    for instance in view.instances:
        copies_of: dict[str, list[LoggedMessage]] = {}
        for message in instance.messages:
            if message.message_id is not None and (rule.subject is None or message.kind_id == rule.subject):
                copies_of.setdefault(message.message_id, []).append(message)
        for sent in copies_of.values():
            dups = [m for m in sent if instance.status.get(m.seq) is Status.DUPLICATE]
            if not dups:
                continue
            original = sent[0]
            # Per kind, the distinct replies of the receiver: one message resent with its own
            # message id is one reply (a retransmission), not a second answer.
            counts: dict[str, list[LoggedMessage]] = {}
            ids: dict[str, set[str]] = {}
            for reply in view.correlation.replies_to(original):
                if reply.kind is None or reply.is_error:
                    continue
                if reply.message_id is not None:
                    if reply.message_id in ids.setdefault(reply.kind.id, set()):
                        continue
                    ids[reply.kind.id].add(reply.message_id)
                counts.setdefault(reply.kind.id, []).append(reply)
            failed = False
            for kind, replies in sorted(counts.items()):
                most = 1 if replies[0].is_business else 1 + len(dups)
                if len(replies) > most:
                    failed = True
                    extra = replies[most]
                    yield Observation(
                        rule.id, _FAILED, original.receiver, extra.seq,
                        f"{_name(original)} was received {len(sent)} times; {original.receiver} answered "
                        f"it with {len(replies)} distinct {kind} (events "
                        f"{', '.join(str(r.seq) for r in replies)}); at most {most} expected",
                        f"{_name_zh(original)} 被收到 {len(sent)} 次；{original.receiver} "
                        f"回复了 {len(replies)} 条不同的 {kind}（事件 "
                        f"{', '.join(str(r.seq) for r in replies)}）；最多应为 {most} 条")
            if not failed and not counts:
                yield Observation(rule.id, _PASSED, original.receiver, dups[0].seq,
                                  f"{_name(original)} was received {len(sent)} times; {original.receiver} "
                                  "sent no reply to it twice (no reply at all)",
                                  f"{_name_zh(original)} 被收到 {len(sent)} 次；{original.receiver} "
                                  "未重复回复（根本未回复）")
            elif not failed:
                answered = ", ".join(f"{kind} x{len(replies)}" for kind, replies in sorted(counts.items()))
                yield Observation(rule.id, _PASSED, original.receiver, dups[0].seq,
                                  f"{_name(original)} was received {len(sent)} times; {original.receiver} "
                                  f"acted on it once ({answered})",
                                  f"{_name_zh(original)} 被收到 {len(sent)} 次；{original.receiver} "
                                  f"只处理了一次（{answered}）")


def _rejected(view: LogView, rule: ConversationRule, statuses: tuple[Status, ...],
              what_en: str, what_zh: str) -> Iterator[Observation]:
    """The receiver of each message of `statuses` (of kind `rule.subject`, if set) answers it with an
    error signal of code `rule.code` and sends it no business reply."""
    conversation = view.conversation
    code_field = conversation.error_code_field or ""
    # Error signals that reply to no known message, per sender in order: what answers a message
    # that has no id (found by bisection, so that a log of 10,000 such messages stays linear-ish).
    orphans: dict[str, list[LoggedMessage]] = {}
    for candidate in view.messages:
        if candidate.is_error and view.correlation.request_of(candidate) is None:
            orphans.setdefault(candidate.sender, []).append(candidate)
    orphan_seqs = {sender: [m.seq for m in found] for sender, found in orphans.items()}
    grace = allowed(ANSWER_GRACE, view.time_scale)
    last_sent = {m.sender: m.seq for m in view.messages}  # in seq order: the last one wins
    grace_en, grace_zh = spoken(grace)
    for message in view.of_kind(rule.subject):
        if view.status.get(message.seq) not in statuses:
            continue
        if rule.kind is RuleKind.LATE and not _late_under(view, rule, message):
            continue
        receiver = message.receiver
        # Names of their own: the parameters say what every message of the status is, for the next one too.
        is_en, is_zh = _why(message, what_en, what_zh)
        if message.message_id is not None:
            replies = view.correlation.replies_to(message)
        else:
            # It has no id to reply to: the next error signal that replies to nothing known counts.
            waiting = orphans.get(receiver, [])
            at = bisect.bisect_right(orphan_seqs.get(receiver, []), message.seq)
            replies = waiting[at:at + 1]
        errors = [r for r in replies if r.is_error]
        business = [r for r in replies if r.is_business]
        right = [r for r in errors if r.fields.get(code_field) == rule.code]
        ok = True
        if not errors:
            ok = False
            due = deadline(message.time, grace)
            if last_sent.get(receiver, 0) < message.seq and (due is None or view.ended <= due):
                # The log ended within the grace after the message and the receiver sent nothing
                # after it: an error signal may still have been on its way. (A receiver that went
                # on sending had its turn to answer.)
                ended_en, ended_zh = spoken(view.ended - message.time)
                yield Observation(rule.id, _CANT_TELL, receiver, message.seq,
                                  f"{_name(message)} is {is_en}; the log ended {ended_en} after it, before "
                                  f"{receiver} had {grace_en} to answer it with error {rule.code}",
                                  f"{_name_zh(message)} {is_zh}；日志在其后 {ended_zh} 即结束，{receiver} "
                                  f"尚未用满回复错误 {rule.code} 的 {grace_zh}")
            else:
                yield Observation(rule.id, _FAILED, receiver, message.seq,
                                  f"{_name(message)} is {is_en}; {receiver} sent no error signal in reply "
                                  f"(expected code {rule.code})",
                                  f"{_name_zh(message)} {is_zh}；{receiver} 未回复错误信号"
                                  f"（应为代码 {rule.code}）")
        elif not right:
            ok = False
            found = errors[0]
            yield Observation(rule.id, _FAILED, receiver, found.seq,
                              f"{_name(message)} is {is_en}; the error signal {_name(found)} has code "
                              f"{quoted(found.fields.get(code_field))}, expected {rule.code}",
                              f"{_name_zh(message)} {is_zh}；错误信号 {_name_zh(found)} 的代码为 "
                              f"{quoted(found.fields.get(code_field))}，应为 {rule.code}")
        for reply in business:
            ok = False
            yield Observation(rule.id, _FAILED, receiver, reply.seq,
                              f"{_name(message)} is {is_en}; {receiver} answered it with {_name(reply)}",
                              f"{_name_zh(message)} {is_zh}；{receiver} 却回复了 {_name_zh(reply)}")
        if ok:
            yield Observation(rule.id, _PASSED, receiver, right[0].seq,
                              f"{_name(message)} is {is_en}; {receiver} answered with error {rule.code}",
                              f"{_name_zh(message)} {is_zh}；{receiver} 回复了错误 {rule.code}")


def _late_under(view: LogView, rule: ConversationRule, message: LoggedMessage) -> bool:
    return late_under(view.conversation, rule, message, view.correlation, view.time_scale) is not None


def invalid(view: LogView, rule: ConversationRule) -> Iterator[Observation]:
    """An invalid message gets an error signal of `rule.code` and no business reply."""
    return _rejected(view, rule, (Status.INVALID,), "invalid", "无效")


def _why(message: LoggedMessage, what_en: str, what_zh: str) -> tuple[str, str]:
    """What is wrong with `message`, in the words of `_rejected`: the requirements it fails."""
    if message.failed_musts:
        failing = ", ".join(message.failed_musts[:5]) + (", ..." if len(message.failed_musts) > 5 else "")
        return f"{what_en} (fails {failing})", f"{what_zh}（不符合 {failing}）"
    return what_en, what_zh


def late(view: LogView, rule: ConversationRule) -> Iterator[Observation]:
    """A message past `rule.deadline` gets an error signal of `rule.code` and no business reply."""
    return _rejected(view, rule, (Status.LATE,), f"late (past {rule.deadline})", f"已超时（{rule.deadline}）")


def out_of_order(view: LogView, rule: ConversationRule) -> Iterator[Observation]:
    """A message its state does not allow gets an error signal of `rule.code` and no business reply."""
    return _rejected(view, rule, (Status.OUT_OF_ORDER,), "out of order", "顺序错误")


# Notes that say a delivery was not taken, and what each says about the receiver.
_UNDELIVERED = {
    NoteKind.HTTP_STATUS: ("answered a delivery outside 2xx", "对投递的应答不是 2xx"),
    NoteKind.CONNECTION_CLOSED: ("closed the connection instead of answering a delivery",
                                 "未应答投递即关闭了连接"),
    NoteKind.REFUSED: ("could not be connected to for a delivery", "投递时无法连接"),
}
NOTE_TEXT_CHARS = 200  # of a note's text quoted in a finding: the transport's words, not a dump


def _inboxes(view: LogView) -> dict[str, set[str]]:
    """Per role, the URLs a delivery to it goes to: its recorded endpoint and every Reply-To it gave."""
    found: dict[str, set[str]] = {}
    for role, endpoint in view.endpoints.items():
        if endpoint:
            found.setdefault(role, set()).add(endpoint)
    for event in view.events:
        reply_to = event.transport.headers.get("reply-to") if event.body is not None else None
        if reply_to:
            found.setdefault(event.sender, set()).add(reply_to)
    return found


def _taken(status: int | None) -> bool:
    return status is not None and 200 <= status < 300


def delivery(view: LogView, rule: ConversationRule) -> Iterator[Observation]:
    """Each judged role takes every message delivered to it (a message recorded with a status outside
    2xx, or a note of a closed connection, such a status or a refused connection, fails) and stays
    within the recorder's bounds (a `limit` note about what it sent fails)."""
    judged = set(view.conversation.rule_roles(rule.id))
    inboxes = _inboxes(view)
    for event in view.events:
        seq, status = event.seq, event.transport.status
        text = quoted(event.text or "", NOTE_TEXT_CHARS) if event.note is not None else ""
        if event.body is not None:
            if event.receiver not in judged:
                continue
            to = event.receiver
            if status is None or _taken(status):
                yield Observation(rule.id, _PASSED, to, seq, f"event {seq} was delivered to {to}",
                                  f"事件 {seq} 已投递给 {to}")
            else:
                yield Observation(rule.id, _FAILED, to, seq,
                                  f"{to} answered the delivery of event {seq} with HTTP {status}, "
                                  "not 202 Accepted",
                                  f"{to} 对事件 {seq} 的投递应答 HTTP {status}，而非 202 Accepted")
        elif event.note in _UNDELIVERED and event.receiver in judged:
            known = inboxes.get(event.receiver)
            if event.transport.url and known and event.transport.url not in known:
                continue  # not a delivery to the role's inbox: the tester's trigger, say
            en, zh = _UNDELIVERED[event.note]
            said_en, said_zh = (f"HTTP {status}, ", f"HTTP {status}，") if status is not None else ("", "")
            yield Observation(rule.id, _FAILED, event.receiver, seq,
                              f"{event.receiver} {en} (event {seq}: {event.note}, {said_en}{text})",
                              f"{event.receiver} {zh}（事件 {seq}：{event.note}，{said_zh}{text}）")
        elif event.note is NoteKind.LIMIT and event.sender in judged and not _taken(status):
            # A limit note whose recorded status is 2xx is a message the recorder took and set
            # aside (another conversation's), not a bound exceeded.
            by = event.sender
            yield Observation(rule.id, _FAILED, by, seq,
                              f"{by} sent more than the recorder's bounds allow (event {seq}: {text})",
                              f"{by} 发送的请求超出了记录方的限制（事件 {seq}：{text}）")


# The rules judged on replies, by kind; `sequence` and `guard` are the state machine's.
REPLY_RULES = {
    RuleKind.IN_REPLY_TO: in_reply_to,
    RuleKind.COPIES: copies,
    RuleKind.CONSTANT: constant,
    RuleKind.WITHIN: within,
    RuleKind.DUPLICATE: duplicate,
    RuleKind.INVALID: invalid,
    RuleKind.LATE: late,
    RuleKind.OUT_OF_ORDER: out_of_order,
    RuleKind.DELIVERY: delivery,
}
