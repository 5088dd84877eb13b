"""Two or three questions in one message: where a text splits, and how the answers are composed."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import actions, answers, compound
from actions.content_store import YamlContentStore
from components.compound import clause_spans


def pieces(text: str) -> List[str]:
    return [text[a:b] for a, b in clause_spans(text)]


@pytest.mark.parametrize("text, expected", [
    ("When was it set up and where is it active?", ["When was it set up", "where is it active"]),
    ("How many members? Also who runs it?", ["How many members", "who runs it"]),
    ("who heads it; how strong is it; where is it based", ["who heads it", "how strong is it", "where is it based"]),
    ("What is its size, as well as who is in charge?", ["What is its size", "who is in charge"]),
])
def test_separate_questions_split(text: str, expected: List[str]) -> None:
    assert pieces(text) == expected


@pytest.mark.parametrize("text", [
    "Is it an enemy of the Taliban and the Haqqani network?",
    "Why does it attack Shia Muslims and Sikhs?",
    "Is it active in Afghanistan and Pakistan?",
    "Where is it based?",
])
def test_names_and_lists_stay_whole(text: str) -> None:
    assert pieces(text) == [text.rstrip("?")]


def reply(text: str, topic: str) -> answers.Reply:
    return answers.Reply(text=text, buttons=(answers.Button("b", "/b"),), custom={"type": "attribution"},
                         topic_id=topic, detail_index=0)


def test_compose_keeps_order_payloads_and_one_set_of_buttons() -> None:
    composed = compound.compose([reply("A", "a"), reply("B", "b"), reply("A", "a"), reply("C", "c"), reply("D", "d")])
    assert [r.text for r in composed] == ["A", "B", "C"]
    assert [bool(r.buttons) for r in composed] == [False, False, True]
    assert all(r.custom == {"type": "attribution"} for r in composed)
    assert [r.topic_id for r in composed] == [None, None, "c"]


def tracker(clauses: List[Dict[str, Any]], channel: str = "rest") -> Tracker:
    message = {"intent": {"name": clauses[0]["intent"], "confidence": 0.9}, "entities": [],
               "text": "...", "compound": clauses}
    events = [{"event": "user", "text": "...", "parse_data": message, "input_channel": channel}]
    return Tracker("u1", {}, message, events, False, None, {}, "action_listen")


async def test_answer_action_answers_each_clause_in_order(tiny_store: YamlContentStore) -> None:
    clauses = [{"intent": "ask_who", "entities": []}, {"intent": "ask_location", "entities": []}]
    dispatcher = CollectingDispatcher()
    events = await actions.ActionAnswer(tiny_store).run(dispatcher, tracker(clauses), {})
    texts = [m["text"] for m in dispatcher.messages if m.get("text")]
    customs = [m["custom"] for m in dispatcher.messages if m.get("custom")]
    assert len(texts) == 2 and texts[1].startswith("In Nangarhar.")
    assert all("Source:" in t for t in texts)
    assert len(customs) == 2 and all(c["type"] == "attribution" for c in customs)
    assert [bool(m.get("buttons")) for m in dispatcher.messages if m.get("text")] == [False, True]
    assert events[-2:] == [SlotSet("topic", "base"), SlotSet("detail_index", 0.0)]


async def test_terminal_prints_answers_then_suggestions_once(tiny_store: YamlContentStore) -> None:
    clauses = [{"intent": "ask_who", "entities": []}, {"intent": "ask_location", "entities": []}]
    dispatcher = CollectingDispatcher()
    await actions.ActionAnswer(tiny_store).run(dispatcher, tracker(clauses, "cmdline"), {})
    texts = [m["text"] for m in dispatcher.messages]
    assert len(texts) == 3 and texts[2].startswith("Ask next:")
    assert not any(m.get("custom") or m.get("buttons") for m in dispatcher.messages)


def test_compose_answers_one_question_asked_twice_once_with_its_verdict() -> None:
    """'did they attack hospitals, and did they hit schools?' -> one atrocities answer, with the Yes."""
    plain = answers.Reply(text="Blamed for attacks on schools.", topic_id="atrocities")
    checked = answers.Reply(text="Yes: schools.\n\nBlamed for attacks on schools.", topic_id="atrocities")
    other = answers.Reply(text="In Nangarhar.", topic_id="base")
    assert compound.compose([plain, checked, other])[0].text == checked.text
    assert [r.topic_id for r in compound.compose([plain, checked, other])] == [None, "base"]
    assert len(compound.compose([checked, plain])) == 1
