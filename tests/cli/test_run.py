"""`conform run`: one command from payloads to reports and, only for a conformant run, a certificate."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance.certify import load_certificate, load_public_key, verify
from conformance.records.run_results import load_run_record, load_run_results
from tests.conftest import ENVELOPE_FIXTURES

REPORTS = ("results.json", "junit.xml", "earl.jsonld", "report.html")


def conform_run(
    out: Path, *payloads: str | Path, extra: tuple[str, ...] = (), subject: str = "ACME/Gateway/2.1"
) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "conformance", "run", "egov-exchange-envelope", "--subject", subject,
            "--out", str(out), *extra]
    for p in payloads:
        args += ["--payloads", str(p)]
    return subprocess.run(args, capture_output=True, text=True, timeout=300)


def test_conformant_run_writes_every_report_and_a_verifiable_certificate(tmp_path: Path) -> None:
    done = conform_run(
        tmp_path, ENVELOPE_FIXTURES / "xml" / "conformant-full.xml",
        ENVELOPE_FIXTURES / "json" / "conformant-minimal.json",
    )
    assert done.returncode == 0, done.stderr
    for name in REPORTS:
        assert (tmp_path / name).is_file(), name
    results = load_run_results(tmp_path / "results.json")
    assert results["verdict"] == "conformant" and results["suite"]["hash"]
    key = load_public_key(tmp_path / "keys" / "self-test.public.jwk")
    certificate = load_certificate(tmp_path / "certificate.json")
    from datetime import UTC, datetime

    assert verify(certificate, key, at=datetime.now(UTC)).status.name == "VALID"
    assert certificate.content["self-test"] is True
    assert "conform certificate verify" in done.stdout
    assert "validated 2/2 payloads" in done.stderr  # plain progress lines off a terminal


def test_not_conformant_run_has_reports_and_no_certificate(tmp_path: Path) -> None:
    done = conform_run(tmp_path, ENVELOPE_FIXTURES / "xml")
    assert done.returncode == 1
    assert all((tmp_path / name).is_file() for name in REPORTS)
    assert not (tmp_path / "certificate.json").exists()
    assert "no certificate" in done.stdout


def test_unparsable_payload_is_an_error_and_no_certificate(tmp_path: Path) -> None:
    done = conform_run(tmp_path, ENVELOPE_FIXTURES / "hostile" / "truncated.json")
    assert done.returncode == 1
    assert json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["verdict"] == "error"
    assert not (tmp_path / "certificate.json").exists()


@pytest.mark.parametrize(
    ("payload", "extra", "message"),
    [
        ("missing-folder", (), "no such payload file, folder or manifest"),
        ("EMPTY", (), "no payloads found"),
        (str(ENVELOPE_FIXTURES / "xml"), ("--class", "gold"), "conformance class 'gold'"),
    ],
)
def test_usage_errors_exit_2_without_results(
    tmp_path: Path, payload: str, extra: tuple[str, ...], message: str
) -> None:
    if payload == "EMPTY":
        payload = str(tmp_path / "empty")
        Path(payload).mkdir()
    done = conform_run(tmp_path / "out", payload, extra=extra)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out" / "results.json").exists()
    assert not (tmp_path / "out" / "certificate.json").exists()


def _mixed(tmp_path: Path) -> Path:
    """An unrecognised payload, an unparsable one and a MUST failure: what a vendor's first run holds."""
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "other-root.xml").write_text("<a/>\n", encoding="utf-8")
    for name in ("hostile/truncated.json", "xml/bad-created-no-zone.xml", "xml/conformant-full.xml"):
        (folder / Path(name).name).write_bytes((ENVELOPE_FIXTURES / name).read_bytes())
    return folder


