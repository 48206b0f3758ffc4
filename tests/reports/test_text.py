"""Text and JSON output of `validate` with hostile strings: nothing a terminal acts on, always encodable."""

from __future__ import annotations

import io
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.core.findings import Finding, Location, Outcome, Severity, Verdict
from conformance.core.printable import terminal
from conformance.core.results import PayloadResult
from conformance.core.text import Text
from conformance.records.results_json import ResultsJsonWriter
from conformance.reports.text import TextWriter
from tests.fuzzing import examples

# ESC sequences (colour, window title, OSC 52 clipboard), CR and LF that forge lines, C1 CSI,
# bidi overrides and isolates, a line separator, and a lone surrogate (a file name byte).
HOSTILE = ("a\x1b[2J\x1b]0;title\x07\x1b]52;c;cHduZWQ=\x07\rPASS  forged.xml\n"
           "\x9b31m\u202eevil\u2066x\u2069\u200f\u061c\u2028\x7f\x00\udcff")
# What a terminal must never receive from payload text: the line feeds of our own layout aside.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")


def _result(text: str) -> PayloadResult:
    finding = Finding(
        requirement_id=None, outcome=Outcome.CANT_TELL, severity=Severity.ERROR,
        message=Text(zh=text, en=text), source="parser",
        location=Location(line=2, column=3, pointer="/" + text), processing_error=True,
        hint=Text.same(text), excerpt=f"  1 | {text}\n> 2 | {text}",
    )
    return PayloadResult(name=f"dir/{text}.json", sha256=None, size=None, standard=None,
                         message_type=None, findings=(finding,), verdict=Verdict.ERROR)


def _text_output(text: str, lang: str = "en") -> str:
    stream = io.StringIO()
    writer = TextWriter(stream, {}, lang=lang)
    writer.write(_result(text))
    writer.close()
    return stream.getvalue()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_text_output_escapes_what_a_terminal_would_act_on(lang: str) -> None:
    out = _text_output(HOSTILE, lang)
    assert not UNSAFE.search(out), ascii(out)
    assert "\\x1b[2J" in out and "\\u202e" in out and "\\udcff" in out and "\\x9b" in out
    lines = out.splitlines()
    assert not any(line.startswith("PASS") for line in lines)  # no forged result line
    assert sum(HOSTILE[:1] in line for line in lines) >= 5  # name, message, excerpt x2, hint
    out.encode("utf-8")  # a lone surrogate never reaches the stream


def test_terminal_keeps_ordinary_text_and_tabs() -> None:
    text = "中文 émoji 😀\tTab, quotes \"'\\ and <markup>"
    assert terminal(text) == text
    assert terminal("a\nb\rc") == "a\\nb\\rc"


def test_json_output_is_valid_and_encodable_with_a_lone_surrogate() -> None:
    stream = io.StringIO()
    writer = ResultsJsonWriter(stream, [], None)
    writer.write(_result(HOSTILE))
    writer.write(_result("next"))
    writer.close()
    text = stream.getvalue()
    text.encode("utf-8")
    data = json.loads(text)
    names = [p["name"] for p in data["payloads"]]
    assert names[0].endswith("\\udcff.json") and names[1] == "dir/next.json"
    assert data["payloads"][0]["findings"][0]["message"]["en"].startswith("a\x1b[2J")  # data, kept


@settings(max_examples=examples(200), deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=()), max_size=64))  # surrogates too
@pytest.mark.fuzz
def test_any_string_gives_output_that_encodes(text: str) -> None:
    out = _text_output(text)
    assert not UNSAFE.search(out)
    out.encode("utf-8")
    stream = io.StringIO()
    writer = ResultsJsonWriter(stream, [], None)
    writer.write(_result(text))
    writer.close()
    data = json.loads(stream.getvalue().encode("utf-8"))
    assert data["summary"]["payloads"] == 1


# --- Labels in the language asked for (issue 10 §3) ----------------------------------------------

def _validate_text(lang: str, verbose: bool = False) -> tuple[str, list[PayloadResult]]:
    from conformance import api
    from tests.conftest import ENVELOPE_FIXTURES

    standard = api.load_standard("egov-exchange-envelope")
    names = ["xml/bad-created-no-zone.xml", "json/bad-digest-value-short.json", "xml/warn-empty-part.xml",
             "hostile/truncated.json", "xml/conformant-full.xml"]
    results = list(api.validate([ENVELOPE_FIXTURES / n for n in names], standard=standard))
    stream = io.StringIO()
    writer = TextWriter(stream, {standard.ref: standard}, lang=lang, verbose=verbose)
    for result in results:
        writer.write(result)
    writer.close()
    return stream.getvalue(), results


def test_english_text_keeps_its_labels() -> None:
    out, _ = _validate_text("en", verbose=True)
    lines = out.splitlines()
    assert any(line.startswith("FAIL  ") and line.endswith("[not conformant; egov-exchange-envelope@1.0.0 "
                                                           "envelope-xml, class full]") for line in lines)
    assert any(line.startswith("ERROR ") and line.endswith("[processing error; unrecognised]")
               for line in lines)
    assert "  EXC-007 MUST (failed): The creation time MUST be an ISO 8601 (GB/T 7408.1) date-time with a " \
           "zone designator." in lines
    assert "  EXC-020 SHOULD (warning): The size of a payload part SHOULD be greater than 0 bytes." in lines
    assert any(line.startswith("    line 6; /env:Envelope/env:Created: ") for line in lines)
    pointer = "    line 29, column 20; pointer /payload/parts/0/digest/value: "
    assert any(line.startswith(pointer) for line in lines)
    assert "  processing error:" in lines and any(line.startswith("    how to fix: ") for line in lines)
    assert any(re.fullmatch(r"  \d+ requirement\(s\) passed", line) for line in lines)
    assert lines[-1] == "5 payload(s): 2 conformant, 2 not conformant, 1 processing error"


def test_chinese_text_has_no_english_label() -> None:
    from conformance.reports.labels import english_words

    out, results = _validate_text("zh", verbose=True)
    lines = out.splitlines()
    assert "  EXC-007 必须（未通过）：创建时间必须是带时区标识的 ISO 8601（GB/T 7408.1）日期时间。" in lines
    assert any(line.startswith("    第 6 行；/env:Envelope/env:Created：") for line in lines)
    pointer = "    第 29 行第 20 列；指针 /payload/parts/0/digest/value："
    assert any(line.startswith(pointer) for line in lines)
    assert "  EXC-020 应当（警告）：载荷部件的字节数应大于 0。" in lines
    assert "  处理错误：" in lines and any(line.startswith("    修改建议：") for line in lines)
    assert lines[-1] == "共 5 个载荷：符合 2，不符合 2，处理错误 1"
    data = {"egov-exchange-envelope@1.0.0", "envelope-xml", "envelope-json", "full"}
    for result in results:
        data.add(result.name)
        for finding in result.findings:
            data |= {finding.message.zh, finding.hint.zh if finding.hint else "", finding.excerpt or "",
                     *(finding.excerpt or "").split("\n")}
            if finding.location is not None:
                data |= {finding.location.xpath or "", finding.location.pointer or ""}
    for value in sorted(data, key=len, reverse=True):
        if value:
            out = out.replace(value, " ")
    found = sorted({w for w in re.findall(r"[A-Za-z]{2,}", out) if w in english_words()})
    assert not found, (found, out)
