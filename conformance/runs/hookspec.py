"""The hooks the conformance plugin calls, for other plugins to implement (as pytest's own hookspec.py).

Added by the plugin's `pytest_addhooks`, in every pytest session: this module imports pytest and,
for the type checker only, the events, so that loading the plugin stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conformance.core.events import RunEvent


@pytest.hookspec
def pytest_conformance_event(event: RunEvent, config: pytest.Config) -> None:
    """Called in the controlling process for every event of the engine pass, in order.

    RunStarted first, a PayloadValidated per payload in input order, RunFinished last (xdist
    workers run no engine pass, so it is never called there). The progress display of
    `conform run` is one implementation.
    """
