"""The messages of a log as the conversation rules see them, and what a rule observed about them.

A `LoggedMessage` is one event with a body, judged once (its findings and outcomes) and classified:
the exposed fields read, the conversation message it matches. `Correlation` indexes them by
message id and in-reply-to, so every rule finds requests and replies without a scan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from conformance.conversations.log import Event
from conformance.core.findings import Finding, Outcome
from conformance.standard.conversation import Conversation, ConversationMessage, Signal


class Status(StrEnum):
    """What the state machine made of a message (design: semantics of a check)."""

    TAKEN = "taken"  # took a transition
    OUT_OF_ORDER = "out-of-order"  # no transition from the state it came in
    DUPLICATE = "duplicate"  # its message id was seen before in the conversation
    INVALID = "invalid"  # it fails a MUST message requirement
    LATE = "late"  # past the deadline a `late` rule names
    ERROR_SIGNAL = "error-signal"  # allowed in every state, takes no transition
    WRONG_SENDER = "wrong-sender"  # its sender's role does not send this kind of message
    UNCLASSIFIED = "unclassified"  # unreadable, unrecognised, unbound or matching no message


@dataclass(frozen=True, slots=True)
class Judged:
    """What a log keeps of one message's judgement: its outcomes and the findings that did not
    pass, not its parsed document (every body of a large log would otherwise stay in memory)."""

    standard: str  # the ref of the standard whose message type it was recognised as
    outcomes: Mapping[str, Outcome]
    findings: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class LoggedMessage:
    """One message of the log, judged and classified."""

    event: Event
    kind: ConversationMessage | None
    fields: Mapping[str, str | None]
    judgement: Judged | None  # None: the body could not be judged (not a message)
    message_id: str | None
    conversation_id: str | None
    in_reply_to: str | None
    failed_musts: tuple[str, ...] = ()  # MUST message requirements it fails (it is then invalid)
    problem: tuple[str, str] | None = None  # (en, zh): why it could not be classified
    problem_line: int | None = None
    # Copied from the event and the kind when made: the rules read them hundreds of times a log,
    # where a property is a call each time.
    seq: int = field(init=False, repr=False, compare=False)
    time: datetime = field(init=False, repr=False, compare=False)
    sender: str = field(init=False, repr=False, compare=False)
    receiver: str = field(init=False, repr=False, compare=False)
    kind_id: str = field(init=False, repr=False, compare=False)  # "?" when it matches no message
    # A business message (no signal): what a receiver must not send twice or to a bad message.
    is_business: bool = field(init=False, repr=False, compare=False)
    is_error: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        event, kind, put = self.event, self.kind, object.__setattr__
        put(self, "seq", event.seq)
        put(self, "time", event.time)
        put(self, "sender", event.sender)
        put(self, "receiver", event.receiver)
        put(self, "kind_id", kind.id if kind is not None else "?")
        put(self, "is_business", kind is not None and kind.signal is None)
        put(self, "is_error", kind is not None and kind.signal is Signal.ERROR)


@dataclass(frozen=True, slots=True)
class Observation:
    """What one rule found about one message: evidence about `actor`'s behaviour."""

    rule: str
    outcome: Outcome
    actor: str  # the role whose behaviour this is evidence of
    event: int | None  # the sequence number of the message concerned (None: the whole log)
    en: str
    zh: str
    line: int | None = None


class Correlation:
    """The messages of a log indexed by message id (first sending) and by the id they reply to."""

    def __init__(self, messages: Iterable[LoggedMessage]) -> None:
        self.first: dict[str, LoggedMessage] = {}
        self.replies: dict[str, list[LoggedMessage]] = {}
        for message in messages:
            if message.message_id is not None:
                self.first.setdefault(message.message_id, message)
            if message.in_reply_to is not None:
                self.replies.setdefault(message.in_reply_to, []).append(message)

    def request_of(self, message: LoggedMessage) -> LoggedMessage | None:
        """The earlier message `message` replies to (its in-reply-to names its message id)."""
        if message.in_reply_to is None:
            return None
        found = self.first.get(message.in_reply_to)
        return found if found is not None and found.seq < message.seq else None

    def replies_to(self, message: LoggedMessage, *, after: int | None = None) -> list[LoggedMessage]:
        """Messages that reply to `message`'s id, sent by its receiver after event `after`."""
        if message.message_id is None:
            return []
        start = message.seq if after is None else after
        return [r for r in self.replies.get(message.message_id, ())
                if r.seq > start and r.sender == message.receiver]


def identity_of(conversation: Conversation, fields: Mapping[str, str | None]) -> tuple[
        str | None, str | None, str | None]:
    """(message id, conversation id, in-reply-to) of a message, from its exposed fields."""
    identity = conversation.identity
    return (fields.get(identity.get("message-id", "")), fields.get(identity.get("conversation-id", "")),
            fields.get(identity.get("in-reply-to", "")))
