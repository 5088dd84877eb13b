"""Readers' ratings in the review: helpful and not helpful per topic, lowest-rated first.

A rating turn carries the rating the action kept (``Turn.rating``: its verdict and the topic
it rates, which may be an earlier answer than the last one), so the counts follow the topic
rated, not the topic under discussion when the reader pressed the button.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Dict, Iterable

from actions.content_store import ContentStore
from newsroom.outcomes import Turn

HELPFUL = "helpful"
NOT_HELPFUL = "not_helpful"


def summarise(turns: Iterable[Turn], store: ContentStore) -> Dict[str, Any]:
    """Totals and one row per rated topic, the least helpful (by share, then count) first."""
    counts: Counter = Counter()
    for turn in turns:
        if turn.rating is not None and turn.rating["rating"] in (HELPFUL, NOT_HELPFUL):
            counts[(turn.rating["topic"], turn.rating["rating"])] += 1
    rows = []
    for topic_id in sorted({topic for topic, _ in counts}):
        helpful, not_helpful = counts[(topic_id, HELPFUL)], counts[(topic_id, NOT_HELPFUL)]
        topic = store.get_topic(topic_id)
        rows.append({
            "id": topic_id,
            "question": topic.question if topic is not None else topic_id,
            "helpful": helpful,
            "not_helpful": not_helpful,
            "helpful_share": round(helpful / (helpful + not_helpful), 2),
        })
    rows.sort(key=lambda row: (row["helpful_share"], -row["not_helpful"], row["id"]))
    return {
        "rated": sum(counts.values()),
        "helpful": sum(n for (_, verdict), n in counts.items() if verdict == HELPFUL),
        "not_helpful": sum(n for (_, verdict), n in counts.items() if verdict == NOT_HELPFUL),
        "topics": rows,
    }


def empty() -> Dict[str, Any]:
    """The ratings of a review without conversations."""
    return {"rated": 0, "helpful": 0, "not_helpful": 0, "topics": []}
