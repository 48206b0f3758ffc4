"""The `delivery` rule: transport notes of a log are findings about the role they concern.

A delivery the receiver did not take (a closed connection, a status outside 2xx, a refused
connection) or a bound its sender exceeded (a `limit` note) fails the rule at the note's event; a
timeout does not (the within rules judge missing replies); nor does a note about the partner, a
message the recorder took and set aside, or a POST to a URL that is no inbox of the receiver.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.conversations.checker import ConversationChecker
from conformance.conversations.log import Direction, ExchangeLog, NoteKind, Party, Transport
from conformance.conversations.logwriter import LogWriter
from conformance.core.findings import Finding, Outcome, Verdict
from conformance.core.results import PayloadResult
from conformance.standard.manifest import load_standard
from conformance.standard.model import Standard
from conformance.validation.judge import PayloadJudge
from tests.conversations.approval_logs import REF, T0, body, uid, write_bundle
from tests.standard.conversation_bundle import CONVERSATION

RULE = "R-APR-C-DELIVERY"
INBOX = {"lead": "http://127.0.0.1:8401/inbox", "co-approver": "http://127.0.0.1:8402/inbox"}


@pytest.fixture(scope="module")
def checker(tmp_path_factory: pytest.TempPathFactory) -> ConversationChecker:
    folder = tmp_path_factory.mktemp("bundle")
    conversation = copy.deepcopy(CONVERSATION)
    conversation["rules"].append({"id": "APR-C-DELIVERY", "kind": "delivery",
                                  "message": {"zh": "必须接受投递", "en": "Deliveries must be taken."}})
    write_bundle(folder, conversation=conversation)
    manifest = yaml.safe_load((folder / "standard.yaml").read_text("utf-8"))
    manifest["requirements"].append({
        "id": RULE, "level": "MUST", "statement": {"zh": "投递", "en": "delivery"},
        "classes": ["co-approver", "lead"], "hint": {"zh": "先应答 202", "en": "answer 202 first"},
        "checks": [{"by": "conversation", "conversation": "parallel-approval", "rule": "APR-C-DELIVERY"}]})
    (folder / "standard.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), "utf-8")
    standard: Standard = load_standard(folder)
    return ConversationChecker(standard, PayloadJudge([standard]))


class Log:
    """A log of the test bundle with recorded endpoints; the recorder plays the role not under test."""

    def __init__(self, folder: Path, *, sut: str = "co-approver", endpoints: bool = True) -> None:
        self.sut = sut
        self.writer = LogWriter(folder, standard=REF, conversation="parallel-approval", system_under_test=sut,
                                parties=[Party(r, INBOX[r] if endpoints else None) for r in INBOX],
                                recorded_by={"tool": "tests", "version": "0", "mode": "partner"}, started=T0)
        self.count = 0
        self.at = 0.0

    def _time(self) -> Any:
        self.at += 1
        return T0 + timedelta(seconds=self.at)

    def send(self, kind: str, sender: str, *, status: int | None = None,
             headers: dict[str, str] | None = None, **fields: Any) -> str:
        self.count += 1
        message_id = uid(self.count)
        receiver = "lead" if sender == "co-approver" else "co-approver"
        transport = Transport(method="POST", url=INBOX[receiver], status=status, headers=headers or {})
        self.writer.message(direction=Direction.RECEIVED if sender == self.sut else Direction.SENT,
                            sender=sender, receiver=receiver, body=body(kind, message_id, **fields),
                            media_type="application/json", transport=transport, time=self._time())
        return message_id

    def note(self, note: NoteKind, sender: str, text: str, *, status: int | None = None,
             url: str | None = "inbox") -> int:
        """A note about `sender`'s request to the other role (its inbox, unless `url` says otherwise)."""
        receiver = "lead" if sender == "co-approver" else "co-approver"
        transport = None if url is None and status is None else Transport(
            method="POST", url=INBOX[receiver] if url == "inbox" else url, status=status)
        event = self.writer.note(direction=Direction.SENT if sender != self.sut else Direction.RECEIVED,
                                 sender=sender, receiver=receiver, note=note, text=text, transport=transport,
                                 time=self._time())
        return event.seq

    def happy(self) -> None:
        request = self.send("opinion-request", "lead")
        self.send("receipt-ack", "co-approver", reply_to=request)
        self.send("acceptance", "co-approver", reply_to=request)
        opinion = self.send("opinion", "co-approver", reply_to=request, decision="approve")
        self.send("result-notice", "lead", reply_to=opinion)

    def close(self) -> ExchangeLog:
        return self.writer.close(ended=self._time())


def delivery_findings(result: PayloadResult) -> list[Finding]:
    return [f for f in result.findings if f.requirement_id == RULE]


