"""The unknown-words guard: gibberish loses confidence, typos and short questions do not."""

from __future__ import annotations

from typing import Optional

import pytest
from rasa.shared.nlu.training_data.message import Message

from components.vocabulary_guard import Vocabulary, VocabularyGuard, confidence_factor

VOCAB = Vocabulary(["where", "are", "they", "based", "how", "many", "fighters", "hello"])


@pytest.mark.parametrize(
    "text, expected",
    [("where are they based", 1.0), ("wher are they basd", 1.0), ("how meny fightrs", 1.0),
     ("qwxz blorf zzzt", 0.0), ("hello qwxz", 0.5), ("?!", 1.0), ("", 1.0)],
    ids=["known", "deletions", "substitution+deletion", "gibberish", "half", "no-words", "empty"],
)
def test_coverage(text: str, expected: float) -> None:
    assert VOCAB.coverage(text) == expected


def test_short_unknown_words_are_not_matched_loosely() -> None:
    assert not VOCAB.covers("arx")  # three letters: too short for a fuzzy match
    assert VOCAB.covers("are")


@pytest.mark.parametrize("coverage, factor", [(1.0, 1.0), (0.5, 1.0), (0.25, 0.5), (0.0, 0.0)])
def test_confidence_factor(coverage: float, factor: float) -> None:
    assert confidence_factor(coverage, 0.5) == factor


def _guarded(language: Optional[str]) -> float:
    guard = VocabularyGuard({**VocabularyGuard.get_default_config()}, None, None, Vocabulary(["where", "based"]))
    data = {"text": "où est basé le groupe", "intent": {"name": "ask_location", "confidence": 0.8},
            "intent_ranking": [{"name": "ask_location", "confidence": 0.8}]}
    if language is not None:
        data["language"] = {"code": language, "confidence": 0.99, "method": "classifier"}
    [message] = guard.process([Message(data=data)])
    return message.get("intent")["confidence"]


def test_only_english_messages_are_scaled_by_english_coverage() -> None:
    assert _guarded("fr") == 0.8  # French has few English words by nature: the route decides
    assert _guarded("en") < 0.8 and _guarded(None) == _guarded("en")
