"""Decide what to answer: pure functions from (intent, entities, context) to a Reply.

Kept apart from the Action classes so every conversational rule (entity beats
topic, follow-ups resolve against the current topic, unknown names get an honest
"not covered") is testable without Rasa, and the actions stay thin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from actions import ratings
from actions.content_store import ContentStore, Entity, Topic

# Intents never offered as "Did you mean ...?" candidates: choosing them by button would
# either do nothing useful or, for request_harmful, be absurd. ask_entity needs a name, which a
# button cannot carry: choosing it could only end in "I didn't understand".
NEVER_SUGGESTED = frozenset(
    {"nlu_fallback", "out_of_scope", "request_harmful", "something_else", "greet", "goodbye",
     "thank", "bot_challenge", "tell_more", "rate_answer", "ask_entity"}
)


# Entity types specific enough to outweigh the topic intent they appear with.
SPECIFIC_TYPES = frozenset({"person", "date"})


@dataclass(frozen=True)
class Button:
    """A suggested next question: readable title, payload that triggers its intent."""

    title: str
    payload: str

    def as_dict(self) -> Dict[str, str]:
        return {"title": self.title, "payload": self.payload}


@dataclass(frozen=True)
class Reply:
    """Everything one bot message carries, independent of the channel."""

    text: str
    buttons: Tuple[Button, ...] = ()
    custom: Optional[Dict[str, Any]] = None
    topic_id: Optional[str] = None
    detail_index: Optional[int] = None


def numbered_suggestions(label: str, buttons: Sequence[Button]) -> str:
    """Suggestions as terminal text: numbered like Rasa's console, with what to type in brackets."""
    lines = [f"{number}: {button.title} ({button.payload})" for number, button in enumerate(buttons, 1)]
    return "\n".join([label, *lines])


def terminal_text(text: str) -> str:
    """``text`` without the Markdown emphasis around whole lines (the source line): a terminal
    shows the underscores literally."""
    return _EMPHASISED_LINE.sub(r"\1", text)


_EMPHASISED_LINE = re.compile(r"^_(\S(?:.*\S)?)_$", re.MULTILINE)


def topic_button(topic: Topic) -> Button:
    """A button asking ``topic``'s question exactly as a user would by typing it."""
    return Button(title=topic.question, payload=f"/{topic.intent}")


def menu_buttons(store: ContentStore) -> Tuple[Button, ...]:
    """One button per block of the explainer, in reading order."""
    leads = (store.get_topic(group.lead_topic) for group in store.list_groups())
    return tuple(topic_button(t) for t in leads if t is not None)


def related_buttons(store: ContentStore, topic: Topic) -> Tuple[Button, ...]:
    """The two or three follow-up questions the content suggests after ``topic``."""
    return tuple(topic_button(t) for t in store.related_topics(topic)[:3])


def attribution_payload(store: ContentStore, topic: Topic, entity: Optional[Entity] = None) -> Dict[str, Any]:
    """Machine-readable provenance for widgets: which topic, section and date, and how to rate it."""
    payload: Dict[str, Any] = {
        "type": "attribution",
        "topic": topic.id,
        "section": topic.section,
        "date": topic.date,
        "source": store.source.title,
        "rating": ratings.rating_buttons(store, topic),
    }
    if entity is not None:
        payload["entity"] = entity.id
    return payload


def _with_source(store: ContentStore, text: str, topic: Topic) -> str:
    return f"{text}\n\n_{store.attribution(topic)}_"


def attributed(store: ContentStore, reply: Reply, topic: Topic) -> Reply:
    """``reply`` credited to ``topic``'s section: a premise verdict from that section put before
    a reply that had none ("No: the base is Nangarhar" before "Helmand is not mentioned")."""
    if reply.custom is not None:
        return reply
    return replace(reply, text=_with_source(store, reply.text, topic), custom=attribution_payload(store, topic),
                   topic_id=topic.id, detail_index=0)


def answer_topic(store: ContentStore, topic: Topic) -> Reply:
    """The first answer on a topic, its source line and suggested follow-ups."""
    return Reply(
        text=_with_source(store, topic.answer, topic),
        buttons=related_buttons(store, topic),
        custom=attribution_payload(store, topic),
        topic_id=topic.id,
        detail_index=0,
    )


def answer_entity(store: ContentStore, entity: Entity, current_topic: Optional[Topic]) -> Reply:
    """What the explainer says about one named thing, or an honest 'not mentioned'.

    When the entity has a wording for the block the reader is in (e.g. the
    Taliban while talking about attacks), that wording wins: it is the follow-up
    the reader meant.
    """
    home = store.get_topic(entity.topic) if entity.topic else None
    if not entity.mentioned or entity.answer is None or home is None:
        text = store.message("entity_not_covered", name=entity.name, scope=store.scope_of(entity.type))
        lead = current_topic or home
        buttons = related_buttons(store, lead) if lead else menu_buttons(store)
        return Reply(text=text, buttons=buttons)
    text = entity.answer
    if current_topic is not None and current_topic.group in entity.by_group:
        text = entity.by_group[current_topic.group]
    return Reply(
        text=_with_source(store, text, home),
        buttons=related_buttons(store, home),
        custom=attribution_payload(store, home, entity),
        topic_id=home.id,
        detail_index=0,
    )


def recognised_entities(store: ContentStore, entities: Iterable[Dict[str, Any]]) -> List[Entity]:
    """Store entities named in NLU output, in order, without repeats."""
    found: List[Entity] = []
    for raw in entities:
        value = raw.get("value")
        if not isinstance(value, str):
            continue
        entity = store.find_entity(value, raw.get("entity"))
        if entity is None:
            entity = store.find_entity(value)
        if entity is not None and entity not in found:
            found.append(entity)
    return found


