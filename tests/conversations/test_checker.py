"""The offline conversation checker on scripted logs: each rule kind held, broken and not exercised."""

from __future__ import annotations

import copy
import dataclasses
import json
import time
from pathlib import Path

import pytest

from conformance.conversations.checker import ConversationChecker
from conformance.conversations.log import ExchangeLog
from conformance.core.errors import SpecError
from conformance.core.findings import Outcome, Verdict
from conformance.core.results import PayloadResult
from conformance.standard.manifest import load_standard
from conformance.standard.model import Standard
from conformance.validation.judge import PayloadJudge
from tests.conversations.approval_logs import CID, REF, Script, body, happy, rule_ids, write_bundle
from tests.standard.conversation_bundle import CONVERSATION

SUT_RULES = {f"R-{r}" for r in rule_ids()}


@pytest.fixture(scope="module")
def standard(tmp_path_factory: pytest.TempPathFactory) -> Standard:
    return load_standard(write_bundle(tmp_path_factory.mktemp("bundle")))


@pytest.fixture(scope="module")
def checker(standard: Standard) -> ConversationChecker:
    return ConversationChecker(standard, PayloadJudge([standard]))


def failed(result: PayloadResult) -> list[str]:
    return sorted(r for r, o in result.outcomes.items() if o is Outcome.FAILED)


def _script(tmp_path: Path, name: str = "log", **options: object) -> Script:
    return Script(tmp_path / name, **options)  # type: ignore[arg-type]


def test_happy_path_is_conformant(checker: ConversationChecker, tmp_path: Path) -> None:
    log = happy(_script(tmp_path))
    result = checker.check(log)
    assert result.verdict is Verdict.CONFORMANT, [f.message.en for f in result.failures()]
    assert result.standard == REF
    assert result.message_type == "conversation:parallel-approval"
    assert result.sha256 == log.content_hash
    assert result.size == sum(e.size or 0 for e in log.events)
    assert result.name == str(log.root)
    outcomes = result.outcomes
    for rid in ("APR-001", "APR-002", "R-APR-C-SEQUENCE", "R-APR-C-DECISION", "R-APR-C-CONV-ID",
                "R-APR-C-ACK-REPLY", "R-APR-C-ACK-COPIES", "R-APR-C-ACK-WITHIN", "R-APR-C-OPINION-WITHIN"):
        assert outcomes[rid] is Outcome.PASSED, rid
    # Not exercised by a happy path.
    for rid in ("R-APR-C-DUPLICATE", "R-APR-C-LATE", "R-APR-C-INVALID", "R-APR-C-ORDER"):
        assert outcomes[rid] is Outcome.INAPPLICABLE, rid
    # About the lead only (the partner here): untested, so the lead class is not conformant.
    assert outcomes["R-APR-C-NOTICE-WITHIN"] is Outcome.UNTESTED
    assert result.verdicts["lead"] is Verdict.ERROR
    assert result.findings == ()


def test_checking_twice_gives_equal_results(checker: ConversationChecker, tmp_path: Path) -> None:
    script = _script(tmp_path)
    request = script.send("opinion-request", "lead", 0)
    script.send("receipt-ack", "co-approver", 432, reply_to=request)
    log = script.close(500)
    assert checker.check(log) == checker.check(log)


def test_late_ack_says_how_late_and_what_was_allowed(checker: ConversationChecker, tmp_path: Path) -> None:
    script = _script(tmp_path)
    request = script.send("opinion-request", "lead", 0)
    script.send("receipt-ack", "co-approver", 432, reply_to=request)
    script.send("acceptance", "co-approver", 433, reply_to=request)
    opinion = script.send("opinion", "co-approver", 434, reply_to=request, decision="approve")
    script.send("result-notice", "lead", 435, reply_to=opinion)
    result = checker.check(script.close(440))
    assert failed(result) == ["R-APR-C-ACK-WITHIN"]
    assert result.verdict is Verdict.NOT_CONFORMANT
    (finding,) = result.findings
    assert finding.location is not None and finding.location.event == 2
    assert finding.source == "conversation:APR-C-ACK-WITHIN"
    assert ("receipt-ack of event 1 came after 7 min 12 s (event 2); allowed PT5M x time scale 1"
            in finding.message.en)
    assert "7 分 12 秒" in finding.message.zh
    assert finding.hint is not None and finding.hint.en == "hint of APR-C-ACK-WITHIN"


