"""The partner's own messages: a bundle's example of each conversation message, filled in.

Design ("Message examples per conversation message"): the partner takes the example a
conversation message declares for the message type it sends in, and sets the exposed fields
message-id (a fresh UUID), conversation-id, in-reply-to (replies), the creation time when the
binding exposes `created`, and every field a `copies` rule makes the reply copy from its request.
What it built is judged before it goes out: a message of ours that fails a MUST requirement with
ids of our own is a bundle error (SpecError naming the example), never sent. One that fails only
because of what it takes from the other side (an echoed conversation id that is no UUID, a copied
case id) is the other side's doing: ReplyRefused, or, for an error signal (`echo`), sent anyway,
since it must name the message it answers.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from conformance.conversations.fields import BindingReader
from conformance.core.errors import ConformanceError, SpecError
from conformance.core.files import read_bounded
from conformance.core.findings import Level, Outcome
from conformance.core.limits import PAYLOAD_MAX_BYTES
from conformance.partner.filling import FillError, fill
from conformance.partner.plan import Roles
from conformance.standard.conversation import RuleKind
from conformance.standard.model import MessageType, Standard, Syntax
from conformance.validation.documents.payload import Payload
from conformance.validation.judge import PayloadJudge

# The exposed field that carries a message's creation time, when a binding has one.
CREATED_FIELD = "created"
_UNDECIDED = (Outcome.FAILED, Outcome.CANT_TELL)


class ReplyRefused(ConformanceError):
    """A reply of ours cannot be conformant because of what it must copy from the other side."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message of ours, ready to deliver."""

    kind: str  # conversation message id
    body: bytes
    media_type: str
    message_id: str
    fields: Mapping[str, str | None]  # the exposed fields as set


