"""The one intent payload with JSON that skips NLU: a rating button's ``/rate_answer{...}``.

Typed ``/intent{json}`` is otherwise flattened into plain words (``guard.plan_turn``), so no
slot can be set and no built-in intent run from the keyboard. A rating must carry its topic,
so this form passes when it is exactly what the rating buttons send: the domain's own
``rate_answer`` intent and a JSON object with only a known verdict and a topic id. Typing it
by hand does no more than pressing the button; the action still checks the topic exists.
"""

from __future__ import annotations

import json
import re
from typing import FrozenSet

RATING_INTENT = "rate_answer"  # actions/ratings.py RATING_INTENT
RATINGS = frozenset({"helpful", "not_helpful"})
_FORM = re.compile(r"^/" + RATING_INTENT + r"(\{.{0,200}\})$", re.DOTALL)
_TOPIC_ID = re.compile(r"[a-z0-9_]{1,64}")


def is_rating_payload(text: str, payloads: FrozenSet[str]) -> bool:
    """True when ``text`` is a rating button's payload and the domain has the rating intent."""
    if f"/{RATING_INTENT}" not in payloads:
        return False
    found = _FORM.match(text)
    if found is None:
        return False
    try:
        value = json.loads(found.group(1))
    except ValueError:
        return False
    return (
        isinstance(value, dict)
        and set(value) == {"rating", "rated_topic"}
        and value["rating"] in RATINGS
        and isinstance(value["rated_topic"], str)
        and _TOPIC_ID.fullmatch(value["rated_topic"]) is not None
    )
