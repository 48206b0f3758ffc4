"""Playing egov-parallel-approval 1.0.0 by its model, and spoiling a play with one documented fault.

A `Play` is one conversation between the lead and the co-approver, built step by step from the
bundle's conversation file: in each state any transition it allows, interleaved with the extras a
well-behaved system under test copes with (a request or an opinion resent with its message id,
the same acknowledgement sent again; an invalid, late or out-of-order message of the partner,
answered with the error signal the rules require). Every reply comes seconds after what it
answers, inside every deadline. The bodies and the log are written by the exchange fixtures'
generate.py (`fixtures()`): its `Step`, `Case` and `write_case`, so a play's log is made exactly
as the fixture logs are.

`FAULTS` is the table of faults and the requirements each is documented to break; `spoil`
applies one to a finished play.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from conformance.execution.session import ValidationSession
from conformance.standard.catalog import Catalog
from conformance.standard.conversation import Conversation, ConversationMessage, RuleKind, Signal, Transition
from conformance.standard.model import Standard
from tests.conftest import FIXTURES, STANDARDS

REF = "egov-parallel-approval@1.0.0"
EXCHANGES = FIXTURES / "egov-parallel-approval" / "1.0.0" / "exchanges"
ROLES = ("co-approver", "lead")
BINDINGS = ("xml", "json")
OTHER_CASE_ID = "BJ-DC-2026-SP-000999"  # a well-formed case id that is not the conversation's
# How long after the step before it a message of a play comes, in milliseconds: a play of
# `MAX_STEPS` actions (two messages each at most) stays far inside the shortest deadline, PT5M.
DELAYS_MS = (100, 3_000)
MAX_STEPS = 20

TAKEN, DUPLICATE, RESENT, INVALID, LATE, OUT_OF_ORDER, ERROR = (
    "taken", "duplicate", "resent", "invalid", "late", "out-of-order", "error")


@cache
def fixtures() -> ModuleType:
    """The exchange fixtures' generate.py, loaded as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("approval_exchange_fixtures", EXCHANGES / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it is executed
    spec.loader.exec_module(module)
    return module


@cache
def standard() -> Standard:
    return Catalog([STANDARDS]).load(REF)


@cache
def session() -> ValidationSession:
    return ValidationSession([standard()])


def conversation() -> Conversation:
    return standard().conversations["parallel-approval"]


def other(role: str) -> str:
    return "lead" if role == "co-approver" else "co-approver"


def _step_kind(kind: str) -> str:
    """generate.py names the error signal's example `error`."""
    return "error" if kind == "error-signal" else kind


def _code_of(rule_kind: RuleKind, receiver: str, subject: str | None = None) -> str | None:
    """The error code a rule of `rule_kind` judging `receiver` requires (for `subject`, if it names one)."""
    talk = conversation()
    for rule in talk.rules.values():
        if (rule.kind is rule_kind and receiver in talk.rule_roles(rule.id)
                and (subject is None or rule.subject in (None, subject))):
            return rule.code
    return None


@dataclass(slots=True)
class Said:
    """What the model knows of one step: its conversation message, sender, what the checker is to
    make of it (TAKEN, DUPLICATE, ...), the step it replies to and the state it came in."""

    kind: str
    sender: str
    status: str
    reply_to: int | None
    state: str


