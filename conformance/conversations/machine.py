"""The state machine of a conversation run over the messages of each conversation instance.

Messages are grouped into instances by correlation: a reply joins the instance of the message its
in-reply-to names, anything else the instance of its conversation id. So a reply that changes the
conversation id stays in its conversation, where the `constant` rule sees it, instead of opening a
new one where it would be out of sequence. Within an instance, in sequence order, a message is
(first match wins) unclassified, sent by a role that does not send it, an error signal, a
duplicate (its message id came before), invalid, a duplicate again (it answers again, with a new
message id, a request that came again and that it already answered with a transition), late, or it
takes a transition from the current state; otherwise it is out of order. Only a taken transition
moves the state, and only such an answer is one that a later answer repeats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from conformance.conversations.messages import Correlation, LoggedMessage, Observation, Status
from conformance.conversations.timing import late_under
from conformance.core.errors import RuleError
from conformance.core.findings import Outcome
from conformance.core.printable import quoted
from conformance.standard.conversation import Conversation, ConversationRule, RuleKind, Transition
from conformance.validation.jsonrules import Expression, truthy


@dataclass(slots=True)
class Instance:
    """One conversation instance: its messages in order, then what the state machine made of them."""

    key: str | None  # the conversation id of its first message
    messages: list[LoggedMessage] = field(default_factory=list)
    status: dict[int, Status] = field(default_factory=dict)  # by event seq
    state: str = ""  # after the last message


def group(messages: Sequence[LoggedMessage], correlation: Correlation) -> list[Instance]:
    """The conversation instances of a log, in the order their first message came."""
    instances: list[Instance] = []
    by_key: dict[str | None, Instance] = {}
    home: dict[int, Instance] = {}  # event seq -> its instance
    for message in messages:
        request = correlation.request_of(message)
        instance = home.get(request.seq) if request is not None else None
        if instance is None:
            instance = by_key.get(message.conversation_id)
        if instance is None:
            instance = Instance(message.conversation_id)
            instances.append(instance)
            by_key[message.conversation_id] = instance
        instance.messages.append(message)
        home[message.seq] = instance
    return instances


def _variables(source: Any) -> list[str]:
    """The `var` paths an expression reads, in order, once each: what a failure message shows."""
    found: list[str] = []
    stack = [source]
    while stack and len(found) < 20:
        node = stack.pop(0)
        if isinstance(node, dict):
            for operator, args in node.items():
                path = args[0] if isinstance(args, list) and args else args
                if operator == "var" and isinstance(path, str):
                    if path not in found:
                        found.append(path)
                else:
                    stack.append(args)
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _read(data: Any, path: str) -> Any:
    for step in path.split("."):
        data = data.get(step) if isinstance(data, dict) else None
    return data


class StateMachine:
    """The transitions of a conversation indexed by (state, message), with compiled guards."""

    def __init__(self, conversation: Conversation, guards: Mapping[int, Expression]) -> None:
        self.conversation = conversation
        self._guards = guards  # transition index -> compiled guard
        self._moves: dict[tuple[str, str], tuple[int, Transition]] = {}
        for index, transition in enumerate(conversation.transitions):
            self._moves.setdefault((transition.source, transition.message), (index, transition))
        self.allows = {(t.source, t.message) for t in conversation.transitions}
        rules = conversation.rules.values()
        # `late` rules by the kind of message they are about: only those make a late message
        # take no transition (the standard says what its receiver must do with it).
        self._late: dict[str, list[ConversationRule]] = {}
        for rule in rules:
            if (rule.kind is RuleKind.LATE and rule.subject is not None
                    and rule.deadline in conversation.rules):
                self._late.setdefault(rule.subject, []).append(rule)

    def late_by(self, message: LoggedMessage, correlation: Correlation, time_scale: float
                ) -> tuple[ConversationRule, LoggedMessage, timedelta] | None:
        """The late rule `message` is late under, its request and how long it took; None if in time."""
        for rule in self._late.get(message.kind_id, ()):
            found = late_under(self.conversation, rule, message, correlation, time_scale)
            if found is not None:
                return rule, *found
        return None

    def run(self, instance: Instance, correlation: Correlation, time_scale: float) -> list[Observation]:
        """Walk `instance` from the initial state; observations of the sequence and guard rules."""
        conversation = self.conversation
        sequence = [r.id for r in conversation.rules.values() if r.kind is RuleKind.SEQUENCE]
        observed: list[Observation] = []
        state = conversation.initial
        seen: set[str] = set()
        copies: dict[str, int] = {}  # message id -> how many times it came so far
        answered: set[tuple[str, str, str]] = set()  # (in-reply-to, kind, sender) seen so far

        def out_of_sequence(message: LoggedMessage, en: str, zh: str, line: int | None = None) -> None:
            observed.extend(Observation(rid, Outcome.FAILED, message.sender, message.seq, en, zh, line)
                            for rid in sequence)

        for message in instance.messages:
            kind = message.kind
            if kind is None:
                en, zh = message.problem or ("not a message of this conversation", "不是本会话的消息")
                instance.status[message.seq] = Status.UNCLASSIFIED
                out_of_sequence(message, f"event {message.seq}: {en}", f"事件 {message.seq}：{zh}",
                                message.problem_line)
                continue
            if message.sender not in kind.senders:
                instance.status[message.seq] = Status.WRONG_SENDER
                senders = ", ".join(kind.senders)
                out_of_sequence(message,
                                f"{kind.id} (event {message.seq}) was sent by {message.sender}; "
                                f"only {senders} send it",
                                f"{kind.id}（事件 {message.seq}）由 {message.sender} 发送；"
                                f"只有 {senders} 可以发送")
                continue
            if message.is_error:
                instance.status[message.seq] = Status.ERROR_SIGNAL
                continue
            if message.message_id is not None:
                copies[message.message_id] = copies.get(message.message_id, 0) + 1
            if message.message_id is not None and message.message_id in seen:
                instance.status[message.seq] = Status.DUPLICATE
                continue
            if message.message_id is not None:
                seen.add(message.message_id)
            # Invalid before resent: an invalid answer is no answer, whatever came before it.
            if message.failed_musts:
                instance.status[message.seq] = Status.INVALID
                continue
            answer = (message.in_reply_to or "", kind.id, message.sender)
            if answer in answered and copies.get(answer[0], 0) > 1:
                # An answer again to a request that came again: the duplicate rule judges whether
                # the receiver may (a signal) or must not (a business reply) send it twice.
                instance.status[message.seq] = Status.DUPLICATE
                continue
            if self.late_by(message, correlation, time_scale) is not None:
                instance.status[message.seq] = Status.LATE
                continue
            move = self._moves.get((state, kind.id))
            if move is None:
                instance.status[message.seq] = Status.OUT_OF_ORDER
                allowed_here = sorted(m for s, m in self.allows if s == state)
                out_of_sequence(
                    message,
                    f"{kind.id} (event {message.seq}) came in state {state!r}, which allows "
                    f"{', '.join(allowed_here) or 'no message'}",
                    f"{kind.id}（事件 {message.seq}）出现在状态 {state!r}，该状态只允许 "
                    f"{', '.join(allowed_here) or '（无）'}")
                continue
            index, transition = move
            if transition.guard is not None:
                observed.append(self._guard(index, transition, message, correlation))
            # A false guard is recorded against its rule; the transition is still taken so that one
            # wrong value is one failure, not a cascade through every later message.
            instance.status[message.seq] = Status.TAKEN
            if message.in_reply_to is not None:
                # Only an answer that moved the conversation is one a later answer can repeat: an
                # invalid, late or out-of-order one answered nothing.
                answered.add(answer)
            observed.extend(Observation(rid, Outcome.PASSED, message.sender, message.seq,
                                        f"{kind.id} in state {state!r}", f"{kind.id} 出现在状态 {state!r}")
                            for rid in sequence)
            state = transition.target
        instance.state = state
        return observed

    def _guard(self, index: int, transition: Transition, message: LoggedMessage,
               correlation: Correlation) -> Observation:
        guard = transition.guard
        assert guard is not None
        request = correlation.request_of(message)
        data: dict[str, Any] = {"message": dict(message.fields),
                                "request": dict(request.fields) if request is not None else {}}
        where = f"{message.kind_id} (event {message.seq})"
        try:
            held = truthy(self._guards[index].evaluate(data))
        except RuleError as exc:
            return Observation(guard.rule, Outcome.CANT_TELL, message.sender, message.seq,
                               f"{where}: the guard could not be evaluated: {exc.message}",
                               f"{where}：无法计算转换条件：{exc.message}")
        if held:
            return Observation(guard.rule, Outcome.PASSED, message.sender, message.seq,
                               f"{where}: guard held", f"{where}：转换条件成立")
        shown = ", ".join(f"{path} {quoted(_read(data, path))}" for path in _variables(guard.test)) or "-"
        return Observation(
            guard.rule, Outcome.FAILED, message.sender, message.seq,
            f"{where}: the guard of {transition.source} -> {transition.target} does not hold ({shown})",
            f"{where}：{transition.source} -> {transition.target} 的转换条件不成立（{shown}）")
