"""A small approval bundle with message and conversation requirements, and logs scripted against it.

The conversation is the one of tests/standard/conversation_bundle.py (design.md's example); this
bundle adds a JSON Schema and a uuid check (message requirements) and one MUST requirement per
conversation rule, `R-<rule id>`, in the class of each role the rule judges (`co-approver`, `lead`).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

from conformance.conversations.log import Direction, ExchangeLog, Party
from conformance.conversations.logwriter import LogWriter
from tests.standard.conversation_bundle import CONVERSATION, MANIFEST, write_conversation_bundle

REF = "approval@1.0.0"
T0 = datetime(2026, 12, 1, 10, 0, 0, tzinfo=timezone(timedelta(hours=8)))
CID = "6f1c2a4e-8b3d-4e5f-9a7b-1c2d3e4f5a6b"
ROLES = ("lead", "co-approver")

_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["format", "header", "body"],
    "properties": {
        "format": {"const": "approval"},
        "header": {
            "type": "object",
            "required": ["messageId", "conversationId", "messageKind", "caseId"],
            "properties": {k: {"type": "string"} for k in
                           ("messageId", "conversationId", "inReplyTo", "messageKind", "caseId")},
            "additionalProperties": False,
        },
        "body": {"type": "object"},
    },
    "additionalProperties": False,
}


def _text(en: str) -> dict[str, str]:
    return {"zh": "中文：" + en, "en": en}


def rule_ids() -> list[str]:
    return [r["id"] for r in CONVERSATION["rules"]]


def _judged_roles(rule: dict[str, Any]) -> list[str]:
    """The classes of a rule's requirement: the roles it judges, as the loader works them out
    (its `by`; the receiver of a duplicate, late or invalid message; the sender of a guarded
    message or of its `message-kind`; else every role)."""
    if "by" in rule:
        return list(rule["by"])
    messages = {m["id"]: m for m in CONVERSATION["messages"]}

    def roles(value: str | list[str]) -> list[str]:
        return [value] if isinstance(value, str) else list(value)

    kind = rule.get("message-kind")
    if rule["kind"] in ("duplicate", "late", "invalid") and kind in messages:
        return roles(messages[kind]["to"])
    if rule["kind"] == "guard":
        guarded = next(t["message"] for t in CONVERSATION["transitions"]
                       if t.get("guard", {}).get("rule") == rule["id"])
        return roles(messages[guarded]["from"])
    return roles(messages[kind]["from"]) if kind in messages else list(ROLES)


def manifest() -> dict[str, Any]:
    """The bundle manifest: message requirements APR-001 (schema), APR-002 (uuid), one per rule."""
    data = json.loads(json.dumps(MANIFEST))
    data["default-class"] = "co-approver"
    data["message-types"][1]["schema"] = "schemas/approval.schema.json"
    data["conformance-classes"] = [
        {"id": "message", "title": _text("Message")},
        {"id": "co-approver", "title": _text("Co-approver"), "builds-on": ["message"]},
        {"id": "lead", "title": _text("Lead"), "builds-on": ["message"]},
    ]
    data["requirements"] = [
        {"id": "APR-001", "level": "MUST", "statement": _text("schema"), "classes": ["message"],
         "hint": _text("fix the structure"),
         "checks": [{"by": "schema", "message-types": ["approval-json"]}]},
        {"id": "APR-002", "level": "MUST", "statement": _text("uuid"), "classes": ["message"],
         "checks": [{"by": "builtin", "message-types": ["approval-json"], "check": "uuid",
                     "target": "/header/messageId"}]},
    ] + [
        {"id": f"R-{rule['id']}", "level": "MUST", "statement": _text(rule["id"]),
         "classes": _judged_roles(rule), "hint": _text(f"hint of {rule['id']}"),
         "checks": [{"by": "conversation", "conversation": "parallel-approval", "rule": rule["id"]}]}
        for rule in CONVERSATION["rules"]
    ]
    return data


def write_bundle(folder: Path, *, conversation: Any = None) -> Path:
    """The bundle in `folder` (a changed conversation file when `conversation` is given)."""
    write_conversation_bundle(folder, manifest=manifest(), conversation=conversation)
    (folder / "schemas").mkdir(exist_ok=True)
    (folder / "schemas" / "approval.schema.json").write_text(json.dumps(_SCHEMA), "utf-8")
    return folder


def body(kind: str, message_id: str, *, reply_to: str | None = None, conversation_id: str | None = CID,
         case: str | None = "C-1", decision: str | None = None, code: str | None = None) -> bytes:
    """An approval-json message."""
    header: dict[str, Any] = {"messageId": message_id, "messageKind": kind}
    if conversation_id is not None:
        header["conversationId"] = conversation_id
    if reply_to is not None:
        header["inReplyTo"] = reply_to
    if case is not None:
        header["caseId"] = case
    content: dict[str, Any] = {}
    if decision is not None:
        content["decision"] = decision
    if code is not None:
        content["code"] = code
    return json.dumps({"format": "approval", "header": header, "body": content}).encode()


def uid(number: int) -> str:
    """A fixed UUID (version 4 form) per number: logs are the same on every run."""
    return f"00000000-0000-4000-8000-{number:012d}"


class Script:
    """Writes a log message by message at given seconds after T0; the recorder plays the partner."""

    def __init__(self, folder: Path, *, sut: str = "co-approver", time_scale: float = 1.0,
                 standard: str = REF, conversation: str = "parallel-approval") -> None:
        self.sut = sut
        self.folder = folder
        self.writer = LogWriter(folder, standard=standard, conversation=conversation, system_under_test=sut,
                                parties=[Party("lead"), Party("co-approver")],
                                recorded_by={"tool": "tests", "version": "0", "mode": "external"},
                                started=T0, time_scale=time_scale)
        self.count = 0

    def send(self, kind: str, sender: str, at: float, *, raw: bytes | None = None, **fields: Any) -> str:
        """Record `kind` from `sender` at T0 + `at` s; returns its message id (fresh unless given)."""
        self.count += 1
        message_id = fields.pop("message_id", None) or uid(self.count)
        receiver = "lead" if sender == "co-approver" else "co-approver"
        data = raw if raw is not None else body(kind, message_id, **fields)
        self.writer.message(direction=Direction.RECEIVED if sender == self.sut else Direction.SENT,
                            sender=sender, receiver=receiver, body=data,
                            media_type="application/xml" if data.lstrip().startswith(b"<")
                            else "application/json", time=T0 + timedelta(seconds=at))
        return message_id

    def close(self, at: float) -> ExchangeLog:
        return self.writer.close(ended=T0 + timedelta(seconds=at))


def happy(script: Script, *, ack_at: float = 1, end: float = 10) -> ExchangeLog:
    """The whole conversation, each reply in time."""
    request = script.send("opinion-request", "lead", 0)
    script.send("receipt-ack", "co-approver", ack_at, reply_to=request)
    script.send("acceptance", "co-approver", ack_at + 1, reply_to=request)
    opinion = script.send("opinion", "co-approver", ack_at + 2, reply_to=request, decision="approve")
    script.send("result-notice", "lead", ack_at + 3, reply_to=opinion)
    return script.close(end)


def dump_yaml(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
