"""The explainer's dates in readers' formats, and date questions routed to the date's answer."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.explainer_dates import DATE_KEY, ExplainerDates, find_days, name_days

NAMES = ["15 August", "August 15th", "15th of August", "15 Aug", "26 August", "26th August",
         "January 2015", "2015", "between 2019 and 2021", "May 2019"]
DAYS = name_days(NAMES)
AUG15, AUG26 = (8, 15), (8, 26)


def test_day_names_are_learnt_from_the_lookup_names() -> None:
    assert set(DAYS.values()) == {AUG15, AUG26}
    assert DAYS["August 15th"] == AUG15 and DAYS["15th of August"] == AUG15
    assert "January 2015" not in DAYS and "2015" not in DAYS


@pytest.mark.parametrize("text, day", [
    ("15/08/2021 - what happened that day?", AUG15),
    ("what happened on 8/26/2021", AUG26),
    ("26.08.2021 what happened", AUG26),
    ("why is 2021-08-15 important", AUG15),
    ("15-8-21?", AUG15),
    ("Aug 15 - why does that date matter?", AUG15),
    ("August 26th, 2021", AUG26),
    ("did anything happen in mid-August 2021?", AUG15),
    ("what happened in late August", AUG26),
    ("and on the 26th?", AUG26),
])
def test_readers_formats_of_an_explainer_day_are_found(text: str, day: tuple) -> None:
    assert [m[2] for m in find_days(text, DAYS.values(), 2021)] == [day]


@pytest.mark.parametrize("text", [
    "is 15.8 percent right?",     # a decimal number
    "3/4 of them were Taliban",   # a fraction, and no explainer day
    "what happened on 3/8/2021",  # another day
    "on the 15th century",
    "in early August",
])
def test_other_numbers_are_not_explainer_days(text: str) -> None:
    assert find_days(text, DAYS.values(), 2021) == []


def test_another_year_is_flagged() -> None:
    [(_, _, day, other_year)] = find_days("what happened on 15 August 2022", DAYS.values(), 2021)
    assert day == AUG15 and other_year


def component() -> ExplainerDates:
    return ExplainerDates(ExplainerDates.get_default_config(), None, None, DAYS)


def parse(text: str, intent: str, entities: Optional[List[Dict[str, Any]]] = None) -> Message:
    message = Message(data={TEXT: text, INTENT: {"name": intent, "confidence": 0.4}, ENTITIES: entities or []})
    component().process([message])
    return message


def test_a_date_question_read_as_out_of_scope_asks_about_the_date() -> None:
    message = parse("Aug 15 - why does that date matter?", "out_of_scope")
    assert message.get(INTENT)["name"] == "ask_entity"
    assert message.get(DATE_KEY) == {"routed_from": "out_of_scope"}
    [entity] = message.get(ENTITIES)
    assert (entity["entity"], entity["value"], entity["start"], entity["end"]) == ("date", "15 August", 0, 6)


def test_a_date_the_extractor_found_is_routed_without_a_second_entity() -> None:
    found = {"entity": "date", "start": 9, "end": 15, "value": "15 Aug", "extractor": "RegexEntityExtractor"}
    message = parse("why does 15 Aug matter", "nlu_fallback", [found])
    assert message.get(INTENT)["name"] == "ask_entity"
    assert message.get(ENTITIES) == [found]


@pytest.mark.parametrize("text, intent", [
    ("what has happened since 15/08/2021?", "ask_after_date"),   # what came after the day
    ("what happened on 15 August 2022?", "ask_after_date"),      # another year
    ("how do I attack on 26/08", "request_harmful"),             # never rerouted
    ("what happened at the airport on 26/08/2021?", "ask_airport_attack"),  # a topic keeps its answer
    ("what happened yesterday?", "ask_after_date"),               # no date
])
def test_other_messages_keep_their_intent(text: str, intent: str) -> None:
    message = parse(text, intent)
    assert message.get(INTENT)["name"] == intent and message.get(DATE_KEY) is None


def test_a_date_in_another_year_gets_no_entity() -> None:
    assert parse("what happened on 15/08/2022?", "ask_after_date").get(ENTITIES) == []
