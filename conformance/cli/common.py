"""Options and error handling shared by the commands."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from conformance.core.errors import ConformanceError, SpecError
from conformance.core.limits import PAYLOAD_SECONDS, WORKER_MAX_MIB
from conformance.core.printable import terminal

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_NOT_CONFORMANT = 1
EXIT_USAGE = 2

standards_path_option = click.option(
    "--standards-path", "standards_path", multiple=True, type=click.Path(file_okay=False),
    help="Folder holding <id>/<version>/standard.yaml bundles (repeatable). "
         "Default: $CONFORMANCE_STANDARDS_PATH, ./standards, the bundled standards.",
)


# conformance.execution.executors.AUTO_JOBS, without importing the engine: click converts the default
# while parsing a line to complete it (tests/cli/test_validate.py checks that the two agree).
AUTO_JOBS = 0


class JobsType(click.ParamType):
    """`auto` or an integer of at least 1; `auto` becomes the execution layer's AUTO_JOBS."""

    name = "jobs"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "N|auto"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        text = str(value).strip().lower()
        if text == "auto":
            return AUTO_JOBS
        # Bounded before int(): 5,000 digits would be a ValueError from CPython's digit limit.
        number = int(text) if text.isdecimal() and text.isascii() and len(text) <= 9 else 0
        if number < 1:
            shown = repr(str(value)[:24]) + ("..." if len(str(value)) > 24 else "")
            self.fail(f"{shown} is not 'auto' or a whole number of at least 1", param, ctx)
        return number


JOBS = JobsType()


def jobs_option(func: F) -> F:
    """`--jobs N|auto` (validate, run): worker processes, never more than the CPUs or the payloads."""
    return click.option(
        "--jobs", "-j", type=JOBS, default="auto", show_default=True,
        help="Worker processes validating payloads. auto: one per CPU available to this process. "
             "Never more than the CPUs or the payloads, whatever is asked.")(func)


within_option = click.option(
    "--within", type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="DIR",
    help="Files given by name may include files anywhere in DIR (default: only beside or below "
         "themselves), e.g. XRechnung's ubl/*.sch including ../common.sch.",
)


def budget_options(func: F) -> F:
    """`--timeout` and `--max-memory`: the per-payload budgets of the supervisor (validate, run)."""
    func = click.option(
        "--max-memory", type=click.IntRange(min=0), default=WORKER_MAX_MIB, show_default=True,
        metavar="MiB",
        help="Resident memory budget of each worker process; the payload that crosses it is "
             "stopped and reported as a processing error. 0: no limit. With --timeout 0, "
             "--max-memory 0 and --jobs 1, payloads are validated in this process, unsupervised.")(func)
    return click.option(
        "--timeout", type=click.FloatRange(min=0), default=PAYLOAD_SECONDS, show_default=True,
        metavar="SECONDS",
        help="Wall-clock budget of one payload; a payload over it is stopped (its worker process "
             "killed) and reported as a processing error, so no class can pass. 0: no limit.")(func)


def http_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Click callback: an http(s) URL option, a usage error (exit 2) when it is not one."""
    if value is None or ctx.resilient_parsing:
        return value
    from conformance.runs.live import http_url_problem  # not at import: `validate` never needs it

    problem = http_url_problem(value)
    if problem is not None:
        raise click.BadParameter(problem, ctx=ctx, param=param)
    return value


def listen_option(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """Click callback: a `HOST:PORT` listen address (checked, passed on as written)."""
    if not ctx.resilient_parsing:
        try:
            from conformance.runs.live import listen_address

            listen_address(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc), ctx=ctx, param=param) from None
    return value


def tool_errors(func: F) -> F:
    """Turn the tool's own errors into one clear message and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SpecError as exc:
            raise click.exceptions.Exit(_fail(f"specification error: {exc}")) from None
        except ConformanceError as exc:
            raise click.exceptions.Exit(_fail(str(exc))) from None

    return wrapper  # type: ignore[return-value]


def say(text: str, *, err: bool = False) -> None:
    """Print a line of ours that quotes untrusted text (file names, bundle or certificate fields).

    Everything a terminal would act on is escaped (`reports.printable.terminal`); our own line
    breaks are kept, and every continuation line is indented, so quoted text cannot forge a line
    that looks like one of ours ("conform: error: ...", "VALID: ...").
    """
    click.echo("\n  ".join(terminal(line) for line in text.split("\n")), err=err)


def echo_notes(notes: tuple[str, ...], *, more: str, shown: int = 10) -> None:
    """Notes of an import on standard error; a long list is cut short."""
    for note in notes[:shown]:
        say(f"conform: note: {note}", err=True)
    if len(notes) > shown:
        click.echo(f"conform: note: ... and {len(notes) - shown} more ({more})", err=True)


def _fail(message: str) -> int:
    say(f"conform: error: {message}", err=True)
    return EXIT_USAGE