def test_run_summary_names_processing_errors_first_then_what_to_fix(tmp_path: Path) -> None:
    done = conform_run(tmp_path / "out", _mixed(tmp_path))
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    first = lines.index("processing errors: 2 payload(s) could not be judged (every requirement on them "
                        "is undecided: fix these first)")
    assert lines[first + 1] == f"  {tmp_path / 'mixed' / 'other-root.xml'}: unrecognised"
    assert lines[first + 3] == f"  {tmp_path / 'mixed' / 'truncated.json'}: unparsable"
    requirement = lines.index("  EXC-007 MUST: failed on 1 of 4 payload(s)")
    assert requirement > first and lines[requirement - 1] == "failing requirements: 1"
    assert lines[requirement + 3].startswith("        line 6; /env:Envelope/env:Created: timestamp ")
    assert lines[requirement + 4].startswith("      how to fix: ")
    # The conformance summary replaces pytest's list of test ids and its warnings summary.
    assert "short test summary info" not in done.stdout and "warnings summary" not in done.stdout
    assert not any(line.startswith(("FAILED ", "ERROR ")) for line in lines)
    assert "verdict for class full: not conformant" in lines
    assert "no certificate: the class did not pass" in lines


def test_run_in_chinese_has_no_english_label(tmp_path: Path) -> None:
    from conformance.reports.labels import english_words

    done = conform_run(tmp_path / "out", _mixed(tmp_path), extra=("--lang", "zh"))
    assert done.returncode == 1, done.stderr
    out = done.stdout
    assert "处理错误：2 个载荷无法评判" in out and "  EXC-007 必须：在 4 个载荷中有 1 个未通过" in out
    assert "类别 full 的结论：不符合" in out and "未颁发证书：该类别未通过" in out
    assert "已验证 4/4 个载荷" in done.stderr
    record = load_run_record(tmp_path / "out" / "results.json")
    data = {str(tmp_path / "out"), "results.json junit.xml earl.jsonld report.html", "core", "full"}
    for payload in record.payloads:
        data.add(payload.name)
        for finding in payload.findings:
            data |= {finding.message.zh, finding.hint.zh if finding.hint else ""}
            if finding.location is not None:
                data |= {finding.location.xpath or ""}
    data |= {r.statement.zh for r in record.requirements} | {r.id for r in record.requirements}
    # pytest's own progress and count lines ("1 failed, 2 passed") are not ours to translate.
    pytest_lines = re.compile(r"[.FEsx]+ +\[100%\]|\d+ \w+.* in [\d.]+s")
    ours = "\n".join(line for line in out.splitlines() if not pytest_lines.fullmatch(line))
    for value in sorted(data, key=len, reverse=True):
        if value:
            ours = ours.replace(value, " ")
    found = sorted({w for w in re.findall(r"[A-Za-z]{2,}", ours) if w in english_words()})
    assert not found, (found, ours)


def test_malformed_subject_is_refused_before_any_work(tmp_path: Path) -> None:
    done = conform_run(tmp_path, ENVELOPE_FIXTURES / "xml", subject="ACME")
    assert done.returncode == 2 and "ORGANISATION/PRODUCT/VERSION" in done.stderr
    assert not any(tmp_path.iterdir())


# --- One run per --out, written whole or not at all (issue 8, item 11) ---------------------------

def _many(tmp_path: Path, count: int = 600) -> Path:
    """A folder of `count` conformant payloads: a run long enough to be caught in the middle."""
    folder = tmp_path / "many"
    folder.mkdir()
    data = (ENVELOPE_FIXTURES / "xml" / "conformant-full.xml").read_bytes()
    for i in range(count):
        (folder / f"p{i:04}.xml").write_bytes(data)
    return folder


