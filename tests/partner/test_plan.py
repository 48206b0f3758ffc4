"""Scenarios are plans over the conversation model, not knowledge of one process."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from conformance.core.errors import UsageError
from conformance.core.text import Text
from conformance.partner import SCENARIOS, PartnerSession, Probe, Roles, Settings, Skipped, plan
from conformance.standard.conversation import Conversation, Role, RuleKind
from tests.partner.fake_system import approval


def conversation() -> Conversation:
    return approval().conversations["parallel-approval"]


def test_the_partner_playing_lead_probes_the_co_approver_where_its_rules_say() -> None:
    roles = Roles(conversation(), "lead")
    assert roles.sut == "co-approver" and roles.opens()
    assert [(t.source, t.message) for t in roles.happy_path()] == [
        ("start", "opinion-request"), ("requested", "receipt-ack"), ("received", "acceptance"),
        ("accepted", "opinion"), ("answered", "result-notice")]
    assert {name: plan(roles, name) for name in SCENARIOS} == {
        "happy-path": Probe("happy-path", "opinion-request"),
        "retry": Probe("retry", "opinion-request", rule="APR-C-DUPLICATE-CO"),
        "duplicate": Probe("duplicate", "opinion-request", rule="APR-C-DUPLICATE-CO"),
        # Too early: a result notice in the state before any request.
        "out-of-order": Probe("out-of-order", "result-notice", state="start", rule="APR-C-OUT-OF-ORDER-CO"),
        "late": Probe("late", "result-notice", wait=timedelta(minutes=10), rule="APR-C-LATE-CO"),
        "invalid": Probe("invalid", "opinion-request", rule="APR-C-INVALID-CO"),
    }


def test_the_partner_playing_co_approver_probes_the_lead() -> None:
    roles = Roles(conversation(), "co-approver")
    assert roles.sut == "lead" and not roles.opens()
    assert plan(roles, "retry") == Probe("retry", "opinion", rule="APR-C-DUPLICATE-LEAD")
    assert plan(roles, "out-of-order") == Probe("out-of-order", "acceptance", state="requested",
                                                rule="APR-C-OUT-OF-ORDER-LEAD")
    assert plan(roles, "late") == Probe("late", "receipt-ack", wait=timedelta(minutes=5),
                                        rule="APR-C-LATE-LEAD")
    assert plan(roles, "invalid") == Probe("invalid", "opinion", rule="APR-C-INVALID-LEAD")


def test_a_scenario_the_model_gives_no_way_to_play_is_skipped_with_the_reason() -> None:
    model = conversation()
    kept = {rid: r for rid, r in model.rules.items()
            if r.kind not in (RuleKind.LATE, RuleKind.INVALID, RuleKind.OUT_OF_ORDER, RuleKind.DUPLICATE)}
    bare = dataclasses.replace(model, rules=kept)
    roles = Roles(bare, "lead")
    late, invalid, disorder = plan(roles, "late"), plan(roles, "invalid"), plan(roles, "out-of-order")
    assert isinstance(late, Skipped) and "no `late` rule judges the system under test" in late.reason
    assert isinstance(invalid, Skipped) and "no `invalid` rule" in invalid.reason
    assert isinstance(disorder, Skipped) and "no `out-of-order` rule" in disorder.reason
    # Without a duplicate rule the retry still goes to a message the system answers in business.
    assert plan(roles, "retry") == Probe("retry", "opinion-request")


def test_roles_must_be_two_and_the_one_played_must_exist() -> None:
    model = conversation()
    with pytest.raises(UsageError, match="--play 'judge'"):
        Roles(model, "judge")
    three = dataclasses.replace(model, roles={**model.roles, "observer": Role("observer", Text.same("o"))})
    with pytest.raises(UsageError, match="one against one system under test"):
        Roles(three, "lead")
    with pytest.raises(UsageError, match="unknown scenario"):
        plan(Roles(model, "lead"), "chaos")


def test_a_late_message_that_would_wait_past_the_timeout_is_skipped() -> None:
    settings = Settings(endpoint="http://127.0.0.1:9/inbox", time_scale=1.0, timeout=30.0)
    with PartnerSession(approval(), conversation=None, play="lead", settings=settings) as session:
        [late] = session.plan(["late"])
    assert isinstance(late, Skipped)
    assert "waits 600.5 s, more than --timeout 30 s (use --time-scale)" in late.reason


def test_the_session_refuses_what_it_cannot_play() -> None:
    settings = Settings(endpoint="http://127.0.0.1:9/inbox")
    with pytest.raises(UsageError, match="no conversation 'other'"):
        PartnerSession(approval(), conversation="other", play="lead", settings=settings)
    with pytest.raises(UsageError, match="--class 'nope'"):
        PartnerSession(approval(), conversation=None, play="lead", settings=settings, class_id="nope")
