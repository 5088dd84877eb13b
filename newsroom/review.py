"""The review's figures, from classified turns: totals per day, unanswered groups, demand.

Everything here is plain data (it becomes review.json); message text is masked before it
is kept, and the page and the NLU candidates are written from this data alone.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from actions.content_store import ContentStore
from newsroom import outcomes, ratings
from newsroom.grouping import COVERED_SIMILARITY, group_messages
from newsroom.masking import mask
from newsroom.outcomes import Turn

NO_CONVERSATIONS = "No conversations yet in this period: nothing to review."
EXAMPLES_PER_GROUP = 3
# The explainer lacks what these turns asked about, whatever the words resemble.
_NEVER_COVERED = {outcomes.NOT_MENTIONED, outcomes.AFTER_DATE}


@dataclass(frozen=True)
class Period:
    """The days to review, inclusive, in UTC; None leaves that end open."""

    since: Optional[dt.date] = None
    until: Optional[dt.date] = None

    def start(self) -> Optional[float]:
        return _midnight(self.since) if self.since else None

    def contains(self, timestamp: float) -> bool:
        day = day_of(timestamp)
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)


def _midnight(day: dt.date) -> float:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp()


def day_of(timestamp: float) -> dt.date:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.timezone.utc).date()


def _iso(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def build(turns: List[Turn], store: ContentStore, period: Period, source: str) -> Dict[str, Any]:
    """The whole review as JSON-ready data."""
    turns = [t for t in turns if period.contains(t.timestamp)]
    review: Dict[str, Any] = {
        "generated": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "store": source,
        "period": {"since": period.since.isoformat() if period.since else None,
                   "until": period.until.isoformat() if period.until else None},
        "outcome_labels": dict(outcomes.OUTCOMES),
        "empty": not turns,
    }
    if not turns:
        review.update(message=NO_CONVERSATIONS, totals={"conversations": 0, "messages": 0, "outcomes": {}},
                      days=[], did_you_mean={"offered": 0, "choices": {}}, unanswered=[],
                      demand={"topics": [], "entities": [], "unknown_names": [], "buttons": []},
                      ratings=ratings.empty())
        return review
    review["totals"] = {
        "conversations": len({t.sender_id for t in turns}),
        "messages": len(turns),
        "outcomes": _outcome_counts(turns),
    }
    review["days"] = _days(turns)
    review["did_you_mean"] = _choices(turns, store)
    review["unanswered"] = _unanswered(turns, store)
    review["demand"] = _demand(turns, store)
    review["ratings"] = ratings.summarise(turns, store)
    return review


def _outcome_counts(turns: List[Turn]) -> Dict[str, int]:
    counts = Counter(t.outcome for t in turns)
    return {name: counts.get(name, 0) for name in outcomes.OUTCOMES}


def _days(turns: List[Turn]) -> List[Dict[str, Any]]:
    by_day: Dict[dt.date, List[Turn]] = defaultdict(list)
    for turn in turns:
        by_day[day_of(turn.timestamp)].append(turn)
    return [
        {"date": day.isoformat(), "conversations": len({t.sender_id for t in day_turns}),
         "messages": len(day_turns), "outcomes": _outcome_counts(day_turns)}
        for day, day_turns in sorted(by_day.items())
    ]


def _label(payload: str, store: ContentStore) -> str:
    if payload == outcomes.SOMETHING_ELSE:
        return "Something else"
    if payload.startswith("/"):
        return store.label_for_intent(payload[1:]) or payload
    return payload


def _choices(turns: List[Turn], store: ContentStore) -> Dict[str, Any]:
    offered = [t for t in turns if t.outcome == outcomes.DID_YOU_MEAN]
    counts = Counter(_label(t.choice or outcomes.CHOICE_LEFT, store) for t in offered)
    return {"offered": len(offered), "choices": dict(counts.most_common())}


def _guessed_intent(members: List[Turn], store: ContentStore, covered_topic: Optional[str]) -> Optional[str]:
    """What the reader meant, best evidence first: a "Did you mean" pick, the NLU's guess, the nearest topic."""
    picked = Counter(t.choice[1:] for t in members
                     if t.choice and t.choice.startswith("/") and t.choice != outcomes.SOMETHING_ELSE)
    if picked:
        return picked.most_common(1)[0][0]
    guesses = Counter(t.guess for t in members if t.guess)
    if guesses:
        return guesses.most_common(1)[0][0]
    topic = store.get_topic(covered_topic) if covered_topic else None
    return topic.intent if topic else None


def _unanswered(turns: List[Turn], store: ContentStore) -> List[Dict[str, Any]]:
    missed = [t for t in turns if t.outcome in outcomes.UNANSWERED and not t.is_payload and t.text.strip()]
    texts = [mask(t.text) for t in missed]
    groups = []
    for number, group in enumerate(group_messages(texts, store), start=1):
        members = [missed[i] for i in group.members]
        examples = list(dict.fromkeys(texts[i] for i in group.members))
        outcome_counts = Counter(t.outcome for t in members)
        topic = store.get_topic(group.nearest_topic) if group.nearest_topic else None
        picked = any(t.choice and t.choice.startswith("/") and t.choice != outcomes.SOMETHING_ELSE for t in members)
        covered = picked or (group.similarity >= COVERED_SIMILARITY and not set(outcome_counts) <= _NEVER_COVERED)
        groups.append({
            "id": number,
            "count": len(members),
            "examples": examples[:EXAMPLES_PER_GROUP],
            "messages": examples,
            "first_seen": _iso(min(t.timestamp for t in members)),
            "last_seen": _iso(max(t.timestamp for t in members)),
            "outcomes": dict(outcome_counts.most_common()),
            "nearest_topic": {"id": topic.id, "question": topic.question, "similarity": group.similarity} if topic else None,
            "covered": covered,
            "guessed_intent": _guessed_intent(members, store, topic.id if topic and covered else None),
        })
    return groups


def _demand(turns: List[Turn], store: ContentStore) -> Dict[str, Any]:
    answered = [t for t in turns if t.outcome in (outcomes.ANSWERED, outcomes.FOLLOW_UP)]
    asked = Counter(t.topic for t in answered if t.outcome == outcomes.ANSWERED and t.topic)
    more = Counter(t.topic for t in answered if t.outcome == outcomes.FOLLOW_UP and t.topic)
    topics = [
        {"id": topic.id, "question": topic.question, "asked": asked.get(topic.id, 0), "tell_more": more.get(topic.id, 0)}
        for topic in store.list_topics()
    ]
    topics.sort(key=lambda row: (-row["asked"], -row["tell_more"], row["id"]))
    entity_counts = Counter(t.entity for t in answered if t.entity)
    entities = []
    for entity in store.list_entities():
        if entity_counts.get(entity.id):
            entities.append({"id": entity.id, "name": entity.name, "asked": entity_counts[entity.id]})
    entities.sort(key=lambda row: (-row["asked"], row["id"]))
    unknown = Counter(mask(t.unknown_name) for t in turns if t.unknown_name)
    clicks = Counter(t.clicked for t in turns if t.clicked)
    return {
        "topics": topics,
        "entities": entities,
        "unknown_names": [{"name": name, "asked": n} for name, n in unknown.most_common()],
        "buttons": [{"title": title, "payload": payload, "clicks": n} for (title, payload), n in clicks.most_common()],
    }
