"""Two or three questions in one message, on the session's REST server (issue 10.2)."""

from __future__ import annotations

from tests.support.rest import buttons, custom, texts


def test_two_questions_get_two_answers_in_order(chat) -> None:
    messages = chat().send("When was it set up and where is it based?")
    topics = [c["topic"] for c in custom(messages)]
    assert topics == ["founding", "base"]
    with_buttons = [m for m in messages if m.get("buttons")]
    assert len(with_buttons) == 1 and with_buttons[0] is [m for m in messages if m.get("text")][-1]
    assert texts(messages).count("(reflects August 2021)") == 2


def test_second_question_after_a_question_mark(chat) -> None:
    messages = chat().send("How many fighters does it have? And who runs it?")
    assert [c["topic"] for c in custom(messages)] == ["size", "leadership"]
    assert buttons(messages)


def test_tell_more_continues_the_last_topic_answered(chat) -> None:
    conversation = chat()
    conversation.send("When was it set up and where is it based?")
    follow_up = conversation.send("tell me more")
    assert all(c["topic"] == "base" for c in custom(follow_up))


def test_and_inside_a_list_does_not_split(chat) -> None:
    messages = chat().send("Is it linked with the Taliban and the Haqqani network?")
    assert len(custom(messages)) == 1