@dataclass(slots=True)
class Play:
    """One conversation played by the model, the system under test `sut` behaving by the rules."""

    sut: str
    binding: str
    steps: list[Any] = field(default_factory=list)  # generate.Step, one per message
    said: list[Said] = field(default_factory=list)
    state: str = ""
    now_ms: int = 0
    closed: bool = False  # after a late message: the conversation goes no further
    taken: dict[str, int] = field(default_factory=dict)  # message kind -> its last step that moved the state

    def __post_init__(self) -> None:
        self.state = self.state or conversation().initial

    @property
    def partner(self) -> str:
        return other(self.sut)

    @property
    def end(self) -> float:
        return self.now_ms / 1000 + 1

    # ----------------------------------------------------------------------------- bookkeeping

    def _say(self, kind: str, sender: str, status: str, delay_ms: int, *, reply_to: int | None = None,
             fields: dict[str, str | None] | None = None, same_id_as: int | None = None,
             sender_code: str | None = None) -> int:
        gen = fixtures()
        self.now_ms += delay_ms
        self.steps.append(gen.Step(_step_kind(kind), sender, self.now_ms / 1000, reply_to, dict(fields or {}),
                                   same_id_as=same_id_as, sender_code=sender_code))
        self.said.append(Said(kind, sender, status, reply_to, self.state))
        return len(self.steps)

    def _answer(self, number: int, code: str | None, delay_ms: int) -> None:
        """The receiver of step `number` answers it with an error signal of `code`."""
        if code is not None:
            receiver = other(self.said[number - 1].sender)
            self._say("error-signal", receiver, ERROR, delay_ms, reply_to=number, fields={"code": code})

    def _request_of(self, kind: ConversationMessage) -> int | None:
        """The step a new message of `kind` replies to: the last one of its kinds that moved the state."""
        found = [self.taken[k] for k in kind.replies_to if k in self.taken]
        return max(found) if found else None

    # --------------------------------------------------------------------------------- actions

    def options(self) -> list[Transition]:
        """The transitions the current state allows (none once the conversation is over)."""
        if self.closed:
            return []
        return [t for t in conversation().transitions if t.source == self.state]

    def advance(self, choice: int, decision: str, approve: bool, delay_ms: int) -> None:
        """Take one of the transitions the state allows: its message from its sender, in time."""
        options = self.options()
        transition = options[choice % len(options)]
        kind = conversation().messages[transition.message]
        fields: dict[str, str | None] = {}
        if kind.id == "opinion":
            fields["decision"] = decision
        if kind.id == "result-notice":
            opinion = self.steps[self.taken["opinion"] - 1]
            # The guard: approved only on an approving opinion (rejected is always allowed).
            fields["result"] = "approved" if approve and opinion.fields.get("decision") == "approve" \
                else "rejected"
        number = self._say(kind.id, kind.senders[0], TAKEN, delay_ms, reply_to=self._request_of(kind),
                           fields=fields)
        self.taken[kind.id] = number
        self.state = transition.target

    def can_resend(self) -> list[int]:
        """Steps that may come again with their message id: the request and the opinion."""
        if self.closed:
            return []
        return [self.taken[k] for k in ("opinion-request", "opinion") if k in self.taken]

    def resend(self, which: int, again: bool, delay_ms: int) -> None:
        """Step `which` comes again (same message id, same body); the receiver acts on it no further,
        and may send again the acknowledgement it sent (`again`)."""
        candidates = self.can_resend()
        original = candidates[which % len(candidates)]
        first = self.said[original - 1]
        self._say(first.kind, first.sender, DUPLICATE, delay_ms, reply_to=first.reply_to,
                  same_id_as=original)
        ack = self.taken.get("receipt-ack")
        acked = ack is not None and self.said[ack - 1].reply_to == original
        if again and first.kind == "opinion-request" and ack is not None and acked:
            self._say("receipt-ack", self.said[ack - 1].sender, RESENT, delay_ms, reply_to=original)

    def _invalid_kinds(self) -> list[tuple[ConversationMessage, str]]:
        talk = conversation()
        found = []
        for rule in talk.rules.values():
            if rule.kind is RuleKind.INVALID and self.sut in talk.rule_roles(rule.id) and rule.subject:
                kind = talk.messages[rule.subject]
                if self.partner in kind.senders and (not kind.replies_to or self._request_of(kind)):
                    found.append((kind, rule.code or ""))
        return found

    def can_send_invalid(self) -> bool:
        return not self.closed and bool(self._invalid_kinds())

    def send_invalid(self, which: int, delay_ms: int) -> None:
        """The partner sends a message that fails a MUST message requirement (a sender code with a
        wrong check character); the system under test answers with the invalid rule's error."""
        gen = fixtures()
        kinds = self._invalid_kinds()
        kind, code = kinds[which % len(kinds)]
        bad = gen.BAD_USCC if self.partner == "lead" else gen.BAD_CO_USCC
        fields: dict[str, str | None] = {"decision": "approve"} if kind.id == "opinion" else {}
        number = self._say(kind.id, self.partner, INVALID, delay_ms, reply_to=self._request_of(kind),
                           fields=fields, sender_code=bad)
        self._answer(number, code, delay_ms)

    def _late_rules(self) -> list[tuple[ConversationMessage, timedelta, str]]:
        """(message, deadline, code) of the late rules judging the system under test whose message
        the partner sends next, now."""
        talk = conversation()
        found = []
        for rule in talk.rules.values():
            if rule.kind is not RuleKind.LATE or self.sut not in talk.rule_roles(rule.id) or not rule.subject:
                continue
            kind = talk.messages[rule.subject]
            deadline = talk.rules[rule.deadline or ""].duration
            if (self.partner in kind.senders and deadline is not None
                    and any(t.message == kind.id for t in self.options())):
                found.append((kind, deadline, rule.code or ""))
        return found

    def can_send_late(self) -> bool:
        return bool(self._late_rules())

    def send_late(self, extra_ms: int) -> None:
        """The partner's next message comes `extra_ms` after its deadline; the system under test
        answers with the late rule's error, and the conversation goes no further."""
        kind, deadline, code = self._late_rules()[0]
        request = self._request_of(kind)
        assert request is not None
        due_ms = round(self.steps[request - 1].at * 1000 + deadline / timedelta(milliseconds=1))
        fields: dict[str, str | None] = {"result": "rejected"} if kind.id == "result-notice" else {}
        number = self._say(kind.id, self.partner, LATE, max(0, due_ms - self.now_ms) + extra_ms,
                           reply_to=request, fields=fields)
        self._answer(number, code, 1_000)
        self.closed = True

    def _out_of_order_kinds(self) -> list[ConversationMessage]:
        """Messages of the partner the state does not allow, that are neither late nor a second
        answer to the same request (which the checker counts as a resend)."""
        talk = conversation()
        allowed = {t.message for t in talk.transitions if t.source == self.state}
        found = []
        for kind in talk.messages.values():
            if self.partner not in kind.senders or kind.signal is Signal.ERROR:
                continue
            if kind.id in allowed or kind.id == "receipt-ack":  # an ack's lateness: left to send_late
                continue
            request = self._out_of_order_target(kind)
            if kind.replies_to and request is None:
                continue
            if kind.id == "opinion-request" and self.state == talk.initial:
                continue
            if any(s.reply_to == request and s.kind == kind.id and s.sender == self.partner
                   for s in self.said if request is not None):
                continue
            found.append(kind)
        return found

    def _out_of_order_target(self, kind: ConversationMessage) -> int | None:
        # A result notice before any opinion answers the request (fixture out-of-order-handled).
        return self._request_of(kind) or (self.taken.get("opinion-request") if kind.replies_to else None)

    def can_send_out_of_order(self) -> bool:
        return not self.closed and bool(self._out_of_order_kinds())

    def send_out_of_order(self, which: int, delay_ms: int) -> None:
        """The partner sends a message the state does not allow; the system under test answers with
        the out-of-order rule's error and the state stays."""
        kinds = self._out_of_order_kinds()
        kind = kinds[which % len(kinds)]
        fields: dict[str, str | None] = {"decision": "approve"} if kind.id == "opinion" else (
            {"result": "rejected"} if kind.id == "result-notice" else {})
        number = self._say(kind.id, self.partner, OUT_OF_ORDER, delay_ms,
                           reply_to=self._out_of_order_target(kind), fields=fields)
        self._answer(number, _code_of(RuleKind.OUT_OF_ORDER, self.sut), delay_ms)

    def finish(self) -> None:
        """Play the conversation to a final state (unless it stopped at a late message)."""
        while self.options() and self.state not in conversation().final:
            self.advance(0, "approve", True, 1_000)

    def case(self, name: str = "play") -> Any:
        """The play as a generate.Case (a copy: writing it changes nothing here)."""
        gen = fixtures()
        steps = [replace(s, fields=dict(s.fields)) for s in self.steps]
        return gen.Case(name, f"a play of the {self.sut} under test", self.sut, self.binding, steps, self.end)


