"""The conversation checker after review: what a log that shows little proves, answers still on their
way, long deadlines, the clock, limits, Chinese text and HAR prefixes (one test per finding)."""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from conformance.conversations.checker import ConversationChecker
from conformance.conversations.har import import_har
from conformance.conversations.logfile import read_log
from conformance.conversations.machine import group
from conformance.conversations.messages import Correlation, Judged, Observation
from conformance.conversations.rules import LogView, duplicate
from conformance.conversations.timing import deadline
from conformance.core.errors import PayloadError, SpecError, UsageError
from conformance.core.findings import Outcome, Verdict
from conformance.core.results import PayloadResult
from conformance.execution.session import ValidationSession, error_result
from conformance.standard.manifest import load_standard
from conformance.standard.model import Standard
from conformance.validation.judge import PayloadJudge
from tests.conftest import FIXTURES, STANDARDS
from tests.conversations.approval_logs import Script, body, happy, uid, write_bundle
from tests.standard.conversation_bundle import CONVERSATION

MESSAGE_REQUIREMENTS = ("APR-001", "APR-002")  # the message requirements of the test bundle


@pytest.fixture(scope="module")
def standard(tmp_path_factory: pytest.TempPathFactory) -> Standard:
    return load_standard(write_bundle(tmp_path_factory.mktemp("bundle")))


@pytest.fixture(scope="module")
def checker(standard: Standard) -> ConversationChecker:
    return ConversationChecker(standard, PayloadJudge([standard]))


def failed(result: PayloadResult) -> list[str]:
    return sorted(r for r, o in result.outcomes.items() if o is Outcome.FAILED)


def _invalid(message_id: str, **extra: object) -> bytes:
    """An opinion request the schema refuses (an undeclared header member) or whose id is no UUID."""
    data = json.loads(body("opinion-request", message_id))
    data["header"].update(extra)
    return json.dumps(data).encode()


# ------------------------------------------------------------- what a log of little shows (4, 5)

def test_a_body_of_the_sut_that_is_no_message_leaves_its_message_requirements_undecided(
        checker: ConversationChecker, tmp_path: Path) -> None:
    script = Script(tmp_path / "log")
    script.send("opinion-request", "lead", 0)
    script.send("receipt-ack", "co-approver", 1, raw=b'{"not": json')
    result = checker.check(script.close(2), target_class="message")
    for rid in MESSAGE_REQUIREMENTS:
        assert result.outcomes[rid] is Outcome.CANT_TELL, rid
    assert result.verdicts["message"] is Verdict.ERROR and result.verdict is Verdict.ERROR
    (finding,) = [f for f in result.findings if f.requirement_id == "APR-001"]
    assert finding.location is not None and finding.location.event == 2
    assert "event 2, sent by co-approver (the system under test), could not be judged" in finding.message.en
    assert "无法作为报文评判" in finding.message.zh


def test_a_sut_that_sent_nothing_leaves_its_message_requirements_untested(
        checker: ConversationChecker, tmp_path: Path) -> None:
    script = Script(tmp_path / "log")
    script.send("opinion-request", "lead", 0)
    result = checker.check(script.close(2), target_class="message")
    assert {rid: result.outcomes[rid] for rid in MESSAGE_REQUIREMENTS} == dict.fromkeys(
        MESSAGE_REQUIREMENTS, Outcome.UNTESTED)
    assert result.verdict is Verdict.ERROR


def test_a_log_that_exercises_no_rule_judging_the_sut_is_never_a_pass(
        checker: ConversationChecker, tmp_path: Path) -> None:
    """The lead sends garbage; the co-approver one error signal: nothing judged the co-approver."""
    script = Script(tmp_path / "log")
    script.send("opinion-request", "lead", 0, raw=b"garbage")
    script.send("error", "co-approver", 1, code="E-INVALID")
    result = checker.check(script.close(100_000))
    assert result.outcomes["R-APR-C-SEQUENCE"] is Outcome.CANT_TELL
    assert result.verdicts["co-approver"] is Verdict.ERROR
    assert any("nothing co-approver, the system under test, sent in this log (1 of 2 events) exercised"
               in f.message.en for f in result.findings)


