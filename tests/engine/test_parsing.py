"""Hardened parsing: hostile payloads give a PayloadError with a clear message, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.core.errors import PayloadError
from conformance.engine.jsondoc import parse_json
from conformance.engine.jsonpos import JsonPositions
from conformance.engine.payload import Payload, read_payload, sniff_syntax
from conformance.engine.xmldoc import parse_xml

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
