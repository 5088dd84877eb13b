"""Each action, run as the action server runs it: a Tracker in, events and messages out."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import actions
from actions.content_store import YamlContentStore


def tracker(intent: str, slots: Optional[Dict[str, Any]] = None, entities: Optional[List[dict]] = None,
            ranking: Optional[List[dict]] = None, channel: str = "rest") -> Tracker:
    message = {"intent": {"name": intent, "confidence": 0.9}, "entities": entities or [],
               "intent_ranking": ranking or [], "text": "..."}
    events = [{"event": "user", "text": "...", "parse_data": message, "input_channel": channel}]
    return Tracker("u1", slots or {}, message, events, False, None, {}, "action_listen")


async def run(action, t: Tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return dispatcher.messages, events


async def test_answer_utters_text_buttons_and_attribution(tiny_store: YamlContentStore) -> None:
    messages, events = await run(actions.ActionAnswer(tiny_store), tracker("ask_location"))
    assert messages[0]["text"].startswith("In Nangarhar.")
    assert messages[0]["buttons"] == [{"title": "Who are they?", "payload": "/ask_who"}]
    assert messages[1]["custom"]["section"] == "Where"
    assert messages[0]["text"].splitlines()[-1].startswith("_Source:")  # Markdown for the widget
    assert events == [SlotSet("topic", "base"), SlotSet("detail_index", 0.0)]


async def test_terminal_gets_plain_text_answer_then_numbered_suggestions(tiny_store: YamlContentStore) -> None:
    """rasa shell (channel cmdline) prints custom payloads as raw JSON: it gets text only."""
    messages, events = await run(actions.ActionAnswer(tiny_store), tracker("ask_location", channel="cmdline"))
    assert len(messages) == 2
    assert all(not m.get("buttons") and not m.get("custom") for m in messages)
    assert messages[0]["text"].startswith("In Nangarhar.")
    source_line = messages[0]["text"].splitlines()[-1]
    assert source_line.startswith("Source: section “Where”") and "_" not in source_line
    assert messages[1]["text"] == "Ask next:\n1: Who are they? (/ask_who)"
    assert events == [SlotSet("topic", "base"), SlotSet("detail_index", 0.0)]


async def test_answer_entity_follow_up(tiny_store: YamlContentStore) -> None:
    t = tracker("ask_entity", {"topic": "who_are"}, [{"entity": "place", "value": "herat"}])
    messages, events = await run(actions.ActionAnswer(tiny_store), t)
    assert messages[0]["text"].startswith("Herat, seen from who.")
    assert SlotSet("topic", "base") in events


async def test_answer_without_anything_falls_back(tiny_store: YamlContentStore) -> None:
    messages, events = await run(actions.ActionAnswer(tiny_store), tracker("ask_entity"))
    assert messages[0]["text"] == "Please rephrase:"
    assert events == []


async def test_tell_more_uses_and_advances_the_detail_index(tiny_store: YamlContentStore) -> None:
    t = tracker("tell_more", {"topic": "who_are", "detail_index": 1.0})
    messages, events = await run(actions.ActionTellMore(tiny_store), t)
    assert messages[0]["text"].startswith("More: Detail two.")
    assert SlotSet("detail_index", 2.0) in events


async def test_ask_affirmation_offers_top_candidates(tiny_store: YamlContentStore) -> None:
    ranking = [{"name": "nlu_fallback", "confidence": 1.0}, {"name": "ask_location", "confidence": 0.4},
               {"name": "ask_who", "confidence": 0.35}]
    messages, _ = await run(actions.ActionAskAffirmation(tiny_store), tracker("nlu_fallback", ranking=ranking))
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/ask_location", "/ask_who", "/something_else"]


async def test_unsure_message_leaning_harmful_is_refused(tiny_store: YamlContentStore) -> None:
    ranking = [{"name": "nlu_fallback", "confidence": 1.0}, {"name": "request_harmful", "confidence": 0.4},
               {"name": "ask_location", "confidence": 0.35}]
    messages, events = await run(actions.ActionAskAffirmation(tiny_store), tracker("nlu_fallback", ranking=ranking))
    assert messages == [{"text": None, "buttons": [], "elements": [], "custom": {}, "template": "utter_refuse",
                         "response": "utter_refuse", "image": None, "attachment": None}]
    assert events == []


@pytest.mark.parametrize(
    "action_class, text",
    [(actions.ActionCapabilities, "I cover “Test explainer”:"), (actions.ActionOutOfScope, "Outside my scope:"),
     (actions.ActionAfterDate, "Only up to August 2021."), (actions.ActionFallback, "Please rephrase:"),
     (actions.ActionSomethingElse, "Ask in other words:")],
    ids=["capabilities", "out-of-scope", "after-date", "fallback", "something-else"],
)
async def test_menu_actions(tiny_store: YamlContentStore, action_class, text: str) -> None:
    messages, events = await run(action_class(tiny_store), tracker("x"))
    assert messages[0]["text"] == text
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/ask_who", "/ask_location"]
    assert events == []


async def test_out_of_scope_states_no_facts(real_store: YamlContentStore) -> None:
    messages, _ = await run(actions.ActionOutOfScope(real_store), tracker("out_of_scope"))
    text = messages[0]["text"]
    for fact in ("3,000", "Nangarhar", "2015", "Haqqani"):
        assert fact not in text


async def test_source_names_the_explainer_and_date(tiny_store: YamlContentStore) -> None:
    messages, _ = await run(actions.ActionSource(tiny_store), tracker("ask_source"))
    assert messages[0]["text"] == "From “Test explainer”, late August 2021."


def test_every_action_is_named_in_the_domain() -> None:
    import yaml
    from pathlib import Path

    domain = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())
    names = {cls().name() for cls in actions.StoreAction.__subclasses__() + actions.MenuAction.__subclasses__()
             if cls is not actions.MenuAction}
    assert names == set(domain["actions"])


async def test_after_date_question_the_explainer_answers_gets_that_answer_as_of_then(
        tiny_store: YamlContentStore) -> None:
    t = tracker("ask_after_date")
    t.latest_message["as_of"] = {"intent": "ask_location", "confidence": 0.9, "text": "where are they based?"}
    messages, events = await run(actions.ActionAfterDate(tiny_store), t)
    assert messages[0]["text"].startswith("As of August 2021:\n\nIn Nangarhar.")
    assert messages[1]["custom"]["section"] == "Where"
    assert SlotSet("topic", "base") in events


async def test_a_bare_now_after_a_topic_gets_that_topics_answer_as_of_then(tiny_store: YamlContentStore) -> None:
    """'and now?' after the base: the base as of August 2021; with no topic yet, the caveat."""
    t = tracker("ask_after_date", slots={"topic": "base"})
    t.latest_message["as_of"] = {"intent": None, "follow_up": True, "text": "and now?"}
    messages, events = await run(actions.ActionAfterDate(tiny_store), t)
    assert messages[0]["text"].startswith("As of August 2021:\n\nIn Nangarhar.")
    t = tracker("ask_after_date")
    t.latest_message["as_of"] = {"intent": None, "follow_up": True, "text": "and now?"}
    messages, events = await run(actions.ActionAfterDate(tiny_store), t)
    assert messages[0]["text"] == "Only up to August 2021." and events == []


async def test_a_wrong_number_asked_about_now_gets_its_correction_first(real_store: YamlContentStore) -> None:
    """'they have 50k members now, right?': the 'No:' before the caveat and the answer as of then."""
    t = tracker("ask_after_date")
    t.latest_message.update(text="they have 50k members now, right?",
                            as_of={"intent": "ask_size", "confidence": 0.9, "text": "they have 50k members, right?"})
    messages, _ = await run(actions.ActionAfterDate(real_store), t)
    first = messages[0]["text"]
    assert first.startswith("No:") and "3,000" in first.split("\n\n")[0]
    assert real_store.message("as_of_answer").split("{")[0][:20] in first


async def test_after_date_question_about_later_events_gets_the_caveat_and_menu(tiny_store: YamlContentStore) -> None:
    messages, events = await run(actions.ActionAfterDate(tiny_store), tracker("ask_after_date"))
    assert messages[0]["text"] == "Only up to August 2021." and messages[0]["buttons"] and events == []


async def test_short_follow_up_close_to_the_current_topic_answers_it(tiny_store: YamlContentStore) -> None:
    """On 'base', a short message ranked who 0.40 / base 0.30 is a follow-up (actions/context.py)."""
    ranking = [{"name": "ask_who", "confidence": 0.4}, {"name": "ask_location", "confidence": 0.3}]
    messages, events = await run(actions.ActionAnswer(tiny_store),
                                 tracker("ask_who", slots={"topic": "base"}, ranking=ranking))
    assert messages[0]["text"].startswith("In Nangarhar.")
    assert SlotSet("topic", "base") in events
    messages, _ = await run(actions.ActionAnswer(tiny_store), tracker("ask_who", ranking=ranking))
    assert messages[0]["text"].startswith("A group."), "with no topic under discussion, the classifier's guess"


async def test_unsure_follow_up_on_the_current_topic_is_answered_not_asked(tiny_store: YamlContentStore) -> None:
    ranking = [{"name": "nlu_fallback", "confidence": 1.0}, {"name": "ask_who", "confidence": 0.3},
               {"name": "ask_location", "confidence": 0.25}]
    messages, _ = await run(actions.ActionAskAffirmation(tiny_store),
                            tracker("nlu_fallback", slots={"topic": "base"}, ranking=ranking))
    assert messages[0]["text"].startswith("In Nangarhar.")


@pytest.mark.parametrize("action, intent", [(actions.ActionCapabilities, "ask_capabilities"),
                                            (actions.ActionAfterDate, "ask_after_date"),
                                            (actions.ActionOutOfScope, "out_of_scope")])
async def test_he_on_a_person_misread_as_small_talk_gets_the_persons_topic(
    real_store: YamlContentStore, action, intent: str,
) -> None:
    """After Khalil Haqqani, "what does he do now?" read as capabilities, a question after August
    2021 or out of scope is answered from the Haqqani topic; "what can you do?" is not."""
    t = tracker(intent, {"topic": "haqqani"}, ranking=[{"name": intent, "confidence": 0.9}])
    t.latest_message["text"] = "what does he do now?"
    messages, events = await run(action(real_store), t)
    assert SlotSet("topic", "haqqani") in events
    assert real_store.get_topic("haqqani").answer.split()[0] in messages[0]["text"]
    t.latest_message["text"] = "what can you do?"
    messages, events = await run(action(real_store), t)
    assert SlotSet("topic", "haqqani") not in events


async def test_an_unsure_yes_no_question_whose_premise_a_candidate_settles_gets_the_correction(
    real_store: YamlContentStore,
) -> None:
    """"20,000 fighters?" ranked unsure between who and size: the size's checks read the number,
    so the reply is its "No:" and the size answer, not buttons. Without a checkable premise, or
    with the size below the candidates' floor, "Did you mean" stays."""
    ranking = [{"name": "nlu_fallback", "confidence": 0.6}, {"name": "ask_who", "confidence": 0.3},
               {"name": "ask_size", "confidence": 0.2}]
    t = tracker("nlu_fallback", ranking=ranking)
    t.latest_message["text"] = "is it true they once had 20,000 fighters?"
    messages, events = await run(actions.ActionAskAffirmation(real_store), t)
    assert messages[0]["text"].startswith("No:") and "3,000" in messages[0]["text"]
    assert SlotSet("topic", "size") in events
    t.latest_message["text"] = "is it true what they say about them?"
    messages, events = await run(actions.ActionAskAffirmation(real_store), t)
    assert not any(isinstance(e, SlotSet) and e.key == "topic" for e in events)
    far = [ranking[0], ranking[1], {"name": "ask_size", "confidence": 0.05}]
    t = tracker("nlu_fallback", ranking=far)
    t.latest_message["text"] = "is it true they once had 20,000 fighters?"
    messages, events = await run(actions.ActionAskAffirmation(real_store), t)
    assert SlotSet("topic", "size") not in events