def test_time_scale_shortens_deadlines(checker: ConversationChecker, tmp_path: Path) -> None:
    script = _script(tmp_path, time_scale=0.001)
    request = script.send("opinion-request", "lead", 0)
    script.send("receipt-ack", "co-approver", 0.5, reply_to=request)  # allowed: 0.3 s
    result = checker.check(script.close(1))
    assert "R-APR-C-ACK-WITHIN" in failed(result)
    assert any("allowed PT5M x time scale 0.001" in f.message.en for f in result.findings)


def test_missing_reply_fails_after_the_deadline_and_cannot_tell_before(
        checker: ConversationChecker, tmp_path: Path) -> None:
    script = _script(tmp_path, "late")
    script.send("opinion-request", "lead", 0)
    result = checker.check(script.close(301))
    assert failed(result) == ["R-APR-C-ACK-WITHIN"]
    (finding,) = [f for f in result.findings if f.requirement_id == "R-APR-C-ACK-WITHIN"]
    assert finding.location is not None and finding.location.event == 1
    assert "no receipt-ack answered opinion-request (event 1)" in finding.message.en

    script = _script(tmp_path, "early")
    script.send("opinion-request", "lead", 0)
    result = checker.check(script.close(3))
    assert failed(result) == []
    assert result.outcomes["R-APR-C-ACK-WITHIN"] is Outcome.CANT_TELL
    assert result.verdict is Verdict.ERROR  # a MUST requirement undecided
    assert not result.processing_error


def test_log_ending_before_the_opinion_deadline_cannot_tell(checker: ConversationChecker,
                                                            tmp_path: Path) -> None:
    script = _script(tmp_path)
    request = script.send("opinion-request", "lead", 0)
    script.send("receipt-ack", "co-approver", 1, reply_to=request)
    script.send("acceptance", "co-approver", 2, reply_to=request)
    result = checker.check(script.close(3))
    assert result.outcomes["R-APR-C-OPINION-WITHIN"] is Outcome.CANT_TELL
    assert result.outcomes["R-APR-C-ACK-WITHIN"] is Outcome.PASSED


def test_reply_that_does_not_copy_the_case_id(checker: ConversationChecker, tmp_path: Path) -> None:
    script = _script(tmp_path)
    request = script.send("opinion-request", "lead", 0)
    script.send("receipt-ack", "co-approver", 1, reply_to=request, case="C-2")
    result = checker.check(script.close(2))
    assert failed(result) == ["R-APR-C-ACK-COPIES"]
    (finding,) = result.findings
    assert ("has case-id 'C-2'; the message it replies to, opinion-request (event 1), has 'C-1'"
            in finding.message.en)


def test_reply_to_an_unknown_message(checker: ConversationChecker, tmp_path: Path) -> None:
    script = _script(tmp_path)
    script.send("opinion-request", "lead", 0)
    script.send("receipt-ack", "co-approver", 1, reply_to="00000000-0000-4000-8000-999999999999")
    result = checker.check(script.close(2))
    # The ack names no request: in-reply-to fails, copies cannot be told, the request is still waiting.
    assert failed(result) == ["R-APR-C-ACK-REPLY"]
    assert result.outcomes["R-APR-C-ACK-COPIES"] is Outcome.CANT_TELL


