"""Issue 3 §6: the printable certificate checked in a real browser (headless Chromium)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from conformance.certify import IssueOptions, issue, load_certificate, render_html
from conformance.certify.signed_file import dumps
from tests.certify.builders import issuer_key, results_bytes
from tests.conftest import REPO
from tests.reports.browser import inspect_page, open_from_disk, requires_chromium

SCREENSHOT = REPO / "reports" / "browser" / "certificate.png"
CJK_FONTS = ("CJK", "Noto Sans SC", "Source Han Sans")

pytestmark = requires_chromium


def test_certificate_in_chromium(tmp_path: Path) -> None:
    document = issue(results_bytes(), issuer_key(), IssueOptions(issuer="国家电子政务标准测试中心"),
                     now=datetime(2026, 11, 25, tzinfo=UTC))
    signed = tmp_path / "certificate.json"
    signed.write_text(dumps(document), encoding="utf-8")
    page = tmp_path / "certificate.html"
    page.write_text(render_html(load_certificate(signed)), encoding="utf-8")
    seen = inspect_page(page, zh_selector="#verdict [lang='zh-Hans']", screenshot=SCREENSHOT)
    assert seen.verdict_visible
    assert "符合" in seen.verdict_text and "Conformant" in seen.verdict_text
    fonts = seen.cjk_font_families
    assert any(key in family for family in fonts for key in CJK_FONTS), fonts
    assert seen.console_errors == []
    assert seen.outside_requests == []
    assert SCREENSHOT.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert open_from_disk(page) == []
