"""The partner's own messages: the bundle's examples filled in, judged before they go out."""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from conformance.conversations.fields import compile_bindings
from conformance.core.errors import SpecError
from conformance.core.findings import Outcome
from conformance.generation import NoMutantFound
from conformance.partner import mutation
from conformance.partner.composer import Composer, ReplyRefused
from conformance.partner.plan import Roles
from conformance.standard.model import Standard
from conformance.validation.documents.payload import Payload
from tests.partner.fake_system import approval, judge

NOW = datetime(2026, 12, 5, 9, 30, 0, tzinfo=UTC)
CONVERSATION = "7d3c1a9e-0b6f-4c42-9d1e-5a8b2c4f6e10"


def composer(role: str, message_type: str = "approval-xml", standard: Standard | None = None) -> Composer:
    standard = standard or approval()
    model = standard.conversations["parallel-approval"]
    reader = compile_bindings(standard, model, [standard])[message_type]
    return Composer(standard, Roles(model, role), judge(), threading.Lock(), message_type, reader)


def read(body: bytes, message_type: str = "approval-xml") -> dict[str, str | None]:
    standard = approval()
    reader = compile_bindings(standard, standard.conversations["parallel-approval"], [standard])[message_type]
    return reader.read(judge().parse(Payload("x", body)))


@pytest.mark.parametrize("message_type", ["approval-xml", "approval-json"])
def test_a_request_gets_fresh_ids_and_its_times_move_together(message_type: str) -> None:
    built = composer("lead", message_type).compose("opinion-request", conversation_id=CONVERSATION,
                                                   request=None, created=NOW)
    fields = read(built.body, message_type)
    assert fields["message-id"] == built.message_id and uuid.UUID(built.message_id).version == 4
    assert fields["conversation-id"] == CONVERSATION
    created = datetime.fromisoformat(str(fields["created"]))
    respond_by = datetime.fromisoformat(str(fields["respond-by"]))
    assert created == NOW
    # The example's distance (2026-12-01T10:00 -> 2026-12-02T18:00) and zone are kept.
    assert respond_by - created == timedelta(hours=32)
    assert str(fields["created"]).endswith("+08:00") and str(fields["respond-by"]).endswith("+08:00")
    assert not composer("lead", message_type).failing_musts(built.body)


def test_a_reply_names_its_request_and_copies_what_the_copies_rules_say() -> None:
    request = composer("lead").compose("opinion-request", conversation_id=CONVERSATION, request=None,
                                       created=NOW)
    asked = {**read(request.body), "case-id": "SH-PD-2026-SP-000777"}
    ack = composer("co-approver").compose("receipt-ack", conversation_id=CONVERSATION, request=asked,
                                          created=NOW)
    fields = read(ack.body)
    assert fields["in-reply-to"] == request.message_id
    assert fields["case-id"] == "SH-PD-2026-SP-000777" and fields["conversation-id"] == CONVERSATION
    assert fields["kind"] == "receipt-ack"


def test_a_reply_that_would_copy_an_invalid_value_is_not_sent() -> None:
    request = read(composer("lead").compose("opinion-request", conversation_id=CONVERSATION, request=None,
                                            created=NOW).body)
    with pytest.raises(ReplyRefused, match="copying case-id="):
        composer("co-approver").compose("receipt-ack", conversation_id=CONVERSATION,
                                        request={**request, "case-id": "\u0007 no"}, created=NOW)


def _with_example(tmp_path: Path, kind: str, text: str) -> Standard:
    standard = approval()
    model = standard.conversations["parallel-approval"]
    path = tmp_path / f"{kind}.xml"
    path.write_text(text, encoding="utf-8")
    message = dataclasses.replace(model.messages[kind], examples={"approval-xml": path})
    changed = dataclasses.replace(model, messages={**model.messages, kind: message})
    return dataclasses.replace(standard, conversations={"parallel-approval": changed})


