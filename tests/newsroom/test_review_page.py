"""The review page opens from disk in headless Chromium with its charts drawn; screenshot to docs/."""

from __future__ import annotations

from typing import List

import pytest
from playwright.sync_api import Route, sync_playwright

from tests.browser.support import CHROMIUM, CHROMIUM_ARGS
from tests.newsroom.conftest import Reviewed
from tests.support.servers import ROOT

SCREENSHOT = ROOT / "docs" / "review.png"


def test_page_draws_its_charts_offline(reviewed: Reviewed) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run `make browser-deps`")
    outside: List[str] = []

    def only_files(route: Route) -> None:
        if route.request.url.startswith(("file://", "data:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route("**/*", only_files)
            errors: List[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto((reviewed.out / "index.html").as_uri())
            charts = page.locator("svg.chart")
            assert charts.count() >= 4  # conversations/messages, outcomes, topics, buttons
            for index in range(charts.count()):
                box = charts.nth(index).bounding_box()
                assert box and box["width"] > 100 and box["height"] > 20
            bars = page.locator("svg.chart rect.bar")
            assert bars.count() >= 8
            assert max(bars.nth(i).bounding_box()["height"] for i in range(bars.count())) > 10
            assert page.locator("#unanswered tbody tr").count() == len(reviewed.review["unanswered"])
            assert "weather in Paris" in page.locator("#unanswered").inner_text()
            if reviewed.dialect == "sqlite":  # one screenshot for the README: the page is the same
                SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOT), full_page=True)
            assert not errors and not outside
        finally:
            browser.close()
