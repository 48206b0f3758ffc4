"""What the partner does, read from the conversation model: never from knowledge of one process.

The partner plays one role; the system under test plays another. In each state the model says who
may send what (transitions, senders); the rules say how long a reply may take (`within`) and which
behaviours of the system under test a scenario can provoke (`duplicate`, `late`, `invalid`,
`out-of-order`). A scenario is then a small plan over that model: the happy path (in every state,
the first declared transition of the side whose turn it is), plus one probe at one point of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from conformance.core.errors import UsageError
from conformance.standard.conversation import (
    Conversation,
    ConversationMessage,
    ConversationRule,
    RuleKind,
    Signal,
    Transition,
)

SCENARIOS = ("happy-path", "retry", "duplicate", "out-of-order", "late", "invalid")


@dataclass(frozen=True, slots=True)
class Probe:
    """One scenario's deviation from the happy path: `kind` of ours is sent differently in `state`
    (`late`: after `wait`; `invalid`: as a mutant; `out-of-order`: in a state that does not allow
    it; `retry`/`duplicate`: again after the first reply / twice at once)."""

    scenario: str
    message: str
    state: str | None = None
    wait: timedelta | None = None
    rule: str | None = None  # the rule of the system under test the probe exercises


@dataclass(frozen=True, slots=True)
class Skipped:
    """A scenario the model gives no way to play: why, in words (English, and Chinese)."""

    scenario: str
    reason: str
    reason_zh: str = ""

    def why(self, lang: str) -> str:
        """The reason in `lang` ("zh" or "en")."""
        return self.reason_zh if lang == "zh" and self.reason_zh else self.reason


class Roles:
    """The conversation seen from the partner's role (`ours`) against the system under test's."""

    def __init__(self, conversation: Conversation, ours: str) -> None:
        if ours not in conversation.roles:
            raise UsageError(f"--play {ours!r}: conversation {conversation.id} has the roles "
                             f"{', '.join(conversation.roles)}")
        others = [r for r in conversation.roles if r != ours]
        if len(others) != 1:
            raise UsageError(f"conversation {conversation.id} has {len(conversation.roles)} roles; the "
                             "partner plays one against one system under test")
        self.conversation = conversation
        self.ours = ours
        self.sut = others[0]

    def message(self, kind: str) -> ConversationMessage:
        return self.conversation.messages[kind]

    def business(self, kind: str) -> bool:
        return self.conversation.messages[kind].signal is not Signal.ERROR

    def from_state(self, state: str, sender: str) -> tuple[Transition, ...]:
        """Transitions out of `state` whose message `sender` may send, in declared order."""
        return tuple(t for t in self.conversation.transitions
                     if t.source == state and sender in self.message(t.message).senders)

    def opens(self) -> bool:
        """Whether the partner sends first (else it waits for, or triggers, the system under test)."""
        return bool(self.from_state(self.conversation.initial, self.ours))

    def happy_path(self) -> tuple[Transition, ...]:
        """From the initial state to a final one: ours first when both sides may send, then the first
        declared; bounded by the number of transitions (a model with a cycle ends there)."""
        path: list[Transition] = []
        state = self.conversation.initial
        seen: set[str] = set()
        while state not in self.conversation.final and state not in seen:
            seen.add(state)
            steps = self.from_state(state, self.ours) or self.from_state(state, self.sut)
            if not steps:
                break
            path.append(steps[0])
            state = steps[0].target
        return tuple(path)

    def within(self, kind: str) -> timedelta | None:
        """The longest `within` bound on `kind` (None: no rule bounds it)."""
        bounds = [r.duration for r in self._rules(RuleKind.WITHIN) if r.subject == kind and r.duration]
        return max(bounds) if bounds else None

    def judging_sut(self, kind: RuleKind) -> Iterator[ConversationRule]:
        """Rules of `kind` that judge the system under test and constrain a message the partner sends."""
        for rule in self._rules(kind):
            if self.sut in self.conversation.rule_roles(rule.id) and rule.subject is not None \
                    and self.ours in self.message(rule.subject).senders:
                yield rule

    def _rules(self, kind: RuleKind) -> Iterator[ConversationRule]:
        return (r for r in self.conversation.rules.values() if r.kind is kind)

    def answered_in_business(self, kind: str) -> bool:
        """Whether the system under test answers `kind` with a business message (not a signal)."""
        return any(kind in m.replies_to and self.sut in m.senders and m.signal is None
                   for m in self.conversation.messages.values())


def plan(roles: Roles, scenario: str) -> Probe | Skipped:
    """The probe of `scenario` (happy-path: none to make), or why it cannot be played."""
    path = roles.happy_path()
    our_steps = [t for t in path if roles.ours in roles.message(t.message).senders]
    if scenario == "happy-path":
        return Probe(scenario, message=our_steps[0].message if our_steps else "")
    if scenario in ("retry", "duplicate"):
        return _repeat(roles, scenario, our_steps)
    if scenario == "late":
        return _late(roles, our_steps)
    if scenario == "invalid":
        for rule in roles.judging_sut(RuleKind.INVALID):
            if any(t.message == rule.subject for t in our_steps):
                return Probe(scenario, message=rule.subject or "", rule=rule.id)
        return Skipped(scenario, "no `invalid` rule judges the system under test on a message "
                                 f"{roles.ours} sends on the happy path",
                       f"没有 `invalid` 规则就 {roles.ours} 在正常流程中发送的报文评判被测系统")
    if scenario == "out-of-order":
        return _out_of_order(roles, path)
    raise UsageError(f"unknown scenario {scenario!r}; scenarios: {', '.join(SCENARIOS)}")


def _repeat(roles: Roles, scenario: str, our_steps: list[Transition]) -> Probe | Skipped:
    on_path = [t.message for t in our_steps]
    for rule in roles.judging_sut(RuleKind.DUPLICATE):
        if rule.subject in on_path:
            return Probe(scenario, message=rule.subject or "", rule=rule.id)
    # No duplicate rule: the sequence rules still judge whether the system acts twice.
    for kind in on_path:
        if roles.answered_in_business(kind):
            return Probe(scenario, message=kind)
    return Skipped(scenario, f"nothing {roles.ours} sends on the happy path gets a business reply",
                   f"{roles.ours} 在正常流程中发送的报文都没有业务答复")


def _late(roles: Roles, our_steps: list[Transition]) -> Probe | Skipped:
    for rule in roles.judging_sut(RuleKind.LATE):
        deadline = roles.conversation.rules.get(rule.deadline or "")
        if deadline is None or deadline.duration is None:
            continue
        if any(t.message == rule.subject for t in our_steps):
            return Probe("late", message=rule.subject or "", wait=deadline.duration, rule=rule.id)
    return Skipped("late", "no `late` rule judges the system under test on a message "
                           f"{roles.ours} sends on the happy path",
                   f"没有 `late` 规则就 {roles.ours} 在正常流程中发送的报文评判被测系统")


def _out_of_order(roles: Roles, path: tuple[Transition, ...]) -> Probe | Skipped:
    """A message of ours sent too early: at the first state of the path where it is our turn, a
    business message of ours that this state does not allow and a later state does."""
    rules = [r for r in roles.judging_sut(RuleKind.OUT_OF_ORDER)]
    rule_ids = {r.subject: r.id for r in rules}
    any_rule = next((r.id for r in roles.conversation.rules.values()
                     if r.kind is RuleKind.OUT_OF_ORDER and roles.sut in roles.conversation.rule_roles(r.id)),
                    None)
    if any_rule is None:
        return Skipped("out-of-order", "no `out-of-order` rule judges the system under test",
                       "没有 `out-of-order` 规则评判被测系统")
    for index, step in enumerate(path):
        if roles.ours not in roles.message(step.message).senders:
            continue
        allowed = {t.message for t in roles.conversation.transitions if t.source == step.source}
        later = [t.message for t in path[index + 1:] if roles.ours in roles.message(t.message).senders]
        candidates = [k for k in later if k not in allowed and roles.business(k)]
        preferred = [k for k in candidates if k in rule_ids] or candidates
        if preferred:
            kind = preferred[0]
            return Probe("out-of-order", message=kind, state=step.source, rule=rule_ids.get(kind, any_rule))
    return Skipped("out-of-order", f"on the happy path {roles.ours} sends nothing it could send too early",
                   f"正常流程中 {roles.ours} 没有可以提前发送的报文")
