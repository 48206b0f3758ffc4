"""The model of a conversation: a business process between systems, as a bundle declares it.

A conversation file (`conversations/*.yaml`, format `conversation.schema.json`, declared under
`conversations:` in standard.yaml) names the roles, the messages they exchange (each bound to
message types, with the fields it exposes), the states and transitions of the process (guards in
the JSON rule language over the exposed fields) and the rules a recorded exchange is checked
against. Requirements point at those rules with `by: conversation`, as they point at Schematron
assertions with `by: rule`. Modelled on ebXML ebBP 2.0.4 business transactions (requesting and
responding activities, receipt and acceptance acknowledgements, timeToAcknowledgeReceipt,
timeToPerform), the X-Road rule that a response copies the request's header fields, and AS4
duplicate detection.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

from conformance.core.text import Text

# The fields correlation needs; a conversation maps each to a field it exposes (`identity:`).
IDENTITY_FIELDS = ("message-id", "conversation-id", "in-reply-to")


class Signal(StrEnum):
    """What kind of signal a message is (ebBP business signals), or none for a business message."""

    RECEIPT = "receipt-acknowledgement"
    ACCEPTANCE = "acceptance-acknowledgement"
    ERROR = "error"


class RuleKind(StrEnum):
    """The kinds of conversation rule; `message-kind` in the file names the message a rule
    constrains (`ConversationRule.subject`). Which roles a rule judges: `Conversation.rule_roles`."""

    # Every message is allowed, by its sender's role, in the state the conversation is in.
    SEQUENCE = "sequence"
    # The guard of a transition holds when the transition is taken (rule id of the guard).
    GUARD = "guard"
    # A field (conversation-id) has the same value in every message of the conversation.
    CONSTANT = "constant"
    # The subject's in-reply-to names the message id of an earlier message of kind `replies-to`.
    IN_REPLY_TO = "in-reply-to"
    # The subject copies `fields` of the message it replies to, in that order, value for value.
    COPIES = "copies"
    # The subject follows the message it replies to within `duration` (recorded times); when the
    # log ends later than the deadline without it, it is missing.
    WITHIN = "within"
    # A receiver given the same message id twice does not act twice: at most one reply of each
    # business kind to one message id; the signal it sends again (if any) is the same.
    DUPLICATE = "duplicate"
    # A receiver given the subject after the deadline of the `within` rule `deadline` answers it
    # with an error signal of code `code` and no business reply.
    LATE = "late"
    # A receiver given a message that fails a MUST requirement answers it with an error signal
    # of code `code` and no business reply.
    INVALID = "invalid"
    # A receiver given a message its state does not allow (out of order) answers it with an
    # error signal of code `code` and no business reply.
    OUT_OF_ORDER = "out-of-order"
    # The judged role accepts every message delivered to it (the HTTP binding: 202; a transport note
    # of a closed connection, a status outside 2xx or a refused connection fails it) and sends no
    # more than the recorder's bounds allow (a `limit` note about it fails it). Timeouts are the
    # `within` rules' to judge.
    DELIVERY = "delivery"


@dataclass(frozen=True, slots=True)
class Role:
    id: str
    title: Text


@dataclass(frozen=True, slots=True)
class Binding:
    """How a message appears in one message type: the message type (`standard@version:type`
    when it belongs to another bundle) and the XPath 1.0 / JSON pointer of each exposed field."""

    message_type: str
    fields: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Match:
    """Which conversation message a payload is: exposed field `field` equals `equals`."""

    field: str
    equals: str


@dataclass(frozen=True, slots=True)
class ConversationMessage:
    """One kind of message of the conversation, sent by one of `senders` to one of `receivers`
    (one role each, except signals such as errors that either side may send)."""

    id: str
    title: Text
    senders: tuple[str, ...]
    receivers: tuple[str, ...]
    match: Match
    signal: Signal | None = None
    # Kinds of message this one answers (its in-reply-to names one of them); empty: it opens.
    replies_to: tuple[str, ...] = ()
    # A conformant example per message type id (bundle file): the template the live partner
    # fills in (ids, correlation, copied fields) when it sends this kind of message.
    examples: Mapping[str, Path] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Guard:
    """A condition on the exposed fields of the message that takes a transition (JSON rule
    language expression, evaluated on `{"message": fields, "request": fields of its request}`)."""

    rule: str  # the id of the `guard` rule (in `rules:`) that a false guard fails
    test: object  # the expression as written (compiled by the conversations layer)


@dataclass(frozen=True, slots=True)
class Transition:
    source: str  # state
    message: str  # conversation message id
    target: str  # state
    guard: Guard | None = None


@dataclass(frozen=True, slots=True)
class ConversationRule:
    """One rule a recorded conversation is checked against; requirements name it by `id`.

    Only the members its `kind` uses are set (see RuleKind).
    """

    id: str
    kind: RuleKind
    message: Text  # what a failure says (zh/en)
    subject: str | None = None  # the conversation message it constrains (`message-kind:` in the file)
    replies_to: tuple[str, ...] = ()
    field: str | None = None
    fields: tuple[str, ...] = ()
    duration: timedelta | None = None
    deadline: str | None = None  # a `within` rule id (late)
    code: str | None = None  # an error signal's code (late, invalid)
    roles: tuple[str, ...] = ()  # the roles `by:` names; empty: Conversation.rule_roles's default


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    title: Text
    path: Path  # the conversation file, which findings about it name
    roles: Mapping[str, Role]
    # Per message type id: the exposed field name -> XPath or JSON pointer.
    bindings: Mapping[str, Binding]
    # Exposed field names of message-id, conversation-id, in-reply-to (IDENTITY_FIELDS).
    identity: Mapping[str, str]
    # The exposed field an error signal carries its code in.
    error_code_field: str | None
    messages: Mapping[str, ConversationMessage]
    states: tuple[str, ...]
    initial: str
    final: tuple[str, ...]
    transitions: tuple[Transition, ...]
    rules: Mapping[str, ConversationRule] = field(default_factory=dict)

    def rule_roles(self, rule_id: str) -> tuple[str, ...]:
        """The roles whose behaviour `rule_id` judges: those it names in `by`, else its default."""
        rule = self.rules[rule_id]
        if rule.roles:
            return rule.roles
        # The one place the defaults live, so that a Conversation built in code judges as a loaded one.
        if rule.kind is RuleKind.GUARD:
            # A guard judges whoever sends the messages whose transitions it guards.
            senders: dict[str, None] = {}
            for transition in self.transitions:
                if transition.guard is not None and transition.guard.rule == rule_id:
                    senders.update(dict.fromkeys(self.messages[transition.message].senders))
            if senders:
                return tuple(senders)
        elif rule.subject is not None:
            message = self.messages[rule.subject]
            # What a receiver does with a message it was given judges the receiver; the rest the sender.
            return message.receivers if rule.kind in RECEIVER_KINDS else message.senders
        return tuple(self.roles)


# Rules about what a receiver does with a message it was given: by default they judge its receivers.
RECEIVER_KINDS = frozenset({RuleKind.DUPLICATE, RuleKind.LATE, RuleKind.INVALID, RuleKind.OUT_OF_ORDER})
