"""A reader's conversation in the real page, with the real Rasa and action servers.

Greeting first, a typed question, a suggested-question button, the source line under
each answer, the typing indicator, and a reload in the middle of a conversation.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.chat_page import ChatPage
from tests.support.servers import ROOT, Server

README_SCREENSHOT = ROOT / "docs" / "screenshot.png"


def test_the_bot_greets_first_with_what_it_can_answer(chat: ChatPage) -> None:
    chat.open()
    chat.greeted()
    expect(chat.reply_button("How big is IS-K?")).to_be_visible()
    expect(chat.reply_button("Where is IS-K based?")).to_be_visible()
    # The greeting came from the init payload, which the reader never sees as a message.
    assert chat.user_texts() == []


def test_a_typed_question_gets_its_answer_and_source_line(chat: ChatPage) -> None:
    chat.open()
    chat.greeted()
    chat.ask("Where are IS-K based?")
    expect(chat.user_message("Where are IS-K based?")).to_be_visible()
    chat.wait_for_bot("Nangarhar")
    source = chat.wait_for_bot("Source: the explainer")

    # Rendered emphasis (not raw underscores), naming the section and the date.
    emphasis = source.locator("em")
    expect(emphasis).to_contain_text("section “Where are IS-K based?”")
    expect(emphasis).to_contain_text("August 2021")
    assert emphasis.evaluate("e => getComputedStyle(e).fontStyle") == "italic"
    texts = chat.bot_texts()
    assert not any("_Source" in text for text in texts)
    # The source line sits right under the answer it belongs to.
    answer_at = max(i for i, text in enumerate(texts) if "Nangarhar" in text)
    assert "Source: the explainer" in texts[answer_at + 1]
    # The machine-readable attribution message is not shown as an empty or garbled bubble.
    assert all(text.strip() and "undefined" not in text and "attribution" not in text for text in texts)


def test_a_suggested_question_button_asks_that_question(chat: ChatPage) -> None:
    chat.open()
    chat.greeted()
    chat.reply_button("How big is IS-K?").click()
    expect(chat.user_message("How big is IS-K?")).to_be_visible()
    chat.wait_for_bot("3,000")
    # The greeting's suggestions gave way to the answer's follow-ups, which never repeat it.
    expect(chat.page.locator("#chat .rw-reply").first).to_be_visible()
    expect(chat.reply_button("How big is IS-K?")).to_have_count(0)


def test_a_typing_indicator_shows_while_the_bot_is_busy(chat: ChatPage, action_server: Server) -> None:
    chat.open()
    chat.greeted()
    chat.watch_typing()
    action_server.pause()  # the answer cannot come until the action server runs again
    try:
        chat.ask("How big is IS-K?")
        chat.wait_waiting_shown()
    finally:
        action_server.resume()
    chat.wait_for_bot("3,000")
    chat.wait_waiting_shown(False)
    assert chat.saw_typing(), "rasa-webchat's typing dots never showed while it delivered the answer"


def test_the_conversation_and_its_context_survive_a_reload(chat: ChatPage) -> None:
    chat.open()
    chat.greeted()
    chat.ask("Where are IS-K based?")
    chat.wait_for_bot("Source: the explainer")
    session = chat.session_id()
    assert session

    chat.reload()
    assert chat.session_id() == session
    chat.wait_for_bot("Nangarhar")  # the history is back on screen
    expect(chat.input).to_be_visible()

    # "tell me more" only resolves if the server still has this conversation's topic.
    chat.ask("tell me more")
    chat.wait_for_bot("Kunar")
    expect(chat.bot_message("Source: the explainer")).to_have_count(2)
    texts = chat.bot_texts()
    assert sum("Hello" in text for text in texts) == 1, "the greeting was sent again after the reload"
    assert chat.errors == []

    chat.settled()
    README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    chat.page.screenshot(path=str(README_SCREENSHOT))
