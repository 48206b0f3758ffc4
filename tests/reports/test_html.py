"""The HTML report: escaped, bilingual with correct lang, self-contained, records the run, capped."""

from __future__ import annotations

import copy
import re
from typing import Any

import lxml.html
import pytest

from conformance.reports import fix_first as fix_first_module
from conformance.reports import html as html_module
from conformance.reports.html import DETAIL_LIMIT, VERDICT_LABELS, html_report
from tests.reports.conftest import FIXTURE_SET, SUITE_HASH, as_record, make_document

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


# The failing requirements of the fixture run, worst first: MUST by payloads failing (7, then 4, then
# 2) and id, then SHOULD likewise.
FIX_FIRST_ORDER = [
    "EXC-001", "EXC-005", "EXC-007", "EXC-011", "EXC-022", "EXC-023",
    "EXC-002", "EXC-003", "EXC-004", "EXC-006", "EXC-008", "EXC-009", "EXC-012", "EXC-013", "EXC-014",
    "EXC-015", "EXC-016", "EXC-017", "EXC-021",
    "EXC-010", "EXC-019", "EXC-018", "EXC-020", "EXC-024",
]


def test_fix_first_opens_a_failing_run(failing_document: dict[str, Any]) -> None:
    root = page(failing_document)
    (section,) = root.xpath("//section[@id='fix-first']")
    # Right after the verdict, before everything else on the page.
    assert [e.get("id") for e in root.xpath("//body/section")][:3] == ["verdict", "fix-first", "run"]
    title = section.xpath("h2")[0].text_content()
    assert "首先修复" in title and "Fix these first" in title
    # Processing errors first: they hide everything else.
    assert [h.get("id") for h in section.xpath("h3")] == ["fix-first-errors", "fix-first-requirements"]


def test_fix_first_lists_processing_errors_with_links(failing_document: dict[str, Any]) -> None:
    root = page(failing_document)
    rows = root.xpath("//*[@id='fix-first']//tr[@class='processing-error']")
    expected = [i for i, p in enumerate(failing_document["payloads"], 1)
                if any(f.get("processing-error") for f in p["findings"])]
    assert [int(r.get("data-payload")) for r in rows] == expected and len(expected) == 15
    empty = next(r for r in rows if r.xpath(".//code")[0].text.endswith("hostile/empty.json"))
    assert "空文件" in empty.text_content() and "empty file" in empty.text_content()
    for row in rows:
        (link,) = row.xpath(".//a/@href")
        assert root.xpath(f"//article[@id='{link[1:]}']"), link
    truncated = next(r for r in rows if r.xpath(".//code")[0].text.endswith("hostile/truncated.json"))
    assert truncated.xpath(".//*[@class='location']")[0].text_content() == "line 29, column 20"


def test_fix_first_orders_requirements_by_level_then_payloads(failing_document: dict[str, Any]) -> None:
    root = page(failing_document)
    rows = root.xpath("//*[@id='fix-first']//tr[@class='failing-requirement']")
    assert [r.get("data-requirement") for r in rows] == FIX_FIRST_ORDER
    requirements = {r["id"]: r for r in failing_document["requirements"]}
    for row in rows:
        requirement = requirements[row.get("data-requirement")]
        cells = [td.text_content().strip() for td in row.xpath("td")]
        assert cells[0] == requirement["id"]
        assert requirement["level"] in cells[1]
        assert requirement["statement"]["zh"] in cells[2] and requirement["statement"]["en"] in cells[2]
        assert cells[3] == str(requirement["counts"]["failed"])
        # The id links to the requirement's row, the last cell to its first failing payload.
        (to_row, to_payload) = row.xpath(".//a/@href")
        assert to_row == f"#req-{requirement['id']}" and root.xpath(f"//tr[@id='req-{requirement['id']}']")
        (article,) = root.xpath(f"//article[@id='{to_payload[1:]}']")
        assert requirement["id"] in [c.text for c in article.xpath(".//p[@class='label']//code")]
    first_schema = rows[0].xpath("td")[-1].text_content()
    assert first_schema.endswith("xml/bad-schema-element-order.xml")


def test_fix_first_puts_a_may_after_a_should(failing_document: dict[str, Any]) -> None:
    # Level before number of payloads: a MAY failed by many payloads still comes after every SHOULD.
    doc = copy.deepcopy(failing_document)
    for r in doc["requirements"]:
        if r["id"] == "EXC-001":
            r["level"] = "MAY"
        if r["id"] == "EXC-024":
            r["counts"] = dict(r["counts"], failed=40)
    order = [r.get("data-requirement")
             for r in page(doc).xpath("//*[@id='fix-first']//tr[@class='failing-requirement']")]
    assert order[-6:] == ["EXC-024", "EXC-010", "EXC-019", "EXC-018", "EXC-020", "EXC-001"]


def test_fix_first_is_absent_on_a_passing_run(conformant_document: dict[str, Any]) -> None:
    text = html_report(as_record(conformant_document))
    assert not lxml.html.fromstring(text).xpath("//*[@id='fix-first']")
    assert "首先修复" not in text and "Fix these first" not in text


def test_fix_first_is_absent_on_a_passing_run_with_warnings(standard: Any) -> None:
    # SHOULD failures alone leave the run conformant: nothing has to be fixed first.
    doc = make_document(standard, sorted((FIXTURE_SET / "xml").glob("warn-*.xml")))
    assert doc["verdict"] == "conformant" and any(r["counts"]["failed"] for r in doc["requirements"])
    record = as_record(doc)
    assert fix_first_module.fix_first(record) is None
    assert not lxml.html.fromstring(html_report(record)).xpath("//*[@id='fix-first']")


