"""Conversational rules, tested on the tiny store: no Rasa, no network."""

from __future__ import annotations

import pytest

from actions import answers
from actions.content_store import YamlContentStore


def entities(store: YamlContentStore, *names: str):
    return answers.recognised_entities(store, [{"entity": "place", "value": n} for n in names])


def test_topic_answer_has_source_buttons_and_payload(tiny_store: YamlContentStore) -> None:
    reply = answers.answer_question(tiny_store, "ask_location", [], None)
    assert reply.text.startswith("In Nangarhar.")
    assert "_Source: section “Where” (August 2021)._" in reply.text
    assert [b.as_dict() for b in reply.buttons] == [{"title": "Who are they?", "payload": "/ask_who"}]
    rating = reply.custom.pop("rating")
    assert reply.custom == {
        "type": "attribution", "topic": "base", "section": "Where", "date": "2021-08", "source": "Test explainer",
    }
    assert [b["payload"] for b in rating["buttons"]] == [
        '/rate_answer{"rating": "helpful", "rated_topic": "base"}',
        '/rate_answer{"rating": "not_helpful", "rated_topic": "base"}',
    ]
    assert (reply.topic_id, reply.detail_index) == ("base", 0)


def test_entity_the_topic_covers_keeps_the_topic_answer(tiny_store: YamlContentStore) -> None:
    reply = answers.answer_question(tiny_store, "ask_location", entities(tiny_store, "Nangarhar"), None)
    assert reply.text.startswith("In Nangarhar.")


def test_topic_intent_keeps_its_answer_for_a_mentioned_entity(tiny_store: YamlContentStore) -> None:
    reply = answers.answer_question(tiny_store, "ask_who", entities(tiny_store, "Herat"), None)
    assert reply.text.startswith("A group.")


def test_topic_intent_with_an_uncovered_name_says_so(tiny_store: YamlContentStore) -> None:
    reply = answers.answer_question(tiny_store, "ask_location", entities(tiny_store, "Kandahar"), None)
    assert reply.text.startswith("No mention of Kandahar.")


def test_topic_intent_with_a_specific_date_follows_the_date(real_store: YamlContentStore) -> None:
    dates = answers.recognised_entities(real_store, [{"entity": "date", "value": "15 August"}])
    reply = answers.answer_question(real_store, "ask_airport_attack", dates, None)
    assert "Pul-e-Charki" in reply.text


def test_entity_question_gets_the_entity_answer(tiny_store: YamlContentStore) -> None:
    reply = answers.answer_question(tiny_store, "ask_entity", entities(tiny_store, "Herat"), None)
    assert reply.text.startswith("Attacks claimed there.")
    assert reply.custom["entity"] == "herat"


def test_entity_wording_follows_the_current_block(tiny_store: YamlContentStore) -> None:
    reply = answers.answer_question(tiny_store, "ask_entity", entities(tiny_store, "Herat"), "who_are")
    assert reply.text.startswith("Herat, seen from who.")


def test_uncovered_entity_is_said_honestly_with_scope(tiny_store: YamlContentStore) -> None:
    reply = answers.answer_question(tiny_store, "ask_entity", entities(tiny_store, "Kandahar"), "base")
    assert reply.text == "No mention of Kandahar. Scope for place."
    assert reply.custom is None and reply.topic_id is None
    assert reply.buttons  # offers what it does cover


def test_no_intent_no_entity_is_none(tiny_store: YamlContentStore) -> None:
    assert answers.answer_question(tiny_store, "ask_entity", [], None) is None
    assert answers.answer_question(tiny_store, None, [], None) is None


def test_unknown_entity_values_are_ignored(tiny_store: YamlContentStore) -> None:
    raw = [{"entity": "place", "value": "Atlantis"}, {"entity": "place"}, {"entity": "place", "value": 3}]
    assert answers.recognised_entities(tiny_store, raw) == []


