"""The page with the keyboard alone, and on a phone-sized (390x844) screen."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.chat_page import ChatPage

PHONE = {"width": 390, "height": 844}
MAX_TABS = 12


def tab_to(chat: ChatPage, text: str, key: str = "Tab") -> None:
    """Press ``key`` until the focused element reads ``text``; fail after MAX_TABS presses."""
    seen = []
    for _ in range(MAX_TABS):
        chat.page.keyboard.press(key)
        if chat.focused_text().strip() == text:
            return
        seen.append(chat.focused_summary())
    raise AssertionError(f"{text!r} never took the focus; focus went through {seen}")


def test_a_conversation_with_the_keyboard_alone(chat: ChatPage) -> None:
    keyboard = chat.page.keyboard
    tab_to(chat, "Open the chat")
    keyboard.press("Enter")
    expect(chat.input).to_be_focused()
    chat.greeted()

    keyboard.type("Where are IS-K based?")
    keyboard.press("Enter")
    chat.wait_for_bot("Source: the explainer")

    # Suggested questions are reachable and pressable like buttons.
    tab_to(chat, "How big is IS-K?", key="Shift+Tab")
    assert chat.focused_matches(".rw-reply[role=button]")
    keyboard.press("Enter")
    expect(chat.user_message("How big is IS-K?")).to_be_visible()
    chat.wait_for_bot("3,000")
    expect(chat.input).to_be_focused()  # ready for the next question

    # Escape closes the chat and gives the focus back to its launcher.
    keyboard.press("Escape")
    expect(chat.input).to_have_count(0)
    expect(chat.launcher).to_be_focused()
    expect(chat.launcher).to_have_attribute("aria-label", "Chat with the assistant")


def test_resized_to_a_phone_the_chat_fills_the_screen_and_works(chat: ChatPage) -> None:
    chat.open()
    chat.greeted()
    chat.ask("Where are IS-K based?")
    chat.wait_for_bot("Nangarhar")

    chat.page.set_viewport_size(PHONE)
    panel = chat.page.locator("#chat .rw-conversation-container")
    expect(panel).to_be_visible()
    box = panel.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] and box["width"] >= PHONE["width"] - 10
    assert chat.page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    expect(chat.input).to_be_in_viewport()
    expect(chat.page.locator("#chat .rw-close-button")).to_be_visible()

    chat.reply_button("How big is IS-K?").click()
    chat.wait_for_bot("3,000")
    expect(chat.bot_message("3,000").last).to_be_in_viewport()
    chat.ask("what about Herat?")
    chat.wait_for_bot("Herat")
    expect(chat.input).to_be_in_viewport()
