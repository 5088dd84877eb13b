"""What a message in another language than English may be answered with (issue 10.5).

The training data is mostly English and the classifier always picks some intent, so a Dari
"hello" or a French question it half understands must not reach an English chit-chat reply
or an unrelated answer. After the FallbackClassifier, for a message the LanguageIdentifier
found in another language:

- a refused request (``request_harmful``) stays refused, in any language;
- an explainer question (an intent starting ``ask_``, not ``ask_after_date``) understood with at
  least ``min_confidence`` stays, and the action answers it in English after a note in the
  reader's language (actions/language.py);
- anything else becomes ``nlu_fallback``, which gets the note and the English menu.

English messages are left alone.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

from components.language_id import LANGUAGE

ROUTE_KEY = "language_route"  # "kept" or "fallback", in the parse data, for the review and tests


def keeps(intent: Dict[str, Any], config: Dict[str, Any]) -> bool:
    """True when a non-English message may keep this intent."""
    name = intent.get(INTENT_NAME_KEY) or ""
    if name in config["always_kept"]:
        return True
    if name in config["never_kept"] or not name.startswith(config["answer_prefix"]):
        return False
    return float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= float(config["min_confidence"])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class OtherLanguageRoute(GraphComponent):
    """Runs after the FallbackClassifier; changes only messages in another language."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "default_language": "en",
            "answer_prefix": "ask_",
            "never_kept": ["ask_after_date"],
            "always_kept": ["request_harmful", DEFAULT_NLU_FALLBACK_INTENT_NAME],
            "min_confidence": 0.5,
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = config

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "OtherLanguageRoute":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            code = (message.get(LANGUAGE) or {}).get("code")
            intent = message.get(INTENT) or {}
            if code in (None, self._config["default_language"]) or not intent.get(INTENT_NAME_KEY):
                continue
            if keeps(intent, self._config):
                message.set(ROUTE_KEY, "kept", add_to_output=True)
                continue
            fallback = {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME, PREDICTED_CONFIDENCE_KEY: 1.0}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or []
                       if r.get(INTENT_NAME_KEY) != DEFAULT_NLU_FALLBACK_INTENT_NAME]
            message.set(INTENT, fallback, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)
            message.set(ROUTE_KEY, "fallback", add_to_output=True)
        return messages
