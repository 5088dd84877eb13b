"""Reader ratings of answers: the buttons offered under an answer, and reading a rating back.

Pure functions over the content store, like ``answers``: the rating action stays thin and
every rule (which payload a button sends, which ratings are kept, what is said back) is
testable without Rasa. A rating names the topic it rates, so a reader can rate an earlier
answer, and it never touches the topic under discussion.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Optional

from actions.content_store import ContentStore, Topic

RATING_INTENT = "rate_answer"
HELPFUL = "helpful"
NOT_HELPFUL = "not_helpful"
RATINGS = (HELPFUL, NOT_HELPFUL)
# The payload's entity names (Rasa reads `/rate_answer{"rating": ..., "rated_topic": ...}`).
ENTITY_RATING = "rating"
ENTITY_TOPIC = "rated_topic"
# Store message keys of the button labels, in the order the buttons are offered.
_LABEL_KEYS = {HELPFUL: "rating_helpful", NOT_HELPFUL: "rating_not_helpful"}


@dataclass(frozen=True)
class Rating:
    """One reader's verdict on the answer about one topic."""

    rating: str
    topic_id: str

    def as_slot(self) -> Dict[str, str]:
        """The value kept in the conversation (the ``rating`` slot), read by the review."""
        return {"rating": self.rating, "topic": self.topic_id}


def rating_payload(rating: str, topic_id: str) -> str:
    """The message a rating button sends: an intent payload the channels accept as is."""
    return f"/{RATING_INTENT}{json.dumps({ENTITY_RATING: rating, ENTITY_TOPIC: topic_id})}"


def rating_buttons(store: ContentStore, topic: Topic) -> Dict[str, Any]:
    """What goes in the attribution payload: a name for the pair, the two buttons, the thanks.

    The widget draws these under the answer; a REST client sends a button's payload.
    """
    return {
        "prompt": store.message("rating_prompt", question=topic.question),
        "buttons": [
            {"title": store.message(_LABEL_KEYS[r]), "payload": rating_payload(r, topic.id), "rating": r}
            for r in RATINGS
        ],
        "thanks": store.message("rating_thanks"),
    }


def read_rating(store: ContentStore, entities: Iterable[Dict[str, Any]]) -> Optional[Rating]:
    """The rating a message carries, or None unless it names a known verdict and a store topic."""
    values: Dict[str, Any] = {}
    for entity in entities:
        if isinstance(entity, dict) and entity.get("entity") in (ENTITY_RATING, ENTITY_TOPIC):
            values.setdefault(entity["entity"], entity.get("value"))
    rating, topic_id = values.get(ENTITY_RATING), values.get(ENTITY_TOPIC)
    if rating not in RATINGS or not isinstance(topic_id, str) or store.get_topic(topic_id) is None:
        return None
    return Rating(rating, topic_id)

