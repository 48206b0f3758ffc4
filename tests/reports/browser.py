"""Open a rendered report in headless Chromium and report what a reader would see.

Reusable for any self-contained HTML page of ours (the HTML report, the certificate): tests elsewhere
call `inspect_page(path, zh_selector=...)` and assert on the returned `PageInspection`. Chromium is
the Debian package (`/usr/bin/chromium`) driven by Playwright; `playwright install` is never needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
requires_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (CI installs the Debian package chromium)")


@dataclass
class PageInspection:
    """What the page showed: the verdict element, the fonts of Chinese text, errors and requests."""

    verdict_visible: bool
    verdict_text: str
    cjk_font_families: list[str]
    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    screenshot: Path | None = None


def _platform_fonts(page: object, selector: str) -> list[str]:
    """Font families Chromium actually used for the text inside `selector` (DevTools CSS domain)."""
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1})
        node = cdp.send("DOM.querySelector", {"nodeId": root["root"]["nodeId"], "selector": selector})
        if not node.get("nodeId"):
            raise AssertionError(f"no element matches {selector!r}")
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})
        return [f["familyName"] for f in fonts["fonts"]]
    finally:
        cdp.detach()


def inspect_page(html_path: Path, *, zh_selector: str, verdict_selector: str = "#verdict",
                 screenshot: Path | None = None, full_page: bool = False) -> PageInspection:
    """Load `html_path` from file://, let nothing else load, and inspect it.

    `zh_selector` names an element holding Chinese text; `screenshot` (a .png path) keeps the first
    screen, or the whole page with `full_page` (megabytes for a long report).
    """
    from playwright.sync_api import Request, Route, sync_playwright

    console_errors: list[str] = []
    outside: list[str] = []

    def guard(route: Route, request: Request) -> None:
        # Anything but the page's own file is recorded and refused, so a stray reference shows up as
        # a failing assertion rather than a network call from the test machine.
        if request.url.startswith("file://"):
            route.continue_()
        else:
            outside.append(request.url)
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page = context.new_page()
            page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: console_errors.append(f"pageerror: {e}"))
            page.on("request", lambda r: None if r.url.startswith("file://") else outside.append(r.url))
            page.route("**/*", guard)
            page.goto(html_path.resolve().as_uri(), wait_until="load")
            verdict = page.locator(verdict_selector)
            visible = verdict.is_visible()
            text = verdict.inner_text() if verdict.count() else ""
            fonts = _platform_fonts(page, zh_selector)
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot), full_page=full_page)
            context.close()
        finally:
            browser.close()
    return PageInspection(verdict_visible=visible, verdict_text=text, cjk_font_families=fonts,
                          console_errors=console_errors, outside_requests=sorted(set(outside)),
                          screenshot=screenshot)