def test_changed_conversation_id_stays_in_its_conversation(checker: ConversationChecker,
                                                          tmp_path: Path) -> None:
    script = _script(tmp_path)
    request = script.send("opinion-request", "lead", 0)
    script.send("receipt-ack", "co-approver", 1, reply_to=request)
    script.send("acceptance", "co-approver", 2, reply_to=request,
                conversation_id="11111111-1111-4111-8111-111111111111")
    result = checker.check(script.close(3))
    assert failed(result) == ["R-APR-C-CONV-ID"]
    assert result.outcomes["R-APR-C-SEQUENCE"] is Outcome.PASSED


def test_guard_on_the_decision(checker: ConversationChecker, tmp_path: Path) -> None:
    script = _script(tmp_path)
    request = script.send("opinion-request", "lead", 0)
    script.send("receipt-ack", "co-approver", 1, reply_to=request)
    script.send("acceptance", "co-approver", 2, reply_to=request)
    script.send("opinion", "co-approver", 3, reply_to=request, decision="maybe")
    result = checker.check(script.close(4))
    assert failed(result) == ["R-APR-C-DECISION"]
    (finding,) = result.findings
    assert "message.decision 'maybe'" in finding.message.en and finding.location.event == 4  # type: ignore[union-attr]


def test_out_of_sequence_message_of_the_sut(checker: ConversationChecker, tmp_path: Path) -> None:
    script = _script(tmp_path)
    request = script.send("opinion-request", "lead", 0)
    script.send("acceptance", "co-approver", 1, reply_to=request)  # before its receipt-ack
    result = checker.check(script.close(2))
    assert "R-APR-C-SEQUENCE" in failed(result)
    finding = next(f for f in result.findings if f.requirement_id == "R-APR-C-SEQUENCE")
    assert "acceptance (event 2) came in state 'requested', which allows receipt-ack" in finding.message.en


def test_sut_sending_a_kind_of_the_other_role(checker: ConversationChecker, tmp_path: Path) -> None:
    script = _script(tmp_path)
    request = script.send("opinion-request", "lead", 0)
    script.send("result-notice", "co-approver", 1, reply_to=request)
    result = checker.check(script.close(2))
    finding = next(f for f in result.findings if f.requirement_id == "R-APR-C-SEQUENCE")
    assert "was sent by co-approver; only lead send it" in finding.message.en


def test_garbage_from_the_sut_is_out_of_sequence_at_its_line(checker: ConversationChecker,
                                                             tmp_path: Path) -> None:
    script = _script(tmp_path)
    script.send("opinion-request", "lead", 0)
    script.send("", "co-approver", 1, raw=b'{"format": "approval",\n  "header": ')
    result = checker.check(script.close(2))
    assert "R-APR-C-SEQUENCE" in failed(result)
    finding = next(f for f in result.findings if f.requirement_id == "R-APR-C-SEQUENCE")
    assert finding.location is not None and finding.location.event == 2 and finding.location.line == 2
    assert "the body is not a message" in finding.message.en
    assert not result.processing_error


def test_duplicate_answered_once_passes_and_twice_fails(checker: ConversationChecker,
                                                       tmp_path: Path) -> None:
    script = _script(tmp_path, "once")
    request = script.send("opinion-request", "lead", 0)
    script.send("receipt-ack", "co-approver", 1, reply_to=request)
    script.send("opinion-request", "lead", 2, message_id=request)
    script.send("receipt-ack", "co-approver", 3, reply_to=request)  # the same signal again: fine
    script.send("acceptance", "co-approver", 4, reply_to=request)
    script.send("opinion", "co-approver", 5, reply_to=request, decision="approve")
    result = checker.check(script.close(6))
    assert result.outcomes["R-APR-C-DUPLICATE"] is Outcome.PASSED, [f.message.en for f in result.findings]
    assert failed(result) == []

    script = _script(tmp_path, "twice")
    request = script.send("opinion-request", "lead", 0)
    script.send("receipt-ack", "co-approver", 1, reply_to=request)
    script.send("acceptance", "co-approver", 2, reply_to=request)
    script.send("opinion", "co-approver", 3, reply_to=request, decision="approve")
    script.send("opinion-request", "lead", 4, message_id=request)
    script.send("opinion", "co-approver", 5, reply_to=request, decision="approve")
    result = checker.check(script.close(6))
    assert failed(result) == ["R-APR-C-DUPLICATE"]
    (finding,) = result.findings
    assert finding.location is not None and finding.location.event == 6
    assert "answered it with 2 distinct opinion (events 4, 6); at most 1 expected" in finding.message.en


