"""Rating answers in the page: real buttons under each answer, one rating each, kept over a reload;
and right-to-left bubbles for messages in Arabic script."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.chat_page import ChatPage
from tests.browser.test_keyboard_and_phone import tab_to


def test_an_answer_is_rated_by_keyboard_once_and_the_topic_carries_on(chat: ChatPage) -> None:
    chat.open()
    chat.greeted()
    expect(chat.page.locator("#chat .isk-rating")).to_have_count(0)  # the greeting is not an answer
    chat.ask("Where are IS-K based?")
    chat.wait_for_bot("Source: the explainer")

    group = chat.page.get_by_role("group", name="Rate the answer to “Where is IS-K based?”")
    expect(group).to_have_count(1)
    helpful = group.get_by_role("button", name="Helpful (Rate the answer to “Where is IS-K based?”)", exact=True)
    not_helpful = group.get_by_role("button", name="Not helpful (Rate the answer to “Where is IS-K based?”)", exact=True)
    expect(helpful).to_be_enabled()
    expect(not_helpful).to_be_enabled()

    tab_to(chat, "Not helpful", key="Shift+Tab")
    assert chat.focused_matches("button.isk-rate")
    chat.page.keyboard.press("Enter")
    expect(helpful).to_be_disabled()
    expect(not_helpful).to_be_disabled()
    expect(not_helpful).to_have_attribute("aria-pressed", "true")
    expect(helpful).to_have_attribute("aria-pressed", "false")
    expect(group.get_by_text("Thanks for rating this answer.")).to_be_visible()
    expect(chat.page.get_by_role("status")).to_have_text("Thanks for rating this answer.")
    chat.wait_for_bot("Thanks for rating this answer.")  # the bot's own reply, from the content store
    assert not any("rate_answer" in text for text in chat.user_texts()), "the payload showed as a message"

    # The rating did not change the topic: "tell me more" continues the rated answer.
    chat.ask("tell me more")
    chat.wait_for_bot("Kunar")
    expect(chat.page.locator("#chat .isk-rating")).to_have_count(2)

    # After a reload the first answer still shows its rating, and cannot be rated again.
    chat.reload()
    chat.wait_for_bot("Kunar")
    expect(chat.page.locator("#chat .isk-rating")).to_have_count(2)
    expect(chat.page.locator("#chat .isk-rating.is-rated")).to_have_count(1)
    rated = chat.page.locator("#chat .isk-rating.is-rated")
    expect(rated.get_by_role("button", name="Not helpful", exact=False)).to_have_attribute("aria-pressed", "true")
    expect(rated.locator("button:enabled")).to_have_count(0)
    assert chat.errors == []


@pytest.mark.parametrize(
    "language, text",
    [
        ("dari", "داعش خراسان چه گروهی است؟"),
        ("pashto", "د IS-K مشرتابه څوک دی؟"),
        ("urdu", "داعش خراسان کون ہیں؟"),
    ],
)
def test_arabic_script_messages_run_right_to_left(chat: ChatPage, language: str, text: str) -> None:
    chat.open()
    chat.greeted()
    chat.ask(text)
    bubble = chat.user_message(text).last
    expect(bubble).to_be_visible()
    expect(bubble).to_have_attribute("dir", "rtl")
    assert bubble.evaluate("e => getComputedStyle(e).direction") == "rtl"
    # English replies and the greeting stay left to right.
    expect(chat.bot_message("Hello").first).to_have_attribute("dir", "ltr")
    expect(chat.input).to_have_attribute("dir", "auto")