def test_a_happy_path_passes_the_delivery_rule(checker: ConversationChecker, tmp_path: Path) -> None:
    log = Log(tmp_path / "log")
    log.happy()
    result = checker.check(log.close())
    assert result.outcomes[RULE] is Outcome.PASSED
    assert result.verdict is Verdict.CONFORMANT, [f.message.en for f in result.failures()]


@pytest.mark.parametrize(("note", "status", "text", "says"), [
    (NoteKind.HTTP_STATUS, 500, "http://127.0.0.1:8402/inbox answered HTTP 500 Internal Server Error",
     "co-approver answered a delivery outside 2xx (event 6: http-status, HTTP 500, "
     "'http://127.0.0.1:8402/inbox answered HTTP 500 Internal Server Error')"),
    (NoteKind.CONNECTION_CLOSED, None, "http://127.0.0.1:8402/inbox closed the connection: disconnected",
     "co-approver closed the connection instead of answering a delivery (event 6: connection-closed, "),
    (NoteKind.REFUSED, None, "could not connect to http://127.0.0.1:8402/inbox: Connection refused",
     "co-approver could not be connected to for a delivery (event 6: refused, "),
])
def test_a_delivery_not_taken_fails_at_the_note(checker: ConversationChecker, tmp_path: Path, note: NoteKind,
                                                status: int | None, text: str, says: str) -> None:
    log = Log(tmp_path / "log")
    log.happy()
    seq = log.note(note, "lead", text, status=status)
    result = checker.check(log.close())
    assert result.outcomes[RULE] is Outcome.FAILED
    assert sorted(r for r, o in result.outcomes.items() if o is Outcome.FAILED) == [RULE]
    (finding,) = delivery_findings(result)
    assert finding.location is not None and finding.location.event == seq == 6
    assert finding.message.en.startswith("Deliveries must be taken: ")
    assert says in finding.message.en and text in finding.message.en
    assert f"事件 {seq}：{note}" in finding.message.zh and text in finding.message.zh
    assert finding.hint is not None and finding.hint.en == "answer 202 first"
    assert result.verdicts["co-approver"] is Verdict.NOT_CONFORMANT


def test_a_refused_first_delivery_fails_even_when_the_system_sent_nothing(
        checker: ConversationChecker, tmp_path: Path) -> None:
    log = Log(tmp_path / "log")
    log.send("opinion-request", "lead")
    log.note(NoteKind.REFUSED, "lead", "could not connect")
    result = checker.check(log.close())
    assert result.outcomes[RULE] is Outcome.FAILED
    assert result.outcomes["R-APR-C-SEQUENCE"] is Outcome.CANT_TELL  # it sent nothing: no pass


def test_a_message_recorded_with_a_status_outside_2xx_fails_at_the_message(
        checker: ConversationChecker, tmp_path: Path) -> None:
    """An importer (HAR) records the answer's status on the message itself."""
    log = Log(tmp_path / "log")
    request = log.send("opinion-request", "lead", status=202)
    log.send("receipt-ack", "co-approver", reply_to=request, status=202)
    log.send("acceptance", "co-approver", reply_to=request)
    opinion = log.send("opinion", "co-approver", reply_to=request, decision="approve")
    log.send("result-notice", "lead", reply_to=opinion, status=503)
    result = checker.check(log.close())
    (finding,) = delivery_findings(result)
    assert finding.location is not None and finding.location.event == 5
    assert ("co-approver answered the delivery of event 5 with HTTP 503, not 202 Accepted"
            in finding.message.en)
    assert "HTTP 503" in finding.message.zh


def test_a_timeout_is_no_delivery_failure(checker: ConversationChecker, tmp_path: Path) -> None:
    log = Log(tmp_path / "log")
    log.happy()
    log.note(NoteKind.TIMEOUT, "lead", "no answer from http://127.0.0.1:8402/inbox within 2 s")
    assert checker.check(log.close()).outcomes[RULE] is Outcome.PASSED


def test_a_limit_note_about_the_system_fails(checker: ConversationChecker, tmp_path: Path) -> None:
    log = Log(tmp_path / "log")
    log.happy()
    text = "more than 100 requests, or more than 50 a second, in this scenario: the rest are answered 429"
    seq = log.note(NoteKind.LIMIT, "co-approver", text, url=None)
    result = checker.check(log.close())
    (finding,) = delivery_findings(result)
    assert finding.location is not None and finding.location.event == seq
    assert (f"co-approver sent more than the recorder's bounds allow (event {seq}: '{text}')"
            in finding.message.en)
    assert "超出了记录方的限制" in finding.message.zh


