"""The live partner against hostile or careless systems under test (loopback only, every run
bounded): malformed ids, stale and second openings, dripping and busy peers, odd headers, bad
URLs and addresses; each gives a note or a clear error, never a crash, a hang or a mixed log."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance.conversations import Direction, NoteKind
from conformance.core.errors import SpecError, UsageError
from conformance.core.findings import Outcome, Verdict
from conformance.partner import PartnerSession, ScenarioReport, Settings, overall
from conformance.partner.composer import Composer
from conformance.partner.filling import fill
from conformance.partner.inbox import MAX_CONNECTIONS, Budget, Delivery, Inbox
from conformance.partner.outbox import Outbox
from tests.partner.fake_system import FakeSystem, approval, exposed, fake_system
from tests.partner.test_partner import bounded, log_of, messages, notes, settings


def play(system: FakeSystem, tmp_path: Path, *scenarios: str, role: str = "co-approver",
         **more: Any) -> list[ScenarioReport]:
    def work() -> list[ScenarioReport]:
        with PartnerSession(approval(), conversation=None, play=role,
                            settings=settings(system, **more)) as session:
            return session.run(scenarios or ("happy-path",), tmp_path / "out")
    reports: list[ScenarioReport] = bounded(work)
    return reports


def conversations_judged(report: ScenarioReport) -> set[str | None]:
    log = log_of(report)
    return {(exposed(e.body.read_bytes()) or {}).get("conversation-id") for e in log.events
            if e.body is not None}


def _opening(system: FakeSystem, case: str, conversation_id: str | None = None) -> bytes:
    return system.composer.compose("opinion-request", conversation_id=conversation_id or str(uuid.uuid4()),
                                   request=None, created=datetime.now().astimezone(),
                                   extra={"case-id": case}).body


# --- ids from the other side ----------------------------------------------------------------------

class MalformedLead(FakeSystem):
    """A lead whose conversation id is no UUID (it fails APR-003)."""

    def _open(self, partner: str, case: str) -> None:
        body = _opening(self, case, "00000000-0000-0000-0000-000000000000")
        self._post(partner, body.replace(b"00000000-0000-0000-0000-000000000000", b"not-a-uuid"))
        self.opened_case = case


def test_a_malformed_conversation_id_is_answered_with_an_error_signal_echoing_it(tmp_path: Path) -> None:
    system = MalformedLead(approval(), role="lead")
    try:
        reports = play(system, tmp_path, "happy-path", "retry", trigger=system.trigger)
    finally:
        system.close()
    first = reports[0]
    assert first.error is None and first.log is not None and (first.log / "exchange.json").is_file()
    assert messages(log_of(first)) == [("received", "opinion-request"), ("sent", "error")]
    error = next(e for e in log_of(first).events if e.body is not None and e.direction is Direction.SENT)
    fields = exposed(error.body.read_bytes()) if error.body else None
    assert fields is not None and fields["conversation-id"] == "not-a-uuid"  # echoed, as it must be
    assert fields["error-code"] == "E-INVALID"
    said = notes(log_of(first), NoteKind.SCENARIO)
    assert any("answered with an error signal E-INVALID" in t for t in said)
    assert first.result is not None and first.result.outcomes["APR-003"] is Outcome.FAILED
    # The run goes on: the next scenario is played (the same bad id, from an earlier scenario, is
    # no longer this run's conversation: a note, never judged).
    assert reports[1].result is not None and reports[1].error is None
    assert any("not one of this run" in t for t in notes(log_of(reports[1]), NoteKind.LIMIT))


def test_a_tool_error_in_one_scenario_is_noted_its_log_closed_and_the_others_played(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = Composer.compose
    calls = {"n": 0}

    def broken_once(self: Composer, kind: str, **options: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise SpecError("the example is broken", location="examples/x.xml")
        return real(self, kind, **options)
    monkeypatch.setattr(Composer, "compose", broken_once)
    with fake_system(approval()) as system:
        reports = play(system, tmp_path, "happy-path", "retry", role="lead")
    first, second = reports
    assert first.error is not None and "the example is broken" in first.error
    assert first.log is not None and (first.log / "exchange.json").is_file()
    assert any("stopped by an error of the tool or the bundle" in t
               for t in notes(log_of(first), NoteKind.SCENARIO))
    assert second.error is None and second.verdict("co-approver") is Verdict.CONFORMANT
    assert overall(reports, "co-approver") is Verdict.ERROR  # a stopped scenario is never a pass


# --- adoption: only this scenario's case --------------------------------------------------------------

class RetryingLead(FakeSystem):
    """A lead that, asked for a new case, first retries the previous conversation's request."""

    last: bytes | None = None
    opened: list[str]

    def _open(self, partner: str, case: str) -> None:
        if self.last is not None:
            self._post(partner, self.last)
            time.sleep(0.05)
        conversation_id = str(uuid.uuid4())
        self.last = _opening(self, case, conversation_id)
        self.opened.append(conversation_id)
        self._post(partner, self.last)
        self.opened_case = case


