"""A suite run against a live system: the partner plays the other role first, and the exchange
logs it records become the run's payloads (`--conformance-endpoint`, `conform run --endpoint`).

The logs are graded by the same engine pass as recorded ones, so a live run and a run over its
own logs give the same record, and a certificate's evidence names each log's content hash.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from conformance.core.errors import ConformanceError, UsageError
from conformance.standard.model import Standard

LIVE_DIR = "live"  # under the report folder: OUT/live/exchanges/<scenario>/


@dataclass(frozen=True, slots=True)
class LiveOptions:
    """What the partner needs to play against the system under test."""

    endpoint: str
    play: str | None = None  # the tool's role; default: the role the target class is not named after
    conversation: str | None = None
    trigger: str | None = None
    time_scale: float = 1.0
    timeout: float = 30.0
    scenarios: Sequence[str] = ()


def _role_played(standard: Standard, options: LiveOptions, class_id: str | None) -> str:
    if options.play is not None:
        return options.play
    conversations = list(standard.conversations.values())
    if options.conversation is not None:
        conversations = [c for c in conversations if c.id == options.conversation]
    if len(conversations) != 1:
        raise UsageError("name the conversation to play (--conformance-conversation)")
    roles = list(conversations[0].roles)
    if class_id in roles and len(roles) == 2:
        return next(r for r in roles if r != class_id)
    raise UsageError(f"name the role the tool plays (--conformance-play {'|'.join(roles)}): the target "
                     f"class {class_id!r} is not one of the two roles")


def record_live(standard: Standard, options: LiveOptions, class_id: str | None, out: Path,
                announce: Callable[[str], None] = lambda text: None) -> list[Path]:
    """Play every scenario against the live system; the folders of the logs recorded, in order."""
    from conformance.partner import PartnerSession, Settings

    play = _role_played(standard, options, class_id)
    settings = Settings(endpoint=options.endpoint, trigger=options.trigger, time_scale=options.time_scale,
                        timeout=options.timeout)
    folder = out / LIVE_DIR
    with PartnerSession(standard, conversation=options.conversation, play=play, settings=settings,
                        class_id=class_id, announce=announce) as partner:
        from conformance.partner import SCENARIOS

        reports = partner.run(list(options.scenarios) or list(SCENARIOS), folder)
    logs = [r.log for r in reports if r.log is not None]
    if not logs:
        skipped = "; ".join(f"{r.scenario}: {r.skipped}" for r in reports if r.skipped)
        raise ConformanceError(f"no scenario could be played against {options.endpoint}"
                               + (f" ({skipped})" if skipped else ""))
    return logs
