"""Conversation files and manifests after review (issue 11): defaults in one place, no dead guard
rule, field XPaths that are XPath 1.0 node-sets, and no document the fast schema check refuses."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from conformance.core.errors import SpecError
from conformance.standard.conversation import Conversation, ConversationRule, RuleKind
from conformance.standard.manifest import load_standard
from tests.standard.conversation_bundle import APR, CONVERSATION, MANIFEST, changed, write_conversation_bundle

FILE = "conversations/parallel-approval.yaml"
REPO = Path(__file__).resolve().parents[2]


def _refused(tmp_path: Path, **bundle: Any) -> str:
    folder = write_conversation_bundle(tmp_path / "bad", **bundle)
    with pytest.raises(SpecError) as raised:
        load_standard(folder)
    return str(raised.value)


def _loaded(tmp_path: Path) -> Conversation:
    return load_standard(write_conversation_bundle(tmp_path / "b")).conversations["parallel-approval"]


def test_a_rule_without_by_keeps_no_roles_and_rule_roles_gives_the_default(tmp_path: Path) -> None:
    conversation = _loaded(tmp_path)
    # The loader stores what the file says; the defaults live in rule_roles alone.
    assert conversation.rules["APR-C-DUPLICATE"].roles == ()
    assert conversation.rules["APR-C-DECISION"].roles == ()
    assert conversation.rule_roles("APR-C-DUPLICATE") == ("co-approver",)  # the request's receiver
    assert conversation.rule_roles("APR-C-ACK-WITHIN") == ("co-approver",)  # the ack's sender


def test_a_conversation_built_in_code_judges_as_a_loaded_one(tmp_path: Path) -> None:
    loaded = _loaded(tmp_path)
    rules = dict(loaded.rules)
    # The receiver of a result notice is the co-approver; its sender the lead.
    rules["LATE-NOTICE"] = ConversationRule(id="LATE-NOTICE", kind=RuleKind.LATE, message=loaded.title,
                                            subject="result-notice", deadline="APR-C-NOTICE-WITHIN", code="E")
    rules["NOTICE-COPIES"] = ConversationRule(id="NOTICE-COPIES", kind=RuleKind.COPIES, message=loaded.title,
                                              subject="result-notice", fields=("case-id",))
    built = replace(loaded, rules=rules)
    assert built.rule_roles("LATE-NOTICE") == ("co-approver",)
    assert built.rule_roles("NOTICE-COPIES") == ("lead",)
    assert built.rule_roles("APR-C-DECISION") == ("co-approver",)  # the sender of the guarded opinion


def test_a_guard_rule_no_transition_names_is_refused(tmp_path: Path) -> None:
    unused = {"id": "APR-C-UNUSED", "kind": "guard", "message": {"zh": "未用", "en": "unused"}}
    text = _refused(tmp_path, conversation=changed(CONVERSATION, "rules", [*CONVERSATION["rules"], unused]))
    index = len(CONVERSATION["rules"])
    assert f"rules[{index}] (APR-C-UNUSED): no transition names this guard rule" in text
    assert text.startswith(str((tmp_path / "bad" / FILE).resolve()) + ": ")


REGEX_MANIFEST = changed(MANIFEST, "message-types.0.namespaces",
                         {"apr": APR, "re": "http://exslt.org/regular-expressions"})


@pytest.mark.parametrize(("expression", "expected"), [
    # EXSLT regular expressions backtrack for seconds on a short constant, at load time.
    ("//*[re:test('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!', '^(a+)+$')]",
     "calls re:test(), which is not an XPath 1.0"),
    ("/apr:ApprovalMessage[re:replace(., 'a', 'g', 'b')]", "calls re:replace()"),
    ("/apr:ApprovalMessage[frobnicate(.)]", "calls frobnicate(), which is not an XPath 1.0 function"),
    ("count(/apr:ApprovalMessage)", "is not a location path: it gives a number, not nodes"),
    ("string(/apr:ApprovalMessage/apr:Kind)", "is not a location path: it gives a string"),
    ("/apr:ApprovalMessage = 'x'", "is not a location path: it gives a boolean"),
])
def test_a_field_path_is_an_xpath_1_node_set(tmp_path: Path, expression: str, expected: str) -> None:
    started = time.process_time()
    text = _refused(tmp_path, manifest=REGEX_MANIFEST,
                    conversation=changed(CONVERSATION, "bindings.0.fields.kind", expression))
    assert time.process_time() - started < 2
    assert "bindings[0] (approval-xml).fields.kind: " in text and expected in text


@pytest.mark.parametrize("expression", [
    "/apr:ApprovalMessage/apr:Header/apr:MessageKind",
    "/apr:ApprovalMessage/apr:Header/apr:MessageKind[normalize-space() != '' and position() = 1]/text()",
    "/apr:ApprovalMessage/apr:Header/apr:Kind[contains(., 'count(x)')] | /apr:ApprovalMessage/@kind",
    "child::apr:ApprovalMessage/descendant::apr:MessageKind[last()]",
])
def test_location_paths_with_xpath_1_functions_load(tmp_path: Path, expression: str) -> None:
    conversation = changed(CONVERSATION, "bindings.0.fields.kind", expression)
    loaded = load_standard(write_conversation_bundle(tmp_path / "ok", conversation=conversation))
    assert loaded.conversations["parallel-approval"].bindings["approval-xml"].fields["kind"] == expression


def test_an_id_ending_in_a_newline_is_refused_in_a_conversation_file(tmp_path: Path) -> None:
    # Python's `$` matches before a final newline: the detailed (Python) check finds nothing wrong,
    # the fast (Rust) one does, and its word stands.
    text = _refused(tmp_path, conversation=changed(CONVERSATION, "id", "parallel-approval\n"))
    assert "conversation file does not match the conversation schema" in text
    assert 'id: "parallel-approval\\\\n" does not match' in text


def test_an_id_ending_in_a_newline_is_refused_in_a_manifest(tmp_path: Path) -> None:
    text = _refused(tmp_path, manifest=changed(MANIFEST, "id", "approval\n"))
    assert "manifest does not match the manifest schema" in text and "id: " in text


def test_the_approval_manifest_names_the_schema_it_follows() -> None:
    first = (REPO / "standards/egov-parallel-approval/1.0.0/standard.yaml").read_text("utf-8").splitlines()[0]
    named = first.split("(format: ", 1)[1].rstrip(").")
    assert (REPO / named).is_file(), first