def test_a_stale_opening_of_an_earlier_scenario_is_never_adopted(tmp_path: Path) -> None:
    system = RetryingLead(approval(), role="lead")
    system.opened = []
    try:
        reports = play(system, tmp_path, "happy-path", "retry", trigger=system.trigger)
    finally:
        system.close()
    assert [conversations_judged(r) for r in reports] == [{system.opened[0]}, {system.opened[1]}]
    assert any("not one of this run" in t for t in notes(log_of(reports[1]), NoteKind.LIMIT))
    # (The fake lead acts twice on the retried opinion: only the first scenario is conformant.)
    assert reports[0].verdict("lead") is Verdict.CONFORMANT


class TwiceOpeningLead(FakeSystem):
    """A lead that opens a decoy (another case) and then a second conversation of the case asked for
    after the right one; with `name`, it answers the trigger naming the conversation it opens."""

    name = False
    right: str = ""

    def answer(self, handler: Any, body: bytes) -> None:
        if handler.path != "/start":
            super().answer(handler, body)
            return
        start = json.loads(body)
        self.right = str(uuid.uuid4())
        self._later(lambda: self._open_all(start["partner-inbox"], start["case-id"]))
        answer = json.dumps({"conversation-id": self.right}).encode() if self.name else b""
        handler.send_response(202)
        handler.send_header("Content-Length", str(len(answer)))
        handler.end_headers()
        handler.wfile.write(answer)

    def _open_all(self, partner: str, case: str) -> None:
        time.sleep(0.1)  # after the trigger's answer
        self._post(partner, _opening(self, "OTHER-CASE-1"))  # a decoy of another case
        if self.name:
            self._post(partner, _opening(self, case))  # the right case, not the conversation named
        self._post(partner, _opening(self, case, self.right))
        self._post(partner, _opening(self, case))  # a second opening of the same case
        self.opened_case = case


@pytest.mark.parametrize("name", [False, True], ids=["by-case", "by-trigger-answer"])
def test_only_the_opening_asked_for_is_adopted(name: bool, tmp_path: Path) -> None:
    system = TwiceOpeningLead(approval(), role="lead")
    system.name = name
    try:
        [report] = play(system, tmp_path, trigger=system.trigger)
    finally:
        system.close()
    assert conversations_judged(report) == {system.right}
    assert len(notes(log_of(report), NoteKind.LIMIT)) == (3 if name else 2)
    assert report.verdict("lead") is Verdict.CONFORMANT, report.result and report.result.failures()


# --- the inbox --------------------------------------------------------------------------------------

class OddTypes(FakeSystem):
    """A co-approver whose replies carry a Content-Type that is no media type."""

    def _post(self, url: str, body: bytes) -> int:
        try:
            return self.client.post(url, content=body, headers={"Content-Type": "xml",
                                                                "Reply-To": self.url}).status_code
        except httpx.HTTPError:
            return 0


def test_a_content_type_without_a_slash_is_recorded_as_octet_stream_not_lost(tmp_path: Path) -> None:
    system = OddTypes(approval())
    try:
        [report] = play(system, tmp_path, role="lead")
    finally:
        system.close()
    log = log_of(report)
    received = [e for e in log.events if e.body is not None and e.direction is Direction.RECEIVED]
    assert len(received) == 3
    assert {e.media_type for e in received} == {"application/octet-stream"}
    assert report.verdict("co-approver") is Verdict.CONFORMANT, report.result and report.result.failures()


def test_a_message_that_cannot_be_recorded_is_answered_500_and_noted() -> None:
    limits: list[str] = []

    def receive(delivery: Delivery) -> None:
        raise RuntimeError("disk full")
    with Inbox(max_body_bytes=1000) as inbox:
        problems: list[str] = []
        inbox.open_scenario(receive, limits.append, Budget(10, 50), problems.append)
        with httpx.Client(trust_env=False, timeout=5) as client:
            assert client.post(inbox.url, content=b"<a/>").status_code == 500
    # Our failure, not a bound the peer crossed: the delivery rule must not count it against the SUT.
    assert problems == ["a message could not be recorded (RuntimeError): answered 500"]
    assert limits == []