def test_a_requirement_of_another_conversation_is_untested_on_this_log(tmp_path: Path) -> None:
    folder = write_bundle(tmp_path / "bundle")
    other = copy.deepcopy(CONVERSATION)
    other["id"] = "other"
    (folder / "conversations" / "other.yaml").write_text(yaml.safe_dump(other, sort_keys=False), "utf-8")
    manifest = yaml.safe_load((folder / "standard.yaml").read_text("utf-8"))
    manifest["conversations"].append({"id": "other", "file": "conversations/other.yaml"})
    manifest["requirements"].append(
        {"id": "R-OTHER", "level": "MUST", "statement": {"zh": "另一会话", "en": "other"},
         "classes": ["co-approver"],
         "checks": [{"by": "conversation", "conversation": "other", "rule": "APR-C-SEQUENCE"}]})
    (folder / "standard.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), "utf-8")
    standard = load_standard(folder)
    result = ConversationChecker(standard, PayloadJudge([standard])).check(happy(Script(tmp_path / "log")))
    assert result.outcomes["R-OTHER"] is Outcome.UNTESTED
    assert result.outcomes["R-APR-C-SEQUENCE"] is Outcome.PASSED
    assert result.verdicts["co-approver"] is Verdict.ERROR  # never conformant on this log alone


# ------------------------------------------------------------------------- rejected messages (6, 13)

def test_each_invalid_message_says_what_it_fails(checker: ConversationChecker, tmp_path: Path) -> None:
    script = Script(tmp_path / "log")
    first = script.send("opinion-request", "lead", 0, raw=_invalid(uid(1), extra=1), message_id=uid(1))
    script.send("error", "co-approver", 1, reply_to=first, code="E-WRONG")
    second = script.send("opinion-request", "lead", 2, raw=_invalid("not-a-uuid"), message_id="not-a-uuid")
    script.send("error", "co-approver", 3, reply_to=second, code="E-WRONG")
    result = checker.check(script.close(10))
    said = [f.message.en for f in result.findings if f.requirement_id == "R-APR-C-INVALID"]
    assert len(said) == 2
    assert "opinion-request (event 1) is invalid (fails APR-001);" in said[0]
    assert "opinion-request (event 3) is invalid (fails APR-002);" in said[1]


@pytest.mark.parametrize(("ended", "then", "expected"), [
    (0.5, False, Outcome.CANT_TELL),  # the error signal may still be on its way
    (5, False, Outcome.FAILED),  # the log went on: it never came
    (0.5, True, Outcome.FAILED),  # the receiver sent something else after it: it had its turn
])
def test_a_missing_error_signal_fails_only_when_the_receiver_had_its_turn(
        checker: ConversationChecker, tmp_path: Path, ended: float, then: bool, expected: Outcome) -> None:
    script = Script(tmp_path / "log")
    bad = script.send("opinion-request", "lead", 0, raw=_invalid(uid(1), extra=1), message_id=uid(1))
    if then:
        script.send("receipt-ack", "co-approver", 0.2, reply_to=bad)
    result = checker.check(script.close(ended))
    assert result.outcomes["R-APR-C-INVALID"] is expected
    if expected is Outcome.CANT_TELL:
        (finding,) = [f for f in result.findings if f.requirement_id == "R-APR-C-INVALID"]
        assert "the log ended 0.5 s after it, before co-approver had 1 s to answer it" in finding.message.en


def _observations(checker: ConversationChecker, log_folder: Path) -> LogView:
    log = read_log(log_folder)
    compiled = checker._compiled["parallel-approval"]
    messages = [checker._message(log, e, compiled, checker.judge) for e in log.events if e.body is not None]
    correlation = Correlation(messages)
    instances = group(messages, correlation)
    status = {}
    for instance in instances:
        compiled.machine.run(instance, correlation, 1.0)
        status.update(instance.status)
    return LogView(compiled.conversation, messages, instances, correlation, status, log.manifest.ended, 1.0)


def test_a_duplicate_rule_passes_saying_what_was_answered(checker: ConversationChecker,
                                                          tmp_path: Path) -> None:
    script = Script(tmp_path / "silent")
    request = script.send("opinion-request", "lead", 0)
    script.send("opinion-request", "lead", 1, message_id=request)
    script.close(2)
    rule = checker.standard.conversations["parallel-approval"].rules["APR-C-DUPLICATE"]
    (said,) = list(duplicate(_observations(checker, tmp_path / "silent"), rule))
    assert said.outcome is Outcome.PASSED and "sent no reply to it twice (no reply at all)" in said.en

    script = Script(tmp_path / "answered")
    request = script.send("opinion-request", "lead", 0)
    script.send("opinion-request", "lead", 1, message_id=request)
    script.send("receipt-ack", "co-approver", 2, reply_to=request)
    script.close(3)
    observed: list[Observation] = list(duplicate(_observations(checker, tmp_path / "answered"), rule))
    assert [o.outcome for o in observed] == [Outcome.PASSED]
    assert "acted on it once (receipt-ack x1)" in observed[0].en


# --------------------------------------------------------------------------- long deadlines (7)

def test_a_deadline_past_the_last_representable_time_is_never_reached(
        standard: Standard, tmp_path: Path) -> None:
    assert deadline(Script(tmp_path / "x").writer._started, timedelta.max) is None
    conversation = standard.conversations["parallel-approval"]
    rules = {rid: dataclasses.replace(rule, duration=timedelta.max) if rule.duration else rule
             for rid, rule in conversation.rules.items()}
    long = dataclasses.replace(standard, conversations={
        "parallel-approval": dataclasses.replace(conversation, rules=rules)})
    script = Script(tmp_path / "log")
    script.send("opinion-request", "lead", 0)
    result = ConversationChecker(long, PayloadJudge([long])).check(script.close(10))
    assert not result.processing_error
    assert result.outcomes["R-APR-C-ACK-WITHIN"] is Outcome.CANT_TELL


# ------------------------------------------------------------------------------- memory (8)

def test_a_checked_message_keeps_no_parsed_document(checker: ConversationChecker, tmp_path: Path) -> None:
    happy(Script(tmp_path / "log"))
    view = _observations(checker, tmp_path / "log")
    for message in view.messages:
        assert isinstance(message.judgement, Judged)
        assert all(f.outcome is not Outcome.PASSED for f in message.judgement.findings)
    assert {f.name for f in dataclasses.fields(Judged)} == {"standard", "outcomes", "findings"}


# ---------------------------------------------------------------------------- time scale (9)

def test_a_time_scale_over_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="time-scale"):
        Script(tmp_path / "writer", time_scale=2)
    happy(Script(tmp_path / "log"))
    manifest = tmp_path / "log" / "exchange.json"
    data = json.loads(manifest.read_text("utf-8"))
    data["time-scale"] = 2
    manifest.write_text(json.dumps(data), "utf-8")
    with pytest.raises(PayloadError, match="time-scale"):
        read_log(tmp_path / "log")


