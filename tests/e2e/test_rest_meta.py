"""Greetings, capabilities, identity, source and the fallback over REST."""

from __future__ import annotations

from tests.support.rest import buttons, texts


def test_greeting_lists_what_it_can_answer(chat) -> None:
    messages = chat().send("hi there")
    assert "Hello" in texts(messages)
    assert len(buttons(messages)) == 6


def test_what_can_you_do(chat) -> None:
    messages = chat().send("what can you do?")
    assert "You can ask about" in texts(messages)
    titles = [b["title"] for b in buttons(messages)]
    assert "Where is IS-K based?" in titles and "How big is IS-K?" in titles


def test_bot_challenge(chat) -> None:
    assert "I'm a bot" in chat().ask("am I talking to a human?")


def test_source_names_the_explainer_and_its_date(chat) -> None:
    text = chat().ask("where does your information come from?")
    assert "Who are Islamic State Khorasan Province militants?" in text and "August 2021" in text


def test_thanks_and_goodbye(chat) -> None:
    conversation = chat()
    assert "welcome" in conversation.ask("thanks a lot").lower()
    assert "Goodbye" in conversation.ask("bye")


def test_gibberish_gets_a_helpful_fallback_not_silence(chat) -> None:
    messages = chat().send("qwxz blorf zzzt")
    text = texts(messages)
    assert text, "the bot must never be silent"
    assert "Did you mean" in text or "rephrase" in text or "outside what I cover" in text
    assert "nlu_fallback" not in text
    assert buttons(messages)
