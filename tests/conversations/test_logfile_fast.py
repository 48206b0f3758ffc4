"""The shortcuts of the log reader and checker say what the careful paths say, and keep their guarantees.

The screen in front of the payload JSON parser, the match in front of the body-path refusals, the
body bytes kept for the checker and the leaf text of an exposed field: each is checked here against
the path it shortcuts, on the hostile inputs that path was written for and on generated ones.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from conformance.conversations import logfile
from conformance.conversations.fields import BindingReader, compile_bindings
from conformance.conversations.logfile import read_log
from conformance.conversations.logform import Where, _Refused, _screened, parse_payload_json, parse_strict
from conformance.core.errors import PayloadError
from conformance.core.limits import JSON_MAX_DEPTH
from conformance.standard.catalog import Catalog
from conformance.standard.model import Standard
from conformance.validation.documents.payload import Payload
from conformance.validation.documents.xmldoc import parse_xml
from tests.conversations.logsupport import ACK, OPINION, REQUEST, write_log

HERE = Where("events.jsonl line 3", "events.jsonl 第 3 行", 3)
MANIFEST = Where("exchange.json", "exchange.json")

# What the payload parser refuses (or accepts only after a second look), as an event line would hold it.
HOSTILE: dict[str, bytes] = {
    "duplicate key": b'{"seq": 1, "seq": 2}',
    "nested duplicate key": b'{"transport": {"url": "a", "url": "b"}}',
    "NaN": b'{"size": NaN}',
    "Infinity": b'{"size": Infinity}',
    "minus Infinity": b'{"size": -Infinity}',
    "float overflow": b'{"size": 1e400}',
    "negative float overflow": b'{"size": -1e400}',
    "5000-digit integer": b'{"size": ' + b"9" * 5000 + b"}",
    "lone high surrogate": b'{"text": "\\ud800"}',
    "lone low surrogate": b'{"text": "\\udc00 x"}',
    "high surrogate then a letter": b'{"text": "\\ud83dx"}',
    "two high surrogates": b'{"text": "\\ud83d\\ud83d"}',
    "raw surrogate bytes": b'{"text": "\xed\xa0\x80"}',
    "invalid UTF-8": b'{"text": "\xff"}',
    "overlong UTF-8": b'{"text": "\xc0\xaf"}',
    "UTF-16 byte-order mark": b"\xff\xfe{\x00}\x00",
    "UTF-32 byte-order mark": b"\x00\x00\xfe\xff{}",
    "two UTF-8 byte-order marks": b"\xef\xbb\xbf\xef\xbb\xbf{}",
    "nested past the limit": b"[" * (JSON_MAX_DEPTH + 1) + b"]" * (JSON_MAX_DEPTH + 1),
    "objects nested past the limit": b'{"a":' * (JSON_MAX_DEPTH + 1) + b"1" + b"}" * (JSON_MAX_DEPTH + 1),
    "empty": b"",
    "blank": b"  \t ",
    "two values": b"{} {}",
    "trailing data": b'{"seq": 1} x',
    "trailing comma": b'{"seq": 1,}',
    "single quotes": b"{'seq': 1}",
    "control character in a string": b'{"text": "a\x01b"}',
    "leading zero": b'{"seq": 01}',
    "lone minus": b'{"seq": -}',
    "NUL byte": b'{"seq": 1}\x00',
    "unclosed string": b'{"text": "abc',
    "cut mid-line": b'{"seq": 7, "time": "2026-12-01T10:0',
}

# Valid, but only the payload parser may say so: the screen must hand them over, and both agree.
LEFT_TO_THE_PARSER: dict[str, bytes] = {
    "UTF-8 byte-order mark": b'\xef\xbb\xbf{"seq": 1}',
    "paired surrogates": b'{"text": "\\ud83d\\ude00"}',
    "escaped backslash before ud800": b'{"text": "\\\\ud800"}',
    "nested to the limit with spare brackets": b'{"a": [' + b"[], " * JSON_MAX_DEPTH + b"[]]}",
}

PLAIN: dict[str, bytes] = {
    "event": b'{"seq": 1, "time": "2026-12-01T10:00:00.120+08:00", "direction": "sent", "from": "lead", '
             b'"to": "co-approver", "body": "bodies/0001.xml", "sha256": "' + b"0" * 64 + b'", "size": 12}',
    "note with Chinese text": '{"seq": 2, "note": "timeout", "text": "未在 0.3 秒内签收"}'.encode(),
    "escapes": b'{"text": "tab\\t quote\\" slash\\/ \\u00e9"}',
    "numbers": b'{"a": -0, "b": 1.5e3, "c": 12345678901234567890, "d": [true, false, null]}',
    "white space around": b' \t{"seq": 1}\r ',
    "not an object": b"[1, 2, 3]",
    "nested to the limit": b"[" * JSON_MAX_DEPTH + b"]" * JSON_MAX_DEPTH,
}


def _outcome(parse: Any, data: bytes, where: Where) -> tuple[str, Any]:
    """What parsing `data` gives, comparably: the value as canonical JSON (types kept), or the error."""
    try:
        value = parse(data, where)
    except PayloadError as exc:
        return "error", (exc.message, exc.message_zh, exc.line, exc.column, exc.location)
    return "value", json.dumps(value, sort_keys=True, ensure_ascii=True), repr(value)


@pytest.mark.parametrize("data", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("where", [HERE, MANIFEST], ids=["event line", "manifest"])
def test_the_screen_leaves_every_hostile_line_to_the_payload_parser(data: bytes, where: Where) -> None:
    with pytest.raises(_Refused):
        _screened(data)
    refused = _outcome(parse_strict, data, where)
    assert refused[0] == "error" and refused == _outcome(parse_payload_json, data, where)


@pytest.mark.parametrize("data", LEFT_TO_THE_PARSER.values(), ids=LEFT_TO_THE_PARSER.keys())
def test_valid_lines_the_screen_cannot_vouch_for_are_parsed_by_the_payload_parser(data: bytes) -> None:
    with pytest.raises(_Refused):
        _screened(data)
    parsed = _outcome(parse_strict, data, HERE)
    assert parsed[0] == "value" and parsed == _outcome(parse_payload_json, data, HERE)


@pytest.mark.parametrize("data", PLAIN.values(), ids=PLAIN.keys())
def test_plain_lines_pass_the_screen_with_the_payload_parsers_value(data: bytes) -> None:
    value = _screened(data)
    assert _outcome(parse_strict, data, HERE) == _outcome(parse_payload_json, data, HERE)
    assert repr(value) == repr(parse_payload_json(data, HERE))


# Pieces of JSON and of what breaks it, joined at random.
_JSONISH = st.lists(st.sampled_from([*'{}[]",:0123456789.eE+- \tabnulrtufsNIaIy\\\n',
                                     "\\u", "\\ud83d", "\\ude00", "\\ud800", "é", "中", "\x00", "\ufeff",
                                     "NaN", "Infinity", "1e400", '"a"', '"a":1', "true", "null"]),
                    max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=_JSONISH, prefix=st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff", b"\xfe\xff"]))
def test_any_line_reads_as_the_payload_parser_reads_it(text: str, prefix: bytes) -> None:
    data = prefix + text.encode("utf-8", "surrogatepass")
    assert _outcome(parse_strict, data, HERE) == _outcome(parse_payload_json, data, HERE)


@settings(max_examples=200, deadline=None)
@given(value=st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                          lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(st.text(max_size=4), inner, max_size=4), max_leaves=20))
def test_any_json_value_reads_as_the_payload_parser_reads_it(value: Any) -> None:
    data = json.dumps(value, ensure_ascii=False, allow_nan=True).encode("utf-8", "surrogatepass")
    assert _outcome(parse_strict, data, HERE) == _outcome(parse_payload_json, data, HERE)


_NAME_PARTS = st.sampled_from(["bodies", "/", ".", "..", ":", "\\", "a", "0001.xml", "\x00", "\x1f", "\x7f",
                               "\n", " ", "é", "bodies/", "C:", "//"])


@settings(max_examples=500, deadline=None)
@given(parts=st.lists(_NAME_PARTS, max_size=6))
def test_the_body_path_match_lets_through_only_what_every_refusal_lets_through(parts: list[str]) -> None:
    name = "".join(parts)
    assert logfile._body_name_problem(name) == logfile._body_name_refusal(name)


@pytest.mark.parametrize("name", ["bodies/0001.xml", "bodies/a b.json", "bodies/中文.xml", "bodies/x..y"])
def test_plain_body_paths_match_at_once(name: str) -> None:
    assert logfile._PLAIN_BODY_NAME.fullmatch(name) and logfile._body_name_refusal(name) is None


def test_the_reader_keeps_the_bytes_it_hashed(tmp_path: Path) -> None:
    log = write_log(tmp_path / "log")
    bodies = {e.body_name: e.body.read_bytes() for e in log.events if e.body is not None and e.body_name}
    assert dict(log.bodies) == bodies and list(bodies.values()) == [REQUEST, ACK, OPINION]


def test_bodies_past_the_budget_are_not_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_log(tmp_path / "log")
    monkeypatch.setattr(logfile, "BODY_CACHE_MAX_BYTES", len(REQUEST) + len(ACK))
    log = read_log(tmp_path / "log")
    assert list(log.bodies.values()) == [REQUEST, ACK]  # the opinion would pass the budget
    monkeypatch.setattr(logfile, "BODY_CACHE_MAX_BYTES", 0)
    assert read_log(tmp_path / "log").bodies == {}
    assert read_log(tmp_path / "log").content_hash == log.content_hash


@pytest.fixture(scope="module")
def approval() -> Standard:
    return Catalog([Path(__file__).resolve().parents[2] / "standards"]).load("egov-parallel-approval@1.0.0")


def test_a_log_checks_alike_with_its_bodies_kept_partly_or_not_at_all(
        approval: Standard, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.execution.session import ValidationSession

    fixture = Path(__file__).resolve().parents[2] / "fixtures/egov-parallel-approval/1.0.0/exchanges"
    folder = fixture / "duplicate-handled"
    session = ValidationSession([approval])
    kept = read_log(folder)
    assert len(kept.bodies) == sum(1 for e in kept.events if e.body is not None)
    monkeypatch.setattr(logfile, "BODY_CACHE_MAX_BYTES", sum(map(len, list(kept.bodies.values())[:3])))
    partly = read_log(folder)
    assert 0 < len(partly.bodies) < len(kept.bodies)
    checker = session._checker(approval.ref)
    assert checker is not None
    results = [checker.check(log) for log in (kept, partly, dataclasses.replace(kept, bodies={}))]
    assert results[0] == results[1] == results[2] and not results[0].processing_error


def test_a_symlinked_body_inside_the_log_is_still_read_the_careful_way(tmp_path: Path) -> None:
    log = write_log(tmp_path / "log")
    body = tmp_path / "log" / "bodies" / "0001.xml"
    os.replace(body, tmp_path / "log" / "bodies" / ".real")
    body.symlink_to(".real")
    again = read_log(tmp_path / "log")
    assert again.content_hash == log.content_hash and again.bodies == log.bodies
    assert again.events[0].body == (tmp_path / "log" / "bodies" / ".real").resolve()


LEAVES = b"""<a:M xmlns:a="urn:t"><a:H><a:Id>one</a:Id><a:Id>two</a:Id><a:Empty/>
<a:Mixed>x<a:b>y</a:b>z</a:Mixed><a:Note>be<!-- not text -->fore</a:Note><a:Data><![CDATA[<raw>]]></a:Data>
<a:Pi>p<?pi skip?>q</a:Pi></a:H></a:M>"""


def _reader(approval: Standard, fields: dict[str, str]) -> BindingReader:
    """A reader of `fields` (XPaths with prefix x for urn:t) as the approval XML binding would read them."""
    conversation = next(iter(approval.conversations.values()))
    binding = next(b for b in conversation.bindings.values() if b.message_type == "approval-xml")
    changed = dataclasses.replace(conversation, bindings={"approval-xml": dataclasses.replace(
        binding, fields=fields)})
    message_type = approval.message_types["approval-xml"]
    standard = dataclasses.replace(approval, message_types={"approval-xml": dataclasses.replace(
        message_type, namespaces={"x": "urn:t"})})
    return compile_bindings(standard, changed, [standard])["approval-xml"]


@pytest.mark.parametrize(("step", "expected"), [
    ("Id", "one"), ("Empty", ""), ("Mixed", "xyz"), ("Note", "before"), ("Data", "<raw>"), ("Pi", "pq"),
    ("Nothing", None),
])
def test_an_exposed_field_is_its_first_nodes_text_with_or_without_children(
        approval: Standard, step: str, expected: str | None) -> None:
    reader = _reader(approval, {"f": f"/x:M/x:H/x:{step}"})
    root = etree.fromstring(LEAVES)
    read = reader.readers["f"](root)
    assert read == expected
    found = root.xpath(f"/x:M/x:H/x:{step}", namespaces={"x": "urn:t"})
    assert read == ("".join(found[0].itertext()) if found else None)


@pytest.mark.parametrize(("path", "expected"), [
    # Read as an xs:token, as every XML field is: the comment's spaces at either end go.
    ("/x:M/x:H/x:Note/comment()", "not text"), ("/x:M/x:H/x:Pi/processing-instruction()", "skip"),
])
def test_a_field_on_a_comment_or_instruction_is_its_content(approval: Standard, path: str,
                                                             expected: str) -> None:
    # itertext raises on these: a field an author points at one is read, never an internal error.
    assert _reader(approval, {"f": path}).readers["f"](etree.fromstring(LEAVES)) == expected


def test_an_xml_field_is_read_as_a_token(approval: Standard) -> None:
    """A pretty-printed element is the value its xs:token type says (the bundle's normalize-space())."""
    data = b'<a:M xmlns:a="urn:t"><a:H><a:Id>\n    BJ-1 \t two\r\n  </a:Id><a:N>\xc2\xa0x</a:N></a:H></a:M>'
    document = parse_xml(Payload(name="t.xml", data=data))
    reader = _reader(approval, {"one": "/x:M/x:H/x:Id", "two": "string(/x:M/x:H/x:Id)",
                                "nbsp": "/x:M/x:H/x:N"})
    # Only XML whitespace collapses: a no-break space is part of the value.
    assert reader.read(document) == {"one": "BJ-1 two", "two": "BJ-1 two", "nbsp": "\u00a0x"}


def test_a_field_xpath_has_no_exslt_regular_expressions(approval: Standard) -> None:
    conversation = next(iter(approval.conversations.values()))
    binding = next(b for b in conversation.bindings.values() if b.message_type == "approval-xml")
    fields = {"f": "boolean(re:test(/x:M/x:H/x:Id, '^(a|aa)+$'))"}
    changed = dataclasses.replace(conversation, bindings={
        "approval-xml": dataclasses.replace(binding, fields=fields)})
    message_type = dataclasses.replace(approval.message_types["approval-xml"], namespaces={
        "x": "urn:t", "re": "http://exslt.org/regular-expressions"})
    standard = dataclasses.replace(approval, message_types={"approval-xml": message_type})
    reader = compile_bindings(standard, changed, [standard])["approval-xml"]
    # With EXSLT regex the field would be 'true' (after backtracking); without, re:test is unknown.
    assert reader.readers["f"](etree.fromstring(LEAVES)) is None


MERGED = {
    "id": "/x:M/x:H/x:Id", "same-id": "/x:M/x:H/x:Id", "sender": "/x:M/x:S/x:Code",
    "receiver": "/x:M/x:R/x:Code", "error": "/x:M/x:E/x:Code", "plain": "/M/H/Id",
    "mixed": "/x:M/x:H/x:Mixed", "missing": "/x:M/x:Missing", "any-code": "//x:Code",
    "count": "count(/x:M/x:H)", "attribute": "/x:M/@v",
}
DOCUMENTS = [
    b'<x:M xmlns:x="urn:t" v="1"><x:H><x:Id>a</x:Id><x:Mixed>p<x:i>q</x:i></x:Mixed></x:H>'
    b"<x:S><x:Code>s</x:Code></x:S><x:R><x:Code>r</x:Code></x:R></x:M>",
    # receiver before sender, the first H without an Id, a second Code in S: document order decides
    b'<x:M xmlns:x="urn:t"><x:R><x:Code>r1</x:Code></x:R><x:H/><x:H><x:Id>b</x:Id><x:Id>c</x:Id></x:H>'
    b"<x:S><x:Code>s1</x:Code><x:Code>s2</x:Code></x:S><x:E><x:Code>e</x:Code></x:E></x:M>",
    b'<x:M xmlns:x="urn:t"><x:S><x:X><x:Code>deep</x:Code></x:X></x:S><x:Code>top</x:Code></x:M>',
    b"<M><H><Id>no namespace</Id></H></M>",
    b'<x:Other xmlns:x="urn:t"><x:H><x:Id>wrong root</x:Id></x:H></x:Other>',
    b'<y:M xmlns:y="urn:t"><y:H><y:Id>other prefix</y:Id><!-- c --></y:H></y:M>',
]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_fields_read_together_are_what_each_reads_alone(approval: Standard, document: bytes) -> None:
    reader = _reader(approval, MERGED)
    assert reader.merged is not None and reader.merged.names == {
        "id", "same-id", "sender", "receiver", "error", "plain", "mixed", "missing"}
    parsed = parse_xml(Payload("doc.xml", document))
    alone = {name: read(parsed.root) for name, read in reader.readers.items()}
    assert reader.read(parsed) == alone
    assert list(reader.read(parsed)) == list(MERGED)  # the binding's order