# ------------------------------------------------------------------------------- the clock (10)

APPROVAL = STANDARDS / "egov-parallel-approval" / "1.0.0"
HAPPY_XML = FIXTURES / "egov-parallel-approval" / "1.0.0" / "exchanges" / "happy-path-xml"


def test_a_bundle_that_reads_the_clock_judges_log_bodies_at_the_logs_end(tmp_path: Path) -> None:
    plain = load_standard(APPROVAL)
    session = ValidationSession([plain])
    assert session.validate_path(HAPPY_XML).verdict is Verdict.CONFORMANT
    assert session._checker(plain.ref).judge_at is None  # names no clock function: nothing to pin

    shutil.copytree(APPROVAL, tmp_path / "bundle")
    rules = tmp_path / "bundle" / "rules" / "approval.sch"
    rules.write_text(rules.read_text("utf-8") + "<!-- current-dateTime() -->\n", "utf-8")
    clocked = ValidationSession([load_standard(tmp_path / "bundle")])
    result = clocked.validate_path(HAPPY_XML)
    assert result.verdict is Verdict.CONFORMANT
    judge_at = clocked._checker(plain.ref).judge_at
    assert judge_at is not None
    ended = read_log(HAPPY_XML).manifest.ended
    assert judge_at(ended).evaluation.now == ended
    assert judge_at(ended) is judge_at(ended)  # compiled once per log end


# ---------------------------------------------------------------- limits and Chinese (17, 18)

def test_max_bytes_holds_for_log_bodies(standard: Standard, tmp_path: Path) -> None:
    happy(Script(tmp_path / "log"))
    result = ValidationSession([standard], max_bytes=64).validate_path(tmp_path / "log")
    assert result.processing_error
    (finding,) = result.findings
    assert "bodies/0001.json" in finding.message.en and "over the limit of 64" in finding.message.en
    assert "超过上限 64 字节" in finding.message.zh


def test_a_body_changed_after_reading_is_refused_in_chinese_too(checker: ConversationChecker,
                                                                tmp_path: Path) -> None:
    script = Script(tmp_path / "log")
    script.send("opinion-request", "lead", 0)
    log = script.close(1)
    assert log.events[0].body is not None
    log.events[0].body.write_bytes(b"{}")
    (finding,) = checker.check(dataclasses.replace(log, bodies={})).findings
    assert "读取日志后消息体被改动" in finding.message.zh
    assert "the body changed" not in finding.message.zh


def test_a_spec_error_result_has_chinese_words() -> None:
    result = error_result("x", None, SpecError("a bad guard", location="c.yaml"))
    message = result.findings[0].message
    assert message.en == "c.yaml: a bad guard" and message.zh.startswith("标准包有误")