def write(case: Any, folder: Path) -> Path:
    """The log of `case` in `folder` (written by the fixtures' own writer)."""
    fixtures().write_case(case, folder)
    return folder


# ------------------------------------------------------------------------------------- faults

# (fault, the message it spoils) -> the requirements it is documented to break, and the fixture of
# exchanges/manifest.yaml that shows the same fault (None: no fixture has it alone). A spoilt
# play must fail exactly these (cannot-tell outcomes aside: a log cut short leaves replies open).
FAULTS: dict[tuple[str, str], tuple[frozenset[str], str | None]] = {
    # APR-107/108: a reply copies ConversationId and CaseId of what it answers.
    ("wrong-case-id", "receipt-ack"): (frozenset({"APR-107"}), "ack-copies"),
    ("wrong-case-id", "acceptance"): (frozenset({"APR-107"}), None),
    ("wrong-case-id", "rejection"): (frozenset({"APR-107"}), None),
    ("wrong-case-id", "opinion"): (frozenset({"APR-107"}), None),
    ("wrong-case-id", "result-notice"): (frozenset({"APR-108"}), "notice-copies"),
    # APR-105/106: InReplyTo names the message answered (here: a message id nobody sent). A result
    # notice's guard reads the decision of the opinion it answers: with none, only `rejected` holds,
    # so an `approved` notice fails APR-103 as well (see WRONG_REPLY_APPROVED).
    ("wrong-in-reply-to", "receipt-ack"): (frozenset({"APR-105"}), "ack-in-reply-to"),
    ("wrong-in-reply-to", "acceptance"): (frozenset({"APR-105"}), None),
    ("wrong-in-reply-to", "rejection"): (frozenset({"APR-105"}), None),
    ("wrong-in-reply-to", "opinion"): (frozenset({"APR-105"}), None),
    ("wrong-in-reply-to", "result-notice"): (frozenset({"APR-106"}), "notice-in-reply-to"),
    # APR-109..112: a reply past its deadline (the log ends soon after it).
    ("late-reply", "receipt-ack"): (frozenset({"APR-109"}), "ack-late"),
    ("late-reply", "acceptance"): (frozenset({"APR-110"}), "acceptance-late"),
    ("late-reply", "opinion"): (frozenset({"APR-111"}), "opinion-late"),
    ("late-reply", "result-notice"): (frozenset({"APR-112"}), "notice-late"),
    # APR-113: a second business reply to a message that came twice.
    ("second-business-reply", "rejection"): (frozenset({"APR-113"}), None),
    ("second-business-reply", "opinion"): (frozenset({"APR-113"}), "duplicate-acts-twice"),
    ("second-business-reply", "result-notice"): (frozenset({"APR-113"}), "duplicate-lead-notifies-twice"),
    # APR-114/115/116: no error signal for a late, an invalid, an out-of-order message.
    ("no-error-signal", INVALID): (frozenset({"APR-115"}), None),
    ("no-error-signal", LATE): (frozenset({"APR-114"}), "late-ignored"),
    ("no-error-signal", OUT_OF_ORDER): (frozenset({"APR-116"}), "out-of-order-ignored"),
    # APR-101: the system under test sends what the state does not allow (the log ends soon after).
    ("out-of-sequence", "acceptance"): (frozenset({"APR-101"}), None),
    ("out-of-sequence", "rejection"): (frozenset({"APR-101"}), None),
    ("out-of-sequence", "opinion"): (frozenset({"APR-101"}), "sequence-co"),
    ("out-of-sequence", "opinion-request"): (frozenset({"APR-101"}), "sequence-lead"),
}
WRONG_REPLY_APPROVED = frozenset({"APR-106", "APR-103"})