class Composer:
    """Builds messages of `roles.ours` in one bound message type (`message_type`)."""

    def __init__(self, standard: Standard, roles: Roles, judge: PayloadJudge, judge_lock: threading.Lock,
                 message_type: str, reader: BindingReader | None = None) -> None:
        conversation = roles.conversation
        binding = conversation.bindings.get(message_type)
        if binding is None or message_type not in standard.message_types:
            raise SpecError(f"conversation {conversation.id} binds no message type {message_type!r} of "
                            f"{standard.ref}; bound: {', '.join(conversation.bindings)}",
                            location=str(conversation.path))
        self.standard = standard
        self.roles = roles
        self.judge = judge
        self.judge_lock = judge_lock
        self.message_type: MessageType = standard.message_types[message_type]
        self.paths = dict(binding.fields)
        self.media_type = "application/xml" if self.message_type.syntax is Syntax.XML else "application/json"
        self._templates: dict[str, bytes] = {}
        self.reader = reader
        self._identity = set(conversation.identity.values())

    def template(self, kind: str) -> tuple[bytes, str]:
        """The example of conversation message `kind` in our message type, and its file name."""
        message = self.roles.message(kind)
        path = message.examples.get(self.message_type.id)
        where = str(self.roles.conversation.path)
        if path is None:
            raise SpecError(f"messages ({kind}).examples: no example for {self.message_type.id}; the "
                            "partner sends this message, so it needs one to fill in", location=where)
        full = path if path.is_absolute() else self.standard.root / path
        if kind not in self._templates:
            self._templates[kind] = read_bounded(full, max_bytes=PAYLOAD_MAX_BYTES, error=SpecError)
        return self._templates[kind], str(full)

    def compose(self, kind: str, *, conversation_id: str, request: Mapping[str, str | None] | None,
                created: datetime, message_id: str | None = None,
                extra: Mapping[str, str] | None = None, echo: bool = False) -> Outgoing:
        """Message `kind` of conversation `conversation_id`, replying to `request` (its exposed
        fields) when given; SpecError when it fails a MUST requirement with ids of ours, else
        ReplyRefused when what it takes from the other side makes it fail (unless `echo`)."""
        template, where = self.template(kind)
        identity = self.roles.conversation.identity
        values: dict[str, str] = {}
        message_id = message_id or str(uuid.uuid4())
        values[identity["message-id"]] = message_id
        values[identity["conversation-id"]] = conversation_id
        message = self.roles.message(kind)
        if message.replies_to:
            replied = request.get(identity["message-id"]) if request else None
            # Nothing to reply to (a message sent out of order): an id no message has.
            values[identity["in-reply-to"]] = replied or str(uuid.uuid4())
        values.update(extra or {})
        own = {name: value for name, value in values.items() if name in self.paths}
        copied: dict[str, str] = {}
        if request is not None:
            for rule in self.roles.conversation.rules.values():
                if rule.kind is RuleKind.COPIES and rule.subject == kind:
                    copied.update({name: value for name in rule.fields
                                   if (value := request.get(name)) is not None and name in self.paths})
        stamp = self._times(template, created)
        built: list[tuple[bytes, dict[str, str]]] = []
        # The times are moved when the example stays conformant with them; the ids always are.
        for moved in (stamp, {}) if stamp else ({},):
            chosen = {**own, **moved, **copied}
            try:
                body = fill(template, self.message_type, self.paths, chosen, where=where)
            except FillError:
                break  # a copied or echoed value our syntax cannot carry: the other side's doing
            failing = self.failing_musts(body)
            if not failing:
                return Outgoing(kind, body, self.media_type, message_id, chosen)
            built.append((body, chosen))
        # Is it the example's fault? The same message with ids of our own only must pass.
        theirs = {identity["conversation-id"], identity["in-reply-to"]} & set(own)
        control = {**own, **{name: str(uuid.uuid4()) for name in theirs}}
        failing = self.failing_musts(fill(template, self.message_type, self.paths, control, where=where))
        if failing:
            raise SpecError(f"the {kind} the partner built from this example fails "
                            f"{', '.join(failing)}: an example must stay conformant once the partner "
                            f"sets {', '.join(sorted(own))}", location=where)
        if echo and built:
            body, chosen = built[-1]
            return Outgoing(kind, body, self.media_type, message_id, chosen)
        how, values = ("copying", copied) if copied else ("echoing", {name: own[name] for name in theirs})
        taken = ", ".join(f"{k}={v[:80]!r}" for k, v in sorted(values.items()))
        raise ReplyRefused(f"a {kind} {how} {taken} from the message it answers would fail a MUST "
                           "requirement; not sent")

    def _times(self, template: bytes, created: datetime) -> dict[str, str]:
        """The example's date-times moved by one offset so that `created` becomes now: the times it
        relates (a reply-by date after the creation) keep their distance and their zone designator."""
        if self.reader is None or CREATED_FIELD not in self.paths:
            return {}
        try:
            with self.judge_lock:
                fields = self.reader.read(self.judge.parse(Payload("<example>", template)))
        except ConformanceError:
            return {}
        written = {name: moment for name, value in fields.items() if value and name not in self._identity
                   and (moment := _datetime(value)) is not None}
        if CREATED_FIELD not in written:
            return {}
        shift = created - written[CREATED_FIELD]
        return {name: _format_like(moment + shift, fields[name] or "") for name, moment in written.items()}

    def failing_musts(self, body: bytes) -> tuple[str, ...]:
        """The MUST requirements `body` fails or leaves undecided (a payload error: every one)."""
        try:
            with self.judge_lock:
                judged = self.judge.judge(Payload(f"<partner {self.message_type.id}>", body))
        except ConformanceError as exc:
            return (f"(unreadable: {exc.message})",)
        return tuple(sorted(rid for rid, outcome in judged.outcomes.items()
                            if outcome in _UNDECIDED
                            and self.standard.requirements[rid].level is Level.MUST))


def _datetime(text: str) -> datetime | None:
    """`text` as an ISO 8601 date-time with a zone, or None (dates, plain strings, no zone)."""
    if "T" not in text or len(text) > 40:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        return None
    return moment if moment.utcoffset() is not None else None


def _format_like(moment: datetime, written: str) -> str:
    """`moment` in the zone and form `written` uses (`Z` or `+08:00`, fraction or none)."""
    original = _datetime(written)
    assert original is not None
    local = moment.astimezone(original.tzinfo)
    text = local.isoformat(timespec="milliseconds" if "." in written else "seconds")
    if written.endswith("Z") and local.utcoffset() == timedelta(0):
        text = text.removesuffix("+00:00") + "Z"
    return text