def test_tell_more_walks_details_then_says_thats_all(tiny_store: YamlContentStore) -> None:
    first = answers.tell_more(tiny_store, "who_are", 0)
    assert first.text.startswith("More: Detail one.") and first.detail_index == 1
    second = answers.tell_more(tiny_store, "who_are", 1)
    assert second.text.startswith("More: Detail two.") and second.detail_index == 2
    done = answers.tell_more(tiny_store, "who_are", 2)
    assert done.text == "That's all on who are they?"
    assert [b.payload for b in done.buttons] == ["/ask_location"]


def test_tell_more_without_topic_offers_the_menu(tiny_store: YamlContentStore) -> None:
    reply = answers.tell_more(tiny_store, None, 0)
    assert reply.text == "More about what?"
    assert [b.payload for b in reply.buttons] == ["/ask_who", "/ask_location"]


@pytest.mark.parametrize(
    "ranking, payloads",
    [
        ([{"name": "nlu_fallback", "confidence": 1.0}, {"name": "ask_who", "confidence": 0.4},
          {"name": "ask_location", "confidence": 0.38}], ["/ask_who", "/ask_location", "/something_else"]),
        ([{"name": "request_harmful", "confidence": 0.5}, {"name": "ask_source", "confidence": 0.3}],
         ["/ask_source", "/something_else"]),
        ([{"name": "ask_who", "confidence": 0.05}], ["/ask_who", "/ask_location"]),
        ([{"name": "nlu_fallback", "confidence": 1.0}, {"name": "ask_entity", "confidence": 0.3},
          {"name": "ask_source", "confidence": 0.2}], ["/ask_source", "/something_else"]),
        ([], ["/ask_who", "/ask_location"]),
    ],
    ids=["two-topics", "never-harmful", "too-unsure-menu", "empty-menu", "never-nameless-entity"],
)
def test_did_you_mean(tiny_store: YamlContentStore, ranking, payloads) -> None:
    reply = answers.did_you_mean(tiny_store, ranking, min_confidence=0.1)
    assert [b.payload for b in reply.buttons] == payloads
    expected_text = "Did you mean one of these?" if payloads[-1] == "/something_else" else "Please rephrase:"
    assert reply.text == expected_text


@pytest.mark.parametrize(
    "ranking, payloads",
    [
        # a close runner-up could be meant; a distant one could not
        ([{"name": "nlu_fallback", "confidence": 0.25}, {"name": "ask_who", "confidence": 0.22},
          {"name": "ask_location", "confidence": 0.2}], ["/ask_who", "/ask_location", "/something_else"]),
        ([{"name": "nlu_fallback", "confidence": 0.25}, {"name": "ask_who", "confidence": 0.24},
          {"name": "ask_location", "confidence": 0.11}], ["/ask_who", "/something_else"]),
        # most likely out of scope: a topic far behind it gets the rephrase prompt, not a button
        ([{"name": "nlu_fallback", "confidence": 0.25}, {"name": "out_of_scope", "confidence": 0.24},
          {"name": "ask_source", "confidence": 0.11}], ["/ask_who", "/ask_location"]),
        # a refused-harmful guess is not the yardstick (it was demoted or refused elsewhere)
        ([{"name": "request_harmful", "confidence": 0.6}, {"name": "ask_source", "confidence": 0.2}],
         ["/ask_source", "/something_else"]),
    ],
    ids=["close-pair", "distant-runner-up", "behind-out-of-scope", "harmful-not-yardstick"],
)
def test_did_you_mean_offers_only_what_could_be_meant(tiny_store: YamlContentStore, ranking, payloads) -> None:
    reply = answers.did_you_mean(tiny_store, ranking, min_confidence=0.1, min_ratio=0.5)
    assert [b.payload for b in reply.buttons] == payloads
    assert reply.text == ("Did you mean one of these?" if payloads[-1] == "/something_else" else "Please rephrase:")


def test_the_default_ratio_is_in_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from actions.settings import load_settings
    monkeypatch.delenv("ISK_SUGGESTION_MIN_RATIO", raising=False)
    assert load_settings().suggestion_min_ratio == 0.5
    monkeypatch.setenv("ISK_SUGGESTION_MIN_RATIO", "0.7")
    assert load_settings().suggestion_min_ratio == 0.7