@dataclass(frozen=True, slots=True)
class Spoilt:
    """A play with one fault: the case to write and the requirements it must fail."""

    fault: str
    spoils: str
    case: Any
    expected: frozenset[str]


def _renumbered(steps: list[Any], at: int, by: int) -> list[Any]:
    """`steps` with references to step numbers >= `at` moved by `by` (a step inserted or removed)."""
    for step in steps:
        if step.reply_to is not None and step.reply_to >= at:
            step.reply_to += by
        if step.same_id_as is not None and step.same_id_as >= at:
            step.same_id_as += by
    return steps


def candidates(play: Play) -> list[tuple[str, int, str | None]]:
    """Every (fault, step number, kind) that `spoil` can apply to `play`: the step it spoils (or
    before which it inserts), and for out-of-sequence the kind the system under test sends."""
    talk = conversation()
    sut = play.sut
    found: list[tuple[str, int, str | None]] = []
    said = play.said
    for number, s in enumerate(said, start=1):
        mine = s.sender == sut
        if mine and s.status in (TAKEN, RESENT) and ("wrong-case-id", s.kind) in FAULTS:
            found.append(("wrong-case-id", number, s.kind))
        answer = (s.reply_to, s.kind, s.sender)
        resent_later = any(t.status == RESENT and (t.reply_to, t.kind, t.sender) == answer
                           for t in said[number:])
        if mine and s.status == TAKEN and ("wrong-in-reply-to", s.kind) in FAULTS and not resent_later:
            found.append(("wrong-in-reply-to", number, s.kind))
        if mine and s.status == TAKEN and ("late-reply", s.kind) in FAULTS:
            found.append(("late-reply", number, s.kind))
        if mine and s.status == ERROR and s.reply_to is not None:
            found.append(("no-error-signal", number, said[s.reply_to - 1].status))
    # A second business reply: after a copy of a message the system under test answered.
    for number, s in enumerate(said, start=1):
        if s.status != DUPLICATE or s.sender == sut:
            continue
        original = play.steps[number - 1].same_id_as
        for reply_number, reply in enumerate(said, start=1):
            if (reply.sender == sut and reply.status == TAKEN and reply.reply_to == original
                    and talk.messages[reply.kind].signal is None):
                found.append(("second-business-reply", max(number, reply_number) + 1, reply.kind))
    # Out of sequence: before step `number` (or at the end), a message the state then does not allow;
    # never between a message and the error signal that answers it.
    for number in range(2, len(said) + 2):
        if number <= len(said) and said[number - 1].status == ERROR:
            continue
        state = said[number - 1].state if number <= len(said) else play.state
        before = said[:number - 1]
        allowed = {t.message for t in talk.transitions if t.source == state}
        requests = [n for n, s in enumerate(before, start=1)
                    if s.kind == "opinion-request" and s.status == TAKEN]
        for kind in ("acceptance", "rejection", "opinion", "opinion-request"):
            if sut not in talk.messages[kind].senders or kind in allowed:
                continue
            if kind == "opinion-request":
                if state != talk.initial:
                    found.append(("out-of-sequence", number, kind))
            elif requests and not any(s.kind == kind and s.sender == sut and s.reply_to == requests[-1]
                                      for s in before):
                found.append(("out-of-sequence", number, kind))
    return found


