"""Dates, 'now' and premises over REST (issue 10.6, 10.7), on the trained model.

Questions written for this suite; the held-out conversations measure the same on others.
"""

from __future__ import annotations

from tests.support.rest import custom, texts

AS_OF = "I can't tell you what has changed since August 2021, but as of then the explainer says:"


def test_a_present_state_gets_the_answer_as_of_august_2021(chat) -> None:
    messages = chat().send("How many fighters does IS-K have now?")
    assert texts(messages).startswith(AS_OF)
    assert "3,000" in texts(messages) and [c["topic"] for c in custom(messages)] == ["size"]


def test_later_events_get_only_the_caveat(chat) -> None:
    messages = chat().send("Any recent attacks by IS-K since August?")
    assert texts(messages).startswith("I can't tell you about anything after August 2021") and not custom(messages)


def test_when_the_taliban_took_kabul_is_answered_with_the_date(chat) -> None:
    text = texts(chat().send("When did the Taliban take Kabul?"))
    assert "15 August 2021" in text and "Pul-e-Charki" in text


def test_a_wrong_province_for_the_base_is_corrected_even_when_the_place_is_not_mentioned(chat) -> None:
    text = texts(chat().send("Are IS-K based in Kandahar?"))
    assert text.startswith("No: IS-K's base is Nangarhar") and "Kandahar" in text


def test_a_wrong_actor_is_corrected_and_a_right_date_confirmed(chat) -> None:
    assert texts(chat().send("Did the Taliban carry out the Kabul airport attack?")).startswith(
        "No: IS-K, not the Taliban, said it was responsible")
    assert texts(chat().send("Was the airport attack on 26 August?")).startswith("Yes: the attack outside Kabul airport")
