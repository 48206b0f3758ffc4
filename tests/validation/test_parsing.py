"""Hardened parsing: hostile payloads give a PayloadError with a clear message, never a crash."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from conformance.core.errors import PayloadError
from conformance.validation.documents.jsondoc import parse_json
from conformance.validation.documents.jsonpos import JsonPositions
from conformance.validation.documents.payload import Payload, read_payload, sniff_syntax
from conformance.validation.documents.xmldoc import parse_xml
from tests.fuzzing import examples

XXE_FILE = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
XXE_URL = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]><r>&x;</r>'
BOMB = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode()
                   for i in range(8))
        + b"]><l>&i;</l>")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (XXE_FILE, "DOCTYPE declaration is not allowed"),
        (XXE_URL, "DOCTYPE declaration is not allowed"),
        (BOMB, "DOCTYPE declaration is not allowed|entity expansion"),
        (b"<a>" * 10_000 + b"</a>" * 10_000, "nested deeper than 256"),
        (b"<r>\xff\xfe</r>", "not well-formed XML"),
        (b"", "not well-formed XML"),
        (b"<r><a>", "not well-formed XML"),
    ],
    ids=["xxe-file", "xxe-url", "entity-bomb", "deep", "bad-utf8", "empty", "truncated"],
)
def test_hostile_xml(data: bytes, expected: str) -> None:
    with pytest.raises(PayloadError, match=expected) as info:
        parse_xml(Payload("p.xml", data))
    assert "root:" not in info.value.message  # the local file never leaks into a message


def test_xml_utf16_with_bom_is_fine() -> None:
    doc = parse_xml(Payload("p.xml", '<?xml version="1.0" encoding="UTF-16"?><r>中文</r>'.encode("utf-16")))
    assert doc.root.text == "中文"


@pytest.mark.parametrize(
    ("data", "expected", "line"),
    [
        (b'{"a": 1,\n "a": 2}', "duplicate object key 'a'", 2),
        (b"[" * 10_000 + b"]" * 10_000, "nested deeper than 128", None),
        ('{"a": 1}'.encode("utf-16"), "must be encoded in UTF-8", 1),
        (b'{"a":\n "\xff"}', "invalid UTF-8 at byte offset 8", 2),
        (b"   ", "empty JSON document", 1),
        (b'{"a": [1,', "not well-formed JSON", 1),
        (b'{"a": NaN}', "NaN is not a JSON value", 1),
    ],
    ids=["duplicate-key", "deep", "utf16", "bad-utf8", "empty", "truncated", "nan"],
)
def test_hostile_json(data: bytes, expected: str, line: int | None) -> None:
    with pytest.raises(PayloadError, match=expected) as info:
        parse_json(Payload("p.json", data))
    assert info.value.line == line


def test_json_utf8_bom_is_ignored() -> None:
    assert parse_json(Payload("p.json", b'\xef\xbb\xbf{"a": "\xe4\xb8\xad"}')).value == {"a": "中"}


def test_read_payload_limits(tmp_path: Path) -> None:
    big = tmp_path / "big.xml"
    big.write_bytes(b"<a>" + b"x" * 2000 + b"</a>")
    with pytest.raises(PayloadError, match="over the limit of 1000 bytes"):
        read_payload(big, max_bytes=1000)
    with pytest.raises(PayloadError, match="is a directory"):
        read_payload(tmp_path)
    with pytest.raises(PayloadError, match="cannot read payload"):
        read_payload(tmp_path / "absent.xml")


def test_fifo_is_never_opened(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.xml"
    os.mkfifo(fifo)
    with pytest.raises(PayloadError, match="not a regular file"):
        read_payload(fifo)


@pytest.mark.parametrize(
    ("data", "syntax"),
    [(b"  <a/>", "xml"), ("<a/>".encode("utf-16"), "xml"), (b'\xef\xbb\xbf{"a":1}', "json"),
     (b"\n[1]", "json"), (b"\x00\x01\x02", None), (b"hello", None)],
)
def test_sniff_syntax(data: bytes, syntax: str | None) -> None:
    assert sniff_syntax(data) == syntax


def test_json_positions_follow_pointers() -> None:
    text = '{\n  "a": [1, {"b/c": "x", "t~": 2}],\n  "d": null}'
    positions = JsonPositions(text)
    assert positions.line_col("/a/1/b~1c") == (2, 20)
    assert positions.line_col("/a/1/t~0") == (2, 31)
    assert positions.line_col("/d") == (3, 8)
    assert positions.line_col("/missing") == (None, None)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=512))
def test_parsers_never_raise_anything_but_payload_errors(data: bytes) -> None:
    for parse in (parse_xml, parse_json):
        try:
            parse(Payload("fuzz", data))
        except PayloadError:
            pass


# --- Nothing outside the payload's bytes is ever opened (issue 8, item 1) -------------------------

def _external_loads(target: str) -> list[bytes]:
    """Payloads that make libxml2 want `target`: parameter entity, external subset, general entity."""
    return [
        f'<!DOCTYPE a [<!ENTITY % p SYSTEM "{target}"> %p;]><a/>'.encode(),
        f'<!DOCTYPE a SYSTEM "{target}"><a/>'.encode(),
        f'<!DOCTYPE a [<!ENTITY x SYSTEM "{target}">]><a>&x;</a>'.encode(),
    ]


def _parsers() -> dict[str, Callable[[], etree.XMLParser]]:
    from conformance.core.xmlparser import xml_parser
    from conformance.validation.documents.xmldoc import hardened_parser
    from conformance.validation.schematron._source import hardened_parser as schematron_parser

    return {
        "payload": hardened_parser,
        "payload-like": lambda: xml_parser(collect_ids=False),
        "default": xml_parser,
        "huge-tree": lambda: xml_parser(huge_tree=True),
        "schematron": schematron_parser,
        "dtd-asked-for": lambda: xml_parser(load_dtd=True, collect_ids=False),
    }


class _Watch:
    opened = False


@contextmanager
def _watched_fifo(path: Path) -> Iterator[_Watch]:
    """A FIFO whose opening for reading is observable, and never blocks the reader for long.

    A writer thread waits in open() for a reader, counts it, closes (the reader sees end of file
    at once) and waits for the next, so a regression fails the test instead of hanging it.
    """
    os.mkfifo(path)
    watch = _Watch()
    done = threading.Event()
    readers = 0

    def writer() -> None:
        nonlocal readers
        while not done.is_set():
            fd = os.open(path, os.O_WRONLY)  # returns only once someone opens the FIFO for reading
            readers += 1
            os.close(fd)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        yield watch
    finally:
        time.sleep(0.05)  # a reader that did open it: give the writer time to count it
        watch.opened = readers > 0
        done.set()
        release = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # lets the waiting writer go
        thread.join(5)
        os.close(release)


@pytest.mark.parametrize("parser_name", list(_parsers()))
def test_no_parser_of_ours_opens_a_file_named_in_the_document(tmp_path: Path, parser_name: str) -> None:
    fifo = tmp_path / "dtd.fifo"
    with _watched_fifo(fifo) as opened:
        for data in _external_loads(str(fifo)) + _external_loads(fifo.as_uri()):
            with contextlib.suppress(etree.XMLSyntaxError):
                etree.fromstring(data, _parsers()[parser_name]())
    assert not opened.opened, f"the {parser_name} parser opened {fifo}"


def test_a_payload_naming_a_fifo_gets_a_fast_payload_error(tmp_path: Path) -> None:
    fifo = tmp_path / "dtd.fifo"
    with _watched_fifo(fifo) as opened:
        for data in _external_loads(str(fifo)):
            with pytest.raises(PayloadError, match="DOCTYPE declaration is not allowed"):
                parse_xml(Payload("p.xml", data))
    assert not opened.opened


def test_existing_and_missing_files_give_the_same_message(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """No file-existence oracle: what a payload learns cannot depend on the host's files."""
    monkeypatch.chdir(tmp_path)  # relative names of one length, resolved here
    Path("there.dtd").write_text('<!ENTITY x "y"><!ELEMENT a ANY>')
    Path("trash.dtd").write_bytes(b"\x00\xff not a DTD")
    for template in range(3):
        messages = set()
        for target in ("there.dtd", "trash.dtd", "gone!.dtd", "nodir/x.d"):
            with pytest.raises(PayloadError) as info:
                parse_xml(Payload("p.xml", _external_loads(target)[template]))
            messages.add((info.value.message.replace(target, "NAME"), info.value.line, info.value.column))
        assert len(messages) == 1, messages