def spoil(play: Play, fault: str, number: int, kind: str | None, extra_ms: int) -> Spoilt:
    """`play` with `fault` at step `number` (from `candidates`); `extra_ms` is how late a late reply is."""
    gen = fixtures()
    case = play.case()
    steps = case.steps
    said = play.said
    expected, _ = FAULTS[(fault, kind or "")]
    if fault == "wrong-case-id":
        steps[number - 1].fields["case-id"] = OTHER_CASE_ID
    elif fault == "wrong-in-reply-to":
        step = steps[number - 1]
        step.fields["in-reply-to"] = gen.uid("nobody")
        if kind == "result-notice" and step.fields.get("result") == "approved":
            expected = WRONG_REPLY_APPROVED
    elif fault == "late-reply":
        step = steps[number - 1]
        deadline = next(r.duration for r in conversation().rules.values()
                        if r.kind is RuleKind.WITHIN and r.subject == kind)
        assert deadline is not None and step.reply_to is not None
        due = steps[step.reply_to - 1].at + deadline.total_seconds()
        previous = steps[number - 2].at if number > 1 else 0.0
        step.at = max(previous, due) + extra_ms / 1000
        del steps[number:]
        code = _code_of(RuleKind.LATE, other(play.sut), kind)
        if code is not None:
            steps.append(gen.Step("error", other(play.sut), step.at + 1, number, {"code": code}))
        case.end = steps[-1].at + 1
    elif fault == "no-error-signal":
        del steps[number - 1]
        _renumbered(steps, number + 1, -1)
    elif fault == "second-business-reply":
        reply = next(step for step, s in zip(steps, said, strict=True)
                     if s.sender == play.sut and s.kind == kind and s.status == TAKEN)
        at = steps[number - 2].at
        _renumbered(steps, number, 1)
        steps.insert(number - 1, gen.Step(kind, play.sut, at, reply.reply_to, dict(reply.fields)))
    elif fault == "out-of-sequence":
        del steps[number - 1:]
        at = steps[-1].at if steps else 0.0
        reply_to = None
        fields: dict[str, str | None] = {}
        if kind != "opinion-request":
            reply_to = max(n for n, s in enumerate(said[:number - 1], start=1)
                           if s.kind == "opinion-request" and s.status == TAKEN)
            fields = {"decision": "approve"} if kind == "opinion" else {}
        steps.append(gen.Step(kind, play.sut, at, reply_to, fields))
        code = _code_of(RuleKind.OUT_OF_ORDER, other(play.sut))
        steps.append(gen.Step("error", other(play.sut), at + 1, len(steps), {"code": code}))
        case.end = at + 2
    else:  # pragma: no cover - the table names every fault
        raise AssertionError(fault)
    return Spoilt(fault, kind or "", case, expected)
