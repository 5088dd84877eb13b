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
    # a list of questions: commas between questions, the last one after "and"
    ("who leads it, when was it set up and why Nangarhar?", ["who leads it", "when was it set up", "why Nangarhar"]),
    ("how big is it, where is it based, and who funds it", ["how big is it", "where is it based", "who funds it"]),
    # enumerated questions, with or without a heading
    ("Three things: 1) who runs it 2) how big is it 3) where is it", ["who runs it", "how big is it", "where is it"]),
    ("firstly, when did it begin; secondly, who leads it", ["when did it begin", "who leads it"]),
    ("a) what is Khorasan b. who are its enemies", ["what is Khorasan", "who are its enemies"]),
])
def test_separate_questions_split(text: str, expected: List[str]) -> None:
    assert pieces(text) == expected


@pytest.mark.parametrize("text", [
    "Is it an enemy of the Taliban and the Haqqani network?",
    "Why does it attack Shia Muslims and Sikhs?",
    "Is it active in Afghanistan and Pakistan?",
    "Where is it based?",
    # a comma before a question word after a wrapper, or inside one question, is not a split
    "As someone who lives in Kabul, how worried should I be?",
    "I was reading the news, who attacked the airport?",
    "Which is larger, IS-K or the Taliban?",
    "How many were killed at the airport, 13 or 170?",
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


def test_compose_answers_two_clauses_on_one_topic_once() -> None:
    """'did they attack hospitals? and girls' schools?': the second clause is the same topic, so
    one answer (the first, which already carries the verdict) and the buttons on it."""
    first = reply("Yes: schools and hospitals.\n\nBlamed for attacks on schools and hospitals.", "atrocities")
    second = reply("Yes: girls' schools.", "atrocities")
    composed = compound.compose([first, second])
    assert [r.text for r in composed] == [first.text]
    assert composed[0].buttons and composed[0].topic_id == "atrocities"


def test_training_reads_the_featurizers_vectors_instead_of_embedding_again(tmp_path, monkeypatch) -> None:
    import numpy as np
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.constants import INTENT, TEXT
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from components.compound import CompoundQuestions
    from components.sentence_embeddings import SentenceEmbeddingFeaturizer

    examples = [("how many fighters do they have", "ask_size"), ("how big is the group", "ask_size"),
                ("where are they based", "ask_base"), ("which province is their base", "ask_base"),
                ("who leads them", "ask_leader"), ("who is their chief", "ask_leader")]

    def data(featurized: bool) -> TrainingData:
        examples_data = TrainingData([Message({TEXT: t, INTENT: i}) for t, i in examples])
        if featurized:
            SentenceEmbeddingFeaturizer({**SentenceEmbeddingFeaturizer.get_default_config(), "scale": 10},
                                        "train_components.sentence_embeddings.SentenceEmbeddingFeaturizer4"
                                        ).process_training_data(examples_data)
        return examples_data

    def trained(name: str, training_data: TrainingData) -> CompoundQuestions:
        component = CompoundQuestions.create({**CompoundQuestions.get_default_config()},
                                             LocalModelStorage(tmp_path), Resource(name),
                                             ExecutionContext(GraphSchema({}), name))
        component.train(training_data)
        return component

    embedding_again = trained("again", data(featurized=False))
    featurized = data(featurized=True)
    encoder = embedding_again.encoder
    real = encoder.encode
    monkeypatch.setattr(encoder, "encode", lambda *a, **k: pytest.fail("embedded the training data again"))
    reading = trained("read", featurized)
    monkeypatch.setattr(encoder, "encode", real)
    questions = ["what is the size of IS-K", "where is its base", "who is in charge"]
    assert [n for n, _ in reading.classify(questions)] == ["ask_size", "ask_base", "ask_leader"]
    assert np.allclose(reading._model[1].coef_, embedding_again._model[1].coef_, atol=1e-4)
