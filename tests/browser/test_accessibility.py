"""axe-core (WCAG 2.0-2.2 A and AA) on the page in every state a reader meets, desktop, phone, 200%.

Each audit fails with the rule id and the offending elements (tests/browser/axe.py).
"""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.browser.axe import assert_accessible
from tests.browser.chat_page import ChatPage
from tests.browser.support import OutsideGuard
from tests.support.servers import Server

PHONE = {"width": 390, "height": 844}
# 200% zoom of a 1280x800 window: half as many CSS pixels, each drawn twice as large.
ZOOMED = {"width": 640, "height": 400}
DARI = "داعش خراسان چه گروهی است؟"


def rate_first_answer(chat: ChatPage) -> None:
    chat.page.locator("#chat .isk-rating").last.get_by_role("button", name="Helpful").first.click()
    expect(chat.page.locator("#chat .isk-rating.is-rated")).to_have_count(1)
    chat.wait_for_bot("Thanks for rating")


def test_every_state_of_the_conversation_passes_axe(chat: ChatPage, unsure_message: str) -> None:
    assert_accessible(chat.page, "with the chat closed")
    chat.open()
    chat.greeted()
    chat.settled()
    assert_accessible(chat.page, "with the chat open")

    chat.ask("Where are IS-K based?")
    chat.wait_for_bot("Source: the explainer")
    expect(chat.page.locator("#chat .isk-rating")).to_have_count(1)
    chat.settled()
    assert_accessible(chat.page, "after an answer (with its rating buttons)")

    chat.ask(unsure_message)
    chat.wait_for_bot("Did you mean")
    chat.settled()
    assert_accessible(chat.page, "after “Did you mean”")

    rate_first_answer(chat)
    chat.settled()
    assert_accessible(chat.page, "after a rating")

    chat.ask(DARI)
    expect(chat.user_message(DARI)).to_be_visible()
    chat.wait_waiting_shown(False)
    chat.settled()
    assert_accessible(chat.page, "with a right-to-left message")
    assert chat.errors == []


def _open_with_answer(browser: Browser, guard: OutsideGuard, page_server: Server, viewport: dict, scale: float):
    context = browser.new_context(viewport=viewport, device_scale_factor=scale, service_workers="block")
    context.route("**/*", guard)
    context.set_default_timeout(15_000)
    chat = ChatPage(context.new_page(), page_server.url).load()
    chat.open()
    chat.greeted()
    chat.ask("Where are IS-K based?")
    chat.wait_for_bot("Source: the explainer")
    expect(chat.page.locator("#chat .isk-rating")).to_have_count(1)
    chat.settled()
    return context, chat


def test_on_a_phone_and_at_200_percent_zoom_the_page_passes_axe(
    browser: Browser, guard: OutsideGuard, page_server: Server
) -> None:
    for name, viewport, scale in (("on a 390x844 phone", PHONE, 3.0), ("at 200% zoom", ZOOMED, 2.0)):
        context, chat = _open_with_answer(browser, guard, page_server, viewport, scale)
        try:
            assert_accessible(chat.page, f"{name}, after an answer")
            rate_first_answer(chat)
            chat.settled()
            assert_accessible(chat.page, f"{name}, after a rating")
            assert chat.page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"], name
        finally:
            context.close()
