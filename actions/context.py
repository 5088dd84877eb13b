"""Read a short follow-up as being about the topic under discussion.

A follow-up such as "why there?", "since when?" or "who said so?" carries little of its topic's
wording, so the classifier, which sees one message at a time, often ranks the topic under
discussion a close second behind a neighbour, or is too unsure to answer at all. A reader who
names no other topic means the one they are on. So when the message is short, names nothing
outside the current topic (``names_other``), and the current topic's intent scores at least ``min_ratio`` of the best
topic guess, the current topic is the answer. A clear switch ("ok, and how big are they?")
leaves the current topic far behind and is kept.

A message made only of question words, pronouns and particles ("when was that?", "why?",
"who did it?", "says who?") has no topic of its own at all: the classifier's guess for it is
a reading of the question word ("when" -> founding), so it is read as being about the current
topic whatever the ranking, unless the guess is not a topic (tell me more, small talk, refusal,
out of scope). One exception: "when ...?" about a topic that has no date, when the guess is a
topic the current one lists as related ("when was that?" after who IS-K are: the founding),
has moved to the neighbour that has one, and the guess is kept; likewise "how many ...?" about
a topic with no number, guessed as a related topic that has one.

"He", "him", "his", "she" and "her" point at a person, and the group is "they" or "it": on a
topic about a person (Dr Gohel, Khalil Haqqani, IS-K's unnamed leader), "who does he work
for?" or "what does he do?" is about that topic, however the classifier reads the rest. The
classifier sees "what does he do" as "what do you do" (capabilities) or "his job now" as a
question after August 2021; only a refusal, "tell me more" and the closing small talk (thanks,
goodbye, greetings) are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence

from actions.content_store import ContentStore, Topic

FALLBACK = "nlu_fallback"
# Words that carry no topic: question words, pronouns, auxiliaries, particles, and generic
# nouns of a question about "it" (date, time, number). Not "they/them/their": those are the
# group itself, so "who are they?" or "where are they?" is a topic question of its own.
TOPICLESS_WORDS = frozenset("""
what what's whats which who who's whom whose when when's where where's why how how's
is are was were be been am do does did done has have had can could would will should
it it's its that that's this these those there then he him his she her
so and but or ok okay oh really exactly roughly about else too also again though then
yet still just only even say says said mean means meant happen happened happening
the a an of to in on at for by with from
date day month year time number figure exact many much long
""".split())
PERSON_PRONOUNS = frozenset("he him his himself she her hers herself".split())
# Best guesses a person pronoun does not override (see the module docstring).
KEPT_OVER_PERSON = frozenset("request_harmful tell_more thank goodbye greet rate_answer".split())
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_DATE = re.compile(r"^\d{4}(?:-\d{2}){0,2}$")


@dataclass(frozen=True)
class FollowUpRule:
    """How short a follow-up is, and how close its topic must come to the best guess."""

    max_words: int
    min_ratio: float
    topicless: bool = True
    # A topicless "when" on a topic with no date goes to the related topic guessed.
    related: bool = True
    # "he"/"she" on a topic about a person is about that topic.
    persons: bool = True


def _confidence(ranking: Sequence[Dict[str, Any]], intent: str) -> float:
    """The ranking's confidence for ``intent``, 0 when it is not ranked."""
    return next((c.get("confidence") or 0.0 for c in ranking if c.get("name") == intent), 0.0)


def topicless(text: str) -> bool:
    """True when every word of ``text`` is a question word, pronoun or particle."""
    words = _WORD.findall(text.lower())
    return bool(words) and all(w in TOPICLESS_WORDS for w in words)


def has_date(topic: Topic) -> bool:
    """True when one of the topic's facts is a date ("2015-01", "2021-08-26")."""
    return any(isinstance(v, str) and _DATE.match(v) for v in topic.facts.values())


def has_number(topic: Topic) -> bool:
    """True when one of the topic's facts is a number (the peak fighters, 3000)."""
    return any(isinstance(v, int) and not isinstance(v, bool) for v in topic.facts.values())


def about_person(store: ContentStore, topic: Topic) -> bool:
    """True when the topic names a person (an entity of type person) or is about the leader."""
    if "leader" in topic.facts:
        return True
    return any(e.id in topic.entities for e in store.list_entities("person"))


def names_person(text: str) -> bool:
    return any(w in PERSON_PRONOUNS for w in _WORD.findall(text.lower()))


def asks_when(text: str) -> bool:
    return any(w in ("when", "when's") for w in _WORD.findall(text.lower()))


def asks_how_many(text: str) -> bool:
    words = _WORD.findall(text.lower())
    return any(a == "how" and b in ("many", "much") for a, b in zip(words, words[1:]))


def _moved_to_related(current: Topic, guess: Topic, text: str) -> bool:
    """A topicless question whose demand (a date, a number) the current topic cannot meet and
    the guessed related topic can: the reader has moved to that neighbour."""
    if guess.id not in current.related:
        return False
    if asks_when(text) and not has_date(current) and has_date(guess):
        return True
    return asks_how_many(text) and not has_number(current) and has_number(guess)


def names_other(topic_id: Optional[str], entity_ids: Sequence[str], store: ContentStore) -> bool:
    """True when the message names something outside the topic under discussion.

    A name the current topic itself covers ("and the Taliban's?" on IS-K's global aims, "is
    he the head of the Taliban?" on Khalil Haqqani) continues it; another name may switch.
    """
    current = store.get_topic(topic_id) if topic_id else None
    return any(current is None or e not in current.entities for e in entity_ids)


def follow_up_intent(
    store: ContentStore,
    ranking: Sequence[Dict[str, Any]],
    text: str,
    has_entities: bool,
    current_topic_id: Optional[str],
    rule: FollowUpRule,
) -> Optional[str]:
    """The current topic's intent when the message reads as a follow-up on it, else None.

    ``ranking`` is the NLU intent ranking (the fallback marker may head it). The best real
    guess must be a topic or the fallback marker: a confident out-of-scope, small-talk,
    "tell me more" or refusal reading is the classifier's to keep.
    """
    current = store.get_topic(current_topic_id) if current_topic_id else None
    if current is None or has_entities or len(text.split()) > rule.max_words:
        return None
    best = next((c for c in ranking if c.get("name") != FALLBACK), None)
    if (rule.persons and best is not None and best.get("name") not in KEPT_OVER_PERSON
            and names_person(text) and about_person(store, current)):
        return current.intent
    guess = store.topic_for_intent(str(best.get("name"))) if best is not None else None
    if guess is None:
        return None
    if rule.topicless and topicless(text):
        if rule.related and _moved_to_related(current, guess, text):
            return guess.intent
        return current.intent
    ours = _confidence(ranking, current.intent)
    if ours > 0.0 and ours >= rule.min_ratio * (best.get("confidence") or 0.0):
        return current.intent
    return None
