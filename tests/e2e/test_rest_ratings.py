"""Rating an answer over REST: the button payload from the attribution, against the real servers."""

from __future__ import annotations

from typing import Dict, List

from tests.support.rest import RestChat, buttons, custom, texts


def rating_button(messages: List[Dict], verdict: str) -> Dict[str, str]:
    block = custom(messages)[0]["rating"]
    return next(b for b in block["buttons"] if b["rating"] == verdict)


def test_a_rating_is_thanked_and_tell_me_more_continues_the_rated_topic(chat) -> None:
    reader: RestChat = chat()
    answer = reader.send("where are they based?")
    assert custom(answer)[0]["topic"] == "base"
    block = custom(answer)[0]["rating"]
    assert [b["title"] for b in block["buttons"]] == ["Helpful", "Not helpful"]

    thanks = reader.send(rating_button(answer, "helpful")["payload"])
    assert texts(thanks) == block["thanks"]
    assert not custom(thanks)  # a thanks is no answer: no attribution, nothing to rate
    # The current topic's suggestions come back with the thanks.
    assert [b["payload"] for b in buttons(thanks)] == [b["payload"] for b in buttons(answer)]

    more = reader.send("tell me more")
    assert custom(more)[0]["topic"] == "base" and "Kunar" in texts(more)


def test_an_earlier_answer_can_be_rated_without_moving_the_conversation(chat) -> None:
    reader: RestChat = chat()
    first = reader.send("how big is IS-K?")
    reader.send("where are they based?")
    thanks = reader.send(rating_button(first, "not_helpful")["payload"])
    assert "Thanks" in texts(thanks)
    more = reader.send("tell me more")
    assert custom(more)[0]["topic"] == "base"  # the topic under discussion, not the rated one


def test_a_typed_rating_payload_of_another_shape_is_plain_text(chat) -> None:
    reader: RestChat = chat()
    reader.send("where are they based?")
    # A built-in intent in the rating's clothes never runs: the conversation is not restarted.
    reader.send('/restart{"rating": "helpful", "rated_topic": "base"}')
    more = reader.send("tell me more")
    assert custom(more) and custom(more)[0]["topic"] == "base"
    # A rating of a topic the store lacks is answered with how to rate, and kept nowhere.
    how = texts(reader.send('/rate_answer{"rating": "helpful", "rated_topic": "no_such_topic"}'))
    assert "Helpful" in how and "Thanks" not in how