def test_an_example_lacking_a_field_the_partner_sets_is_a_spec_error_naming_it(tmp_path: Path) -> None:
    original = (approval().root / "examples" / "receipt-ack.xml").read_text(encoding="utf-8")
    lacking = "\n".join(line for line in original.splitlines() if "InReplyTo" not in line)
    standard = _with_example(tmp_path, "receipt-ack", lacking)
    with pytest.raises(SpecError, match="field in-reply-to: the example has no element") as caught:
        composer("co-approver", standard=standard).compose(
            "receipt-ack", conversation_id=CONVERSATION, request={"message-id": "m"}, created=NOW)
    assert str(tmp_path / "receipt-ack.xml") in str(caught.value)


def test_an_example_that_does_not_conform_is_never_sent(tmp_path: Path) -> None:
    original = (approval().root / "examples" / "opinion-request.xml").read_text(encoding="utf-8")
    broken = original.replace("<apr:Code>11110101000001310K</apr:Code>", "<apr:Code>123</apr:Code>")
    assert broken != original
    standard = _with_example(tmp_path, "opinion-request", broken)
    with pytest.raises(SpecError, match="the opinion-request the partner built from this example fails APR-"):
        composer("lead", standard=standard).compose("opinion-request", conversation_id=CONVERSATION,
                                                    request=None, created=NOW)


def _fields(body: bytes) -> dict[str, str | None] | None:
    try:
        return read(body)
    except Exception:
        return None


@pytest.mark.parametrize("generator", [True, False], ids=["generation-layer", "own-breakage"])
def test_an_invalid_variant_fails_a_must_requirement_and_keeps_its_identity(generator: bool) -> None:
    making = composer("lead")
    valid = making.compose("opinion-request", conversation_id=CONVERSATION, request=None, created=NOW)
    # No time for the generator: the partner's own breakages.
    made = mutation.invalid_variant(making, valid, _fields, seconds=30.0 if generator else 0.0)
    assert made is not None
    body, failing = made
    judged = judge().judge(Payload("mutant", body))
    failed = {r for r, o in judged.outcomes.items() if o is Outcome.FAILED}
    assert failed and set(failing.split(", ")) <= failed | {r for r, o in judged.outcomes.items()
                                                            if o is Outcome.CANT_TELL}
    fields = read(body)
    assert fields["message-id"] == valid.message_id and fields["kind"] == "opinion-request"
    assert fields["conversation-id"] == CONVERSATION


def test_the_mutant_search_keeps_one_budget_and_asks_for_id_breaking_requirements_last(
        monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[str, float]] = []

    def slow(standard: Any, message_type: str, requirement: str, **options: Any) -> bytes:
        asked.append((requirement, options["seconds"]))
        time.sleep(0.2)  # a search that finds nothing in its time
        raise NoMutantFound("none")
    monkeypatch.setattr(mutation, "mutant", slow)
    making = composer("lead")
    valid = making.compose("opinion-request", conversation_id=CONVERSATION, request=None, created=NOW)
    start = time.monotonic()
    made = mutation.invalid_variant(making, valid, _fields, seconds=0.5)
    assert time.monotonic() - start < 5  # the whole search, not 0.5 s per requirement
    assert made is not None  # the partner's own breakages still come
    assert 1 <= len(asked) <= 3 and all(seconds <= 0.5 for _, seconds in asked)
    # Every requirement asked for, once there is time for all: the ones aiming at ids come last.
    asked.clear()
    monkeypatch.setattr(mutation, "mutant", lambda *a, **k: asked.append((a[2], 0.0)) or b"")
    mutation.invalid_variant(making, valid, lambda body: None if body == b"" else _fields(body), seconds=30)
    order = [rid for rid, _ in asked]
    assert {"APR-002", "APR-003"} <= set(order)
    ids_at = [order.index(r) for r in ("APR-002", "APR-003")]
    others = [i for i, r in enumerate(order) if r not in ("APR-002", "APR-003", "APR-004", "APR-008")]
    assert others and max(others) < min(ids_at)
