"""Section 6: the HTML report checked in a real browser (headless Chromium, the Debian package)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance.reports.html import VERDICT_LABELS, html_report
from tests.conftest import REPO
from tests.reports.browser import evaluate, inspect_page, open_from_disk, requires_chromium
from tests.reports.conftest import as_record

SCREENSHOT = REPO / "reports" / "browser" / "report.png"
ZH_VERDICT = "#verdict .verdict-text [lang='zh-Hans']"
CJK_FONTS = ("CJK", "Noto Sans SC", "Source Han Sans")

# Every requirement id laid out on more than one line (an inline box with more than one rectangle,
# or taller than one line of its own text), with the number of ids looked at.
WRAPPED_IDS = """() => {
  const ids = [...document.querySelectorAll('.req-id')];
  const wrapped = ids.filter(e => {
    const line = parseFloat(getComputedStyle(e).lineHeight);
    return e.getClientRects().length !== 1 || e.getBoundingClientRect().height > line * 1.5;
  }).map(e => e.textContent);
  return {count: ids.length, wrapped: wrapped};
}"""

pytestmark = requires_chromium


def render(document: dict[str, Any], path: Path) -> Path:
    path.write_text(html_report(as_record(document)), encoding="utf-8")
    return path


def test_report_in_chromium(failing_document: dict[str, Any], tmp_path: Path) -> None:
    seen = inspect_page(render(failing_document, tmp_path / "report.html"), zh_selector=ZH_VERDICT,
                        screenshot=SCREENSHOT)
    label = VERDICT_LABELS[failing_document["verdict"]]
    assert seen.verdict_visible
    assert label["zh"] in seen.verdict_text and label["en"] in seen.verdict_text
    fonts = seen.cjk_font_families
    assert any(key in family for family in fonts for key in CJK_FONTS), fonts
    assert seen.console_errors == []
    assert seen.outside_requests == []
    assert SCREENSHOT.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_hostile_payloads_run_and_load_nothing(hostile_document: dict[str, Any], tmp_path: Path) -> None:
    # Names and excerpts hold <script> and <img src=http://...>: escaped, neither runs nor loads.
    seen = inspect_page(render(hostile_document, tmp_path / "hostile.html"), zh_selector=ZH_VERDICT)
    assert seen.verdict_visible
    assert seen.console_errors == []
    assert seen.outside_requests == []


def test_report_opened_from_disk_has_no_console_errors(failing_document: dict[str, Any],
                                                       tmp_path: Path) -> None:
    # How a reader opens it: double-clicked, from file://, with no DevTools attached.
    assert open_from_disk(render(failing_document, tmp_path / "report.html")) == []


def test_the_helper_sees_errors_and_outside_requests(tmp_path: Path) -> None:
    # The checks above are only worth something if a page that misbehaves is caught.
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html lang="en"><body><p id="verdict">x</p>'
                    '<p lang="zh-Hans" id="zh">符合</p><img src="http://198.51.100.1/x.png">'
                    '<script>console.error("boom"); undefinedFunction();</script></body></html>',
                    encoding="utf-8")
    seen = inspect_page(page, zh_selector="#zh")
    assert seen.outside_requests == ["http://198.51.100.1/x.png"]
    assert "boom" in seen.console_errors
    assert any(e.startswith("pageerror:") and "undefinedFunction" in e for e in seen.console_errors)


def test_the_helper_sees_errors_of_a_page_opened_from_disk(tmp_path: Path) -> None:
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><script>console.error("boom")</script>', encoding="utf-8")
    assert open_from_disk(page) == ["boom"]


def test_browser_tests_cannot_be_skipped_in_ci(monkeypatch: Any, pytester: Any) -> None:
    # With CI set and no browser, a browser test must fail with the reason, not skip.
    pytester.makepyfile(test_page="""
        from pathlib import Path
        import tests.reports.browser as browser

        @browser.requires_chromium
        def test_it(tmp_path, monkeypatch):
            monkeypatch.setattr(browser, "CHROMIUM", Path("/nonexistent/chromium"))
            page = tmp_path / "p.html"
            page.write_text("<p id=verdict>x</p>")
            browser.inspect_page(page, zh_selector="#verdict")
    """)
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:xdist")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*CI is set, so the browser tests fail rather than skip*"])


def test_requirement_ids_do_not_wrap(failing_document: dict[str, Any], tmp_path: Path) -> None:
    # On a phone's width the tables are squeezed hardest; an id must still stay on one line.
    page = render(failing_document, tmp_path / "report.html")
    for width in (360, 1280):
        seen = evaluate(page, WRAPPED_IDS, width=width)
        assert isinstance(seen, dict)
        assert seen["count"] > 50 and seen["wrapped"] == [], (width, seen["wrapped"][:5])


def test_the_wrap_check_sees_a_wrapped_id(tmp_path: Path) -> None:
    # Without nowrap the same id in a narrow cell breaks at its hyphen, and the check says so.
    page = tmp_path / "wrapped.html"
    page.write_text('<!DOCTYPE html><html lang="en"><body style="line-height: 1.5">'
                    '<table><tr><td style="width: 1px"><code class="req-id">EXC-001</code></td>'
                    '<td>a long statement that takes the room of the table</td></tr></table></body></html>',
                    encoding="utf-8")
    seen = evaluate(page, WRAPPED_IDS, width=360)
    assert seen == {"count": 1, "wrapped": ["EXC-001"]}
