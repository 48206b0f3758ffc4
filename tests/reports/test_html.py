"""The HTML report: escaped, bilingual with correct lang, self-contained, records the run, capped."""

from __future__ import annotations

import copy
import re
from typing import Any

import lxml.html
import pytest

from conformance.reports import html as html_module
from conformance.reports.html import DETAIL_LIMIT, VERDICT_LABELS, html_report
from tests.reports.conftest import SUITE_HASH, as_record

ARTICLES = "//*[@id='failures']//article[@class='payload']"
CJK = re.compile("[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")


def page(document: dict[str, Any]) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(html_report(as_record(document)))


def test_untrusted_text_is_escaped(hostile_document: dict[str, Any]) -> None:
    text = html_report(as_record(hostile_document))
    text.encode("utf-8")  # no lone surrogate got through
    assert "<script" not in text.lower()
    assert "<img" not in text.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "\\x00\\x01\\x08\\x0b\\x1b[31m" in text and "\\udcff" in text and "\x1b" not in text
    root = lxml.html.fromstring(text)
    excerpts = root.xpath("//pre[@class='excerpt']")
    assert excerpts and all("<script>alert(1)</script>" in pre.text_content() for pre in excerpts)


def test_script_in_an_excerpt_renders_as_text(failing_document: dict[str, Any]) -> None:
    doc = copy.deepcopy(failing_document)
    finding = next(f for p in doc["payloads"] for f in p["findings"] if "excerpt" in f)
    finding["excerpt"] = '>1 | <script>document.title="owned"</script>'
    text = html_report(as_record(doc))
    assert "<script>" not in text and "&lt;script&gt;document.title=" in text


def test_both_languages_and_chinese_marked_zh_hans(failing_document: dict[str, Any]) -> None:
    root = page(failing_document)
    assert root.get("lang") == "en"
    zh = root.xpath("//*[@lang='zh-Hans']")
    en = root.xpath("//*[@lang='en']")
    assert len(zh) > 50 and len(en) > 50
    assert any("一致性测试报告" in e.text_content() for e in zh)
    assert any("Conformance test report" in e.text_content() for e in en)
    # Every piece of our own Chinese text is inside lang="zh-Hans"; payload data (code, excerpts)
    # is in no particular language.
    unmarked = []
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag in ("code", "pre", "title"):
            continue
        own = (element.text or "") + "".join(child.tail or "" for child in element)
        in_zh = any(a.get("lang") == "zh-Hans" for a in (element, *element.iterancestors()))
        if CJK.search(own) and not in_zh:
            unmarked.append(own.strip())
    assert not unmarked


def test_verdict_is_prominent_and_per_class(failing_document: dict[str, Any]) -> None:
    root = page(failing_document)
    (verdict,) = root.xpath("//*[@id='verdict']")
    assert verdict.get("data-verdict") == failing_document["verdict"] == "not-conformant"
    label = VERDICT_LABELS["not-conformant"]
    assert label["zh"] in verdict.text_content() and label["en"] in verdict.text_content()
    rows = root.xpath("//*[@id='classes']//tr[@class='class-row']")
    assert [r.get("id") for r in rows] == [f"class-{c['id']}" for c in failing_document["classes"]]
    for row, klass in zip(rows, failing_document["classes"], strict=True):
        assert row.xpath(".//*[@data-verdict]")[0].get("data-verdict") == klass["verdict"]


def test_requirement_table_has_outcomes_and_counts(failing_document: dict[str, Any]) -> None:
    root = page(failing_document)
    for r in failing_document["requirements"]:
        (row,) = root.xpath(f"//*[@id='req-{r['id']}']")
        cells = [td.text_content().strip() for td in row.xpath("td")]
        assert cells[0] == r["id"]
        assert r["statement"]["en"] in cells[2] and r["statement"]["zh"] in cells[2]
        outcomes = ("passed", "failed", "cantTell", "inapplicable", "untested")
        assert cells[-5:] == [str(r["counts"][k]) for k in outcomes]


def test_failures_per_payload_with_excerpt_and_location(failing_document: dict[str, Any]) -> None:
    root = page(failing_document)
    articles = root.xpath(ARTICLES)
    assert len(articles) == sum(1 for p in failing_document["payloads"] if p["findings"])
    article = next(a for a in articles
                   if a.xpath(".//h3/code")[0].text.endswith("xml/bad-conversation-id.xml"))
    text = article.text_content()
    assert "EXC-003" in text and "line 4; /env:Envelope/env:ConversationId" in text
    assert ">4 |" in article.xpath(".//pre[@class='excerpt']")[0].text_content()
    assert not root.xpath("//*[@id='details-capped']")


def test_records_the_run(conformant_document: dict[str, Any]) -> None:
    doc = conformant_document
    text = page(doc).text_content()
    for fact in (doc["tool"]["version"], doc["standard"]["id"], doc["standard"]["version"],
                 doc["standard"]["content-hash"], SUITE_HASH, "20261125", doc["started"], doc["finished"]):
        assert fact in text, fact
    assert all(p["sha256"] in text for p in doc["payloads"])


def test_loads_nothing_and_names_cjk_fonts(failing_document: dict[str, Any]) -> None:
    text = html_report(as_record(failing_document))
    root = lxml.html.fromstring(text)
    loaders = ("script", "link", "img", "iframe", "object", "embed", "audio", "video", "source")
    assert not root.xpath("|".join(f"//{t}" for t in loaders))
    assert not re.search(r"url\(|@import|https?://[^\s\"<]*\.(css|js|woff2?|ttf|png)", text)
    csp = root.xpath("//meta[@http-equiv='Content-Security-Policy']")[0].get("content")
    assert "default-src 'none'" in csp
    style = root.xpath("//style")[0].text
    assert '"Noto Sans CJK SC", "Noto Sans SC"' in style and "sans-serif" in style


def test_large_runs_are_capped(failing_document: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    doc = copy.deepcopy(failing_document)
    failing = [p for p in doc["payloads"] if p["findings"]]
    doc["payloads"] = [dict(failing[i % len(failing)], name=f"p{i:04}.xml")
                       for i in range(DETAIL_LIMIT + 100)]
    monkeypatch.setattr(html_module, "INVENTORY_LIMIT", 550)
    root = page(doc)
    assert len(root.xpath(ARTICLES)) == DETAIL_LIMIT
    note = root.xpath("//*[@id='details-capped']")[0].text_content()
    assert str(DETAIL_LIMIT + 100) in note and str(DETAIL_LIMIT) in note
    assert len(root.xpath("//*[@id='payloads']//tbody/tr")) == 550


def test_template_autoescapes_even_as_a_j2_file() -> None:
    template = html_module._template()
    assert template.environment.autoescape is True
