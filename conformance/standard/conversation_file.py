"""Loading a conversation file of a bundle: safe YAML, its shipped JSON Schema, then cross-references.

Every failure is a SpecError located at the conversation file, its message naming the field path
(`rules[3] (APR-C-ACK-WITHIN).message-kind: unknown message 'ack'; declared: ...`), as manifest
errors do. What the standard layer cannot judge is left to the conversations layer: guards stay
as written (compiling them needs the JSON rule engine), and a message type of another bundle is
taken on trust until the catalog resolves it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from conformance.core.durations import DurationError, parse_duration
from conformance.core.errors import SpecError
from conformance.core.limits import MANIFEST_MAX_BYTES
from conformance.core.text import Text
from conformance.core.yamlload import quote, read_yaml
from conformance.standard.bundle import resolve_inside
from conformance.standard.conversation import (
    IDENTITY_FIELDS,
    Binding,
    Conversation,
    ConversationMessage,
    ConversationRule,
    Guard,
    Match,
    Role,
    RuleKind,
    Signal,
    Transition,
)
from conformance.standard.model import MessageType, Syntax
from conformance.standard.shipped_schema import check_shipped

CONVERSATION_SCHEMA = "conversation.schema.json"

# The members each kind of rule reads, beyond id, kind, message and by: any other is a mistake
# the author would otherwise never hear of (a `duration` on a copies rule changes nothing).
_MEMBERS: Mapping[RuleKind, frozenset[str]] = {
    RuleKind.SEQUENCE: frozenset(),
    RuleKind.GUARD: frozenset(),
    RuleKind.CONSTANT: frozenset({"field"}),
    RuleKind.IN_REPLY_TO: frozenset({"message-kind", "replies-to"}),
    RuleKind.COPIES: frozenset({"message-kind", "fields"}),
    RuleKind.WITHIN: frozenset({"message-kind", "duration"}),
    RuleKind.DUPLICATE: frozenset({"message-kind"}),
    RuleKind.LATE: frozenset({"message-kind", "deadline", "code"}),
    RuleKind.INVALID: frozenset({"message-kind", "code"}),
    RuleKind.OUT_OF_ORDER: frozenset({"message-kind", "code"}),
    RuleKind.DELIVERY: frozenset(),  # about transport notes, not one kind of message
}
_COMMON_MEMBERS = frozenset({"id", "kind", "message", "by"})
# Rules about a reply and the message it answers: their message must reply to something.
_REPLY_KINDS = frozenset({RuleKind.IN_REPLY_TO, RuleKind.COPIES, RuleKind.WITHIN})
_POINTER_ESCAPE = re.compile(r"~(?![01])")


def _listing(ids: Iterable[str]) -> str:
    """The ids a message offers as alternatives: the first few."""
    shown = list(islice(ids, 11))
    return ", ".join(shown[:10]) + (", ..." if len(shown) > 10 else "") if shown else "none"


def load_conversation(root: Path, relative: str, *, where: str,
                      message_types: Mapping[str, MessageType]) -> Conversation:
    """Load and check the conversation file `relative` of the bundle at `root`; `where` locates the
    manifest field that names it, `message_types` are the bundle's own."""
    path = resolve_inside(root, relative, where=where)
    if not path.is_file():
        raise SpecError(f"conversation file {quote(relative)} does not exist in the bundle", location=where)
    raw = read_yaml(path, max_bytes=MANIFEST_MAX_BYTES, error=SpecError, what="conversation file",
                    what_zh="会话文件")
    if not isinstance(raw, dict):
        raise SpecError("a conversation file must be a mapping at the top level", location=str(path))
    check_shipped(raw, CONVERSATION_SCHEMA, what="conversation file", where=str(path))
    return _Loader(raw, root, path, message_types).conversation()


