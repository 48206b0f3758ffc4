"""Open a rendered report in headless Chromium and report what a reader would see.

Reusable for any self-contained HTML page of ours (the HTML report, the certificate): tests elsewhere
call `inspect_page(path, zh_selector=...)` and assert on the returned `PageInspection`. Chromium is
the Debian package (`/usr/bin/chromium`) driven by Playwright; `playwright install` is never needed.

The page is served from a loopback HTTP server that answers only for that one file, not opened from
`file://`: Chromium treats every `file:` URL as a unique opaque origin, and from Chromium 150 the
DevTools work this helper does on the page (request interception, the CSS domain that tells which
font drew the Chinese text) re-requests the document from inside that origin, which Chromium logs as
"Unsafe attempt to load URL file:///... from frame with URL file:///...". That console error was the
test's, not the page's; over http://127.0.0.1 the page has an ordinary origin and the checks keep
their meaning (any request but the page itself is recorded and refused). `open_from_disk` loads a
page from `file://` the way a reader double-clicking it would, with no interception or DevTools.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


# In CI a missing browser is a broken machine, not a reason to skip: the tests run and fail, with
# the reason, so that a silent skip can never hide them again.
requires_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason=f"{CHROMIUM} is absent (CI installs the Debian package chromium)")


def _require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: .ci/run must install the Debian package chromium "
                    "(CI is set, so the browser tests fail rather than skip)")


@contextmanager
def serve_one_file(path: Path) -> Iterator[tuple[str, list[str]]]:
    """Serve `path` at http://127.0.0.1:PORT/NAME; yields its URL and the other paths asked for."""
    body = path.read_bytes()
    name = "/" + path.name
    others: list[str] = []

    class OneFile(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != name:
                others.append(self.path)
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # requests are not logged
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), OneFile)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{name}", others
    finally:
        server.shutdown()
        server.server_close()


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
    """Serve `html_path` on loopback, let nothing else load, and inspect it.

    `zh_selector` names an element holding Chinese text; `screenshot` (a .png path) keeps the first
    screen, or the whole page with `full_page` (megabytes for a long report).
    """
    from playwright.sync_api import Request, Route, sync_playwright

    _require_chromium()
    console_errors: list[str] = []
    outside: list[str] = []

    with serve_one_file(html_path) as (url, asked_for), sync_playwright() as pw:

        def guard(route: Route, request: Request) -> None:
            # Anything but the page itself is recorded and refused, so a stray reference shows up as
            # a failing assertion rather than a network call from the test machine.
            if request.url == url:
                route.continue_()
            else:
                outside.append(request.url)
                route.abort()

        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page = context.new_page()
            page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: console_errors.append(f"pageerror: {e}"))
            page.on("request", lambda r: None if r.url == url else outside.append(r.url))
            page.route("**/*", guard)
            page.goto(url, wait_until="load")
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
        outside.extend(asked_for)
    return PageInspection(verdict_visible=visible, verdict_text=text, cjk_font_families=fonts,
                          console_errors=console_errors, outside_requests=sorted(set(outside)),
                          screenshot=screenshot)


def evaluate(html_path: Path, script: str, *, width: int = 1280, height: int = 900) -> object:
    """The value of the JavaScript function `script` run on `html_path` laid out `width` pixels wide.

    Served on loopback like `inspect_page`, with every other request refused: for layout questions
    (does an element wrap, how large is it) that `inspect_page` does not answer.
    """
    from playwright.sync_api import Route, sync_playwright

    _require_chromium()
    with serve_one_file(html_path) as (url, _), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")

            def only_the_page(route: Route) -> None:
                if route.request.url == url:
                    route.continue_()
                else:
                    route.abort()

            page.route("**/*", only_the_page)
            page.goto(url, wait_until="load")
            return page.evaluate(script)
        finally:
            browser.close()


def open_from_disk(html_path: Path) -> list[str]:
    """Console errors of `html_path` opened from `file://` as a reader would: no DevTools, no routes."""
    from playwright.sync_api import sync_playwright

    _require_chromium()
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
            page.goto(html_path.resolve().as_uri(), wait_until="load")
            page.wait_for_timeout(200)
        finally:
            browser.close()
    return errors