def test_the_arrival_time_is_taken_before_the_message_is_judged() -> None:
    got: list[tuple[Delivery, datetime]] = []

    def slow(delivery: Delivery) -> None:
        time.sleep(0.4)  # judging a message takes a while
        got.append((delivery, datetime.now().astimezone()))
    with Inbox(max_body_bytes=1000) as inbox:
        inbox.open_scenario(slow, lambda text: None, Budget(10, 50))
        with httpx.Client(trust_env=False, timeout=5) as client:
            assert client.post(inbox.url, content=b"<a/>",
                               headers={"Content-Type": "Application/XML; q=1"}).status_code == 202
    [(delivery, judged)] = got
    assert (judged - delivery.arrived).total_seconds() >= 0.35
    assert delivery.media_type == "application/xml"


def test_past_the_judging_budget_messages_are_recorded_unread(tmp_path: Path) -> None:
    with fake_system(approval()) as system:
        [report] = play(system, tmp_path, role="lead", judge_seconds=0.0, timeout=0.5)
    log = log_of(report)
    assert any("the rest are recorded unread" in t for t in notes(log, NoteKind.SCENARIO))
    assert [e for e in log.events if e.body is not None and e.direction is Direction.RECEIVED]


def test_the_default_body_limit_is_that_of_the_reference_system() -> None:
    assert Settings(endpoint="http://127.0.0.1:9/inbox").max_body_bytes == 256 * 1024


def test_more_connections_than_the_slots_are_answered_503_and_noted_once() -> None:
    limits: list[str] = []
    with Inbox(max_body_bytes=1000) as inbox:
        inbox.open_scenario(lambda delivery: None, limits.append, Budget(100, 1000))
        host, port = inbox.url.removeprefix("http://").removesuffix("/inbox").rsplit(":", 1)
        idle = []
        try:
            for _ in range(MAX_CONNECTIONS):  # each holds a handler thread until it speaks
                idle.append(socket.create_connection((host, int(port)), timeout=5))

            def knock() -> bytes:
                # A knock that got a free slot is answered nothing (it never speaks): b"".
                # Connecting may wait on a busy machine; only the answer is awaited briefly.
                with socket.create_connection((host, int(port)), timeout=20) as extra:
                    extra.settimeout(1)
                    try:
                        return extra.recv(4096)
                    except TimeoutError:
                        return b""

            # The server takes the idle connections at its own pace: wait until every slot is
            # taken (a knock answered 503) rather than for a fixed time a busy machine may need more of.
            deadline = time.monotonic() + 20
            first = knock()
            while not first.startswith(b"HTTP/1.0 503") and not first.startswith(b"HTTP/1.1 503") \
                    and time.monotonic() < deadline:
                time.sleep(0.1)
                first = knock()
            answers = [first.split()[1:2], *(knock().split()[1:2] for _ in range(2))]
            assert answers == [[b"503"]] * 3
        finally:
            for connection in idle:
                connection.close()
        deadline = time.monotonic() + 10
        while not limits and time.monotonic() < deadline:
            time.sleep(0.05)
    assert limits == [f"more than {MAX_CONNECTIONS} connections at once: the rest are answered 503 and "
                      "not recorded"]


def test_a_busy_listen_address_is_a_usage_error_naming_it() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(UsageError, match=f"cannot listen on 127.0.0.1:{port}: "):
            Inbox("127.0.0.1", port, max_body_bytes=1000)


