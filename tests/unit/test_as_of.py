"""components/as_of.py: which "now" questions the explainer answers as of August 2021."""

from __future__ import annotations

from typing import Optional

import pytest

from components.as_of import bare_now, state_question


@pytest.mark.parametrize("text, question", [
    ("how many fighters does IS-K have now?", "how many fighters does IS-K have?"),
    ("where are they based today?", "where are they based?"),
    ("is IS-K still a threat to the Taliban?", "is IS-K a threat to the Taliban?"),
    ("Who leads IS-K at the moment?", "Who leads IS-K?"),
    ("currently, who do they recruit", "who do they recruit"),
])
def test_a_present_state_is_asked_without_its_time_words(text: str, question: str) -> None:
    assert state_question(text) == question


@pytest.mark.parametrize("text", [
    "any recent attacks by ISKP?", "latest news on IS-K today", "what has happened since August 2021?",
    "has the Taliban defeated IS-K yet?", "did they attack anything in 2023", "are they stronger now?",
    "will IS-K grow now?", "how big is IS-K?", "now?",
])
def test_later_events_or_no_time_word_give_nothing(text: str) -> None:
    assert state_question(text) is None


@pytest.mark.parametrize("text", ["and now?", "what about today?", "So, these days?", "now?", "and currently"])
def test_a_bare_now_asks_the_last_topic_again(text: str) -> None:
    assert bare_now(text)


@pytest.mark.parametrize("text", ["how big are they now?", "and any news now?", "what about Herat?",
                                  "and what will happen now?", "and?"])
def test_a_question_of_its_own_or_later_events_is_not_a_bare_now(text: str) -> None:
    assert not bare_now(text)
