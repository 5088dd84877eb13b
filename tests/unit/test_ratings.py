"""Reader ratings without a server: the buttons, the channel's payload rule, the action, the review.

The review half feeds the classifier the events Rasa 3.6 stores for a rating turn
(ActionExecuted, then the action's BotUttered and SlotSet), plus the copy a new session
carries over, which must not count twice.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import actions, answers, ratings
from actions.content_store import YamlContentStore
from channels.guard import button_payloads, plan_turn
from channels.rating_payload import RATING_INTENT, is_rating_payload
from newsroom import ratings as review_ratings
from newsroom.outcomes import RATED, classify
from newsroom.tracker_events import Conversation

PAYLOADS = button_payloads(["ask_size", "rate_answer", "restart"])


def rating_entities(rating: str, topic: str) -> List[Dict[str, str]]:
    return [{"entity": "rating", "value": rating}, {"entity": "rated_topic", "value": topic}]


def test_rating_intent_names_agree() -> None:
    assert RATING_INTENT == ratings.RATING_INTENT


def test_every_answer_offers_two_labelled_rating_buttons(tiny_store: YamlContentStore) -> None:
    block = answers.answer_question(tiny_store, "ask_location", [], None).custom["rating"]
    assert block["prompt"] == "Rate the answer to “Where are they based?”"
    assert [(b["title"], b["rating"]) for b in block["buttons"]] == [("Helpful", "helpful"), ("Not helpful", "not_helpful")]
    assert block["thanks"] == "Thanks for rating."
    for button in block["buttons"]:
        assert plan_turn(button["payload"], PAYLOADS, 2000).text == button["payload"]


@pytest.mark.parametrize(
    "typed",
    [
        '/rate_answer{"rating": "great", "rated_topic": "base"}',
        '/rate_answer{"rating": "helpful", "rated_topic": "base", "topic": "size"}',
        '/rate_answer{"rating": "helpful"}',
        '/rate_answer{"rating": "helpful", "rated_topic": "Base Camp"}',
        '/rate_answer{"rating": "helpful", "rated_topic": "base"',
        '/restart{"rating": "helpful", "rated_topic": "base"}',
        '/session_start{"rating": "helpful", "rated_topic": "base"}',
        '/ /rate_answer{"rating": "helpful", "rated_topic": "base"}',
        '/rate_answer{"rating": "helpful", "rated_topic": "base"}@1.0',
    ],
    ids=["bad-verdict", "extra-key", "no-topic", "bad-topic-id", "truncated", "restart", "session-start",
         "slash-space", "confidence-suffix"],
)
def test_anything_but_the_exact_rating_form_loses_its_slash(typed: str) -> None:
    turn = plan_turn(typed, PAYLOADS, 2000)
    assert turn.reply is None and not turn.text.startswith("/"), turn.text


def test_rating_form_needs_the_rating_intent_in_the_domain() -> None:
    payload = ratings.rating_payload("helpful", "base")
    assert is_rating_payload(payload, PAYLOADS)
    assert not is_rating_payload(payload, button_payloads(["ask_size"]))


def test_read_rating_keeps_only_known_verdicts_of_store_topics(tiny_store: YamlContentStore) -> None:
    assert ratings.read_rating(tiny_store, rating_entities("helpful", "base")) == ratings.Rating("helpful", "base")
    assert ratings.read_rating(tiny_store, rating_entities("not_helpful", "who_are")).as_slot() == {
        "rating": "not_helpful", "topic": "who_are"}
    assert ratings.read_rating(tiny_store, rating_entities("helpful", "nowhere")) is None
    assert ratings.read_rating(tiny_store, rating_entities("meh", "base")) is None
    assert ratings.read_rating(tiny_store, []) is None


def tracker(entities: List[dict], slots: Optional[Dict[str, Any]] = None) -> Tracker:
    message = {"intent": {"name": "rate_answer", "confidence": 1.0}, "entities": entities, "text": "/rate_answer"}
    events = [{"event": "user", "text": "/rate_answer", "parse_data": message, "input_channel": "rest"}]
    return Tracker("u1", slots or {}, message, events, False, None, {}, "action_listen")


async def test_rating_action_keeps_the_rating_and_leaves_the_topic(tiny_store: YamlContentStore) -> None:
    dispatcher = CollectingDispatcher()
    events = await actions.ActionRateAnswer(tiny_store).run(
        dispatcher, tracker(rating_entities("not_helpful", "base"), {"topic": "who_are"}), {})
    assert events == [SlotSet("rating", {"rating": "not_helpful", "topic": "base"})]
    assert dispatcher.messages[0]["text"] == "Thanks for rating."
    # The current topic's suggestions stay on screen; no topic or detail slot is touched.
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["/ask_location"]


async def test_a_rating_of_an_unknown_topic_is_not_kept(tiny_store: YamlContentStore) -> None:
    dispatcher = CollectingDispatcher()
    events = await actions.ActionRateAnswer(tiny_store).run(dispatcher, tracker(rating_entities("helpful", "x")), {})
    assert events == []
    assert dispatcher.messages[0]["text"] == "Use the buttons under an answer."


def rating_turn(rating: str, topic: str, at: float) -> List[Dict[str, Any]]:
    """The events Rasa stores for one rating, in its order."""
    text = ratings.rating_payload(rating, topic)
    return [
        {"event": "user", "text": text, "timestamp": at, "parse_data": {"intent": {"name": "rate_answer"}}},
        {"event": "action", "name": "action_rate_answer", "timestamp": at},
        {"event": "bot", "text": "Thanks for rating.", "timestamp": at},
        {"event": "slot", "name": "rating", "value": {"rating": rating, "topic": topic}, "timestamp": at},
        {"event": "action", "name": "action_listen", "timestamp": at},
    ]


def test_review_counts_each_rating_once_lowest_rated_first(tiny_store: YamlContentStore) -> None:
    carried_over = [
        {"event": "action", "name": "action_session_start", "timestamp": 9.0},
        {"event": "session_started", "timestamp": 9.0},
        {"event": "slot", "name": "rating", "value": {"rating": "not_helpful", "topic": "base"}, "timestamp": 9.0},
        {"event": "action", "name": "action_listen", "timestamp": 9.0},
    ]
    events = (rating_turn("helpful", "base", 1.0) + rating_turn("not_helpful", "base", 2.0)
              + rating_turn("not_helpful", "who_are", 3.0) + carried_over)
    turns = classify(tiny_store, [Conversation("reader", events)])
    assert [t.outcome for t in turns] == [RATED] * 3
    summary = review_ratings.summarise(turns, tiny_store)
    assert (summary["rated"], summary["helpful"], summary["not_helpful"]) == (3, 1, 2)
    assert [(t["id"], t["helpful"], t["not_helpful"]) for t in summary["topics"]] == [("who_are", 0, 1), ("base", 1, 1)]