def test_a_bundle_parser_serves_files_inside_its_folder_only(tmp_path: Path) -> None:
    from conformance.core.xmlparser import FilesUnder, xml_parser

    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "inc.xml").write_text("<inc/>")
    (tmp_path / "outside.xml").write_text("<outside/>")
    resolver = FilesUnder(bundle)
    parser = xml_parser(resolvers=[resolver], load_dtd=True, resolve_entities=True)
    inside = etree.fromstring(b'<!DOCTYPE a [<!ENTITY x SYSTEM "inc.xml">]><a>&x;</a>', parser,
                              base_url=str(bundle / "main.xml"))
    assert inside.find("inc") is not None
    outside = etree.fromstring(b'<!DOCTYPE a [<!ENTITY x SYSTEM "../outside.xml">]><a>&x;</a>', parser,
                               base_url=str(bundle / "main.xml"))
    assert outside.find("outside") is None
    assert any("outside" in reason for reason in resolver.refused)


# --- JSON: memory, surrogates, numbers (issue 8, items 2 to 4) -------------------------------------

@pytest.mark.parametrize(
    ("data", "line", "column"),
    [
        (b'{"a": "\\ud800"}', 1, 8),
        (b'{"a":\n  "x\\uDFFF"}', 2, 5),
        (b'["\\ud800\\u0041"]', 1, 3),
        (b'["\\ude00\\ud83d"]', 1, 3),  # the halves of a pair, in the wrong order
        (b'{"\\udc00": 1}', 1, 3),  # in a key
        (b'["\\\\\\ud800"]', 1, 5),  # an escaped backslash, then the escape
    ],
)
def test_a_lone_surrogate_is_a_located_payload_error(data: bytes, line: int, column: int) -> None:
    with pytest.raises(PayloadError, match=r"unpaired surrogate .*RFC 8259 §8\.2") as info:
        parse_json(Payload("p.json", data))
    assert (info.value.line, info.value.column) == (line, column)


