"""Cost of checking recorded conversations, and of the live partner, each against its peer in the same run.

Offline: N exchange logs of 6 messages each (the reference standard's happy path plus a duplicate
request, which a conformant co-approver does not act on twice), checked by `conform validate` in
one process, against `conform validate` of the same 6 x N message bodies one by one (the engine
alone). Target: the conversation checks add at most 25 % (ratio <= 1.25). Measured twice: through
the command (start-up and output included, as a user sees it), and in this process with one
session (`ValidationSession.validate_path` over the same paths, interleaved runs), which leaves
only what checking a log costs beyond judging its messages.

Live: the partner's happy path against the reference system on loopback, per message exchanged,
against a bare httpx round trip (POST of one message to the same system's inbox, 202 back).

    python benchmarks/bench_conversations.py                  # 1,000 conversations
    python benchmarks/bench_conversations.py --count 200 --quick
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from conformance.conversations.logfile import read_log  # noqa: E402
from conformance.conversations.logwriter import LogWriter  # noqa: E402

STANDARD = "egov-parallel-approval@1.0.0"
SOURCE = REPO / "fixtures" / "egov-parallel-approval" / "1.0.0" / "exchanges" / "duplicate-handled"
REFSYS = REPO / "fixtures" / "egov-parallel-approval" / "reference-system" / "refsys.py"
MESSAGES = 6


def make_corpus(folder: Path, count: int) -> tuple[Path, Path]:
    """`count` logs (the source's first 6 events, recorded times kept) and their bodies, flat."""
    source = read_log(SOURCE)
    events = [e for e in source.events if e.body is not None][:MESSAGES]
    bodies = [(e, e.body.read_bytes()) for e in events if e.body is not None]
    logs, flat = folder / "logs", folder / "bodies"
    flat.mkdir(parents=True)
    manifest = source.manifest
    for index in range(count):
        times = iter([e.time for e in events] + [manifest.ended])
        clock = times.__next__  # the recorded times: every log is the same conversation
        writer = LogWriter(logs / f"{index:05d}", standard=manifest.standard,
                           conversation=manifest.conversation, system_under_test=manifest.system_under_test,
                           parties=manifest.parties, recorded_by={"tool": "bench", "mode": "external"},
                           started=manifest.started, time_scale=manifest.time_scale,
                           clock=clock)
        for event, data in bodies:
            writer.message(direction=event.direction, sender=event.sender, receiver=event.receiver,
                           body=data, media_type=event.media_type or "application/xml")
        writer.close()
        for seq, (_, data) in enumerate(bodies, 1):
            (flat / f"{index:05d}-{seq}.xml").write_bytes(data)
    return logs, flat


def _validate(folder: Path) -> float:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": ""}
    env.pop("PYTHONDONTWRITEBYTECODE")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "conformance", "validate", "--standard", STANDARD,
                           "--jobs", "1", "--format", "json", str(folder)],
                          capture_output=True, env=env, cwd=REPO, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"validate failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    return elapsed


def _in_process(logs: Path, flat: Path, runs: int) -> tuple[float, float]:
    """Median seconds to check every log and to validate every body, with one session in this process."""
    from conformance.core.findings import Verdict
    from conformance.execution.session import ValidationSession
    from conformance.standard.catalog import Catalog

    session = ValidationSession([Catalog([REPO / "standards"]).load(STANDARD)])
    log_paths, body_paths = sorted(logs.iterdir()), sorted(flat.iterdir())
    verdict = session.validate_path(log_paths[0]).verdict  # compiles the checker: not timed
    if verdict is not Verdict.CONFORMANT:
        raise SystemExit(f"the benchmark's log is not conformant in process: {verdict}")
    session.validate_path(body_paths[0])
    as_logs: list[float] = []
    as_messages: list[float] = []
    for _ in range(runs):  # interleaved: a neighbour's load falls on both sides alike
        for paths, times in ((log_paths, as_logs), (body_paths, as_messages)):
            started = time.perf_counter()
            for path in paths:
                session.validate_path(path)
            times.append(time.perf_counter() - started)
    return statistics.median(as_logs), statistics.median(as_messages)