class _Loader:
    """The cross-reference checks of one schema-valid conversation file, in the file's order."""

    def __init__(self, raw: Mapping[str, Any], root: Path, path: Path,
                 message_types: Mapping[str, MessageType]) -> None:
        self.raw = raw
        self.root = root
        self.path = path
        self.message_types = message_types

    def fail(self, message: str) -> SpecError:
        return SpecError(message, location=str(self.path))

    def unique(self, items: Sequence[Mapping[str, Any]], member: str, field: str) -> None:
        seen: set[str] = set()
        for index, item in enumerate(items):
            if item[member] in seen:
                raise self.fail(f"{field}[{index}]: duplicate {member} {quote(item[member])}")
            seen.add(item[member])

    def known(self, value: str, declared: Mapping[str, object] | Sequence[str], at: str, what: str) -> str:
        if value not in declared:
            raise self.fail(f"{at}: unknown {what} {quote(value)}; declared: {_listing(declared)}")
        return value

    def conversation(self) -> Conversation:
        raw = self.raw
        self.unique(raw["roles"], "id", "roles")
        roles = {r["id"]: Role(id=r["id"], title=Text.from_mapping(r["title"])) for r in raw["roles"]}
        self.roles = roles
        self.bindings = self._bindings()
        identity = dict(raw["identity"])
        for index, name in enumerate(IDENTITY_FIELDS):
            self.exposed(identity[name], f"identity.{name}")
            twin = next((n for n in IDENTITY_FIELDS[:index] if identity[n] == identity[name]), None)
            if twin is not None:
                raise self.fail(f"identity.{name}: the same field as identity.{twin}")
        error_code_field = raw.get("error-code-field")
        if error_code_field is not None:
            self.exposed(error_code_field, "error-code-field")
        self.messages = self._messages()
        states = tuple(raw["states"])
        for index, state in enumerate(states):
            if state in states[:index]:
                raise self.fail(f"states[{index}]: duplicate state {quote(state)}")
        self.states = states
        initial = self.known(raw["initial"], states, "initial", "state")
        final = tuple(self.known(s, states, f"final[{i}]", "state") for i, s in enumerate(raw["final"]))
        rules = self._rules(error_code_field)
        transitions = self._transitions(rules)
        self._guards_used(rules, transitions)
        return Conversation(
            id=raw["id"],
            title=Text.from_mapping(raw["title"]),
            path=self.path,
            roles=roles,
            bindings=self.bindings,
            identity=identity,
            error_code_field=error_code_field,
            messages=self.messages,
            states=states,
            initial=initial,
            final=final,
            transitions=transitions,
            rules=rules,
        )

    # -- bindings and exposed fields ------------------------------------------------------------

    def _bindings(self) -> dict[str, Binding]:
        self.unique(self.raw["bindings"], "message-type", "bindings")
        result: dict[str, Binding] = {}
        for index, item in enumerate(self.raw["bindings"]):
            ref: str = item["message-type"]
            at = f"bindings[{index}] ({ref})"
            if "@" not in ref:  # of this bundle: it exists, and its paths suit its syntax
                message_type = self.known(ref, self.message_types, f"{at}.message-type", "message type")
                for name, expression in item["fields"].items():
                    self._field_path(self.message_types[message_type], expression, f"{at}.fields.{name}")
            result[ref] = Binding(message_type=ref, fields=dict(item["fields"]))
        return result

    def _field_path(self, message_type: MessageType, expression: str, at: str) -> None:
        if message_type.syntax is Syntax.JSON:
            problem = _pointer_problem(expression)
        else:
            problem = _xpath_problem(expression, message_type.namespaces)
        if problem:
            raise self.fail(f"{at}: {quote(expression)} {problem}")

    def exposed(self, name: str, at: str) -> str:
        """`name`, after checking every binding exposes it (a message of any type must show it)."""
        for index, binding in enumerate(self.bindings.values()):
            if name not in binding.fields:
                raise self.fail(f"{at}: field {quote(name)} is not exposed by bindings[{index}] "
                                f"({binding.message_type}); exposed: {_listing(binding.fields)}")
        return name

    # -- messages -------------------------------------------------------------------------------

    def _messages(self) -> dict[str, ConversationMessage]:
        items = self.raw["messages"]
        self.unique(items, "id", "messages")
        declared = [m["id"] for m in items]
        matches: dict[tuple[str, str], str] = {}
        result: dict[str, ConversationMessage] = {}
        for index, item in enumerate(items):
            at = f"messages[{index}] ({item['id']})"
            match = Match(field=self.exposed(item["match"]["field"], f"{at}.match.field"),
                          equals=item["match"]["equals"])
            if (match.field, match.equals) in matches:
                # A payload must be one message kind of the conversation, never two.
                twin = matches[match.field, match.equals]
                raise self.fail(f"{at}.match: the same as message {quote(twin)}'s")
            matches[match.field, match.equals] = item["id"]
            replies_to = tuple(item.get("replies-to", ()))
            for i, other in enumerate(replies_to):
                self.known(other, declared, f"{at}.replies-to[{i}]", "message")
            signal = Signal(item["signal"]) if "signal" in item else None
            if signal is not None and not replies_to:
                raise self.fail(f"{at}.replies-to: a signal answers a message; name the messages it answers")
            result[item["id"]] = ConversationMessage(
                id=item["id"],
                title=Text.from_mapping(item["title"]),
                senders=self._roles(item["from"], f"{at}.from"),
                receivers=self._roles(item["to"], f"{at}.to"),
                match=match,
                signal=signal,
                replies_to=replies_to,
                examples=self._examples(item.get("examples", {}), f"{at}.examples"),
            )
        return result

    def _roles(self, value: str | list[str], at: str) -> tuple[str, ...]:
        if isinstance(value, str):
            return (self.known(value, self.roles, at, "role"),)
        for index, role in enumerate(value):
            self.known(role, self.roles, f"{at}[{index}]", "role")
            if role in value[:index]:
                raise self.fail(f"{at}[{index}]: role {quote(role)} is listed twice")
        return tuple(value)

    def _examples(self, examples: Mapping[str, str], at: str) -> dict[str, Path]:
        result: dict[str, Path] = {}
        for message_type, relative in examples.items():
            field = f"{at}.{message_type}"
            self.known(message_type, self.bindings, field, "bound message type")
            path = resolve_inside(self.root, relative, where=f"{self.path}: {field}")
            if not path.is_file():
                raise self.fail(f"{field}: artefact {quote(relative)} does not exist in the bundle")
            result[message_type] = path
        return result

    # -- rules ----------------------------------------------------------------------------------

    def _rules(self, error_code_field: str | None) -> dict[str, ConversationRule]:
        items = self.raw["rules"]
        self.unique(items, "id", "rules")
        kinds = {r["id"]: RuleKind(r["kind"]) for r in items}
        result: dict[str, ConversationRule] = {}
        for index, item in enumerate(items):
            at = f"rules[{index}] ({item['id']})"
            kind = kinds[item["id"]]
            extra = sorted(set(item) - _COMMON_MEMBERS - _MEMBERS[kind])
            if extra:
                raise self.fail(f"{at}.{extra[0]}: not a member of a {kind} rule")
            subject = item.get("message-kind")
            if subject is not None:
                self.known(subject, self.messages, f"{at}.message-kind", "message")
            message = self.messages[subject] if subject is not None else None
            if kind in _REPLY_KINDS and message is not None and not message.replies_to:
                raise self.fail(f"{at}.message-kind: message {quote(subject)} replies to nothing; a {kind} "
                                "rule constrains a reply")
            replies_to = tuple(item.get("replies-to", ()))
            if message is not None and kind is RuleKind.IN_REPLY_TO and not replies_to:
                replies_to = message.replies_to  # any of the messages it answers
            for i, other in enumerate(replies_to):
                if message is not None and other not in message.replies_to:
                    raise self.fail(f"{at}.replies-to[{i}]: message {quote(subject)} does not reply to "
                                    f"{quote(other)}; it replies to: {_listing(message.replies_to)}")
            if "code" in item:
                self._error_signal(error_code_field, f"{at}.code")
            fields = tuple(self.exposed(f, f"{at}.fields[{i}]") for i, f in enumerate(item.get("fields", ())))
            if len(set(fields)) != len(fields):
                raise self.fail(f"{at}.fields: a field is listed twice")
            roles = tuple(self.known(r, self.roles, f"{at}.by[{i}]", "role")
                          for i, r in enumerate(item.get("by", ())))
            result[item["id"]] = ConversationRule(
                id=item["id"],
                kind=kind,
                message=Text.from_mapping(item["message"]),
                subject=subject,
                replies_to=replies_to,
                field=self.exposed(item["field"], f"{at}.field") if "field" in item else None,
                fields=fields,
                duration=self._duration(item["duration"], f"{at}.duration") if "duration" in item else None,
                deadline=self._deadline(item, kinds, items, at) if "deadline" in item else None,
                code=item.get("code"),
                roles=roles,
            )
        return result

    def _duration(self, text: str, at: str) -> timedelta:
        try:
            value = parse_duration(text)
        except DurationError as exc:
            raise self.fail(f"{at}: {exc}") from None
        if not value:
            raise self.fail(f"{at}: a deadline of zero can never be met; give a positive duration")
        return value

    def _deadline(self, item: Mapping[str, Any], kinds: Mapping[str, RuleKind],
                  items: Sequence[Mapping[str, Any]], at: str) -> str:
        deadline: str = self.known(item["deadline"], kinds, f"{at}.deadline", "rule")
        if kinds[deadline] is not RuleKind.WITHIN:
            raise self.fail(f"{at}.deadline: rule {quote(deadline)} is a {kinds[deadline]} rule, "
                            "not a within rule")
        within = next(r for r in items if r["id"] == deadline)
        if within["message-kind"] != item["message-kind"]:
            # A message is late by its own deadline: another message's says nothing about it.
            raise self.fail(f"{at}.deadline: rule {quote(deadline)} times message "
                            f"{quote(within['message-kind'])}, not {quote(item['message-kind'])}")
        return deadline

    def _error_signal(self, error_code_field: str | None, at: str) -> None:
        """A rule that expects an error signal with a code needs both to be declared."""
        if not any(m.signal is Signal.ERROR for m in self.messages.values()):
            raise self.fail(f"{at}: the rule expects an error signal, but no message has signal: error")
        if error_code_field is None:
            raise self.fail(f"{at}: the rule expects an error code, but error-code-field is not declared")

    # -- the state machine ----------------------------------------------------------------------

    def _transitions(self, rules: Mapping[str, ConversationRule]) -> tuple[Transition, ...]:
        seen: dict[tuple[str, str], int] = {}
        result: list[Transition] = []
        for index, item in enumerate(self.raw["transitions"]):
            at = f"transitions[{index}]"
            source = self.known(item["from"], self.states, f"{at}.from", "state")
            message = self.known(item["message"], self.messages, f"{at}.message", "message")
            target = self.known(item["to"], self.states, f"{at}.to", "state")
            if self.messages[message].signal is Signal.ERROR:
                raise self.fail(f"{at}.message: {quote(message)} is an error signal, which takes no "
                                "transition")
            if (source, message) in seen:
                # One message in one state leads to one state: a second transition is ambiguous.
                raise self.fail(f"{at}: state {quote(source)} already has a transition on {quote(message)} "
                                f"(transitions[{seen[source, message]}])")
            seen[source, message] = index
            guard = None
            if "guard" in item:
                rule = self.known(item["guard"]["rule"], rules, f"{at}.guard.rule", "rule")
                if rules[rule].kind is not RuleKind.GUARD:
                    raise self.fail(f"{at}.guard.rule: rule {quote(rule)} is a {rules[rule].kind} rule, "
                                    "not a guard rule")
                guard = Guard(rule=rule, test=item["guard"]["test"])
            result.append(Transition(source=source, message=message, target=target, guard=guard))
        return tuple(result)

    def _guards_used(self, rules: Mapping[str, ConversationRule], transitions: Sequence[Transition]) -> None:
        """A guard rule no transition names is never judged: it would stay inapplicable forever."""
        used = {t.guard.rule for t in transitions if t.guard is not None}
        for index, rule in enumerate(rules.values()):
            if rule.kind is RuleKind.GUARD and rule.id not in used:
                raise self.fail(f"rules[{index}] ({rule.id}): no transition names this guard rule "
                                "(transitions[*].guard.rule), so nothing could ever fail it")