@pytest.mark.parametrize(
    ("data", "value"),
    [(b'["\\ud83d\\ude00"]', ["😀"]), (b'["\\\\ud800"]', ["\\ud800"]), (b'["\\\\\\\\ud800"]', ["\\\\ud800"]),
     (b'["\\u00e9\\uD834\\uDD1E"]', ["é𝄞"])],
)
def test_paired_surrogates_and_look_alikes_are_fine(data: bytes, value: Any) -> None:
    assert parse_json(Payload("p.json", data)).value == value


@pytest.mark.parametrize(
    ("data", "expected", "column"),
    [
        (b'{"a": ' + b"9" * 5000 + b"}", "integer of 5000 digits, over the limit of 4300", 7),
        (b'{"a": -' + b"9" * 4301 + b"}", "integer of 4301 digits", 7),
        (b"[1e400]", "beyond the range of IEEE 754 binary64", 2),
        (b"[0, -1E+999]", "beyond the range of IEEE 754 binary64", 5),
        (b"[" + b"1" * 400 + b".5]", "beyond the range of IEEE 754 binary64", 2),
    ],
)
def test_numbers_python_cannot_hold_are_located_payload_errors(data: bytes, expected: str,
                                                                column: int) -> None:
    with pytest.raises(PayloadError, match=expected) as info:
        parse_json(Payload("p.json", data))
    assert (info.value.line, info.value.column) == (1, column)
    assert len(info.value.message) < 200  # the number is cut, never quoted whole


def test_large_but_holdable_numbers_are_values() -> None:
    assert parse_json(Payload("p.json", b"[" + b"9" * 4300 + b", 1e-400, 1e308]")).value[1:] == [0.0, 1e308]


def test_depth_ignores_brackets_and_escaped_quotes_in_strings() -> None:
    inner = '"\\\\\\"[[[[[[[[[[", '
    data = ("[" * 100 + inner * 50 + '"x"' + "]" * 100).encode()
    assert parse_json(Payload("p.json", data), max_depth=100).value is not None
    with pytest.raises(PayloadError, match="nested deeper than 99"):
        parse_json(Payload("p.json", data), max_depth=99)