def test_invalid_request_rejected_with_the_right_code(checker: ConversationChecker, tmp_path: Path) -> None:
    script = _script(tmp_path, "right")
    bad = script.send("opinion-request", "lead", 0, message_id="not-a-uuid")
    script.send("error", "co-approver", 1, reply_to=bad, code="E-INVALID")
    result = checker.check(script.close(2))
    assert result.outcomes["R-APR-C-INVALID"] is Outcome.PASSED
    assert failed(result) == []
    # The partner's invalid message is not the system under test's failure.
    assert result.outcomes["APR-002"] is Outcome.PASSED
    assert result.verdict is Verdict.CONFORMANT

    script = _script(tmp_path, "wrong-code")
    bad = script.send("opinion-request", "lead", 0, message_id="not-a-uuid")
    script.send("error", "co-approver", 1, reply_to=bad, code="E-ORDER")
    result = checker.check(script.close(2))
    assert failed(result) == ["R-APR-C-INVALID"]
    assert "has code 'E-ORDER', expected E-INVALID" in result.findings[0].message.en

    script = _script(tmp_path, "accepted")
    bad = script.send("opinion-request", "lead", 0, message_id="not-a-uuid")
    script.send("receipt-ack", "co-approver", 1, reply_to=bad)
    script.send("acceptance", "co-approver", 2, reply_to=bad)
    script.send("opinion", "co-approver", 3, reply_to=bad, decision="approve")
    result = checker.check(script.close(4))
    assert "R-APR-C-INVALID" in failed(result)
    messages = [f.message.en for f in result.findings if f.requirement_id == "R-APR-C-INVALID"]
    assert any("sent no error signal in reply (expected code E-INVALID)" in m for m in messages)
    assert any("answered it with opinion (event 4)" in m for m in messages)


def test_late_notice_answered_with_e_late(checker: ConversationChecker, tmp_path: Path) -> None:
    script = _script(tmp_path)
    request = script.send("opinion-request", "lead", 0)
    script.send("receipt-ack", "co-approver", 1, reply_to=request)
    script.send("acceptance", "co-approver", 2, reply_to=request)
    opinion = script.send("opinion", "co-approver", 3, reply_to=request, decision="approve")
    notice = script.send("result-notice", "lead", 3 + 15 * 86400, reply_to=opinion)  # P2W is allowed
    script.send("error", "co-approver", 4 + 15 * 86400, reply_to=notice, code="E-LATE")
    result = checker.check(script.close(5 + 15 * 86400))
    assert result.outcomes["R-APR-C-LATE"] is Outcome.PASSED
    # The lead was late, not the system under test: its deadline rule says nothing about the SUT.
    assert result.outcomes["R-APR-C-NOTICE-WITHIN"] is Outcome.UNTESTED
    assert failed(result) == []


def test_out_of_order_message_needs_an_error(checker: ConversationChecker, tmp_path: Path) -> None:
    for name, answer, expected in (("answered", "E-ORDER", []), ("ignored", None, ["R-APR-C-ORDER"])):
        script = _script(tmp_path, name)
        request = script.send("opinion-request", "lead", 0)
        script.send("receipt-ack", "co-approver", 1, reply_to=request)
        notice = script.send("result-notice", "lead", 2, reply_to=request)
        if answer:
            script.send("error", "co-approver", 3, reply_to=notice, code=answer)
        result = checker.check(script.close(4))
        assert failed(result) == expected, name
        assert result.outcomes["R-APR-C-ORDER"] is (Outcome.PASSED if answer else Outcome.FAILED)
        # The lead's out-of-sequence message is the lead's failure, not the SUT's.
        assert result.outcomes["R-APR-C-SEQUENCE"] is Outcome.PASSED


