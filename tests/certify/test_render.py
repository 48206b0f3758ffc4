"""The printable page: deterministic, escaped, self-contained, bilingual, with its QR code."""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

import lxml.html
import pytest

from conformance.certify import signed_file
from conformance.certify.certificate import IssueOptions, certificate_hash, issue
from conformance.certify.render import qr_text, render_html
from conformance.core.errors import UsageError
from conformance.records.run_results import Subject
from tests.certify.builders import CONFORMANT, NOW, issuer_key, results_bytes

FIXED = uuid.UUID("0b3a5c1e-8d2f-4c6a-9e1b-7f0d2a4c6e8b")
SCRIPT = "<script>alert(1)</script>"
SELF_TEST_EN = "Self-test: issued by the vendor itself, not a third party"


def _signed(subject: Subject | None = None, **options: Any) -> signed_file.Signed:
    data = results_bytes(CONFORMANT, subject=subject) if subject else results_bytes()
    document = issue(data, issuer_key(), IssueOptions(issuer="Test Lab", **options), now=NOW,
                     certificate_id=FIXED)
    return signed_file.split(document, "certificate", "test", "certificate")


def test_rendering_is_deterministic() -> None:
    signed = _signed()
    first = render_html(signed)
    again = signed_file.split(signed_file.parse_json(signed_file.dumps(signed.as_dict()).encode(), "x"),
                           "certificate", "x", "certificate")
    assert render_html(again) == first
    assert render_html(_signed()) == first  # re-issued with the same id, key and time


def test_page_shows_what_was_certified() -> None:
    signed = _signed(role="receiver", status_url="https://lab.example/r.json")
    html = render_html(signed)
    cert = signed.content
    for expected in ("符合性证书", "Certificate of Conformance", "Conformant", "ACME", "Gateway",
                     "2.1", "egov-exchange-envelope", "1.0.0", cert["issuer"]["key-id"], cert["issued"],
                     cert["expires"], cert["id"], "receiver", "https://lab.example/r.json",
                     cert["scope"]["standard"]["title"]["zh"], cert["scope"]["standard"]["title"]["en"],
                     "自测声明", "<svg"):
        assert expected in html, expected


def test_qr_code_encodes_id_and_hash() -> None:
    signed = _signed()
    text = qr_text(signed.content)
    assert text == f"{FIXED.urn}#{certificate_hash(signed.content)}"
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}#sha256:[0-9a-f]{64}", text)
    assert text in render_html(signed)


@pytest.mark.parametrize("where", ["organisation", "issuer", "role"])
def test_values_are_escaped(where: str) -> None:
    if where == "organisation":
        signed = _signed(Subject(SCRIPT, "P", "1"))
    elif where == "issuer":
        document = issue(results_bytes(), issuer_key(), IssueOptions(issuer=SCRIPT), now=NOW)
        signed = signed_file.split(document, "certificate", "t", "certificate")
    else:
        signed = _signed(role=SCRIPT)
    html = render_html(signed)
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_page_is_self_contained_and_printable() -> None:
    html = render_html(_signed(status_url="https://lab.example/r.json"))
    for forbidden in ("<script", "<link", "src=", "href=", "@import", "url("):
        assert forbidden not in html, forbidden
    assert "@media print" in html and "@page" in html


def test_languages() -> None:
    signed = _signed()
    zh, en = render_html(signed, lang="zh"), render_html(signed, lang="en")
    assert "符合性证书" in zh and "Certificate of Conformance" not in zh
    assert "Certificate of Conformance" in en and "符合性证书" not in en
    assert '<html lang="zh-Hans">' in zh and '<html lang="en">' in en
    with pytest.raises(UsageError, match="language"):
        render_html(signed, lang="fr")


def test_a_file_that_is_not_a_certificate_is_not_rendered() -> None:
    signed = signed_file.Signed("certificate", {"format": "something else"}, {})
    with pytest.raises(UsageError, match="not a valid certificate"):
        render_html(signed)


def _css_rules(html: str) -> list[tuple[list[str], str]]:
    style = re.sub(r"/\*.*?\*/", "", lxml.html.fromstring(html).xpath("//style")[0].text, flags=re.DOTALL)
    return [([s.strip() for s in selectors.split(",")], body)
            for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", style)]


def test_self_test_mark_is_as_prominent_as_the_verdict() -> None:
    html = render_html(_signed())
    root = lxml.html.fromstring(html)
    (verdict,) = root.xpath("//*[@id='verdict']")
    (mark,) = root.xpath("//*[@id='self-test']")
    # Same element, same class of size, same place: side by side in the header, not a footnote.
    assert verdict.tag == mark.tag == "div"
    assert "mark" in verdict.get("class").split() and "mark" in mark.get("class").split()
    assert mark.getparent() is verdict.getparent() and mark.getprevious() is verdict
    assert verdict.getparent().getparent().tag == "header"
    assert "自测" in mark.text_content() and SELF_TEST_EN in mark.text_content()
    # The size comes from `.mark` alone: nothing makes the self-test mark smaller or fainter.
    rules = _css_rules(html)
    assert any(".mark" in selectors and "font-size: 14pt" in body for selectors, body in rules)
    for selectors, body in rules:
        if any("self-test" in s for s in selectors):
            assert not re.search(r"font-size|font-weight|opacity|display", body), body
    assert not root.xpath("//*[contains(@class, 'note') and contains(., '自测')]")


def test_self_test_mark_in_one_language() -> None:
    signed = _signed()
    zh = lxml.html.fromstring(render_html(signed, lang="zh")).xpath("//*[@id='self-test']")[0]
    en = lxml.html.fromstring(render_html(signed, lang="en")).xpath("//*[@id='self-test']")[0]
    assert zh.text_content().startswith("自测") and "Self-test" not in zh.text_content()
    assert en.text_content() == SELF_TEST_EN


def test_third_party_certificate_has_no_self_test_mark() -> None:
    root = lxml.html.fromstring(render_html(_signed(self_test=False)))
    assert not root.xpath("//*[@id='self-test']")
    assert "Third-party tested" in root.xpath("//header/*[@class='mode']")[0].text_content()


def test_text_that_reads_the_same_is_printed_once() -> None:
    signed = _signed()
    content = copy.deepcopy(signed.content)
    content["scope"]["standard"]["title"] = {"zh": "", "en": "Exchange envelope"}
    content["scope"]["classes"][0]["title"] = {"zh": "核心", "en": "核心"}
    html = render_html(signed_file.Signed(signed.member, content, signed.jws))
    root = lxml.html.fromstring(html)
    assert root.text_content().count("Exchange envelope") == 1
    (title,) = root.xpath("//span[text()='Exchange envelope']")
    assert (title.get("lang"), title.get("class")) == ("en", "same")
    (klass,) = root.xpath("//span[text()='核心']")
    assert (klass.get("lang"), klass.get("class")) == ("zh-Hans", "same")
    # In one language, a blank member falls back to the other instead of printing nothing.
    zh = lxml.html.fromstring(render_html(signed_file.Signed(signed.member, content, signed.jws), lang="zh"))
    assert zh.xpath("//span[text()='Exchange envelope']")[0].get("lang") == "en"
