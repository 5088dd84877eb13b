"""Browser fixtures: the built chat page, a Rasa server that admits its origin, and Chromium.

The page is served by widget/serve.py on a free port; its Rasa server is started the way
`make run` starts it (socket.io origins from WIDGET_PORT, no --cors), on the session's real
action server. Debian's Chromium is driven by Playwright (never a downloaded browser).
Every context refuses requests that would leave the machine and records them, and a
failing test leaves a screenshot in reports/screenshots/.
"""

from __future__ import annotations

from typing import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Playwright, sync_playwright

from tests.browser.chat_page import ChatPage
from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, OutsideGuard, new_context, start_page_server
from tests.support.servers import ROOT, Server, free_port, serving, start_rasa_server

SCREENSHOTS = ROOT / "reports" / "screenshots"


# Package scope: the browser, the page and its Rasa server go away when this suite ends.
@pytest.fixture(scope="package")
def page_port() -> int:
    return free_port()


@pytest.fixture(scope="package")
def widget_rasa(action_server: Server, page_port: int) -> Iterator[Server]:
    """Rasa as `make run` configures it for the page: only the page's origin may connect."""
    server = start_rasa_server(
        action_port=action_server.port, name="rasa-widget", WIDGET_PORT=str(page_port), ISK_CORS_ORIGINS=""
    )
    with serving(server):
        yield server


@pytest.fixture(scope="package")
def page_server(widget_rasa: Server, page_port: int) -> Iterator[Server]:
    """The page the reader opens, talking to ``widget_rasa``."""
    server = start_page_server(page_port, widget_rasa.url)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run `make browser-deps` (installs Debian's chromium)")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Remember each phase's outcome on the test item, for the screenshot-on-failure fixture."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def guard() -> OutsideGuard:
    return OutsideGuard()


@pytest.fixture
def context(browser: Browser, guard: OutsideGuard, request: pytest.FixtureRequest) -> Iterator[BrowserContext]:
    """A fresh profile for each test; its pages are saved as screenshots if the test fails."""
    context = new_context(browser, guard)
    try:
        yield context
    finally:
        reports = (getattr(request.node, f"report_{when}", None) for when in ("setup", "call"))
        if any(report is not None and report.failed for report in reports):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            for index, page in enumerate(context.pages):
                page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}-{index}.png"), full_page=True)
        context.close()


@pytest.fixture
def chat(context: BrowserContext, page_server: Server) -> ChatPage:
    """The chat page, loaded, with its console errors collected."""
    return ChatPage(context.new_page(), page_server.url).load()
