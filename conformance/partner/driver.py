"""One scenario played live: the partner's side of one conversation, recorded as an exchange log.

The driver walks the conversation's state machine from the partner's side: in a state where its
role may send, it sends the first declared message (built by the Composer); where the system under
test may, it waits for one of those messages, bounded by the `within` rule on it (deadline x time
scale + a margin, never more than the user's timeout). The scenario's probe (plan.py) changes one
step. Every message, both ways, is recorded as it happens, so the log's order is the order things
happened; the offline checker then judges the log. The driver's own reading of a message only
decides what to do next: it never judges.

Correlation: the partner opens each conversation with a fresh UUID. When the system under test
opens, each scenario asks it (the trigger) to open a case of a fresh case id, and adopts only the
conversation the trigger's answer names or, failing that, the first opening of that case; without
a trigger, the first opening of a conversation no earlier scenario had. A message of any other
conversation is recorded as a note and ignored, so two partner runs (or two scenarios, or a stale
retry of the system's) never mix.

Receiving is bounded: the inbox takes at most `max_body_bytes` (256 KiB by default, as the
reference system) and a scenario spends at most `judge_seconds` judging incoming messages (the
rest is recorded unread, for the offline checker); each message is recorded at the time it
arrived, not when judging it ended.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from conformance._version import __version__
from conformance.conversations import Direction, ExchangeLog, LogWriter, NoteKind, Party, Transport
from conformance.conversations.fields import BindingReader, binding_key
from conformance.core.errors import ConformanceError
from conformance.core.findings import Level, Outcome
from conformance.partner.composer import Composer, Outgoing, ReplyRefused
from conformance.partner.filling import fill
from conformance.partner.inbox import Budget, Delivery, Inbox
from conformance.partner.mutation import invalid_variant
from conformance.partner.outbox import Answer, Outbox
from conformance.partner.plan import Probe, Roles
from conformance.standard.conversation import RuleKind, Signal
from conformance.standard.model import Standard
from conformance.validation.documents.payload import Payload
from conformance.validation.judge import PayloadJudge

# The exposed field naming the case a conversation is about (a trigger asks for a fresh one).
CASE_FIELD = "case-id"


@dataclass(frozen=True, slots=True)
class Settings:
    """The bounds of a live run (CLI options)."""

    endpoint: str
    trigger: str | None = None
    time_scale: float = 1.0
    timeout: float = 30.0  # the longest any one wait lasts
    margin: float = 0.5  # added to a deadline x time scale before a wait gives up
    settle: float = 1.0  # quiet time at the end of a scenario, for late extra messages
    max_requests: int = 100  # incoming requests per scenario
    max_rate: int = 50  # incoming requests in any second
    max_body_bytes: int = 256 * 1024  # the messages of a conversation are a few KiB
    judge_seconds: float = 10.0  # judging incoming messages, per scenario (the rest: recorded unread)


@dataclass(frozen=True, slots=True)
class Seen:
    """A message of the scenario, as the driver reads it (kind None: unreadable or unmatched)."""

    seq: int
    sender: str
    kind: str | None
    fields: Mapping[str, str | None]
    at: float  # time.monotonic() when recorded
    invalid: bool = False  # fails a MUST message requirement (it then takes no transition)


class Context:
    """What every scenario of one run shares: the model, the compiled judge, the inbox and outbox."""

    def __init__(self, standard: Standard, roles: Roles, judge: PayloadJudge,
                 readers: Mapping[str, BindingReader], composer: Composer, inbox: Inbox, outbox: Outbox,
                 settings: Settings, announce: Callable[[str], None]) -> None:
        self.standard = standard
        self.roles = roles
        self.judge = judge
        self.judge_lock = composer.judge_lock
        self.readers = readers
        self.composer = composer
        self.inbox = inbox
        self.outbox = outbox
        self.settings = settings
        self.announce = announce
        # Conversations of earlier scenarios of this run: never adopted again (a stale retry).
        self.retired: set[str] = set()

    def read(self, body: bytes) -> Reading | None:
        """What the driver needs of a body (as the checker reads it); None when unreadable."""
        try:
            with self.judge_lock:
                judged = self.judge.judge(Payload("<message>", body))
                reader = self.readers.get(binding_key(self.standard, judged.standard, judged.message_type))
                if reader is None:
                    return None
                fields = reader.read(judged.document)
        except ConformanceError:
            return None
        requirements = judged.standard.requirements
        invalid = any(outcome is Outcome.FAILED and requirements[rid].level is Level.MUST
                      for rid, outcome in judged.outcomes.items())
        kind = next((m.id for m in self.roles.conversation.messages.values()
                     if fields.get(m.match.field) == m.match.equals), None)
        return Reading(kind, fields, invalid)

    def fields_of(self, body: bytes) -> Mapping[str, str | None] | None:
        read = self.read(body)
        return read.fields if read else None


@dataclass(frozen=True, slots=True)
class Reading:
    kind: str | None  # the conversation message it matches
    fields: Mapping[str, str | None]
    invalid: bool


class ScenarioError(ConformanceError):
    """A scenario stopped by a tool or bundle error; its log (`log`) was closed all the same."""

    def __init__(self, cause: ConformanceError, log: ExchangeLog) -> None:
        super().__init__(cause.message, location=cause.location)
        self.cause = cause
        self.log = log


@dataclass
class _State:
    history: list[Seen] = field(default_factory=list)
    conversation_ids: set[str] = field(default_factory=set)
    opening_case: str | None = None  # the case id the trigger asked the system to open
    opened: str | None = None  # the conversation id the trigger's answer named
    adopting: bool = False  # the system under test opens: adopt the first conversation it opens
    last_time: datetime | None = None  # of the last event recorded
    judging_left: float = 0.0  # seconds of judging left in this scenario
    unread_noted: bool = False


class ScenarioRun:
    """Plays `probe.scenario` once and records it in `folder`."""

    def __init__(self, context: Context, probe: Probe, folder: Path) -> None:
        self.c = context
        self.probe = probe
        self.roles = context.roles
        self.ours, self.sut = self.roles.ours, self.roles.sut
        self.identity = self.roles.conversation.identity
        self._lock = threading.Condition()
        self._state = _State(judging_left=context.settings.judge_seconds)
        self._cursor = 0
        self._expected_errors: set[str] = set()  # our probe messages an error signal may answer
        self._retry: Outgoing | None = None
        self._probe_done = False
        self._closed = False
        settings = context.settings
        self.writer = LogWriter(
            folder, standard=context.standard.ref, conversation=self.roles.conversation.id,
            system_under_test=self.sut,
            parties=[Party(self.ours, context.inbox.url), Party(self.sut, settings.endpoint)],
            recorded_by={"tool": "egov-conformance", "version": __version__, "mode": "partner"},
            started=datetime.now().astimezone(), time_scale=settings.time_scale, scenario=probe.scenario)

    # --- the run --------------------------------------------------------------------------------
    def run(self) -> ExchangeLog:
        """Play the scenario; the log is closed whatever happens. A tool or bundle error met while
        playing is noted in the log and raised again once it is closed (ScenarioError)."""
        settings = self.c.settings
        budget = Budget(settings.max_requests, settings.max_rate)
        self.c.inbox.open_scenario(self._receive, self._limit, budget, self._problem)
        failure: ConformanceError | None = None
        try:
            self._note(NoteKind.SCENARIO, f"scenario {self.probe.scenario}", Direction.SENT)
            self._drive()
            time.sleep(settings.settle)
        except ReplyRefused as exc:
            self._note(NoteKind.SCENARIO, f"stopped: {exc.message}", Direction.SENT)
        except ConformanceError as exc:
            failure = exc
            with contextlib.suppress(ConformanceError):  # a full log cannot take the note either
                self._note(NoteKind.SCENARIO, f"stopped by an error of the tool or the bundle: "
                           f"{exc.message}", Direction.SENT)
        finally:
            self.c.inbox.close_scenario()
            with self._lock:
                self._closed = True  # a request still in a handler thread is dropped, not written
                self.c.retired.update(self._state.conversation_ids)
        log = self.writer.close()
        if failure is not None:
            raise ScenarioError(failure, log)
        return log

    def _drive(self) -> None:
        conversation = self.roles.conversation
        state = conversation.initial
        if not self.roles.opens():
            opened = self._await_opening()
            if opened is None:
                return
            state = self._target(state, opened)
        for _ in range(4 * (len(conversation.transitions) + 2)):  # bounded, even on a cyclic model
            if state in conversation.final:
                return
            probe = self.probe
            if probe.scenario == "out-of-order" and not self._probe_done and probe.state == state:
                self._probe_done = True
                # Not waiting for its answer: the wait would eat the deadline of our next message.
                if self._send(probe.message, expect_error=True) is None:
                    return
            ours = self.roles.from_state(state, self.ours)
            if ours:
                step = ours[0]
                if not self._play(step.message):
                    return
                state = step.target
                continue
            theirs = self.roles.from_state(state, self.sut)
            if not theirs:
                return
            got = self._await({t.message for t in theirs}, state)
            if got is None:
                return
            state = self._target(state, got)

    def _target(self, state: str, seen: Seen) -> str:
        return next(t.target for t in self.roles.from_state(state, self.sut) if t.message == seen.kind)

    def _play(self, kind: str) -> bool:
        """Send our `kind` as the probe says; False when the scenario cannot go on."""
        probe = self.probe
        if kind != probe.message or self._probe_done:
            return self._send(kind) is not None
        scenario = probe.scenario
        if scenario == "invalid":
            self._probe_done = True
            valid = self._compose(kind)
            made = invalid_variant(self.c.composer, valid, self.c.fields_of, seconds=self.c.settings.timeout)
            if made is None:
                self._note(NoteKind.SCENARIO, f"no invalid {kind} could be made: sent the valid one only",
                           Direction.SENT)
            else:
                body, failing = made
                self._note(NoteKind.SCENARIO, f"invalid {kind} (fails {failing})", Direction.SENT)
                mutant = Outgoing(kind, body, valid.media_type, valid.message_id, valid.fields)
                if self._deliver(mutant, expect_error=True):
                    self._await_reply(mutant)
                # The receiver must act on an invalid message no further: the conversation ends.
                return False
            return self._send(kind) is not None
        if scenario == "late":
            self._probe_done = True
            request = self._request(kind)
            assert probe.wait is not None
            late = probe.wait.total_seconds() * self.c.settings.time_scale + self.c.settings.margin
            since = request.at if request is not None else time.monotonic()
            time.sleep(max(0.0, since + late - time.monotonic()))
            sent = self._send(kind, expect_error=True)
            if sent is not None:
                self._await_reply(sent)
            return False  # a late message takes no transition: the conversation ends here
        if scenario == "duplicate":
            self._probe_done = True
            outgoing = self._compose(kind)
            return self._deliver(outgoing, copies=2)
        if scenario == "retry":
            self._probe_done = True
            sent = self._send(kind)
            self._retry = sent
            return sent is not None
        return self._send(kind) is not None

    # --- sending ----------------------------------------------------------------------------------
    def _request(self, kind: str) -> Seen | None:
        """The latest message `kind` answers: the other side's first, else one of ours."""
        replies_to = set(self.roles.message(kind).replies_to)
        with self._lock:
            found = [s for s in self._state.history if s.kind in replies_to]
        theirs = [s for s in found if s.sender == self.sut]
        chosen = theirs or found
        return chosen[-1] if chosen else None

    def _conversation_id(self) -> str:
        """This scenario's conversation: the one opened (by either side), or a fresh UUID."""
        with self._lock:
            conversation_id = next(iter(sorted(self._state.conversation_ids)), None)
            if conversation_id is None:
                conversation_id = str(uuid.uuid4())
                self._state.conversation_ids.add(conversation_id)
        return conversation_id

    def _compose(self, kind: str) -> Outgoing:
        request = self._request(kind)
        return self.c.composer.compose(kind, conversation_id=self._conversation_id(),
                                       request=request.fields if request else None,
                                       created=datetime.now().astimezone())

    def _send(self, kind: str, *, expect_error: bool = False) -> Outgoing | None:
        outgoing = self._compose(kind)
        return outgoing if self._deliver(outgoing, expect_error=expect_error) else None

    def _deliver(self, outgoing: Outgoing, *, copies: int = 1, expect_error: bool = False) -> bool:
        """Record, then POST (recorded first: a fast peer's reply must not precede our message in the
        log); `copies` at once for the duplicate probe. False when no copy was taken."""
        if expect_error:
            self._expected_errors.add(outgoing.message_id)
        endpoint = self.c.settings.endpoint
        transport = Transport(method="POST", url=endpoint,
                              headers={"content-type": outgoing.media_type, "reply-to": self.c.inbox.url})
        fields = self.c.fields_of(outgoing.body) or outgoing.fields
        for _ in range(copies):
            with self._lock:
                event = self.writer.message(direction=Direction.SENT, sender=self.ours, receiver=self.sut,
                                            body=outgoing.body, media_type=outgoing.media_type,
                                            transport=transport)
                self._state.last_time = event.time
                seen = Seen(event.seq, self.ours, outgoing.kind, fields, time.monotonic())
                self._state.history.append(seen)
        answers: list[Answer] = []
        if copies == 1:
            answers.append(self.c.outbox.deliver(endpoint, outgoing.body, outgoing.media_type))
        else:
            threads = [threading.Thread(target=lambda: answers.append(
                self.c.outbox.deliver(endpoint, outgoing.body, outgoing.media_type))) for _ in range(copies)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(self.c.settings.timeout + 10)
        for answer in answers:
            if not answer.taken:
                assert answer.note is not None
                self._note(answer.note, answer.text or "", Direction.SENT,
                           Transport(method="POST", url=endpoint, status=answer.status))
        return any(a.taken for a in answers)

    # --- receiving ----------------------------------------------------------------------------------
    def _receive(self, delivery: Delivery) -> None:
        """A request to our inbox (server thread): record it as a message, or as a note when it
        belongs to another conversation. An error recording it reaches the inbox, which answers
        500 and notes it: a message is never dropped without a trace."""
        read = self._read(delivery.body)
        kind, fields, invalid = (read.kind, read.fields, read.invalid) if read else (None, {}, False)
        conversation_id = fields.get(self.identity["conversation-id"])
        transport = Transport(method="POST", url=self.c.inbox.url, status=202, headers=delivery.headers)
        with self._lock:
            if self._closed:
                return
            last = self._state.last_time
            # The time it arrived (judging it took a while), never before the last event recorded.
            moment = delivery.arrived if last is None or delivery.arrived >= last else last
            if conversation_id is not None and not self._belongs(kind, fields, conversation_id):
                event = self.writer.note(direction=Direction.RECEIVED, sender=self.sut, receiver=self.ours,
                                         note=NoteKind.LIMIT, transport=transport, time=moment,
                                         text=f"a message of conversation {conversation_id[:80]!r}, not one "
                                              "of this run: recorded as this note only, not judged")
                self._state.last_time = event.time
                return
            event = self.writer.message(direction=Direction.RECEIVED, sender=self.sut, receiver=self.ours,
                                        body=delivery.body, media_type=delivery.media_type,
                                        transport=transport, time=moment)
            self._state.last_time = event.time
            self._state.history.append(Seen(event.seq, self.sut, kind, fields, delivery.at, invalid))
            self._lock.notify_all()

    def _read(self, body: bytes) -> Reading | None:
        """`Context.read` within the scenario's judging budget; past it, None (recorded unread)."""
        with self._lock:
            left = self._state.judging_left
            if left <= 0 and not self._state.unread_noted and not self._closed:
                self._state.unread_noted = True
                event = self.writer.note(
                    direction=Direction.RECEIVED, sender=self.sut, receiver=self.ours, note=NoteKind.SCENARIO,
                    text=f"judging incoming messages took more than {self.c.settings.judge_seconds:g} s: the "
                         "rest are recorded unread (the offline checker still judges them)")
                self._state.last_time = event.time
        if left <= 0:
            return None
        start = time.monotonic()
        try:
            return self.c.read(body)
        finally:
            with self._lock:
                self._state.judging_left -= time.monotonic() - start

    def _belongs(self, kind: str | None, fields: Mapping[str, str | None], conversation_id: str) -> bool:
        """Whether a message of `conversation_id` is this scenario's (the caller holds the lock):
        one of its conversations, or the opening it waits for (then adopted)."""
        state = self._state
        if conversation_id in state.conversation_ids:
            return True
        if not state.adopting or kind is None or conversation_id in self.c.retired:
            return False
        opening = {t.message for t in self.roles.from_state(self.roles.conversation.initial, self.sut)}
        if kind not in opening:
            return False
        if state.opened is not None:
            ours = conversation_id == state.opened  # the trigger's answer named it
        elif state.opening_case is not None and CASE_FIELD in self.c.composer.paths:
            ours = fields.get(CASE_FIELD) == state.opening_case
        else:
            ours = True  # no trigger: the first opening of a conversation no earlier scenario had
        if ours:
            state.conversation_ids.add(conversation_id)
            state.adopting = False
        return ours

    def _limit(self, text: str) -> None:
        with self._lock:
            if self._closed:
                return
            event = self.writer.note(direction=Direction.RECEIVED, sender=self.sut, receiver=self.ours,
                                     note=NoteKind.LIMIT, text=text)
            self._state.last_time = event.time

    def _problem(self, text: str) -> None:
        """The tool could not record a message: a scenario note, never a delivery fault of the SUT."""
        with self._lock:
            if self._closed:
                return
            event = self.writer.note(direction=Direction.RECEIVED, sender=self.sut, receiver=self.ours,
                                     note=NoteKind.SCENARIO, text=text)
            self._state.last_time = event.time

    def _note(self, note: NoteKind, text: str, direction: Direction,
              transport: Transport | None = None) -> None:
        sender, receiver = (self.ours, self.sut) if direction is Direction.SENT else (self.sut, self.ours)
        with self._lock:
            event = self.writer.note(direction=direction, sender=sender, receiver=receiver, note=note,
                                     text=text, transport=transport)
            self._state.last_time = event.time

    # --- waiting ------------------------------------------------------------------------------------
    def _bound(self, kinds: set[str]) -> float:
        settings = self.c.settings
        bounds = [self.roles.within(k) for k in kinds]
        if not bounds or any(b is None for b in bounds):
            return settings.timeout
        longest = max(b.total_seconds() for b in bounds if b is not None)
        return min(settings.timeout, longest * settings.time_scale + settings.margin)

    def _reply_bound(self, kind: str) -> float:
        """How long an answer to our `kind` may take: the shortest `within` on the system under test's
        replies to it, else on its receipt acknowledgements (an error signal should come as fast)."""
        messages = self.roles.conversation.messages.values()
        replies = [m.id for m in messages if kind in m.replies_to and self.sut in m.senders]
        receipts = [m.id for m in messages if m.signal is Signal.RECEIPT and self.sut in m.senders]
        settings = self.c.settings
        for kinds in (replies, receipts):
            bounds = [b.total_seconds() for k in kinds if (b := self.roles.within(k)) is not None]
            if bounds:
                return min(settings.timeout, min(bounds) * settings.time_scale + settings.margin)
        return settings.timeout

    def _await(self, kinds: set[str], state: str) -> Seen | None:
        """The next new message of the system under test of one of `kinds`; None (noted) on a timeout
        or when it answered one of our messages with an error signal."""
        bound = self._bound(kinds)
        deadline = time.monotonic() + bound
        message_id = self.identity["message-id"]
        earlier: set[str | None] = set()
        while True:
            with self._lock:
                while self._cursor >= len(self._state.history):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._lock.wait(left)
                if self._cursor >= len(self._state.history):
                    seen = None
                else:
                    seen = self._state.history[self._cursor]
                    self._cursor += 1
                    earlier = {s.fields.get(message_id) for s in self._state.history[:self._cursor - 1]
                               if s.sender == self.sut}
            if seen is None:
                wanted = " or ".join(sorted(kinds))
                self._note(NoteKind.TIMEOUT, f"no {wanted} from {self.sut} within {bound:.3g} s "
                           f"(state {state})", Direction.RECEIVED)
                return None
            if seen.sender != self.sut:
                continue
            self._maybe_retry(seen)
            if seen.kind is not None and self.roles.message(seen.kind).signal is Signal.ERROR:
                if seen.fields.get(self.identity["in-reply-to"]) not in self._expected_errors:
                    # The system refused a message of ours: waiting would only time out.
                    self._note(NoteKind.SCENARIO, f"stopped: {self.sut} answered with an error signal "
                               f"(event {seen.seq})", Direction.RECEIVED)
                    return None
                continue
            if seen.kind in kinds and seen.fields.get(message_id) not in earlier:
                return None if self._refused(seen) else seen

    def _refused(self, seen: Seen) -> bool:
        """Whether `seen` is invalid or late, so that it takes no transition (as the checker says);
        the partner then answers it as a conformant receiver would (the error signal its rules
        name) and the conversation ends."""
        assert seen.kind is not None
        if seen.invalid:
            why, rule_kind = "fails a MUST requirement", RuleKind.INVALID
        elif self._late(seen):
            why, rule_kind = "is late", RuleKind.LATE
        else:
            return False
        code = next((r.code for r in self.roles.conversation.rules.values()
                     if r.kind is rule_kind and r.subject == seen.kind and r.code
                     and self.ours in self.roles.conversation.rule_roles(r.id)), None)
        error = next((m.id for m in self.roles.conversation.messages.values()
                      if m.signal is Signal.ERROR and self.ours in m.senders), None)
        code_field = self.roles.conversation.error_code_field
        answered = ""
        if code and error and code_field:
            try:
                # The ids are the other side's, even when they are what is wrong with its message:
                # the error signal must name what it answers (echo), as the reference system does.
                outgoing = self.c.composer.compose(error, conversation_id=self._conversation_id(),
                                                   request=seen.fields, created=datetime.now().astimezone(),
                                                   extra={code_field: code}, echo=True)
            except ReplyRefused as exc:
                answered = f": no error signal could carry its ids ({exc.message})"
            else:
                if self._deliver(outgoing):
                    answered = f": answered with an error signal {code}"
        self._note(NoteKind.SCENARIO, f"stopped: {seen.kind} (event {seen.seq}) {why}{answered}",
                   Direction.RECEIVED)
        return True

    def _late(self, seen: Seen) -> bool:
        """Past the deadline of a `late` rule on its kind, from the message it answers (as recorded)."""
        conversation = self.roles.conversation
        replied = seen.fields.get(self.identity["in-reply-to"])
        message_id = self.identity["message-id"]
        with self._lock:
            request = next((s for s in self._state.history
                            if replied is not None and s.fields.get(message_id) == replied), None)
        if request is None:
            return False
        took = seen.at - request.at
        for rule in conversation.rules.values():
            deadline = conversation.rules.get(rule.deadline or "")
            if (rule.kind is RuleKind.LATE and rule.subject == seen.kind and deadline and deadline.duration
                    and took > deadline.duration.total_seconds() * self.c.settings.time_scale):
                return True
        return False

    def _maybe_retry(self, seen: Seen) -> None:
        """The retry probe: our message again, same id and bytes, once its first reply is in."""
        retry = self._retry
        if retry is not None and seen.fields.get(self.identity["in-reply-to"]) == retry.message_id:
            self._retry = None
            self._note(NoteKind.SCENARIO, f"retry: {retry.kind} again with the same message id",
                       Direction.SENT)
            self._deliver(retry)

    def _await_reply(self, sent: Outgoing) -> None:
        """Wait (bounded) for any reply of the system under test to `sent`, without consuming messages
        the happy path still needs."""
        bound = self._reply_bound(sent.kind)
        deadline = time.monotonic() + bound
        reply_to = self.identity["in-reply-to"]
        with self._lock:
            start = 0
            while True:
                history = self._state.history
                if any(s.sender == self.sut and s.fields.get(reply_to) == sent.message_id
                       for s in history[start:]):
                    return
                start = len(history)
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._lock.wait(left)
        self._note(NoteKind.TIMEOUT, f"no reply to the {sent.kind} {sent.message_id} within {bound:.3g} s",
                   Direction.RECEIVED)

    def _await_opening(self) -> Seen | None:
        """The system under test opens: trigger it (or announce our inbox) and wait for its first message."""
        opening = {t.message for t in self.roles.from_state(self.roles.conversation.initial, self.sut)}
        with self._lock:
            self._state.adopting = True
        settings = self.c.settings
        if settings.trigger:
            case = self._case_id(opening)
            with self._lock:
                self._state.opening_case = case
            body = json.dumps({"partner-inbox": self.c.inbox.url, "case-id": case}).encode()
            answer = self.c.outbox.trigger(settings.trigger, body)
            if not answer.taken:
                self._note(answer.note or NoteKind.HTTP_STATUS, f"trigger: {answer.text}", Direction.SENT,
                           Transport(method="POST", url=settings.trigger, status=answer.status))
                return None
            opened = _opened(answer.content)
            with self._lock:
                if opened is not None and self._state.adopting:
                    # From now on only the conversation named is adopted (an opening that came
                    # before this answer was adopted by its case already).
                    self._state.opened = opened
        else:
            self.c.announce(f"waiting up to {settings.timeout:g} s for {self.sut} to open a conversation: "
                            f"send it to {self.c.inbox.url}")
        return self._await(opening, self.roles.conversation.initial)

    def _case_id(self, opening: set[str]) -> str:
        """A fresh case for the trigger to open: the case id of the opening message's example with
        a unique suffix, when the example stays conformant with it (else a bare unique one)."""
        composer = self.c.composer
        suffix = uuid.uuid4().hex[:12].upper()
        for kind in sorted(opening):
            try:
                template, where = composer.template(kind)
            except ConformanceError:
                continue
            fields = self.c.fields_of(template)
            base = fields.get(CASE_FIELD) if fields else None
            if not base or CASE_FIELD not in composer.paths:
                continue
            for candidate in (f"{base}-{suffix}", f"C-{suffix}"):
                try:
                    body = fill(template, composer.message_type, composer.paths, {CASE_FIELD: candidate},
                                where=where)
                except ConformanceError:
                    break
                if not composer.failing_musts(body):
                    return candidate
        return f"C-{suffix}"


def _opened(content: bytes) -> str | None:
    """The conversation id a trigger's answer names (`{"conversation-id": ...}`), if it names one."""
    try:
        answer = json.loads(content)
    except (ValueError, UnicodeError):
        return None
    opened = answer.get("conversation-id") if isinstance(answer, dict) else None
    return opened if isinstance(opened, str) and 0 < len(opened) <= 200 else None