def test_fix_first_of_a_run_with_only_processing_errors(standard: Any) -> None:
    hostile = FIXTURE_SET / "hostile"
    doc = make_document(standard, [hostile / "empty.xml", hostile / "truncated.json"])
    assert doc["verdict"] == "error"
    section = page(doc).xpath("//section[@id='fix-first']")[0]
    assert [h.get("id") for h in section.xpath("h3")] == ["fix-first-errors"]
    assert len(section.xpath(".//tr[@class='processing-error']")) == 2


def test_fix_first_caps_processing_errors(failing_document: dict[str, Any],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fix_first_module, "PROCESSING_ERROR_LIMIT", 3)
    root = page(failing_document)
    assert len(root.xpath("//*[@id='fix-first']//tr[@class='processing-error']")) == 3
    note = root.xpath("//*[@id='fix-first-errors-capped']")[0].text_content()
    assert "15" in note and "3" in note


def test_fix_first_link_only_to_payloads_shown(failing_document: dict[str, Any],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # Past the cap of details a payload has no article: its name is given, without a dead link.
    monkeypatch.setattr(html_module, "DETAIL_LIMIT", 5)
    root = page(failing_document)
    anchors = {a.get("id") for a in root.xpath(ARTICLES)}
    links = root.xpath("//*[@id='fix-first']//td[@class='payload']//a/@href")
    assert links and all(link[1:] in anchors for link in links)
    rows = root.xpath("//*[@id='fix-first']//tr[@class='processing-error']")
    assert rows and not rows[0].xpath(".//a") and rows[0].xpath(".//code")


def test_requirement_ids_never_wrap(failing_document: dict[str, Any]) -> None:
    root = page(failing_document)
    style = re.sub(r"/\*.*?\*/", "", root.xpath("//style")[0].text, flags=re.DOTALL)
    nowrap = [selector for selector, body in re.findall(r"([^{}]+)\{([^}]*)\}", style)
              if "white-space: nowrap" in body]
    assert any(".req-id" in (s.strip() for s in selector.split(",")) for selector in nowrap), nowrap
    ids = {r["id"] for r in failing_document["requirements"]}
    shown = [c for c in root.iter("code") if c.text in ids]
    assert len(shown) > len(ids) * 2  # the fix-first table, the requirements table, the findings
    for code in shown:
        classes = [set((e.get("class") or "").split()) for e in (code, *code.iterancestors())][:2]
        assert any("req-id" in c for c in classes), lxml.html.tostring(code.getparent())


def _one_line_texts(document: dict[str, Any]) -> dict[str, Any]:
    """The failing run with texts that read the same in both languages, or lack their Chinese."""
    doc = copy.deepcopy(document)
    requirement = next(r for r in doc["requirements"] if r["id"] == "EXC-001")
    requirement["statement"] = {"zh": "Envelope MUST validate.", "en": "Envelope MUST validate."}
    doc["classes"][0]["title"] = {"zh": "核心类别", "en": "核心类别"}
    doc["standard"]["title"] = {"zh": "", "en": "Exchange envelope"}
    for payload in doc["payloads"]:
        for finding in payload["findings"]:
            if finding["requirement"] == "EXC-001":
                finding["message"] = {"zh": "", "en": "unexpected element Foo"}
                finding["hint"] = {"zh": "Remove Foo.", "en": "Remove Foo."}
    return doc


def test_text_that_reads_the_same_is_printed_once(failing_document: dict[str, Any]) -> None:
    doc = _one_line_texts(failing_document)
    root = page(doc)
    (row,) = root.xpath("//tr[@id='req-EXC-001']")
    assert row.text_content().count("Envelope MUST validate.") == 1
    (fix_row,) = root.xpath("//tr[@data-requirement='EXC-001']")
    assert fix_row.text_content().count("Envelope MUST validate.") == 1
    findings = [f for f in root.xpath("//div[@class='finding']") if "EXC-001" in f.text_content()]
    assert len(findings) == 7
    for finding in findings:
        text = finding.text_content()
        assert text.count("unexpected element Foo") == 1 and text.count("Remove Foo.") == 1
        assert text.count("Envelope MUST validate.") == 1
        (hint,) = finding.xpath(".//p[@class='hint']")
        assert "修改建议" in hint.text_content() and "How to fix" in hint.text_content()
    # Shown once, in the language it is written in: Chinese glyphs for Chinese text.
    (title,) = root.xpath("//p[@class='standard-title']/span")
    assert (title.get("lang"), title.get("class"), title.text) == ("en", "same", "Exchange envelope")
    (klass,) = root.xpath(f"//tr[@id='class-{doc['classes'][0]['id']}']/td[@class='statement']/span")
    assert (klass.get("lang"), klass.get("class")) == ("zh-Hans", "same")
    # The " / " between the languages belongs between two of them only.
    style = root.xpath("//style")[0].text
    assert "> .en::before" not in style and ".zh + .en::before" in style


def test_texts_that_differ_are_printed_in_both_languages(failing_document: dict[str, Any]) -> None:
    root = page(failing_document)
    (row,) = root.xpath("//tr[@id='req-EXC-001']")
    spans = row.xpath("td[@class='statement']/span")
    assert [(s.get("lang"), s.get("class")) for s in spans] == [("zh-Hans", "zh"), ("en", "en")]


def test_rendering_is_byte_identical(failing_document: dict[str, Any]) -> None:
    assert html_report(as_record(failing_document)) == html_report(as_record(copy.deepcopy(failing_document)))
