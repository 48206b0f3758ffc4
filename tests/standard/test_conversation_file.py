"""Conversation files in bundles: good ones load into the model, bad ones are refused with file and field."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.core.errors import BundlePathError, SpecError
from conformance.core.limits import MANIFEST_MAX_BYTES
from conformance.standard.conversation import RuleKind, Signal
from conformance.standard.manifest import load_standard
from conformance.standard.model import CheckKind
from tests.standard.conversation_bundle import CONVERSATION, MANIFEST, changed, write_conversation_bundle

FILE = "conversations/parallel-approval.yaml"
STANDARDS = Path(__file__).resolve().parents[2] / "standards"


def test_a_conversation_loads_into_the_model(tmp_path: Path) -> None:
    folder = write_conversation_bundle(tmp_path / "b")
    standard = load_standard(folder)
    conversation = standard.conversations["parallel-approval"]
    assert conversation.path == folder.resolve() / FILE
    assert list(conversation.roles) == ["lead", "co-approver"]
    assert conversation.roles["lead"].title.en == "Lead"
    assert conversation.bindings["approval-json"].fields["kind"] == "/header/messageKind"
    assert dict(conversation.identity) == {"message-id": "message-id", "conversation-id": "conversation-id",
                                           "in-reply-to": "in-reply-to"}
    assert conversation.error_code_field == "error-code"
    error = conversation.messages["error"]
    assert (error.senders, error.receivers, error.signal) == (("lead", "co-approver"),
                                                             ("lead", "co-approver"), Signal.ERROR)
    ack = conversation.messages["receipt-ack"]
    assert (ack.senders, ack.replies_to, ack.match.equals) == (("co-approver",), ("opinion-request",),
                                                               "receipt-ack")
    assert conversation.messages["opinion-request"].examples["approval-xml"] == (
        folder.resolve() / "examples" / "request.xml")
    assert (conversation.initial, conversation.final) == ("start", ("rejected", "notified"))
    guarded = conversation.transitions[4]
    assert (guarded.source, guarded.message, guarded.target) == ("accepted", "opinion", "answered")
    # The guard stays as written: the conversations layer compiles it.
    assert guarded.guard is not None and guarded.guard.rule == "APR-C-DECISION"
    assert guarded.guard.test == {"in": [{"var": "message.decision"}, ["approve", "reject"]]}
    rules = conversation.rules
    assert rules["APR-C-ACK-WITHIN"].duration == timedelta(minutes=5)
    assert rules["APR-C-NOTICE-WITHIN"].duration == timedelta(weeks=2)
    assert rules["APR-C-ACK-COPIES"].fields == ("conversation-id", "case-id")
    assert rules["APR-C-LATE"].deadline == "APR-C-NOTICE-WITHIN" and rules["APR-C-LATE"].code == "E-LATE"
    assert rules["APR-C-ACK-REPLY"].replies_to == ("opinion-request",)  # the message's, by default
    assert rules["APR-C-CONV-ID"].field == "conversation-id"
    assert rules["APR-C-ORDER"].kind is RuleKind.OUT_OF_ORDER


def test_each_rule_judges_the_right_role(tmp_path: Path) -> None:
    conversation = load_standard(write_conversation_bundle(tmp_path / "b")).conversations["parallel-approval"]
    # A reply's rules judge its sender; what a receiver does with a duplicate, late or invalid
    # message judges the receiver; a guard judges the sender of the message it guards.
    assert conversation.rule_roles("APR-C-ACK-WITHIN") == ("co-approver",)
    assert conversation.rule_roles("APR-C-DUPLICATE") == ("co-approver",)
    assert conversation.rule_roles("APR-C-INVALID") == ("co-approver",)
    assert conversation.rule_roles("APR-C-LATE") == ("co-approver",)
    assert conversation.rule_roles("APR-C-DECISION") == ("co-approver",)
    assert conversation.rule_roles("APR-C-SEQUENCE") == ("co-approver",)
    assert conversation.rule_roles("APR-C-ORDER") == ("lead", "co-approver")
    named = changed(CONVERSATION, "rules.8.by", ["lead"])
    again = load_standard(write_conversation_bundle(tmp_path / "n", conversation=named))
    assert again.conversations["parallel-approval"].rule_roles("APR-C-DUPLICATE") == ("lead",)


def _with_delivery(**members: Any) -> dict[str, Any]:
    rule = {"id": "APR-C-DELIVERY", "kind": "delivery", "message": {"zh": "投递", "en": "delivery"},
            **members}
    return changed(CONVERSATION, "rules", [*CONVERSATION["rules"], rule])


def test_a_delivery_rule_loads_and_judges_every_role_unless_it_names_some(tmp_path: Path) -> None:
    conversation = load_standard(write_conversation_bundle(
        tmp_path / "b", conversation=_with_delivery())).conversations["parallel-approval"]
    rule = conversation.rules["APR-C-DELIVERY"]
    assert rule.kind is RuleKind.DELIVERY
    assert (rule.subject, rule.fields, rule.duration, rule.code) == (None, (), None, None)
    assert conversation.rule_roles("APR-C-DELIVERY") == ("lead", "co-approver")
    named = load_standard(write_conversation_bundle(
        tmp_path / "n", conversation=_with_delivery(by=["lead"]))).conversations["parallel-approval"]
    assert named.rule_roles("APR-C-DELIVERY") == ("lead",)


@pytest.mark.parametrize(("member", "value"), [
    ("message-kind", "opinion-request"), ("fields", ["case-id"]), ("duration", "PT5M"), ("code", "E-X"),
    ("field", "case-id"), ("deadline", "APR-C-ACK-WITHIN"), ("replies-to", ["opinion-request"]),
])
def test_a_delivery_rule_refuses_members_it_does_not_read(tmp_path: Path, member: str, value: Any) -> None:
    text = _refused(tmp_path, _with_delivery(**{member: value}))
    index = len(CONVERSATION["rules"])
    assert f"rules[{index}] (APR-C-DELIVERY).{member}: not a member of a delivery rule" in text
    assert text.startswith(str((tmp_path / "bad" / FILE).resolve()) + ": ")


def test_a_conversation_check_names_its_conversation_and_rule(tmp_path: Path) -> None:
    standard = load_standard(write_conversation_bundle(tmp_path / "b"))
    (check,) = standard.requirements["APR-C-1"].checks
    assert (check.kind, check.conversation, check.rule, check.message_types) == (
        CheckKind.CONVERSATION, "parallel-approval", "APR-C-ACK-WITHIN", ())
    assert standard.requirements["APR-C-1"].conversation_checks == (check,)
    assert not standard.requirements["APR-C-1"].applies_to("approval-xml")


def test_a_bundle_without_conversations_has_none(tmp_path: Path) -> None:
    manifest = changed(MANIFEST, "conversations", KeyError)
    manifest["requirements"][0]["checks"] = [{"by": "schema", "message-types": ["approval-xml"]}]
    manifest["message-types"][0]["schema"] = "examples/request.xml"  # any file: not compiled here
    assert load_standard(write_conversation_bundle(tmp_path / "b", manifest=manifest)).conversations == {}


def test_a_message_type_of_another_bundle_is_taken_on_trust(tmp_path: Path) -> None:
    conversation = changed(CONVERSATION, "bindings.1.message-type", "egov-other@2.1.0:approval-json")
    conversation["messages"][0]["examples"] = {"approval-xml": "examples/request.xml"}
    loaded = load_standard(write_conversation_bundle(tmp_path / "b", conversation=conversation))
    assert "egov-other@2.1.0:approval-json" in loaded.conversations["parallel-approval"].bindings


def _refused(tmp_path: Path, conversation: Any = None, **more: Any) -> str:
    folder = write_conversation_bundle(tmp_path / "bad", conversation=conversation, **more)
    with pytest.raises(SpecError) as info:
        load_standard(folder)
    return str(info.value)


@pytest.mark.parametrize(("path", "value", "expected"), [
    # dangling references
    ("rules.5.message-kind", "ack", "rules[5] (APR-C-ACK-WITHIN).message-kind: unknown message 'ack'; "
                                    "declared: opinion-request, receipt-ack"),
    ("initial", "nowhere", "initial: unknown state 'nowhere'; declared: start"),
    ("final.1", "nowhere", "final[1]: unknown state 'nowhere'"),
    ("transitions.0.from", "nowhere", "transitions[0].from: unknown state 'nowhere'"),
    ("transitions.0.to", "nowhere", "transitions[0].to: unknown state 'nowhere'"),
    ("transitions.0.message", "ack", "transitions[0].message: unknown message 'ack'"),
    ("transitions.4.guard.rule", "APR-C-NOPE", "transitions[4].guard.rule: unknown rule 'APR-C-NOPE'"),
    ("transitions.4.guard.rule", "APR-C-SEQUENCE",
     "rule 'APR-C-SEQUENCE' is a sequence rule, not a guard rule"),
    ("messages.0.from", "boss", "messages[0] (opinion-request).from: unknown role 'boss'; declared: lead"),
    ("messages.6.to", ["lead", "boss"], "messages[6] (error).to[1]: unknown role 'boss'"),
    ("messages.1.replies-to", ["nothing"],
     "messages[1] (receipt-ack).replies-to[0]: unknown message 'nothing'"),
    ("rules.2.by", ["boss"], "rules[2] (APR-C-CONV-ID).by[0]: unknown role 'boss'"),
    ("rules.9.deadline", "APR-C-NONE", "rules[9] (APR-C-LATE).deadline: unknown rule 'APR-C-NONE'"),
    ("rules.9.deadline", "APR-C-ACK-COPIES", "is a copies rule, not a within rule"),
    ("rules.9.deadline", "APR-C-ACK-WITHIN", "times message 'receipt-ack', not 'result-notice'"),
    ("bindings.0.message-type", "approval-yaml",
     "bindings[0] (approval-yaml).message-type: unknown message type 'approval-yaml'"),
    ("messages.0.examples", {"approval-yaml": "examples/request.xml"},
     "messages[0] (opinion-request).examples.approval-yaml: unknown bound message type"),
    ("messages.0.examples", {"approval-xml": "examples/missing.xml"}, "does not exist in the bundle"),
    # duplicate ids
    ("roles.1.id", "lead", "roles[1]: duplicate id 'lead'"),
    ("messages.1.id", "opinion-request", "messages[1]: duplicate id 'opinion-request'"),
    ("rules.1.id", "APR-C-SEQUENCE", "rules[1]: duplicate id 'APR-C-SEQUENCE'"),
    ("states.1", "start", "states[1]: duplicate state 'start'"),
    ("bindings.1.message-type", "approval-xml", "bindings[1]: duplicate message-type 'approval-xml'"),
    ("messages.6.to", ["lead", "lead"], "messages[6] (error).to[1]: role 'lead' is listed twice"),
    ("rules.4.fields", ["case-id", "case-id"], "rules[4] (APR-C-ACK-COPIES).fields: a field is listed twice"),
    ("messages.1.match.equals", "opinion-request", "messages[1] (receipt-ack).match: the same as message"),
    ("transitions.5", {"from": "start", "message": "opinion-request", "to": "received"},
     "transitions[5]: state 'start' already has a transition on 'opinion-request' (transitions[0])"),
    # exposed fields every binding must have
    ("identity.message-id", "id",
     "identity.message-id: field 'id' is not exposed by bindings[0] (approval-xml)"),
    ("error-code-field", "code", "error-code-field: field 'code' is not exposed"),
    ("identity.in-reply-to", "message-id", "identity.in-reply-to: the same field as identity.message-id"),
    ("messages.0.match.field", "colour", "messages[0] (opinion-request).match.field: field 'colour'"),
    ("rules.2.field", "colour", "rules[2] (APR-C-CONV-ID).field: field 'colour' is not exposed"),
    ("bindings.1.fields.case-id", KeyError,
     "rules[4] (APR-C-ACK-COPIES).fields[1]: field 'case-id' is not exposed by bindings[1] (approval-json)"),
    # field paths suit the message type's syntax
    ("bindings.0.fields.kind", "/apr:ApprovalMessage[", "bindings[0] (approval-xml).fields.kind:"),
    ("bindings.0.fields.kind", "/x:ApprovalMessage", "over the declared prefixes (apr)"),
    ("bindings.0.fields.kind", "/apr:Approval\x1fMessage", "bindings[0] (approval-xml).fields.kind: "
                                                           "'/apr:Approval\\x1fMessage' is not an XPath"),
    ("bindings.1.fields.kind", "header/kind", "bindings[1] (approval-json).fields.kind: 'header/kind' is not "
                                              "a JSON pointer"),
    ("bindings.1.fields.kind", "/header/~2", "'~' not followed by 0 or 1"),
    ("bindings.1.fields.kind", "/header/*", "a '*' step"),
    # durations
    ("rules.5.duration", "P1M", "rules[5] (APR-C-ACK-WITHIN).duration: 'P1M' is not a duration: years and "
                                "months have no fixed length"),
    ("rules.5.duration", "-PT5M", "a duration cannot be negative"),
    ("rules.5.duration", "PT0S", "a deadline of zero can never be met"),
    ("rules.5.duration", "5 minutes", "expected PnW or PnDTnHnMnS"),
    # what a kind of rule does not read, and what it needs
    ("rules.4.duration", "PT5M", "rules[4] (APR-C-ACK-COPIES).duration: not a member of a copies rule"),
    ("rules.0.code", "E-X", "rules[0] (APR-C-SEQUENCE).code: not a member of a sequence rule"),
    ("rules.3.replies-to", ["opinion"], "rules[3] (APR-C-ACK-REPLY).replies-to[0]: message 'receipt-ack' "
                                        "does not reply to 'opinion'"),
    ("rules.3.message-kind", "opinion-request", "message 'opinion-request' replies to nothing"),
    ("messages.1.replies-to", KeyError, "messages[1] (receipt-ack).replies-to: a signal answers a message"),
    ("error-code-field", KeyError, "rules[9] (APR-C-LATE).code: the rule expects an error code, but "
                                   "error-code-field is not declared"),
    ("transitions.1.message", "error", "transitions[1].message: 'error' is an error signal"),
])
def test_bad_conversation_names_file_and_field(tmp_path: Path, path: str, value: Any, expected: str) -> None:
    text = _refused(tmp_path, changed(CONVERSATION, path, value))
    assert expected in text
    assert text.startswith(str((tmp_path / "bad" / FILE).resolve()) + ": ")


def test_a_code_needs_an_error_signal(tmp_path: Path) -> None:
    conversation = changed(CONVERSATION, "messages.6.signal", KeyError)
    expected = ("rules[9] (APR-C-LATE).code: the rule expects an error signal, but no message has "
                "signal: error")
    assert expected in _refused(tmp_path, conversation)


@pytest.mark.parametrize(("path", "value", "expected"), [
    ("colour", "blue", "(top level): Additional properties are not allowed ('colour' was unexpected)"),
    ("conversation-format", 2, "conversation-format: 1 was expected"),
    ("rules.0.kind", "sometimes", "rules[0].kind: 'sometimes' is not one of"),
    ("rules.4.fields", KeyError, "rules[4]: 'fields' is a required property"),
    ("rules.9.code", KeyError, "rules[9]: 'code' is a required property"),
    ("messages.0.title", {"en": "only English"}, "messages[0].title: 'zh' is a required property"),
    ("roles", [{"id": "alone", "title": {"zh": "独", "en": "Alone"}}], "roles: "),
    ("bindings.0.message-type", "other@:x", "bindings[0].message-type"),
    ("transitions.4.guard", {"rule": "APR-C-DECISION"}, "'test' is a required property"),
    ("messages.0.examples", {"\x1b[31m": "examples/request.xml"},
     "messages[0].examples: '\\\\x1b[31m' does not match"),
])
def test_schema_errors_name_the_field(tmp_path: Path, path: str, value: Any, expected: str) -> None:
    text = _refused(tmp_path, changed(CONVERSATION, path, value))
    assert "conversation file does not match the conversation schema" in text
    assert expected in text
    assert "\x1b" not in text


def test_the_file_and_the_manifest_agree_on_the_id(tmp_path: Path) -> None:
    text = _refused(tmp_path, changed(CONVERSATION, "id", "other"))
    assert "conversations[0] (parallel-approval).file: the conversation file declares id 'other'" in text
    assert text.startswith(str((tmp_path / "bad" / "standard.yaml").resolve()))


@pytest.mark.parametrize(("check", "expected"), [
    ({"by": "conversation", "conversation": "parallel-approval"}, "'rule' is a required property"),
    ({"by": "conversation", "rule": "APR-C-ACK-WITHIN"}, "'conversation' is a required property"),
    ({"by": "conversation", "conversation": "parallel-approval", "rule": "APR-C-ACK-WITHIN",
      "message-types": ["approval-xml"]},
     "requirements[0] (APR-C-1).checks[0].message-types: a check by conversation takes no message-types"),
    ({"by": "conversation", "conversation": "parallel-approval", "rule": "APR-C-ACK-WITHIN", "params": {}},
     "requirements[0] (APR-C-1).checks[0].params: a check by conversation takes no params"),
    ({"by": "schema"}, "'message-types' is a required property"),
    ({"by": "schema", "message-types": ["approval-xml"], "conversation": "parallel-approval"},
     "requirements[0] (APR-C-1).checks[0].conversation: only a check by conversation names a conversation"),
    ({"by": "conversation", "conversation": "haggling", "rule": "APR-C-ACK-WITHIN"},
     "requirements[0] (APR-C-1).checks[0].conversation: unknown conversation 'haggling'; declared: "
     "parallel-approval"),
    ({"by": "conversation", "conversation": "parallel-approval", "rule": "APR-C-ACK-SOON"},
     "requirements[0] (APR-C-1).checks[0].rule: conversation 'parallel-approval' has no rule "
     "'APR-C-ACK-SOON'"),
])
def test_bad_conversation_checks_are_refused(tmp_path: Path, check: dict[str, Any], expected: str) -> None:
    manifest = changed(MANIFEST, "requirements.0.checks", [check])
    text = _refused(tmp_path, manifest=manifest)
    assert expected in text
    assert text.startswith(str((tmp_path / "bad" / "standard.yaml").resolve()))


def test_duplicate_conversation_ids_are_refused(tmp_path: Path) -> None:
    manifest = changed(MANIFEST, "conversations", MANIFEST["conversations"] * 2)
    text = _refused(tmp_path, manifest=manifest)
    assert "conversations[1] (parallel-approval): duplicate conversation id" in text


@pytest.mark.parametrize("relative", ["../outside.yaml", "/etc/passwd", "conversations\\x.yaml",
                                      "file:x.yaml"])
def test_a_conversation_file_cannot_leave_the_bundle(tmp_path: Path, relative: str) -> None:
    manifest = changed(MANIFEST, "conversations.0.file", relative)
    folder = write_conversation_bundle(tmp_path / "b", manifest=manifest)
    with pytest.raises(BundlePathError) as info:
        load_standard(folder)
    assert "conversations[0] (parallel-approval).file" in str(info.value)


def test_a_symlink_out_of_the_bundle_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(yaml.safe_dump(CONVERSATION), "utf-8")
    manifest = changed(MANIFEST, "conversations.0.file", "conversations/link.yaml")
    folder = write_conversation_bundle(tmp_path / "b", manifest=manifest)
    (folder / "conversations" / "link.yaml").symlink_to(outside)
    with pytest.raises(BundlePathError, match="leaves the bundle"):
        load_standard(folder)


def test_an_example_symlinked_out_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.xml"
    outside.write_text("<x/>", "utf-8")
    conversation = changed(CONVERSATION, "messages.0.examples", {"approval-xml": "examples/link.xml"})
    folder = write_conversation_bundle(tmp_path / "b", conversation=conversation)
    (folder / "examples" / "link.xml").symlink_to(outside)
    with pytest.raises(BundlePathError, match=r"examples\.approval-xml"):
        load_standard(folder)


def test_a_missing_conversation_file_is_named(tmp_path: Path) -> None:
    manifest = changed(MANIFEST, "conversations.0.file", "conversations/missing.yaml")
    text = _refused(tmp_path, manifest=manifest)
    assert "conversation file 'conversations/missing.yaml' does not exist in the bundle" in text
    assert "conversations[0] (parallel-approval).file" in text


# -- hostile files -------------------------------------------------------------------------------

def test_a_huge_file_is_not_read(tmp_path: Path) -> None:
    text = _refused(tmp_path, text="# " + "x" * MANIFEST_MAX_BYTES + "\n")
    assert str(MANIFEST_MAX_BYTES) in text and "conversation file" in text


def test_deep_nesting_is_refused_before_it_is_walked(tmp_path: Path) -> None:
    deep = changed(CONVERSATION, "transitions.4.guard.test", {"probe": 1})
    text = yaml.safe_dump(deep, sort_keys=False).replace("probe: 1", "probe: " + "[" * 5000 + "]" * 5000)
    assert "nest" in _refused(tmp_path, text=text)


def test_an_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, "
              f"*a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 9)]
    text = _refused(tmp_path, text="\n".join(lines) + "\n")
    assert "conversation file" in text and FILE in text


@pytest.mark.parametrize(("body", "expected"), [
    ("- just\n- a list\n", "must be a mapping at the top level"),
    ("id: [unclosed\n", f"{FILE}:"),
    ("!!python/object/apply:os.system ['echo pwned']\n", "not valid YAML"),
    ("", "must be a mapping"),
])
def test_broken_files_are_errors_not_tracebacks(tmp_path: Path, body: str, expected: str) -> None:
    assert expected in _refused(tmp_path, text=body)


def test_too_many_members_are_refused_by_the_schema(tmp_path: Path) -> None:
    many = changed(CONVERSATION, "states", [f"s{i}" for i in range(1001)])
    assert "states: " in _refused(tmp_path, many)


def test_errors_quote_hostile_values_escaped_and_short(tmp_path: Path) -> None:
    text = _refused(tmp_path, changed(CONVERSATION, "initial", "s\u202e" + "x" * 500))
    assert "\u202e" not in text and "\\u202e" in text
    assert "x" * 400 not in text


# -- the reference bundle (standards/egov-parallel-approval, written in parallel) ---------------

@pytest.mark.skipif(not (STANDARDS / "egov-parallel-approval" / "1.0.0" / "standard.yaml").is_file(),
                    reason="the reference bundle is not written yet")
def test_the_reference_bundle_loads() -> None:
    from conformance.standard.catalog import Catalog

    standard = Catalog([STANDARDS]).load("egov-parallel-approval@1.0.0")
    assert standard.conversations
    for requirement in standard.requirements.values():
        for check in requirement.conversation_checks:
            conversation = standard.conversations[str(check.conversation)]
            assert check.rule in conversation.rules
