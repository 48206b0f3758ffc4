"""Issue 3 §6: the printable certificate checked in a real browser (headless Chromium)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from conformance.certify import IssueOptions, issue, load_certificate, render_html
from conformance.certify.signed_file import dumps
from tests.certify.builders import issuer_key, results_bytes
from tests.conftest import REPO
from tests.reports.browser import evaluate, inspect_page, open_from_disk, requires_chromium

SCREENSHOT = REPO / "reports" / "browser" / "certificate.png"
CJK_FONTS = ("CJK", "Noto Sans SC", "Source Han Sans")

# How the verdict and the self-test mark are drawn: size, weight, box and place on the page.
MARKS = """() => Object.fromEntries(['#verdict', '#self-test', 'h2'].map(selector => {
  const e = document.querySelector(selector);
  const style = getComputedStyle(e);
  const box = e.getBoundingClientRect();
  return [selector, {size: style.fontSize, weight: style.fontWeight, border: style.borderTopWidth,
                     top: box.top, bottom: box.bottom, height: box.height, visible: box.height > 0}];
}))"""

pytestmark = requires_chromium


def _page(tmp_path: Path) -> Path:
    document = issue(results_bytes(), issuer_key(), IssueOptions(issuer="国家电子政务标准测试中心"),
                     now=datetime(2026, 11, 25, tzinfo=UTC))
    signed = tmp_path / "certificate.json"
    signed.write_text(dumps(document), encoding="utf-8")
    page = tmp_path / "certificate.html"
    page.write_text(render_html(load_certificate(signed)), encoding="utf-8")
    return page


def test_certificate_in_chromium(tmp_path: Path) -> None:
    page = _page(tmp_path)
    seen = inspect_page(page, zh_selector="#verdict [lang='zh-Hans']", screenshot=SCREENSHOT)
    assert seen.verdict_visible
    assert "符合" in seen.verdict_text and "Conformant" in seen.verdict_text
    fonts = seen.cjk_font_families
    assert any(key in family for family in fonts for key in CJK_FONTS), fonts
    assert seen.console_errors == []
    assert seen.outside_requests == []
    assert SCREENSHOT.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert open_from_disk(page) == []


def test_self_test_mark_is_drawn_like_the_verdict(tmp_path: Path) -> None:
    marks = evaluate(_page(tmp_path), MARKS, width=900)
    assert isinstance(marks, dict)
    verdict, mark, first_heading = marks["#verdict"], marks["#self-test"], marks["h2"]
    assert verdict["visible"] and mark["visible"]
    for key in ("size", "weight", "border"):
        assert mark[key] == verdict[key], key
    # Right under the verdict, in the header, above the first section of the page.
    assert verdict["bottom"] <= mark["top"] < verdict["bottom"] + 20
    assert mark["bottom"] < first_heading["top"]