def test_binding_the_inbox_asks_no_name_server(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_lookup(*args: Any) -> str:
        raise AssertionError("socket.getfqdn called: a reverse DNS lookup")
    monkeypatch.setattr(socket, "getfqdn", no_lookup)
    with Inbox(max_body_bytes=1000) as inbox:
        assert inbox.url.startswith("http://127.0.0.1:")


# --- the outbox ---------------------------------------------------------------------------------------

def _dripping_peer(answer_trigger: bool = False) -> tuple[socket.socket, int]:
    """A peer that answers one byte every 0.2 s: each read is quick, the answer never ends."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)

    def serve() -> None:
        with server:
            connection, _ = server.accept()
            with connection:
                connection.settimeout(10)
                data = b""
                while b"\r\n\r\n" not in data:
                    data += connection.recv(65536)
                try:
                    connection.sendall(b"HTTP/1.1 202 Accepted\r\nX-Drip: ")
                    for _ in range(60):
                        time.sleep(0.2)
                        connection.sendall(b"a")
                except OSError:
                    return
    threading.Thread(target=serve, daemon=True).start()
    return server, server.getsockname()[1]


@pytest.mark.parametrize("trigger", [False, True], ids=["delivery", "trigger"])
def test_a_dripping_peer_cannot_hold_a_request_past_the_timeout(trigger: bool) -> None:
    _, port = _dripping_peer()
    outbox = Outbox(reply_to="http://127.0.0.1:9/inbox", timeout=0.5)
    try:
        start = time.monotonic()
        url = f"http://127.0.0.1:{port}/inbox"
        answer = outbox.trigger(url, b"{}") if trigger else outbox.deliver(url, b"<a/>", "application/xml")
        took = time.monotonic() - start
    finally:
        outbox.close()
    assert took < 2.0, took
    assert answer.note is NoteKind.TIMEOUT


@pytest.mark.parametrize("url", ["http://xn--/inbox", "http://[::1/inbox", "ftp-ish://"])
def test_a_url_httpx_cannot_use_is_a_note_not_an_exception(url: str) -> None:
    outbox = Outbox(reply_to="http://127.0.0.1:9/inbox", timeout=0.5)
    try:
        answer = outbox.deliver(url, b"<a/>", "application/xml")
    finally:
        outbox.close()
    assert answer.note is NoteKind.REFUSED and answer.text


# --- filling JSON through the checker's selector -----------------------------------------------------

def test_a_json_pointer_is_filled_in_as_the_checker_reads_it() -> None:
    message_type = approval().message_types["approval-json"]
    template = json.dumps({"a": [{"b/c~d": "x"}, "y"], "n": {"m": 1}}).encode()
    paths = {"first": "/a/0/b~1c~0d", "second": "/a/1", "deep": "/n/m"}
    filled = json.loads(fill(template, message_type, paths, {"first": "1", "second": "2", "deep": "3"},
                             where="t.json"))
    assert filled == {"a": [{"b/c~d": "1"}, "2"], "n": {"m": "3"}}
    with pytest.raises(SpecError, match="the example has no member at /a/5"):
        fill(template, message_type, {"f": "/a/5"}, {"f": "1"}, where="t.json")


# --- the command line -------------------------------------------------------------------------------

def test_a_busy_listen_port_exits_2_without_a_traceback(tmp_path: Path) -> None:
    from tests.partner.test_cli_partner import conform_partner

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = conform_partner("--play", "lead", "--endpoint", "http://127.0.0.1:9/inbox",
                                 "--listen", f"127.0.0.1:{port}", "--out", tmp_path / "run")
    assert result.exit_code == 2, result.output
    assert f"cannot listen on 127.0.0.1:{port}" in result.output


def test_ci_refuses_to_wait_for_a_person_when_the_system_opens(tmp_path: Path) -> None:
    from tests.partner.test_cli_partner import conform_partner

    result = conform_partner("--play", "co-approver", "--endpoint", "http://127.0.0.1:9/inbox", "--ci",
                             "--out", tmp_path / "run")
    assert result.exit_code == 2, result.output
    assert "--ci: lead opens the conversation" in result.output and "--trigger" in result.output


def test_default_out_folders_never_collide(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.cli.partner import _new_folder

    monkeypatch.chdir(tmp_path)
    folders = [_new_folder() for _ in range(3)]  # within one second
    assert len(set(folders)) == 3 and all((tmp_path / f).is_dir() for f in folders)
    assert folders[1].name == f"{folders[0].name}-2"


def test_the_text_summary_speaks_chinese(tmp_path: Path) -> None:
    from tests.partner.test_cli_partner import conform_partner

    with fake_system(approval(), "silent") as system:
        result = conform_partner("--play", "lead", "--endpoint", system.url, "--scenario", "happy-path",
                                 "--time-scale", "0.001", "--timeout", "1", "--settle", "0",
                                 "--out", tmp_path / "run", "--lang", "zh")
    assert result.exit_code == 1, result.output
    assert "本工具扮演 lead" in result.stdout and "happy-path：不符合" in result.stdout
    assert "APR-109 必须 未通过（事件 2）：" in result.stdout
    assert "结论：不符合" in result.stdout
    assert "conform：本工具扮演 lead（收件地址 http://127.0.0.1:" in result.stderr


def test_skip_reasons_come_in_both_languages() -> None:
    from conformance.partner.plan import Skipped

    with fake_system(approval()) as system, PartnerSession(approval(), conversation=None, play="lead",
                        settings=settings(system, time_scale=1.0, timeout=1.0)) as session:
        [late] = session.plan(["late"])
    assert isinstance(late, Skipped)
    assert "more than --timeout" in late.why("en") and "超过 --timeout" in late.why("zh")