def offline(count: int, runs: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-conv-") as tmp:
        logs, flat = make_corpus(Path(tmp), count)
        check = json.loads(subprocess.run(
            [sys.executable, "-m", "conformance", "validate", "--standard", STANDARD, "--jobs", "1",
             "--format", "json", str(logs / "00000")], capture_output=True, cwd=REPO, check=False).stdout)
        verdict = check["payloads"][0]["verdict"]
        if verdict != "conformant":
            raise SystemExit(f"the benchmark's log is not conformant: {verdict}")
        as_logs: list[float] = []
        as_messages: list[float] = []
        for _ in range(runs):  # interleaved, as in process
            as_logs.append(_validate(logs))
            as_messages.append(_validate(flat))
        in_logs, in_messages = _in_process(logs, flat, runs)
    log_s, msg_s = statistics.median(as_logs), statistics.median(as_messages)
    return {"conversations": count, "messages": count * MESSAGES, "logs_s": round(log_s, 3),
            "messages_s": round(msg_s, 3), "ratio": round(log_s / msg_s, 3),
            "in_process_logs_s": round(in_logs, 3), "in_process_messages_s": round(in_messages, 3),
            "in_process_ratio": round(in_logs / in_messages, 3)}


def live(exchanges: int) -> dict[str, float]:
    import httpx

    from conformance.partner import PartnerSession, Settings
    from conformance.standard.catalog import Catalog

    process = subprocess.Popen([sys.executable, str(REFSYS), "--role", "co-approver", "--port", "0",
                                "--time-scale", "0.01", "--exit-after", "600"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        inbox = process.stdout.readline().split()[1]
        standard = Catalog([REPO / "standards"]).load(STANDARD)
        body = (SOURCE / "bodies" / "0005.xml").read_bytes()  # a result notice: no reply follows
        with httpx.Client(trust_env=False, timeout=10) as client:
            client.post(inbox, content=body, headers={"content-type": "application/xml"})
            started = time.perf_counter()
            for _ in range(exchanges):
                client.post(inbox, content=body, headers={"content-type": "application/xml",
                                                          "reply-to": "http://127.0.0.1:9/inbox"})
            bare = (time.perf_counter() - started) / exchanges
        settings = Settings(endpoint=inbox, time_scale=0.01, timeout=10, settle=0.0)
        per_message = []
        with tempfile.TemporaryDirectory(prefix="bench-live-") as tmp, PartnerSession(
                standard, conversation=None, play="lead", settings=settings) as partner:
            for run in range(max(1, exchanges // 20)):
                started = time.perf_counter()
                report = partner.run(["happy-path"], Path(tmp) / str(run))[0]
                elapsed = time.perf_counter() - started
                assert report.log is not None
                messages = sum(1 for e in read_log(report.log).events if e.body is not None)
                per_message.append(elapsed / messages)
    finally:
        process.terminate()
        process.wait(10)
    partner_s = statistics.median(per_message)
    return {"bare_round_trip_ms": round(bare * 1000, 2), "partner_per_message_ms": round(partner_s * 1000, 2),
            "ratio": round(partner_s / bare, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="recorded conversations")
    parser.add_argument("--runs", type=int, default=3, help="runs of each side (median)")
    parser.add_argument("--quick", action="store_true", help="one run per side, 100 live exchanges")
    parser.add_argument("--no-live", action="store_true")
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    result = {"when": datetime.now().astimezone().isoformat(timespec="seconds"),
              "offline": offline(args.count, runs)}
    print(json.dumps(result["offline"]), flush=True)
    if not args.no_live:
        result["live"] = live(100 if args.quick else 400)
        print(json.dumps(result["live"]), flush=True)


if __name__ == "__main__":
    main()