def test_a_message_taken_and_set_aside_is_no_limit_exceeded(checker: ConversationChecker,
                                                             tmp_path: Path) -> None:
    """The partner takes (202) a message of another conversation and records it as a limit note."""
    log = Log(tmp_path / "log")
    log.happy()
    log.note(NoteKind.LIMIT, "co-approver", "a message of conversation 'x', not one of this run", status=202)
    assert checker.check(log.close()).outcomes[RULE] is Outcome.PASSED


def test_notes_about_the_partner_are_no_evidence_about_the_system(
        checker: ConversationChecker, tmp_path: Path) -> None:
    log = Log(tmp_path / "log")
    log.happy()
    log.note(NoteKind.HTTP_STATUS, "co-approver", "the lead's inbox answered HTTP 503", status=503)
    log.note(NoteKind.LIMIT, "lead", "the lead flooded", url=None)
    result = checker.check(log.close())
    assert result.outcomes[RULE] is Outcome.PASSED
    assert delivery_findings(result) == []


def test_a_post_to_a_url_that_is_no_inbox_of_the_receiver_is_no_delivery(
        checker: ConversationChecker, tmp_path: Path) -> None:
    """The tester's trigger of a lead under test is not a message of the conversation."""
    log = Log(tmp_path / "log", sut="lead")
    log.note(NoteKind.HTTP_STATUS, "co-approver", "trigger: answered HTTP 500", status=500,
             url="http://127.0.0.1:8401/start")
    result = checker.check(log.close())
    # Not failed: the lead, which sent nothing, cannot tell (this bundle judges no sequence of it).
    assert result.outcomes[RULE] is Outcome.CANT_TELL
    assert [f.outcome for f in delivery_findings(result)] == [Outcome.CANT_TELL]


def test_a_reply_to_url_the_system_gave_is_one_of_its_inboxes(checker: ConversationChecker,
                                                               tmp_path: Path) -> None:
    log = Log(tmp_path / "log")
    request = log.send("opinion-request", "lead")
    log.send("receipt-ack", "co-approver", reply_to=request, headers={"reply-to": "http://10.0.0.2/replies"})
    log.send("acceptance", "co-approver", reply_to=request)
    opinion = log.send("opinion", "co-approver", reply_to=request, decision="approve")
    log.send("result-notice", "lead", reply_to=opinion)
    seq = log.note(NoteKind.CONNECTION_CLOSED, "lead", "closed", url="http://10.0.0.2/replies")
    log.note(NoteKind.CONNECTION_CLOSED, "lead", "closed", url="http://10.0.0.9/elsewhere")
    result = checker.check(log.close())
    assert [f.location.event for f in delivery_findings(result) if f.location] == [seq]


def test_without_recorded_endpoints_every_delivery_note_counts(checker: ConversationChecker,
                                                                tmp_path: Path) -> None:
    log = Log(tmp_path / "log", endpoints=False)
    log.happy()
    log.note(NoteKind.HTTP_STATUS, "lead", "HTTP 500", status=500, url="http://127.0.0.1:9/anything")
    assert checker.check(log.close()).outcomes[RULE] is Outcome.FAILED


def test_a_log_delivering_nothing_to_the_system_leaves_the_rule_inapplicable(
        checker: ConversationChecker, tmp_path: Path) -> None:
    log = Log(tmp_path / "log")
    log.note(NoteKind.TIMEOUT, "co-approver", "no opinion-request within 30 s")
    result = checker.check(log.close())
    assert result.outcomes[RULE] is Outcome.INAPPLICABLE
    assert result.outcomes["R-APR-C-SEQUENCE"] is Outcome.CANT_TELL


def test_a_hostile_note_text_is_quoted_escaped_and_short(checker: ConversationChecker,
                                                         tmp_path: Path) -> None:
    log = Log(tmp_path / "log")
    log.happy()
    log.note(NoteKind.HTTP_STATUS, "lead", "\x1b[31mred\x1b[0m " + "x" * 4000, status=500)
    (finding,) = delivery_findings(checker.check(log.close()))
    assert "\x1b" not in finding.message.en and "\\x1b[31mred" in finding.message.en
    assert len(finding.message.en) < 400 and finding.message.en.endswith("…)")


def test_many_notes_are_judged_in_one_pass(checker: ConversationChecker, tmp_path: Path) -> None:
    log = Log(tmp_path / "log")
    log.happy()
    for _ in range(2000):
        log.note(NoteKind.REFUSED, "lead", "could not connect")
    result = checker.check(log.close())
    assert len(delivery_findings(result)) == 2000
    assert [f.location.event for f in delivery_findings(result) if f.location][:2] == [6, 7]