def test_sut_message_findings_are_located_in_their_event(checker: ConversationChecker,
                                                        tmp_path: Path) -> None:
    script = _script(tmp_path)
    request = script.send("opinion-request", "lead", 0)
    script.send("receipt-ack", "co-approver", 1, reply_to=request, message_id="ack-1")
    result = checker.check(script.close(2))
    assert failed(result) == ["APR-002"]
    (finding,) = result.findings
    assert finding.location is not None
    assert (finding.location.event, finding.location.pointer) == (2, "/header/messageId")


def test_lead_as_system_under_test(checker: ConversationChecker, tmp_path: Path) -> None:
    script = _script(tmp_path, sut="lead")
    request = script.send("opinion-request", "lead", 0)
    script.send("receipt-ack", "co-approver", 500, reply_to=request, case="C-9")  # the partner's faults
    script.send("acceptance", "co-approver", 501, reply_to=request)
    opinion = script.send("opinion", "co-approver", 502, reply_to=request, decision="approve")
    script.send("result-notice", "lead", 503, reply_to=opinion)
    result = checker.check(script.close(504), target_class="lead")
    assert failed(result) == []
    assert result.outcomes["R-APR-C-NOTICE-WITHIN"] is Outcome.PASSED
    assert result.outcomes["R-APR-C-ACK-WITHIN"] is Outcome.UNTESTED  # the co-approver's deadline
    assert result.target_class == "lead" and result.verdict is Verdict.CONFORMANT


def test_lead_that_never_notifies(checker: ConversationChecker, tmp_path: Path) -> None:
    script = _script(tmp_path, sut="lead")
    request = script.send("opinion-request", "lead", 0)
    script.send("receipt-ack", "co-approver", 1, reply_to=request)
    script.send("acceptance", "co-approver", 2, reply_to=request)
    script.send("opinion", "co-approver", 3, reply_to=request, decision="approve")
    result = checker.check(script.close(3 + 14 * 86400 + 1))
    assert failed(result) == ["R-APR-C-NOTICE-WITHIN"]
    assert result.findings[0].location.event == 4  # type: ignore[union-attr]


@pytest.mark.parametrize(("member", "value", "said"), [
    ("standard", "other@1.0.0", "exchange.json field standard: the log is of 'other@1.0.0'"),
    ("conversation", "nope", "exchange.json field conversation: approval@1.0.0 has no conversation 'nope'"),
])
def test_log_of_another_standard_or_conversation(checker: ConversationChecker, tmp_path: Path,
                                                 member: str, value: str, said: str) -> None:
    script = _script(tmp_path, **{member: value})
    script.send("opinion-request", "lead", 0)
    result = checker.check(script.close(1))
    assert result.processing_error and result.verdict is Verdict.ERROR
    assert said in result.findings[0].message.en


def test_a_body_changed_after_reading_is_judged_as_hashed_or_refused(checker: ConversationChecker,
                                                                     tmp_path: Path) -> None:
    script = _script(tmp_path)
    script.send("opinion-request", "lead", 0)
    log: ExchangeLog = script.close(1)
    before = checker.check(log)
    body = log.events[0].body
    assert body is not None and log.bodies[log.events[0].body_name or ""] == body.read_bytes()
    body.write_bytes(b"<changed/>")
    # The reader kept the bytes it hashed: those are judged, never what the file holds now.
    assert checker.check(log) == before and not before.processing_error
    # A body the reader did not keep (over its budget) is read again: a change is then refused.
    result = checker.check(dataclasses.replace(log, bodies={}))
    assert result.processing_error
    assert "the body changed after the log was read" in result.findings[0].message.en


