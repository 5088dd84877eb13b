"""Lower the intent confidence of messages made mostly of words the bot has never seen.

A linear classifier always picks some intent: "qwxz blorf zzzt" came out as `goodbye`
with 0.4 confidence, above any threshold that keeps real questions answered. This
component learns the training vocabulary and scales every intent confidence by how much
of the message it covers, so gibberish falls below the FallbackClassifier threshold and
gets "please rephrase" instead of a confident wrong answer. Typos stay covered: a word
one edit away from a known word counts as known ("basd" -> "based").

Only messages in the training vocabulary's language (``languages``, English) are guarded: a
question in Dari or French has few English words by nature, and the multilingual sentence
embedding may still understand it (components/language_route.py decides what it gets).
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, Iterable, List, Set, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.language_id import LANGUAGE

_WORD = re.compile(r"[a-z]+")
_FILE = "vocabulary.json"


def words(text: str) -> List[str]:
    """Lower-case alphabetic words; digits and punctuation carry no vocabulary signal."""
    return _WORD.findall(text.lower())


def deletions(word: str) -> Set[str]:
    """The word with one letter removed, each way (symmetric-delete spelling match)."""
    return {word[:i] + word[i + 1:] for i in range(len(word))}


class Vocabulary:
    """Known words plus their one-deletion variants, for typo-tolerant lookups."""

    def __init__(self, known: Iterable[str]) -> None:
        self.known = set(known)
        self._variants = {variant for word in self.known if len(word) > 3 for variant in deletions(word)}

    def covers(self, word: str) -> bool:
        """Known, or one insertion, deletion or substitution away from a known word (length > 3)."""
        if word in self.known:
            return True
        if len(word) <= 3:
            return False
        return word in self._variants or bool(deletions(word) & (self.known | self._variants))

    def coverage(self, text: str) -> float:
        """Share of the message's words the bot knows; 1.0 for a message with no words."""
        tokens = words(text)
        if not tokens:
            return 1.0
        return sum(self.covers(t) for t in tokens) / len(tokens)


def confidence_factor(coverage: float, min_coverage: float) -> float:
    """1 when at least ``min_coverage`` of the words are known, falling linearly to 0."""
    return 1.0 if coverage >= min_coverage else coverage / min_coverage


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class VocabularyGuard(GraphComponent):
    """Runs after the intent classifier and before the FallbackClassifier."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"min_coverage": 0.5, "languages": ["en"]}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 vocabulary: Vocabulary) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._vocabulary = vocabulary

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "VocabularyGuard":
        return cls(config, model_storage, resource, Vocabulary(()))

    def train(self, training_data: TrainingData) -> Resource:
        known: Set[str] = set()
        for example in training_data.training_examples:
            known.update(words(example.get(TEXT) or ""))
        for table in training_data.lookup_tables:
            for element in table.get("elements") or []:
                known.update(words(str(element)))
        self._vocabulary = Vocabulary(known)
        with self._storage.write_to(self._resource) as directory:
            (directory / _FILE).write_text(json.dumps(sorted(known)), encoding="utf-8")
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "VocabularyGuard":
        with model_storage.read_from(resource) as directory:
            known = json.loads((directory / _FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, Vocabulary(known))

    def _in_guarded_language(self, message: Message) -> bool:
        """True unless the LanguageIdentifier found another language than the vocabulary's."""
        code = (message.get(LANGUAGE) or {}).get("code")
        return code is None or code in self._config["languages"]

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if not self._in_guarded_language(message):
                continue
            factor = confidence_factor(self._vocabulary.coverage(message.get(TEXT) or ""),
                                       self._config["min_coverage"])
            if factor >= 1.0 or not message.get(INTENT):
                continue
            intent = dict(message.get(INTENT))
            intent[PREDICTED_CONFIDENCE_KEY] = (intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0) * factor
            message.set(INTENT, intent, add_to_output=True)
            ranking = [{**r, PREDICTED_CONFIDENCE_KEY: (r.get(PREDICTED_CONFIDENCE_KEY) or 0.0) * factor}
                       for r in message.get(INTENT_RANKING_KEY) or []]
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