def _start(out: Path, payloads: Path, log: Path, *extra: str) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "conformance", "run", "egov-exchange-envelope", "--subject",
            "ACME/Gateway/2.1", "--out", str(out), "--payloads", str(payloads), *extra]
    with log.open("wb") as stream:
        # Its own process group, as a shell gives a foreground job: Ctrl-C reaches every process.
        return subprocess.Popen(args, stdout=stream, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_for(log: Path, text: str, child: subprocess.Popen[bytes], seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while text not in log.read_text("utf-8", "replace"):
        assert child.poll() is None, log.read_text("utf-8", "replace")
        assert time.monotonic() < deadline, f"no {text!r} in {seconds} s"
        time.sleep(0.05)


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_second_run_into_the_same_out_is_refused_while_the_first_runs(tmp_path: Path) -> None:
    out, payloads = tmp_path / "out", _many(tmp_path)
    first = _start(out, payloads, tmp_path / "first.log")
    _wait_for(tmp_path / "first.log", "validated 1/", first)
    # Held in the middle of its run (as a slow machine would), so that the two surely overlap.
    os.killpg(first.pid, signal.SIGSTOP)
    try:
        second = conform_run(out, ENVELOPE_FIXTURES / "xml" / "conformant-full.xml")
    finally:
        os.killpg(first.pid, signal.SIGCONT)
    assert second.returncode == 2, second.stdout + second.stderr
    assert "is in use by another `conform run`" in second.stderr
    assert first.wait(timeout=300) == 0, (tmp_path / "first.log").read_text("utf-8")
    # One run's complete output, and its certificate is the certificate of its own results.
    results = load_run_results(out / "results.json")
    assert results["summary"]["payloads"] == 600
    certificate = load_certificate(out / "certificate.json").content
    assert certificate["evidence"]["payload-hashes"] == sorted(p["sha256"] for p in results["payloads"])
    assert _leftovers(out) == []


def test_ctrl_c_mid_run_exits_130_and_keeps_the_previous_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert conform_run(out, ENVELOPE_FIXTURES / "xml" / "conformant-full.xml").returncode == 0
    before = _snapshot(out)
    log = tmp_path / "run.log"
    child = _start(out, _many(tmp_path), log, "--jobs", "2")
    _wait_for(log, "validated 61/", child)
    os.killpg(child.pid, signal.SIGINT)
    assert child.wait(timeout=120) == 130
    output = log.read_text("utf-8")
    assert "Traceback" not in output and "KeyboardInterrupt" not in output, output
    last = output.strip().splitlines()[-1]
    assert last == f"conform: interrupted: {out} is left as the previous run left it"
    assert "verdict" not in output
    assert _snapshot(out) == before  # the old complete output, untouched
    assert _leftovers(out) == []


def test_an_out_folder_of_other_files_is_never_replaced(tmp_path: Path) -> None:
    out = tmp_path / "project"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    done = conform_run(out, ENVELOPE_FIXTURES / "xml" / "conformant-full.xml")
    assert done.returncode == 2 and "not the output of `conform run`" in done.stderr
    assert _snapshot(out) == {"notes.txt": b"mine"}


def test_a_rerun_replaces_the_previous_output_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert conform_run(out, ENVELOPE_FIXTURES / "xml" / "conformant-full.xml").returncode == 0
    assert (out / "certificate.json").is_file()
    done = conform_run(out, ENVELOPE_FIXTURES / "xml" / "bad-message-id.xml")
    assert done.returncode == 1
    assert not (out / "certificate.json").exists() and not (out / "keys").exists()
    assert load_run_results(out / "results.json")["verdict"] == "not-conformant"


def test_generate_replaces_a_suite_whole_and_never_a_folder_of_other_files(tmp_path: Path) -> None:
    def generate(out: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "conformance", "generate", "egov-exchange-envelope",
                               "--out", str(out)], capture_output=True, text=True, timeout=300)

    suite = tmp_path / "suite"
    assert generate(suite).returncode == 0
    (suite / "test_stale_module.py").write_text("def test_old(): pass\n", encoding="utf-8")
    assert generate(suite).returncode == 0
    assert not (suite / "test_stale_module.py").exists()  # no old module beside the new suite
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_mine.py").write_text("def test_mine(): pass\n", encoding="utf-8")
    refused = generate(project)
    assert refused.returncode == 2 and "not the output of `conform generate`" in refused.stderr
    assert _snapshot(project) == {"test_mine.py": b"def test_mine(): pass\n"}