def test_a_bad_guard_is_a_spec_error_naming_file_and_transition(tmp_path: Path) -> None:
    conversation = copy.deepcopy(CONVERSATION)
    conversation["transitions"][4]["guard"]["test"] = {"no-such-operator": [1]}
    standard = load_standard(write_bundle(tmp_path, conversation=conversation))
    with pytest.raises(SpecError) as caught:
        ConversationChecker(standard, PayloadJudge([standard]))
    text = str(caught.value)
    assert "parallel-approval.yaml" in text
    assert "transitions[4] (accepted -> answered).guard.test" in text


def test_conversation_id_grouping_keeps_two_conversations_apart(checker: ConversationChecker,
                                                               tmp_path: Path) -> None:
    other = "22222222-2222-4222-8222-222222222222"
    script = _script(tmp_path)
    first = script.send("opinion-request", "lead", 0)
    second = script.send("opinion-request", "lead", 1, conversation_id=other)
    script.send("receipt-ack", "co-approver", 2, reply_to=first)
    script.send("receipt-ack", "co-approver", 3, reply_to=second, conversation_id=other)
    result = checker.check(script.close(4))
    # Two instances, each acknowledged once: nothing is out of sequence or a duplicate.
    assert failed(result) == []
    assert result.outcomes["R-APR-C-SEQUENCE"] is Outcome.PASSED
    assert other != CID


def test_invalid_message_without_an_id_is_answered_by_an_error_replying_to_nothing(
        checker: ConversationChecker, tmp_path: Path) -> None:
    script = _script(tmp_path)
    request = json.loads(body("opinion-request", "x"))
    del request["header"]["messageId"]  # the schema requires it: the request is invalid
    script.send("opinion-request", "lead", 0, raw=json.dumps(request).encode())
    script.send("error", "co-approver", 1, code="E-INVALID")
    result = checker.check(script.close(2))
    assert result.outcomes["R-APR-C-INVALID"] is Outcome.PASSED
    assert failed(result) == []


def test_a_long_hostile_log_is_checked_in_bounded_time(checker: ConversationChecker, tmp_path: Path) -> None:
    script = _script(tmp_path)
    request = script.send("opinion-request", "lead", 0)
    script.send("receipt-ack", "co-approver", 1, reply_to=request)
    for number in range(600):  # out-of-order notices the co-approver never answers
        script.send("result-notice", "lead", 2 + number / 100, reply_to=request)
    started = time.process_time()  # CPU time: a busy machine must not fail it
    result = checker.check(script.close(10))
    assert time.process_time() - started < 30
    assert failed(result) == ["R-APR-C-ORDER"]
    assert sum(1 for f in result.findings if f.requirement_id == "R-APR-C-ORDER") == 600


def test_a_log_where_the_sut_sent_nothing_is_never_a_pass(checker: ConversationChecker,
                                                            tmp_path: Path) -> None:
    script = _script(tmp_path, sut="lead")
    result = checker.check(script.close(30), target_class="lead")  # not a single event
    # No sequence rule judges the lead here (untested); every rule that does cannot tell.
    assert result.outcomes["R-APR-C-SEQUENCE"] is Outcome.UNTESTED
    assert result.outcomes["R-APR-C-NOTICE-WITHIN"] is Outcome.CANT_TELL
    assert result.outcomes["R-APR-C-ORDER"] is Outcome.CANT_TELL
    assert result.verdict is Verdict.ERROR
    assert all(f.location is None for f in result.findings)

    script = _script(tmp_path, "co")
    script.send("opinion-request", "lead", 0)
    result = checker.check(script.close(3))
    assert result.outcomes["R-APR-C-SEQUENCE"] is Outcome.CANT_TELL
    assert result.verdict is Verdict.ERROR
    assert any("co-approver, the system under test, sent no message in this log" in f.message.en
               for f in result.findings)
