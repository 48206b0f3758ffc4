"""A small bundle with one conversation (design of issue 11), written by tests into tmp_path."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

APR = "urn:example:approval"


def _text(en: str) -> dict[str, str]:
    return {"zh": "中文：" + en, "en": en}


def _message(id: str, sender: str | list[str], receiver: str | list[str], **more: Any) -> dict[str, Any]:
    return {"id": id, "title": _text(id), "from": sender, "to": receiver,
            "match": {"field": "kind", "equals": id}, **more}


CONVERSATION: dict[str, Any] = {
    "conversation-format": 1,
    "id": "parallel-approval",
    "title": _text("Parallel approval"),
    "roles": [{"id": "lead", "title": _text("Lead")}, {"id": "co-approver", "title": _text("Co-approver")}],
    "bindings": [
        {"message-type": "approval-xml", "fields": {
            "message-id": "/apr:ApprovalMessage/apr:Header/apr:MessageId",
            "conversation-id": "/apr:ApprovalMessage/apr:Header/apr:ConversationId",
            "in-reply-to": "/apr:ApprovalMessage/apr:Header/apr:InReplyTo",
            "kind": "/apr:ApprovalMessage/apr:Header/apr:MessageKind",
            "case-id": "/apr:ApprovalMessage/apr:Header/apr:CaseId",
            "decision": "/apr:ApprovalMessage/apr:Opinion/apr:Decision",
            "error-code": "/apr:ApprovalMessage/apr:ErrorSignal/apr:Code"}},
        {"message-type": "approval-json", "fields": {
            "message-id": "/header/messageId", "conversation-id": "/header/conversationId",
            "in-reply-to": "/header/inReplyTo", "kind": "/header/messageKind", "case-id": "/header/caseId",
            "decision": "/body/decision", "error-code": "/body/code"}},
    ],
    "identity": {"message-id": "message-id", "conversation-id": "conversation-id",
                 "in-reply-to": "in-reply-to"},
    "error-code-field": "error-code",
    "messages": [
        _message("opinion-request", "lead", "co-approver",
                 examples={"approval-xml": "examples/request.xml", "approval-json": "examples/request.json"}),
        _message("receipt-ack", "co-approver", "lead", signal="receipt-acknowledgement",
                 **{"replies-to": ["opinion-request"]}),
        _message("acceptance", "co-approver", "lead", signal="acceptance-acknowledgement",
                 **{"replies-to": ["opinion-request"]}),
        _message("rejection", "co-approver", "lead", **{"replies-to": ["opinion-request"]}),
        _message("opinion", "co-approver", "lead", **{"replies-to": ["opinion-request"]}),
        _message("result-notice", "lead", "co-approver", **{"replies-to": ["opinion"]}),
        _message("error", ["lead", "co-approver"], ["lead", "co-approver"], signal="error",
                 **{"replies-to": ["opinion-request", "receipt-ack", "acceptance", "rejection", "opinion",
                                   "result-notice"]}),
    ],
    "states": ["start", "requested", "received", "accepted", "rejected", "answered", "notified"],
    "initial": "start",
    "final": ["rejected", "notified"],
    "transitions": [
        {"from": "start", "message": "opinion-request", "to": "requested"},
        {"from": "requested", "message": "receipt-ack", "to": "received"},
        {"from": "received", "message": "acceptance", "to": "accepted"},
        {"from": "received", "message": "rejection", "to": "rejected"},
        {"from": "accepted", "message": "opinion", "to": "answered",
         "guard": {"rule": "APR-C-DECISION",
                   "test": {"in": [{"var": "message.decision"}, ["approve", "reject"]]}}},
        {"from": "answered", "message": "result-notice", "to": "notified"},
    ],
    "rules": [
        {"id": "APR-C-SEQUENCE", "kind": "sequence", "by": ["co-approver"],
         "message": _text("out of sequence")},
        {"id": "APR-C-DECISION", "kind": "guard", "message": _text("decision")},
        {"id": "APR-C-CONV-ID", "kind": "constant", "field": "conversation-id", "by": ["co-approver"],
         "message": _text("conversation id")},
        {"id": "APR-C-ACK-REPLY", "kind": "in-reply-to", "message-kind": "receipt-ack",
         "message": _text("ack replies")},
        {"id": "APR-C-ACK-COPIES", "kind": "copies", "message-kind": "receipt-ack",
         "fields": ["conversation-id", "case-id"], "message": _text("ack copies")},
        {"id": "APR-C-ACK-WITHIN", "kind": "within", "message-kind": "receipt-ack", "duration": "PT5M",
         "message": _text("ack in time")},
        {"id": "APR-C-OPINION-WITHIN", "kind": "within", "message-kind": "opinion", "duration": "P1D",
         "message": _text("opinion in time")},
        {"id": "APR-C-NOTICE-WITHIN", "kind": "within", "message-kind": "result-notice", "duration": "P2W",
         "message": _text("notice in time")},
        {"id": "APR-C-DUPLICATE", "kind": "duplicate", "message-kind": "opinion-request",
         "message": _text("duplicate")},
        {"id": "APR-C-LATE", "kind": "late", "message-kind": "result-notice",
         "deadline": "APR-C-NOTICE-WITHIN", "code": "E-LATE", "message": _text("late")},
        {"id": "APR-C-INVALID", "kind": "invalid", "message-kind": "opinion-request", "code": "E-INVALID",
         "message": _text("invalid")},
        {"id": "APR-C-ORDER", "kind": "out-of-order", "code": "E-ORDER", "message": _text("order")},
    ],
}

MANIFEST: dict[str, Any] = {
    "manifest-format": 1,
    "id": "approval",
    "version": "1.0.0",
    "title": _text("Approval"),
    "description": _text("A conversation test bundle"),
    "publisher": _text("Tests"),
    "lifecycle": {"status": "draft"},
    "base-uri": "urn:approval:",
    "message-types": [
        {"id": "approval-xml", "syntax": "xml", "title": _text("Approval XML"),
         "recognise": {"root": "ApprovalMessage", "namespace": APR}, "namespaces": {"apr": APR}},
        {"id": "approval-json", "syntax": "json", "title": _text("Approval JSON"),
         "recognise": {"pointer": "/format", "value": "approval"}},
    ],
    "conversations": [{"id": "parallel-approval", "file": "conversations/parallel-approval.yaml"}],
    "requirements": [
        {"id": "APR-C-1", "level": "MUST", "statement": _text("receipt acknowledged in time"),
         "classes": ["conversation"],
         "checks": [{"by": "conversation", "conversation": "parallel-approval", "rule": "APR-C-ACK-WITHIN"}]},
    ],
    "conformance-classes": [{"id": "conversation", "title": _text("Conversation")}],
}


def write_conversation_bundle(folder: Path, *, manifest: dict[str, Any] | None = None,
                              conversation: Any = None, text: str | None = None) -> Path:
    """The bundle in `folder`; the conversation file is `text` as given, else `conversation` dumped."""
    (folder / "conversations").mkdir(parents=True, exist_ok=True)
    (folder / "examples").mkdir(exist_ok=True)
    (folder / "standard.yaml").write_text(yaml.safe_dump(manifest or MANIFEST, allow_unicode=True), "utf-8")
    body = text if text is not None else yaml.safe_dump(
        CONVERSATION if conversation is None else conversation, allow_unicode=True, sort_keys=False)
    (folder / "conversations" / "parallel-approval.yaml").write_text(body, "utf-8")
    (folder / "examples" / "request.xml").write_text(f'<ApprovalMessage xmlns="{APR}"/>', "utf-8")
    (folder / "examples" / "request.json").write_text('{"format": "approval"}', "utf-8")
    return folder


def changed(document: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of `document` with the member at dotted `path` (list indices as numbers) set to
    `value`, or removed when `value` is KeyError."""
    result = copy.deepcopy(document)
    node: Any = result
    steps = path.split(".")
    for step in steps[:-1]:
        node = node[int(step)] if step.isdigit() else node[step]
    last: Any = int(steps[-1]) if steps[-1].isdigit() else steps[-1]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return result