def _pointer_problem(pointer: str) -> str | None:
    """Why `pointer` is not a plain RFC 6901 JSON pointer, or None."""
    if pointer and not pointer.startswith("/"):
        return "is not a JSON pointer (it must start with '/')"
    if _POINTER_ESCAPE.search(pointer):
        return "holds a '~' not followed by 0 or 1 (RFC 6901)"
    if "*" in pointer.split("/"):
        return "holds a '*' step: a field is one value, not a selection"
    return None


def _xpath_problem(expression: str, namespaces: Mapping[str, str]) -> str | None:
    """Why `expression` is not an XPath 1.0 node-set expression over the message type's prefixes, or None."""
    from lxml import etree

    known = ", ".join(sorted(namespaces)) or "none"
    for call in _FUNCTION_CALL.finditer(_XPATH_LITERAL.sub("''", expression)):
        name = call.group(1)
        if name not in _XPATH_FUNCTIONS and name not in _NODE_TESTS:
            # Extension functions (EXSLT regular expressions among them) are not XPath 1.0, and a
            # regular expression can backtrack for minutes on a short constant.
            return f"calls {name}(), which is not an XPath 1.0 function"
    try:
        # regexp=False: lxml would otherwise offer EXSLT regular expressions to every expression.
        compiled = etree.XPath(expression, namespaces=dict(namespaces), regexp=False)
        # Undeclared prefixes surface only when evaluated: on one empty element, which costs
        # next to nothing with the functions above.
        value = compiled(etree.Element("probe"))
    except (etree.XPathError, ValueError) as exc:  # ValueError: a control character, which XML refuses
        return f"is not an XPath 1.0 expression over the declared prefixes ({known}): {exc}"
    if not isinstance(value, list):
        # A field is read as its first node's string value: a number or a boolean is no field.
        kind = "boolean" if isinstance(value, bool) else "number" if isinstance(value, float) else "string"
        return f"is not a location path: it gives a {kind}, not nodes"
    return None


_XPATH_FUNCTIONS = frozenset({
    "last", "position", "count", "id", "local-name", "namespace-uri", "name", "string", "concat",
    "starts-with", "contains", "substring-before", "substring-after", "substring", "string-length",
    "normalize-space", "translate", "boolean", "not", "true", "false", "lang", "number", "sum", "floor",
    "ceiling", "round",
})
_NODE_TESTS = frozenset({"node", "text", "comment", "processing-instruction"})
_XPATH_LITERAL = re.compile(r"'[^']*'|\"[^\"]*\"")
# A name (prefixed or not) followed by "(": a function call or a node test. Axis names are
# followed by "::", never "(".
_FUNCTION_CALL = re.compile(r"(?<![\w.\-:$@])([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)\s*\(")
