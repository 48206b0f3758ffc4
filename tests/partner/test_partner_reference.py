"""The partner against the shipped reference system (fixtures/.../reference-system), on loopback:
the conformant one passes every scenario in both roles; each faulty one fails exactly the
requirements its fault breaks; two partner runs against one system do not mix."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from conformance.conversations import read_log
from conformance.core.findings import Verdict
from conformance.partner import SCENARIOS, PartnerSession, ScenarioReport, Settings, overall
from tests.partner.fake_system import approval, exposed
from tests.partner.reference_system_fixture import start_reference_system
from tests.partner.test_partner import bounded

# Twice the partner tests' scale: the reference system validates every message it receives, and a
# loaded machine must not make a conformant acknowledgement late (PT5M x 0.002 = 0.6 s).
SCALE = 0.002
OTHER = {"co-approver": "lead", "lead": "co-approver"}


def run(system_role: str, fault: str | None, scenarios: tuple[str, ...], tmp_path: Path,
        scale: float = SCALE) -> tuple[list[ScenarioReport], str | None]:
    with start_reference_system(system_role, fault=fault, time_scale=scale) as system:
        settings = Settings(endpoint=system.inbox, trigger=system.trigger, time_scale=scale,
                            timeout=5.0 if scale == SCALE else 20.0, margin=0.5, settle=0.3)

        def work() -> tuple[list[ScenarioReport], str | None]:
            with PartnerSession(approval(), conversation=None, play=OTHER[system_role],
                                settings=settings) as session:
                return session.run(scenarios, tmp_path / "out"), session.class_id
        result: tuple[list[ScenarioReport], str | None] = bounded(work, 180)
        return result


def failing(reports: list[ScenarioReport]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for report in reports:
        assert report.result is not None, report.skipped
        out[report.scenario] = {rid for rid, outcome in report.result.outcomes.items()
                                if outcome.value in ("failed", "cantTell")}
    return out


@pytest.mark.parametrize("system_role", ["co-approver", "lead"])
def test_the_conformant_reference_system_passes_every_scenario(system_role: str, tmp_path: Path) -> None:
    # Deadlines of seconds (x 0.01): a correct system must pass on a CI machine busy with the rest
    # of the suite (at x 0.002 a result notice once missed its 1.2 s). The faults keep x 0.002:
    # the late-ack fault is timed against the partner's margin.
    reports, class_id = run(system_role, None, SCENARIOS, tmp_path, scale=0.01)
    assert class_id == system_role
    assert [r.scenario for r in reports] == list(SCENARIOS)
    assert failing(reports) == {name: set() for name in SCENARIOS}
    assert overall(reports, class_id) is Verdict.CONFORMANT
    # Every scenario delivers to the system, which takes every delivery (the HTTP binding).
    assert {r.scenario: r.result and r.result.outcomes["APR-117"].value for r in reports} == {
        name: "passed" for name in SCENARIOS}
    # Nothing failed is not enough: each probe exercised the rule it is there for (passed, never
    # inapplicable because the probe did not happen).
    exercised = probe_requirements(OTHER[system_role])
    assert set(exercised) == set(SCENARIOS) - {"happy-path"}
    assert {r.scenario: r.result.outcomes[exercised[r.scenario]].value for r in reports
            if r.result is not None and r.scenario in exercised} == {name: "passed" for name in exercised}


def probe_requirements(play: str) -> dict[str, str]:
    """Scenario -> the requirement whose conversation rule the scenario's probe exercises."""
    from conformance.partner.plan import Probe, Roles, plan

    standard = approval()
    roles = Roles(standard.conversations["parallel-approval"], play)
    by_rule = {check.rule: requirement.id for requirement in standard.requirements.values()
               for check in requirement.conversation_checks}
    out = {}
    for scenario in SCENARIOS:
        probe = plan(roles, scenario)
        if isinstance(probe, Probe) and probe.rule is not None:
            out[scenario] = by_rule[probe.rule]
    return out


# Each fault and the requirements it breaks, in the scenarios that show it. Some faults break more
# than their own requirement by consequence, as the checker reads the exchange: a reply naming a
# message id never sent cannot be shown to copy its request (cantTell) nor, for a result notice,
# to follow the right decision; an acceptance without the receipt acknowledgement before it, or
# any reply to an invalid message (which takes no transition), comes in a state that does not
# allow it (the sequence requirement).
FAULTS: list[tuple[str, str, tuple[str, ...], set[str]]] = [
    ("co-approver", "no-copy-header", ("happy-path",), {"APR-107"}),
    ("co-approver", "wrong-in-reply-to", ("happy-path",), {"APR-105", "APR-107"}),
    ("co-approver", "late-ack", ("happy-path",), {"APR-109"}),
    ("co-approver", "skips-ack", ("happy-path",), {"APR-101", "APR-109"}),
    ("co-approver", "acts-twice", ("retry", "duplicate"), {"APR-113"}),
    ("co-approver", "accepts-invalid", ("invalid",), {"APR-101", "APR-115"}),
    ("lead", "no-copy-header", ("happy-path",), {"APR-108"}),
    ("lead", "wrong-in-reply-to", ("happy-path",), {"APR-103", "APR-106", "APR-108"}),
    ("lead", "acts-twice", ("retry", "duplicate"), {"APR-113"}),
    ("lead", "accepts-invalid", ("invalid",), {"APR-101", "APR-115"}),
]


@pytest.mark.parametrize(("system_role", "fault", "scenarios", "broken"), FAULTS,
                         ids=[f"{role}-{fault}" for role, fault, _, _ in FAULTS])
def test_each_fault_fails_exactly_the_requirements_it_breaks(system_role: str, fault: str,
                                                             scenarios: tuple[str, ...], broken: set[str],
                                                             tmp_path: Path) -> None:
    reports, class_id = run(system_role, fault, scenarios, tmp_path)
    assert failing(reports) == {name: broken for name in scenarios}
    assert overall(reports, class_id) is Verdict.NOT_CONFORMANT
    for report in reports:
        assert report.result is not None
        for finding in report.result.failures():
            # Every failure names the event it is about.
            assert finding.location is not None and finding.location.event is not None, finding


def test_two_partner_runs_against_one_system_do_not_mix(tmp_path: Path) -> None:
    with start_reference_system("co-approver", time_scale=SCALE) as system:
        settings = Settings(endpoint=system.inbox, time_scale=SCALE, timeout=5.0, margin=0.5, settle=0.3)
        results: dict[str, Any] = {}

        def one(name: str) -> None:
            with PartnerSession(approval(), conversation=None, play="lead", settings=settings) as session:
                results[name] = session.run(["happy-path", "duplicate"], tmp_path / name)

        def both() -> None:
            threads = [threading.Thread(target=one, args=(name,)) for name in ("a", "b")]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
        bounded(both, 180)
    conversations: dict[str, set[str | None]] = {}
    for name in ("a", "b"):
        reports: list[ScenarioReport] = results[name]
        assert failing(reports) == {"happy-path": set(), "duplicate": set()}
        seen: set[str | None] = set()
        for report in reports:
            assert report.log is not None
            log = read_log(report.log)
            ids = {(exposed(e.body.read_bytes()) or {}).get("conversation-id")
                   for e in log.events if e.body is not None}
            assert len(ids) == 1  # one conversation per scenario, nothing of the other run
            seen |= ids
        conversations[name] = seen
    assert not conversations["a"] & conversations["b"]
