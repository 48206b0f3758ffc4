"""Every report of one run, written into one folder from its record."""

from __future__ import annotations

import io
import multiprocessing
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

from conformance.core.errors import ConformanceError, UsageError
from conformance.records.record import RunRecord
from conformance.records.run_results import RESULTS_FILE, dumps
from conformance.reports.earl import write_earl
from conformance.reports.html import write_html
from conformance.reports.junit import write_junit

FORMATS = ("json", "junit", "earl", "html")
FILE_NAMES = {"json": RESULTS_FILE, "junit": "junit.xml", "earl": "earl.jsonld", "html": "report.html"}


Writer = Callable[[RunRecord, IO[bytes]], None]


def _text(write: Callable[[RunRecord, IO[str]], None]) -> Writer:
    def to_bytes(record: RunRecord, stream: IO[bytes]) -> None:
        # A payload name read from the file system may hold lone surrogates (bytes that are not
        # UTF-8); in JSON, `backslashreplace` writes them as \udcXX escapes, which read back as the
        # same string. The HTML writer never lets one through, so the handler changes nothing there.
        text = io.TextIOWrapper(stream, encoding="utf-8", errors="backslashreplace", newline="\n")
        try:
            write(record, text)
            text.flush()
        finally:
            text.detach()  # the caller owns and closes the binary stream
    return to_bytes


def _write_json(record: RunRecord, stream: IO[str]) -> None:
    stream.write(dumps(record.to_document()))


_WRITERS: dict[str, Writer] = {
    "json": _text(_write_json),
    "junit": write_junit,
    "earl": _text(write_earl),
    "html": _text(write_html),
}


def write_reports(record: RunRecord, out_dir: Path,
                  formats: Iterable[str] = FORMATS, *, jobs: int = 1) -> dict[str, Path]:
    """Write the reports of a run record into `out_dir` (created if need be).

    Returns format -> path. Each file is written to a temporary name and renamed, so a reader never
    sees half a report; the same record always gives byte-identical files. With `jobs` > 1 the
    formats are written side by side in forked processes (they share the record by fork, no
    copy is sent): JUnit and EARL of a large run take seconds each.
    """
    wanted = list(dict.fromkeys(formats))
    unknown = [f for f in wanted if f not in _WRITERS]
    if unknown:
        raise UsageError(f"unknown report format(s) {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the report folder {out_dir}: {exc}") from None
    children: list[tuple[str, Any]] = []
    if jobs > 1 and len(wanted) > 1 and "fork" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("fork")
        for name in wanted[1:]:
            child = context.Process(target=_write_in_child, args=(record, out_dir, name))
            child.start()
            children.append((name, child))
        wanted = wanted[:1]
    written = {name: _write_one(record, out_dir, name) for name in wanted}
    failed = []
    for name, child in children:
        child.join()
        if child.exitcode != 0:
            failed.append(name)
        written[name] = out_dir / FILE_NAMES[name]
    if failed:
        raise ConformanceError(f"writing the {', '.join(failed)} report(s) into {out_dir} failed "
                               "(the reason is printed above)")
    return written


def _write_one(record: RunRecord, out_dir: Path, name: str) -> Path:
    target = out_dir / FILE_NAMES[name]
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            _WRITERS[name](record, stream)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; reports are meant to be shared
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _write_in_child(record: RunRecord, out_dir: Path, name: str) -> None:
    try:
        _write_one(record, out_dir, name)
    except Exception as exc:  # reported by exit code; the parent raises
        sys.stderr.write(f"conform: error: writing {FILE_NAMES[name]}: {type(exc).__name__}: {exc}\n")
        sys.exit(1)