def answer_question(
    store: ContentStore,
    intent: Optional[str],
    entities: Sequence[Entity],
    current_topic_id: Optional[str],
) -> Optional[Reply]:
    """Answer a topic question or an entity question; None when neither applies.

    A topic intent is strong evidence, so it keeps its answer, with two exceptions: a
    name the explainer never mentions ("has IS-K attacked Kandahar?") gets the honest
    "not mentioned" reply instead of a list that could read as an answer about it, and
    a specific person or date the topic does not cover ("what happened on 15 August?")
    is what the reader is really asking about.
    """
    current = store.get_topic(current_topic_id) if current_topic_id else None
    topic = store.topic_for_intent(intent) if intent else None
    if topic is not None:
        redirect = [e for e in entities if not e.mentioned
                    or (e.type in SPECIFIC_TYPES and e.id not in topic.entities)]
        if redirect:
            return answer_entity(store, redirect[0], current)
        return answer_topic(store, topic)
    if entities:
        return answer_entity(store, entities[0], current)
    return None


def as_of_answer(store: ContentStore, as_of: Optional[Dict[str, Any]],
                 current_topic_id: Optional[str] = None) -> Optional[Reply]:
    """For "how many fighters do they have now?": the topic's answer as of the explainer's date.

    ``as_of`` is what components/compound.py found the question asks without its time words;
    a bare "and now?" (``follow_up``) asks the topic under discussion again. None (later events,
    no sure topic, no topic yet) leaves the caveat and the menu alone.
    """
    name = (as_of or {}).get("intent")
    if (as_of or {}).get("follow_up"):
        topic = store.get_topic(current_topic_id) if current_topic_id else None
    else:
        topic = store.topic_for_intent(name) if isinstance(name, str) else None
    if topic is None:
        return None
    answer = answer_topic(store, topic)
    return replace(answer, text=f"{store.message('as_of_answer')}\n\n{answer.text}")


def tell_more(store: ContentStore, topic_id: Optional[str], index: int) -> Reply:
    """The next detail on the current topic, or 'that's all' with related topics."""
    topic = store.get_topic(topic_id) if topic_id else None
    if topic is None:
        return Reply(text=store.message("no_topic_yet"), buttons=menu_buttons(store))
    if 0 <= index < len(topic.details):
        text = f"{store.message('more_prefix')} {topic.details[index]}"
        return Reply(
            text=_with_source(store, text, topic),
            buttons=related_buttons(store, topic),
            custom=attribution_payload(store, topic),
            topic_id=topic.id,
            detail_index=index + 1,
        )
    question = topic.question[0].lower() + topic.question[1:]
    return Reply(
        text=store.message("no_more", question_lower=question),
        buttons=related_buttons(store, topic),
        topic_id=topic.id,
        detail_index=index,
    )


def rating_reply(store: ContentStore, rating: Optional[ratings.Rating], current_topic_id: Optional[str]) -> Reply:
    """Thanks for a rating (or how to rate), with the current topic's suggestions kept on screen.

    The reply sets no topic: "tell me more" afterwards continues what was being discussed.
    """
    current = store.get_topic(current_topic_id) if current_topic_id else None
    buttons = related_buttons(store, current) if current is not None else ()
    return Reply(text=store.message("rating_thanks" if rating is not None else "rating_how"), buttons=buttons)


def menu_reply(store: ContentStore, message_key: str) -> Reply:
    """A meta message followed by the explainer's blocks as buttons."""
    return Reply(text=store.message(message_key), buttons=menu_buttons(store))


def leans_harmful(ranking: Sequence[Dict[str, Any]]) -> bool:
    """True when the best real guess for an unsure message is a harmful request.

    Erring towards refusal is the safe side: the reader can still rephrase a factual question.
    """
    names = [c.get("name") for c in ranking if c.get("name") != "nlu_fallback"]
    return bool(names) and names[0] == "request_harmful"


def did_you_mean(
    store: ContentStore,
    ranking: Sequence[Dict[str, Any]],
    min_confidence: float,
    min_ratio: float = 0.0,
) -> Reply:
    """'Did you mean ...?' with the candidates that could be meant, or the rephrase menu.

    A candidate could be what the reader meant when its confidence is at least
    ``min_confidence`` and at least ``min_ratio`` of the best real guess (the fallback marker
    and a refused harmful guess aside). A best guess that is never offered (out of scope, a
    bare entity, chit-chat) still counts: a topic far behind it was not what the reader meant.
    """
    guesses = [c.get("confidence") or 0.0 for c in ranking
               if c.get("name") not in ("nlu_fallback", "request_harmful")]
    floor = max(min_confidence, min_ratio * max(guesses, default=0.0))
    buttons: List[Button] = []
    for candidate in ranking:
        name = candidate.get("name")
        confidence = candidate.get("confidence") or 0.0
        if not isinstance(name, str) or name in NEVER_SUGGESTED or confidence < floor:
            continue
        label = store.label_for_intent(name)
        if label is not None:
            buttons.append(Button(title=label, payload=f"/{name}"))
        if len(buttons) == 2:
            break
    if not buttons:
        return menu_reply(store, "fallback")
    buttons.append(Button(title="Something else", payload="/something_else"))
    return Reply(text=store.message("ask_affirmation"), buttons=tuple(buttons))