def test_a_bad_guard_stops_the_session_when_it_is_built(tmp_path: Path) -> None:
    conversation = copy.deepcopy(CONVERSATION)
    conversation["transitions"][4]["guard"]["test"] = {"no-such-operator": [1]}
    standard = load_standard(write_bundle(tmp_path, conversation=conversation))
    with pytest.raises(SpecError) as caught:
        ValidationSession([standard])
    assert "parallel-approval.yaml" in str(caught.value)
    assert "transitions[4] (accepted -> answered).guard.test" in str(caught.value)


# ------------------------------------------------------------------------- log form (12, 15)

@pytest.mark.parametrize(("file", "edit", "said"), [
    ("events.jsonl", lambda e: e[1].update(seq=2.0), "events.jsonl line 2 field seq: is 2.0, not an integer"),
    ("events.jsonl", lambda e: e[0].update(size=float(e[0]["size"])), "field size: is "),
    ("events.jsonl", lambda e: e[0]["transport"].update(status=202.0),
     "field transport.status: is 202.0, not an integer"),
    ("exchange.json", lambda m: m.update({"event-count": 5.0}), "field event-count: is 5.0, not an integer"),
])
def test_a_float_is_no_integer_in_a_log(tmp_path: Path, file: str, edit: object, said: str) -> None:
    happy(Script(tmp_path / "log"))
    path = tmp_path / "log" / file
    if file == "events.jsonl":
        events = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
        events[0].setdefault("transport", {})
        edit(events)  # type: ignore[operator]
        path.write_text("".join(json.dumps(e) + "\n" for e in events), "utf-8")
    else:
        data = json.loads(path.read_text("utf-8"))
        edit(data)  # type: ignore[operator]
        path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(PayloadError) as caught:
        read_log(tmp_path / "log")
    assert said in caught.value.message


# ------------------------------------------------------------------------------------ HAR (14)

def _entry(url: str, second: int) -> dict[str, object]:
    return {"startedDateTime": f"2026-12-01T10:00:0{second}.000+08:00", "time": 5,
            "request": {"method": "POST", "url": url, "headers": [],
                        "postData": {"mimeType": "application/xml", "text": "<a/>"}},
            "response": {"status": 202}}


def test_a_har_prefix_matches_origin_and_path_segments_and_urls_keep_no_credentials(tmp_path: Path) -> None:
    har = {"log": {"entries": [
        _entry("http://user:pw@127.0.0.1:8402/inbox/x?access_token=s3cret&plain", 0),
        _entry("http://127.0.0.1:84020/inbox", 1),  # another port
        _entry("http://127.0.0.1:8402/inboxes", 2),  # another path segment
        _entry("HTTP://127.0.0.1:8401/inbox", 3),  # the scheme is case-blind
        _entry("https://127.0.0.1:8401/inbox", 4),  # another scheme
    ]}}
    (tmp_path / "c.har").write_text(json.dumps(har), "utf-8")
    done = import_har(tmp_path / "c.har", tmp_path / "out", standard="egov-parallel-approval@1.0.0",
                      conversation="parallel-approval",
                      system_under_test="co-approver",
                      roles={"lead": "http://127.0.0.1:8401/inbox", "co-approver": "http://127.0.0.1:8402/inbox"})
    assert (done.imported, done.skipped) == (2, 3)
    urls = [e.transport.url for e in done.log.events]
    assert urls == ["http://127.0.0.1:8402/inbox/x?access_token=redacted&plain", "http://127.0.0.1:8401/inbox"]
    assert "s3cret" not in (tmp_path / "out" / "events.jsonl").read_text("utf-8")


# ------------------------------------------------------------------- the resent reply (A)

def test_a_reply_resent_with_its_message_id_is_one_reply(checker: ConversationChecker,
                                                        tmp_path: Path) -> None:
    script = Script(tmp_path / "log")
    request = script.send("opinion-request", "lead", 0)
    script.send("opinion-request", "lead", 1, message_id=request)
    script.send("receipt-ack", "co-approver", 2, reply_to=request)
    script.send("acceptance", "co-approver", 3, reply_to=request)
    opinion = script.send("opinion", "co-approver", 4, reply_to=request, decision="approve")
    script.send("opinion", "co-approver", 5, reply_to=request, decision="approve", message_id=opinion)
    script.send("result-notice", "lead", 6, reply_to=opinion)
    result = checker.check(script.close(7))
    assert result.outcomes["R-APR-C-DUPLICATE"] is Outcome.PASSED, [f.message.en for f in result.findings]
    assert failed(result) == []

