"""A partner session: the tool plays one role of a conversation against a live system under test.

The session binds its inbox when it is made (listening before anything goes out), plays each
scenario into its own exchange log (`OUT/exchanges/<scenario>/`), then grades every log with the
offline checker through the same `ValidationSession.validate_path` that `conform validate` uses:
one verdict path for recorded and live exchanges.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from conformance.conversations.fields import compile_bindings
from conformance.core.errors import UsageError
from conformance.core.findings import Level, Outcome, Verdict
from conformance.core.results import PayloadResult
from conformance.execution.session import ValidationSession
from conformance.partner.composer import Composer
from conformance.partner.driver import Context, ScenarioError, ScenarioRun, Settings
from conformance.partner.inbox import Inbox
from conformance.partner.outbox import Outbox
from conformance.partner.plan import SCENARIOS, Probe, Roles, Skipped, plan
from conformance.standard.model import Standard

EXCHANGES_DIR = "exchanges"
_UNDECIDED = (Outcome.FAILED, Outcome.CANT_TELL)


@dataclass(frozen=True, slots=True)
class ScenarioReport:
    """One scenario: skipped (with the reason), or played into `log` and graded as `result`;
    `error` when a tool or bundle error stopped it (its log is graded all the same)."""

    scenario: str
    skipped: str | None = None
    log: Path | None = None
    result: PayloadResult | None = None
    error: str | None = None
    skipped_zh: str | None = None

    def verdict(self, class_id: str) -> Verdict | None:
        if self.result is None:
            return None
        return self.result.verdicts.get(class_id, self.result.verdict)


class PartnerSession:
    """The tool as the partner of `standard`'s conversation `conversation`, playing role `play`."""

    def __init__(self, standard: Standard, *, conversation: str | None, play: str, settings: Settings,
                 listen: tuple[str, int] = ("127.0.0.1", 0), message_type: str | None = None,
                 class_id: str | None = None, announce: Callable[[str], None] = lambda text: None) -> None:
        if not standard.conversations:
            raise UsageError(f"{standard.ref} declares no conversations")
        if conversation is None:
            if len(standard.conversations) != 1:
                raise UsageError(f"{standard.ref} declares several conversations: name one with "
                                 f"--conversation ({', '.join(standard.conversations)})")
            conversation = next(iter(standard.conversations))
        model = standard.conversations.get(conversation)
        if model is None:
            raise UsageError(f"{standard.ref} declares no conversation {conversation!r}; conversations: "
                             f"{', '.join(standard.conversations)}")
        self.standard = standard
        self.roles = Roles(model, play)
        self.class_id = self._target_class(class_id)
        self.settings = settings
        # The session's judge grades the logs; the partner reads and checks its own messages with it.
        self.validation = ValidationSession([standard], class_id=self.class_id)
        judge_lock = threading.Lock()
        chosen = message_type or next(iter(model.bindings))
        readers = compile_bindings(standard, model, [standard])
        composer = Composer(standard, self.roles, self.validation.judge, judge_lock, chosen,
                            readers.get(chosen))
        # Bound (and listening) now, before any scenario sends anything.
        self.inbox = Inbox(listen[0], listen[1], max_body_bytes=settings.max_body_bytes)
        self.outbox = Outbox(reply_to=self.inbox.url, timeout=settings.timeout)
        self.context = Context(standard, self.roles, self.validation.judge, readers, composer, self.inbox,
                               self.outbox, settings, announce)

    def _target_class(self, class_id: str | None) -> str | None:
        """The class judged: the one asked for, else one named after the role under test, else the
        standard's default class."""
        if class_id is not None:
            if class_id not in self.standard.classes:
                raise UsageError(f"--class {class_id!r}: {self.standard.ref} has the classes "
                                 f"{', '.join(self.standard.classes)}")
            return class_id
        if self.roles.sut in self.standard.classes:
            return self.roles.sut
        return self.standard.default_class

    def plan(self, scenarios: Sequence[str]) -> list[Probe | Skipped]:
        """What each scenario will do, or why it cannot be played with these settings."""
        planned: list[Probe | Skipped] = []
        for name in scenarios:
            if name not in SCENARIOS:
                raise UsageError(f"unknown scenario {name!r}; scenarios: {', '.join(SCENARIOS)}")
            probe = plan(self.roles, name)
            if isinstance(probe, Probe) and probe.wait is not None:
                needed = probe.wait.total_seconds() * self.settings.time_scale + self.settings.margin
                if needed > self.settings.timeout:
                    probe = Skipped(name, f"a late {probe.message} waits {needed:g} s, more than --timeout "
                                          f"{self.settings.timeout:g} s (use --time-scale)",
                                    f"迟到的 {probe.message} 需等待 {needed:g} 秒，超过 --timeout "
                                    f"{self.settings.timeout:g} 秒（请使用 --time-scale）")
            planned.append(probe)
        return planned

    def run(self, scenarios: Iterable[str], out: Path, *, grade: bool = True) -> list[ScenarioReport]:
        """Play and grade each scenario, in the order given; with `grade=False` only play it (a
        conformance run grades the logs itself, as payloads: grading here would judge them twice)."""
        reports: list[ScenarioReport] = []
        for probe in self.plan(list(scenarios)):
            if isinstance(probe, Skipped):
                reports.append(ScenarioReport(probe.scenario, skipped=probe.reason,
                                              skipped_zh=probe.reason_zh or None))
                continue
            folder = out / EXCHANGES_DIR / probe.scenario
            error = None
            try:
                log = ScenarioRun(self.context, probe, folder).run()
            except ScenarioError as exc:
                # One scenario's failure is not the run's: the others are still played.
                log, error = exc.log, str(exc.cause)
            reports.append(ScenarioReport(probe.scenario, log=log.root, error=error,
                                          result=self.validation.validate_path(folder) if grade else None))
        return reports

    def failing(self, report: ScenarioReport) -> list[str]:
        """Requirement ids of the target class that failed or stayed undecided in `report`."""
        if report.result is None:
            return []
        wanted = {r.id for r in self.standard.requirements_of(self.class_id)}
        return sorted(rid for rid, outcome in report.result.outcomes.items()
                      if outcome in _UNDECIDED and rid in wanted)

    def must_failing(self, report: ScenarioReport) -> list[str]:
        return [rid for rid in self.failing(report) if self.standard.requirements[rid].level is Level.MUST]

    def close(self) -> None:
        self.outbox.close()
        self.inbox.close()

    def __enter__(self) -> PartnerSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def overall(reports: Sequence[ScenarioReport], class_id: str | None) -> Verdict:
    """The run's verdict: not conformant when a MUST requirement of the class failed in any
    scenario, an error when a log could not be judged or a scenario was stopped by an error of the
    tool (or nothing was played), else conformant."""
    played = [r for r in reports if r.result is not None]
    if not played:
        return Verdict.ERROR
    verdicts = [r.result.verdicts.get(class_id, r.result.verdict) if class_id else r.result.verdict
                for r in played if r.result is not None]
    if Verdict.NOT_CONFORMANT in verdicts:
        return Verdict.NOT_CONFORMANT
    if Verdict.ERROR in verdicts or any(r.error for r in reports):
        return Verdict.ERROR
    return Verdict.CONFORMANT
