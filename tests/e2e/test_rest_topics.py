"""One REST conversation per explainer topic: the right facts, with source and suggestions."""

from __future__ import annotations

import pytest

from tests.support.rest import buttons, custom, texts

TOPIC_QUESTIONS = [
    ("who are IS-K?", "who_are_isk", ["regional", "extreme"]),
    ("Who exactly are ISIS-K", "who_are_isk", ["Islamic State"]),
    ("what does khorasan mean", "name_khorasan", ["historical region", "Pakistan"]),
    ("when was iskp founded?", "founding", ["January 2015"]),
    ("what happened to the pakistan part of the group", "pakistan_section", ["May 2019"]),
    ("who joins IS-KP?", "recruitment", ["Taliban", "Pakistan"]),
    ("how big is daesh khorasan", "size", ["3,000"]),
    ("who have they lost fighters to", "losses", ["US", "Taliban"]),
    ("who does islamic state khorasan province target", "targets", ["Shia", "Sikhs", "aid"]),
    ("what are the worst atrocities they committed", "atrocities", ["maternity ward"]),
    ("tell me about the airport bombing", "airport_attack", ["26 August"]),
    ("how are their aims different from the taliban", "global_ambitions", ["global"]),
    ("where is is-k based", "base", ["Nangarhar", "smuggling"]),
    ("which provinces have they attacked", "provinces", ["Kunar", "Jowzjan", "Paktia", "Kunduz", "Herat"]),
    ("are IS-K and the Taliban connected?", "taliban_links", ["Haqqani network"]),
    ("what role does the haqqani network play", "haqqani", ["Khalil Haqqani", "$5m"]),
    ("what do experts say about the collaboration?", "expert_view", ["Gohel", "2019"]),
    ("what about the prisoners released from jail", "prisoner_release", ["Pul-e-Charki"]),
    ("why is IS-K a challenge for the Taliban", "challenge", ["apostates", "Doha"]),
    ("why do they consider the taliban apostates", "apostates", ["apostates", "lawful"]),
    ("what's their problem with the doha deal", "doha_deal", ["posh hotels"]),
    ("is IS-K a threat to the new Taliban government?", "security_threat", ["Western intelligence"]),
    ("how many people were killed in the airport attack", "death_toll", ["doesn't give"]),
    ("who is the leader of ISIS-K", "leadership", ["doesn't name"]),
]


@pytest.mark.parametrize("question, topic, facts", TOPIC_QUESTIONS, ids=[q[1] + ":" + q[0][:25] for q in TOPIC_QUESTIONS])
def test_topic_question_gets_the_right_answer(chat, question: str, topic: str, facts) -> None:
    messages = chat().send(question)
    text = texts(messages)
    for fact in facts:
        assert fact.lower() in text.lower(), f"{fact!r} missing from {text!r}"
    assert "(reflects August 2021)" in text
    # multi-message reply: the answer with its buttons, then the machine-readable attribution
    assert len(messages) == 2
    assert 2 <= len(buttons(messages)) <= 3
    assert all(b["payload"].startswith("/ask_") for b in buttons(messages))
    attribution = custom(messages)[0]
    assert attribution["topic"] == topic and attribution["date"] == "2021-08" and attribution["section"]


@pytest.mark.parametrize(
    "alias",
    ["IS-K", "isis-k", "ISKP", "is kp", "IS-KP", "Islamic State Khorasan", "islamic state khorasan province",
     "Daesh Khorasan", "ISIS K", "iskp!!"],
)
def test_every_alias_works(chat, alias: str) -> None:
    assert "3,000" in chat().ask(f"how many fighters does {alias} have")


@pytest.mark.parametrize(
    "query, fact",
    [("size", "3,000"), ("location", "Nangarhar"), ("founded", "2015"), ("wher are they basd", "Nangarhar"),
     ("how meny fighters", "3,000"), ("taliban links", "Haqqani")],
)
def test_one_word_queries_and_typos(chat, query: str, fact: str) -> None:
    assert fact in chat().ask(query)


def test_button_payload_asks_its_question(chat) -> None:
    conversation = chat()
    first = conversation.send("where are they based?")
    payload = buttons(first)[0]["payload"]
    assert payload == "/ask_provinces"
    assert "Jowzjan" in texts(conversation.send(payload))
