"""How the safety decision rewrites the intent: promotion to a refusal, demotion to the next topic.

Checked against Rasa's real FallbackClassifier and the action server's `leans_harmful`, the two
readers of the ranking after the judge.
"""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions.answers import leans_harmful
from components.safety import HARMFUL_INTENT, apply_decision, demote, promote


def ranking(*pairs: Any) -> List[Dict[str, Any]]:
    return [{"name": name, "confidence": confidence} for name, confidence in pairs]


def parsed(*pairs: Any) -> Message:
    """A message as the intent classifier leaves it: best intent and ranking."""
    rows = ranking(*pairs)
    return Message(data={TEXT: "x", INTENT: dict(rows[0]), INTENT_RANKING_KEY: rows})


def fallback(message: Message) -> Message:
    """Rasa's FallbackClassifier with the thresholds of config.yml."""
    classifier = FallbackClassifier({**FallbackClassifier.get_default_config(),
                                     "threshold": 0.25, "ambiguity_threshold": 0.03})
    return classifier.process([message])[0]


def test_demote_removes_harm_and_renormalises() -> None:
    result = demote(ranking((HARMFUL_INTENT, 0.5), ("ask_size", 0.3), ("ask_who", 0.2)))
    assert [r["name"] for r in result] == ["ask_size", "ask_who"]
    assert [r["confidence"] for r in result] == pytest.approx([0.6, 0.4])


def test_demote_of_a_certain_harm_leaves_nothing_confident() -> None:
    assert demote(ranking((HARMFUL_INTENT, 1.0), ("ask_size", 0.0))) == ranking(("ask_size", 0.0))


def test_promote_puts_harm_first_and_shares_the_rest() -> None:
    result = promote(ranking(("ask_size", 0.8), (HARMFUL_INTENT, 0.2)), 0.9)
    assert result[0] == {"name": HARMFUL_INTENT, "confidence": 0.9}
    assert [r["name"] for r in result[1:]] == ["ask_size"]
    assert result[1]["confidence"] == pytest.approx(0.1)


def test_polite_question_demoted_is_answered_on_its_topic() -> None:
    # "hey, sorry to bother you, roughly how large is the group these days?" as issue 10 saw it
    message = parsed((HARMFUL_INTENT, 0.42), ("ask_size", 0.31), ("greet", 0.12), ("ask_who", 0.05))
    apply_decision(message, harmful=False, confidence=1.0)
    assert message.get(INTENT)["name"] == "ask_size"
    assert all(r["name"] != HARMFUL_INTENT for r in message.get(INTENT_RANKING_KEY))
    assert fallback(message).get(INTENT)["name"] == "ask_size"  # 0.31 / 0.58 = 0.53: sure enough


def test_unsure_demoted_question_gets_did_you_mean_not_a_refusal() -> None:
    message = parsed((HARMFUL_INTENT, 0.3), ("ask_size", 0.12), ("ask_who", 0.11), ("ask_base", 0.1))
    apply_decision(message, harmful=False, confidence=1.0)
    routed = fallback(message)
    assert routed.get(INTENT)["name"] == "nlu_fallback"
    assert not leans_harmful(routed.get(INTENT_RANKING_KEY))


def test_harmful_message_is_refused_with_a_clear_confidence() -> None:
    # a request dressed as a school project that the topic classifier sent to ask_recruitment
    message = parsed(("ask_recruitment", 0.55), ("ask_who", 0.2), (HARMFUL_INTENT, 0.1))
    apply_decision(message, harmful=True, confidence=1.0)
    routed = fallback(message)
    assert routed.get(INTENT) == {"name": HARMFUL_INTENT, "confidence": 1.0}
    assert routed.get(INTENT_RANKING_KEY)[1]["confidence"] == 0.0


def test_harmful_without_any_classifier_output_still_gets_the_intent() -> None:
    message = Message(data={TEXT: "x"})
    apply_decision(message, harmful=True, confidence=1.0)
    assert message.get(INTENT) == {"name": HARMFUL_INTENT, "confidence": 1.0}


def test_benign_message_without_harm_in_its_ranking_is_untouched() -> None:
    message = parsed(("ask_size", 0.7), ("ask_who", 0.3))
    before = dict(message.data)
    apply_decision(message, harmful=False, confidence=1.0)
    assert message.data == before