def test_json_positions_read_escapes_and_skip_what_is_not_asked_for() -> None:
    text = '{"s": "a\\"b\\\\", "big": [[1, {"x": "]"}], 2], "k\\"ey": {"t/": [true, "\\\\"]}}'
    positions = JsonPositions(text)
    assert positions.offset("/big/1") == text.index("2]")
    assert positions.offset('/k"ey/t~1/1') == text.rindex('"\\\\"')
    assert positions.offset("/big/2") is None
    assert positions.offset("/s/0") is None
    assert positions.offset("/big/01") is None


def test_excerpts_count_lines_as_the_parsers_do() -> None:
    from conformance.validation.documents.excerpt import Excerpts

    text = '{\n "a": "x\u2028y",\n "b": 1\n}\n'
    doc = parse_json(Payload("p.json", text.encode()))
    ex = Excerpts(doc)
    location = ex.locate(pointer="/b")
    assert location.line == 3
    assert ex.excerpt(location) == ' 2 |  "a": "x\u2028y",\n>3 |  "b": 1\n 4 | }'


# --- Fuzzing: only PayloadError comes out, and every writer can print what came out ---------------

_SEEDS = [
    b'{"a": [1, 2.5, -3e2, "x\\u00e9\\ud83d\\ude00", {"b\\"/~": null}], "c": true}',
    b'<?xml version="1.0"?><r xmlns="urn:x" a="1"><b>text &amp; more</b><![CDATA[x]]><!-- c --></r>',
]
_TOKENS = [b'"', b"\\", b"\\u", b"\\ud800", b"\\udc00", b"[", b"{", b"]", b"}", b",", b":", b"1e400",
           b"9" * 4400, b"-0.0e-999", b"NaN", b"\xff", b"\xed\xa0\x80", b"\x00", b"\x1b[2J",
           "\u202e".encode(),
           b"<!DOCTYPE a [<!ENTITY % p SYSTEM '/dev/zero'> %p;]>", b'<!ENTITY x SYSTEM "/etc/passwd">',
           b"&x;", b"<", b">", b"]]>", b"\r\n", "\u2028".encode()]


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(_SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        piece = draw(st.sampled_from(_TOKENS) | st.binary(max_size=4))
        if draw(st.booleans()):
            data[at:at] = piece
        else:
            data[at:at + len(piece)] = piece
    return bytes(data)


def _write_everywhere(name: str, message: str, excerpt: str | None) -> None:
    import io
    import json

    from conformance.core.findings import Finding, Location, Outcome, Severity, Verdict
    from conformance.core.results import PayloadResult
    from conformance.core.text import Text
    from conformance.records.results_json import ResultsJsonWriter
    from conformance.reports.text import TextWriter

    finding = Finding(requirement_id=None, outcome=Outcome.CANT_TELL, severity=Severity.ERROR,
                      message=Text.same(message), source="parser", location=Location(line=1),
                      processing_error=True, excerpt=excerpt)
    result = PayloadResult(name=name, sha256=None, size=None, standard=None, message_type=None,
                           findings=(finding,), verdict=Verdict.ERROR)
    text, results = io.StringIO(), io.StringIO()
    TextWriter(text, {}).write(result)
    writer = ResultsJsonWriter(results, [], None)
    writer.write(result)
    writer.close()
    text.getvalue().encode("utf-8")
    assert json.loads(results.getvalue().encode("utf-8"))["summary"]["payloads"] == 1


@pytest.mark.fuzz
@settings(max_examples=examples(400), deadline=None)
@given(st.one_of(_mutated(), st.binary(max_size=512)))
def test_fuzzed_payloads_give_payload_errors_or_documents_that_every_writer_prints(data: bytes) -> None:
    from conformance.validation.documents.excerpt import Excerpts

    name = os.fsdecode(data[:40])  # the bytes as a file name: lone surrogates where not UTF-8
    for parse in (parse_xml, parse_json):
        try:
            doc = parse(Payload(name, data))
        except PayloadError as exc:
            _write_everywhere(name, exc.message, None)
            continue
        ex = Excerpts(doc)
        pointer = "/a/3" if parse is parse_json else None
        location = ex.locate(line=None if pointer else 1, pointer=pointer)
        _write_everywhere(name, repr(getattr(doc, "value", None))[:200], ex.excerpt(location))
