"""`conform partner STANDARD --play ROLE --endpoint URL`: the tool plays the other role, live.

Exit codes, as `conform validate` and `conform run`: 0 when every MUST requirement of the target
class held in every scenario played, 1 when one did not or a log could not be judged (a processing
error, or nothing could be played: never a pass), 2 on a usage or specification error. The engine
and httpx are imported when the command runs, so `conform --help` and completion stay cheap.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from conformance.cli.common import (
    EXIT_NOT_CONFORMANT,
    EXIT_OK,
    http_url,
    listen_option,
    say,
    standards_path_option,
    tool_errors,
)
from conformance.cli.completion import complete_standard_ref
from conformance.core.errors import UsageError
from conformance.core.findings import Level, Outcome, Verdict
from conformance.core.limits import LOG_MAX_EVENTS
from conformance.core.printable import json_text
from conformance.reports.labels import label, level_label, outcome_label, verdict_label
from conformance.runs.live import SCENARIO_NAMES, listen_address

if TYPE_CHECKING:
    from conformance.partner import PartnerSession, ScenarioReport

# A processing error is no pass and no finding against the system: exit 1, as validate and run.
EXIT_PROCESSING_ERROR = EXIT_NOT_CONFORMANT
SUMMARY_NAME = "partner-summary.json"
# Events of a scenario's log that are not incoming requests: the partner's own messages and notes.
EVENT_HEADROOM = 500
MAX_REQUESTS = LOG_MAX_EVENTS - EVENT_HEADROOM
# Default --out folders made in one second get a counter: partner-20261201-100000-2, ...
OUT_ATTEMPTS = 100


@click.command()
@click.argument("standard", metavar="STANDARD[@VERSION]", shell_complete=complete_standard_ref)
@click.option("--conversation", metavar="ID", help="Conversation of the standard (default: its only one).")
@click.option("--play", "play", required=True, metavar="ROLE",
              help="The role the tool plays; the system under test plays the other one.")
@click.option("--endpoint", required=True, callback=http_url, metavar="URL",
              help="The inbox URL of the system under test (the only address messages go to).")
@click.option("--trigger", callback=http_url, metavar="URL",
              help="When the system under test opens the conversation: POST {partner-inbox, case-id} "
                   "here to ask it to (default: print the inbox URL and wait).")
@click.option("--listen", default="127.0.0.1:0", show_default=True, callback=listen_option,
              metavar="HOST:PORT",
              help="Where the tool's own inbox listens (port 0: any free port).")
@click.option("--scenario", "scenarios", multiple=True, type=click.Choice(SCENARIO_NAMES),
              help="Scenario to play (repeatable; default: all).")
@click.option("--time-scale", type=click.FloatRange(min=0.000001, max=1.0), default=1.0, show_default=True,
              help="Multiply the standard's deadlines by this (e.g. 0.001 in a test environment); "
                   "recorded in each log.")
@click.option("--timeout", type=click.FloatRange(min=0.01, max=86400.0), default=30.0, show_default=True,
              metavar="SECONDS", help="The longest any one wait lasts, whatever the deadline.")
@click.option("--settle", type=click.FloatRange(min=0.0, max=600.0), default=1.0, show_default=True,
              metavar="SECONDS", help="Quiet time at the end of each scenario for extra messages.")
@click.option("--max-requests", type=click.IntRange(min=1, max=MAX_REQUESTS), default=100, show_default=True,
              help="Incoming requests taken per scenario; the rest are answered 429 and noted "
                   f"(at most {MAX_REQUESTS}: a log holds {LOG_MAX_EVENTS} events).")
@click.option("--message-type", metavar="TYPE", help="Bound message type the tool sends in "
              "(default: the conversation's first binding).")
@click.option("--class", "-c", "class_id", metavar="CLASS",
              help="Conformance class judged (default: the class named after the role under test, "
                   "else the standard's default class).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Where the exchange logs go, one per scenario in DIR/exchanges/ (default: "
                   "a new ./partner-<time>, never an existing folder).")
@click.option("--format", "-f", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@click.option("--ci", is_flag=True,
              help="For pipelines: JSON summary on standard output, and no waiting for a person: when "
                   "the system under test opens the conversation, --trigger or a fixed --listen port "
                   "is needed (nobody reads an announced inbox URL).")
@standards_path_option
@tool_errors
def partner(standard: str, conversation: str | None, play: str, endpoint: str, trigger: str | None,
            listen: str, scenarios: tuple[str, ...], time_scale: float, timeout: float,
            settle: float, max_requests: int, message_type: str | None, class_id: str | None,
            out: Path | None, output_format: str, lang: str, ci: bool,
            standards_path: tuple[str, ...]) -> None:
    """Play a role of a conversation against a live system under test and grade the exchange.

    Every scenario is recorded as an exchange log (the format `conform validate` checks) and
    graded by the same checker. Exit code 0 when every MUST requirement of the class holds, 1 when
    one does not, 2 on a usage or specification error, 3 on a processing error.
    """
    from conformance import api
    from conformance.partner import PartnerSession, Settings, overall

    loaded = api.load_standard(standard, standards_path=standards_path or None)
    settings = Settings(endpoint=endpoint, trigger=trigger, time_scale=time_scale, timeout=timeout,
                        settle=settle, max_requests=max_requests)
    host, port = listen_address(listen)
    as_json = ci or output_format == "json"

    def announce(text: str) -> None:
        say(f"conform: {text}", err=True)

    with PartnerSession(loaded, conversation=conversation, play=play, settings=settings, listen=(host, port),
                        message_type=message_type, class_id=class_id, announce=announce) as session:
        if ci and not session.roles.opens() and trigger is None and port == 0:
            raise UsageError(f"--ci: {session.roles.sut} opens the conversation, and nobody reads the "
                             "inbox URL a CI run announces: give --trigger URL, or a fixed --listen "
                             "HOST:PORT the system is configured to send to")
        folder = out or _new_folder()
        say(label("partner-playing", lang, ours=session.roles.ours, inbox=session.inbox.url,
                  sut=session.roles.sut, endpoint=endpoint), err=True)
        reports = session.run(scenarios or SCENARIO_NAMES, folder)
        verdict = overall(reports, session.class_id)
        summary = _summary(session, reports, verdict, folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SUMMARY_NAME).write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n",
                                       encoding="utf-8")
    if as_json:
        click.echo(json_text(json.dumps(summary, ensure_ascii=False, indent=2)))
    else:
        _print(summary, lang)
    raise click.exceptions.Exit(_exit_code(verdict))


def _new_folder() -> Path:
    """A new ./partner-<time> folder, made here (exclusively): two runs in one second never share one."""
    stamp = f"partner-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    for attempt in range(1, OUT_ATTEMPTS + 1):
        folder = Path(stamp if attempt == 1 else f"{stamp}-{attempt}")
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        except OSError as exc:
            raise UsageError(f"cannot create {folder}: {exc.strerror or exc}") from None
        return folder
    raise UsageError(f"{OUT_ATTEMPTS} folders {stamp}* exist already: give --out DIR")


def _exit_code(verdict: Verdict) -> int:
    if verdict is Verdict.CONFORMANT:
        return EXIT_OK
    if verdict is Verdict.NOT_CONFORMANT:
        return EXIT_NOT_CONFORMANT
    return EXIT_PROCESSING_ERROR


def _summary(session: PartnerSession, reports: list[ScenarioReport], verdict: Verdict,
             folder: Path) -> dict[str, Any]:
    standard = session.standard
    return {
        "standard": standard.ref,
        "conversation": session.roles.conversation.id,
        "played": session.roles.ours,
        "system-under-test": session.roles.sut,
        "class": session.class_id,
        "out": str(folder),
        "verdict": verdict.value,
        "scenarios": [_scenario(session, report) for report in reports],
    }


def _scenario(session: PartnerSession, report: ScenarioReport) -> dict[str, Any]:
    if report.result is None:
        return {"scenario": report.scenario, "status": "skipped", "reason": report.skipped,
                "reason-zh": report.skipped_zh or report.skipped}
    result = report.result
    verdict = report.verdict(session.class_id) if session.class_id else result.verdict
    failing = []
    for rid in session.failing(report):
        finding = next((f for f in result.findings if f.requirement_id == rid
                        and f.outcome in (Outcome.FAILED, Outcome.CANT_TELL)), None)
        failing.append({
            "requirement": rid,
            "level": session.standard.requirements[rid].level.value,
            "outcome": result.outcomes[rid].value,
            "message": finding.message.as_dict() if finding else None,
            "event": finding.location.event if finding and finding.location else None,
        })
    errors = [f.message.as_dict() for f in result.findings if f.processing_error]
    return {"scenario": report.scenario, "status": "played", "log": str(report.log),
            "log-sha256": result.sha256, "verdict": verdict.value if verdict else None,
            "failing": failing, "processing-errors": errors, "stopped-by-error": report.error}


def _print(summary: dict[str, Any], lang: str) -> None:
    say(label("partner-head", lang, standard=summary["standard"], conversation=summary["conversation"],
              played=summary["played"], sut=summary["system-under-test"], klass=summary["class"]))
    for item in summary["scenarios"]:
        name = item["scenario"]
        if item["status"] == "skipped":
            reason = item["reason-zh"] if lang == "zh" else item["reason"]
            say(label("partner-skipped", lang, name=name, reason=reason))
            continue
        verdict = _verdict(item["verdict"], lang)
        say(label("partner-played", lang, name=name, verdict=verdict, log=item["log"]))
        for failure in item["failing"]:
            event = failure["event"]
            where = label("partner-event", lang, event=event) if event is not None else ""
            message = failure["message"][lang] if failure["message"] else ""
            say(label("partner-failure", lang, id=failure["requirement"], where=where, message=message,
                      level=level_label(Level(failure["level"]), lang),
                      outcome=outcome_label(Outcome(failure["outcome"]), lang)))
        for error in item["processing-errors"][:3]:
            say(label("partner-processing-error", lang, message=error[lang]))
        if item["stopped-by-error"]:
            say(label("partner-stopped", lang, message=item["stopped-by-error"]))
    say(label("partner-verdict", lang, verdict=_verdict(summary["verdict"], lang), summary=SUMMARY_NAME,
              folder=summary["out"]))


def _verdict(value: str | None, lang: str) -> str:
    """A verdict as the summary prints it: the record's word in English, the label in Chinese."""
    if value is None or lang != "zh":
        return str(value)
    return verdict_label(Verdict(value), lang)
