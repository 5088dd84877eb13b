"""Issue 10.5: a message in another language gets a note in that language, then English.

The route component (components/language_route.py) and the actions' note (actions/language.py),
each on its own; the REST suite plays them together on the trained model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import yaml
from rasa.shared.nlu.training_data.message import Message
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import actions, language
from actions.content_store import DEFAULT_CONTENT_DIR, ContentError, YamlContentStore
from components.language_id import LanguageIdentifier
from components.language_route import ROUTE_KEY, OtherLanguageRoute

ROOT = Path(__file__).resolve().parents[2]
CONFIG = OtherLanguageRoute.get_default_config()


def routed(code: Optional[str], intent: str, confidence: float) -> Message:
    data: Dict[str, Any] = {"text": "...", "intent": {"name": intent, "confidence": confidence},
                            "intent_ranking": [{"name": intent, "confidence": confidence},
                                               {"name": "ask_size", "confidence": 0.1}]}
    if code is not None:
        data["language"] = {"code": code, "confidence": 0.99, "method": "classifier"}
    [message] = OtherLanguageRoute(CONFIG).process([Message(data=data)])
    return message


@pytest.mark.parametrize("code, intent, confidence, kept", [
    ("fr", "ask_location", 0.8, True),          # understood: answered in English after the note
    ("fa", "request_harmful", 1.0, True),       # refused in any language
    ("fa", "goodbye", 0.9, False),              # a Dari question read as chit-chat: note + menu
    ("de", "ask_location", 0.3, False),         # not sure enough
    ("es", "ask_after_date", 0.9, False),       # "after August 2021" would be an unrelated reply
    ("ar", "out_of_scope", 0.9, False),
])
def test_other_languages_keep_only_refusals_and_confident_questions(code: str, intent: str, confidence: float,
                                                                   kept: bool) -> None:
    message = routed(code, intent, confidence)
    assert (message.get("intent")["name"] == intent) is kept
    assert message.get(ROUTE_KEY) == ("kept" if kept else "fallback")
    if not kept:
        assert message.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
        assert [r["name"] for r in message.get("intent_ranking")] == ["nlu_fallback", intent, "ask_size"]


@pytest.mark.parametrize("code", ["en", None])
def test_english_and_unidentified_messages_are_left_alone(code: Optional[str]) -> None:
    message = routed(code, "goodbye", 0.2)
    assert message.get("intent")["name"] == "goodbye" and message.get(ROUTE_KEY) is None


def test_every_language_the_pipeline_identifies_has_a_note() -> None:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    [step] = [s for s in config["pipeline"] if s["name"] == "components.language_id.LanguageIdentifier"]
    identified = step.get("languages") or LanguageIdentifier.get_default_config()["languages"]
    notes = language.load_notes(DEFAULT_CONTENT_DIR)
    assert set(identified) - {language.DEFAULT_LANGUAGE} == set(notes)
    assert {"fa", "ps", "ur", "ar", "fr", "es", "de"} <= set(notes)


@pytest.mark.parametrize("data, problem", [
    ({}, "must map language codes"),
    ({"language_notes": {"French": "Désolé"}}, "not a language code"),
    ({"language_notes": {"fr": "  "}}, "empty"),
])
def test_a_broken_notes_file_is_a_clear_content_error(data: Dict[str, Any], problem: str) -> None:
    with pytest.raises(ContentError, match=problem):
        language.parse_notes(data, Path("languages.yml"))


def tracker(intent: str, code: Optional[str], ranking: Optional[List[dict]] = None) -> Tracker:
    message: Dict[str, Any] = {"intent": {"name": intent, "confidence": 0.9}, "entities": [],
                               "intent_ranking": ranking or [], "text": "..."}
    if code is not None:
        message["language"] = {"code": code, "confidence": 0.99, "method": "classifier"}
    events = [{"event": "user", "text": "...", "parse_data": message, "input_channel": "rest"}]
    return Tracker("u1", {}, message, events, False, None, {}, "action_listen")


async def run(action: Any, t: Tracker) -> List[Dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, t, {})
    return dispatcher.messages


async def test_understood_question_gets_the_note_then_the_english_answer(tiny_store: YamlContentStore) -> None:
    messages = await run(actions.ActionAnswer(tiny_store), tracker("ask_location", "fr"))
    notes = language.load_notes(DEFAULT_CONTENT_DIR)
    assert messages[0] == {**messages[0], "text": notes["fr"], "buttons": []}
    assert messages[1]["text"].startswith("In Nangarhar.") and messages[2]["custom"]["section"] == "Where"


async def test_unsure_message_in_another_language_gets_the_note_and_the_english_menu(
        tiny_store: YamlContentStore) -> None:
    ranking = [{"name": "nlu_fallback", "confidence": 1.0}, {"name": "ask_location", "confidence": 0.4}]
    messages = await run(actions.ActionAskAffirmation(tiny_store), tracker("nlu_fallback", "ps", ranking))
    assert messages[0]["text"] == language.load_notes(DEFAULT_CONTENT_DIR)["ps"]
    assert messages[1]["text"] == "In English, I can answer:"
    assert [b["payload"] for b in messages[1]["buttons"]] == ["/ask_who", "/ask_location"]
    assert not any(m["text"] == "Did you mean one of these?" for m in messages)


async def test_english_gets_no_note(tiny_store: YamlContentStore) -> None:
    messages = await run(actions.ActionAnswer(tiny_store), tracker("ask_location", "en"))
    assert messages[0]["text"].startswith("In Nangarhar.")


async def test_refusal_in_another_language_has_no_note_and_no_fact(tiny_store: YamlContentStore) -> None:
    ranking = [{"name": "nlu_fallback", "confidence": 1.0}, {"name": "request_harmful", "confidence": 0.5}]
    messages = await run(actions.ActionAskAffirmation(tiny_store), tracker("nlu_fallback", "ar", ranking))
    assert [m["response"] for m in messages] == ["utter_refuse"]
