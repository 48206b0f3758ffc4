"""Layer 6: the tool as the partner of a live system under test (`conform partner`).

The partner plays one role of a conversation over the HTTP binding: it is the client for the
messages it sends (`outbox.py`, httpx) and the server for those it receives (`inbox.py`, bound and
listening before anything goes out). Each scenario (`plan.py`: the happy path, a retry, a
duplicate, an out-of-order, a late and an invalid message, each read from the conversation model)
is played by `driver.py` into its own exchange log, which the offline checker then grades
(`session.py`): the same verdict path as for a recorded exchange.
"""

from __future__ import annotations

from conformance.partner.driver import Settings
from conformance.partner.plan import SCENARIOS, Probe, Roles, Skipped, plan
from conformance.partner.session import EXCHANGES_DIR, PartnerSession, ScenarioReport, overall

__all__ = [
    "EXCHANGES_DIR",
    "SCENARIOS",
    "PartnerSession",
    "Probe",
    "Roles",
    "ScenarioReport",
    "Settings",
    "Skipped",
    "overall",
    "plan",
]
