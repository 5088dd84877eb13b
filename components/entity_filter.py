"""Clean up lookup-table matches: drop the group's own name and matches inside longer ones.

RegexEntityExtractor matches every lookup name independently, so "ISIS-K" yields the
entity "ISIS" (the parent group) and "Khalil Haqqani" also yields the group "Haqqani".
Both would send an answer to the wrong entity. This component runs after the extractor
and keeps, for each stretch of text, only the longest match that is not part of the
assistant's own subject (IS-K under any of its names).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Pattern, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

# IS-K's own names, in any case, with or without hyphens/spaces: IS-K, ISIS-K, ISKP, IS-KP,
# Islamic State Khorasan (Province), Daesh Khorasan.
SELF_NAMES = (
    r"\b(?:isis|is|isil)[\s-]*k(?:p)?\b"
    r"|\bislamic\s+state\s+(?:of\s+)?khorasan(?:\s+province)?\b"
    r"|\bdaesh[\s-]+khorasan\b"
)


def filter_entities(text: str, entities: List[Dict[str, Any]], self_names: Pattern[str]) -> List[Dict[str, Any]]:
    """Entities not inside a self-name and not inside a longer entity, in text order."""
    own = [(m.start(), m.end()) for m in self_names.finditer(text)]

    def inside(start: int, end: int, spans) -> bool:
        return any(s <= start and end <= e and (s, e) != (start, end) for s, e in spans)

    candidates = [e for e in entities if not any(s <= e["start"] and e["end"] <= end for s, end in own)]
    spans = [(e["start"], e["end"]) for e in candidates]
    kept = [e for e in candidates if not inside(e["start"], e["end"], spans)]
    unique: Dict[tuple, Dict[str, Any]] = {}
    for entity in kept:
        unique.setdefault((entity["start"], entity["end"]), entity)
    return sorted(unique.values(), key=lambda e: e["start"])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class EntityOverlapFilter(GraphComponent, EntityExtractorMixin):
    """Post-processes extracted entities; has nothing to train."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"self_names": SELF_NAMES}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._self_names = re.compile(config["self_names"], re.IGNORECASE)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "EntityOverlapFilter":
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            entities = message.get(ENTITIES)
            if entities:
                message.set(ENTITIES, filter_entities(message.get(TEXT) or "", entities, self._self_names),
                            add_to_output=True)
        return messages
