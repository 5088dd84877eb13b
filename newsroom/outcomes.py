"""How each turn ended, read from its events: what the assistant did with a reader's message.

A turn is one user message and the actions and bot messages after it. The markers are the
ones the actions leave (actions/actions.py, actions/answers.py): the action's name, the
attribution payload that every answer from the store carries, the buttons of "Did you mean",
and the store's own message templates; a turn with no bot message at all is a fault, the
one the channels answer with "trouble answering" (channels/turn.py) without writing it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Tuple

from actions.content_store import ContentStore
from newsroom.tracker_events import Conversation

ANSWERED = "answered"
FOLLOW_UP = "follow_up"
DID_YOU_MEAN = "did_you_mean"
NOT_UNDERSTOOD = "not_understood"
OUT_OF_SCOPE = "out_of_scope"
AFTER_DATE = "after_date"
NOT_MENTIONED = "not_mentioned"
REFUSED = "refused"
FAULT = "fault"
RATED = "rated"
META = "meta"

# In the order the report lists them, with the editor's wording.
OUTCOMES: Dict[str, str] = {
    ANSWERED: "answered from the store",
    FOLLOW_UP: "follow-up answered",
    DID_YOU_MEAN: "“Did you mean” offered",
    NOT_UNDERSTOOD: "not understood",
    OUT_OF_SCOPE: "out of scope",
    AFTER_DATE: "after August 2021",
    NOT_MENTIONED: "a name the explainer does not mention",
    REFUSED: "refused",
    FAULT: "fault (trouble answering)",
    RATED: "a rating of an answer (“Helpful” / “Not helpful”)",
    META: "about the bot (greeting, help, source)",
}
# Turns that did not end in an answer and are worth an editor's reading. Refusals are left
# out on purpose: requests for help with violence are not a content gap.
UNANSWERED = (DID_YOU_MEAN, NOT_UNDERSTOOD, OUT_OF_SCOPE, AFTER_DATE, NOT_MENTIONED, FAULT)

SOMETHING_ELSE = "/something_else"
CHOICE_TYPED = "typed a new message"
CHOICE_LEFT = "left the conversation"
_SKIPPED_ACTIONS = {"action_listen", "action_session_start"}
# The rating action keeps a checked rating in this slot (actions/actions.py SLOT_RATING).
RATING_ACTION = "action_rate_answer"
RATING_SLOT = "rating"
# Below this confidence the NLU's best intent is no guess at all (gibberish scores ~0).
MIN_GUESS_CONFIDENCE = 0.1


@dataclass
class Turn:
    """One reader message and how the assistant answered it."""

    sender_id: str
    timestamp: float
    text: str
    intent: Optional[str]
    confidence: float
    guess: Optional[str]  # the NLU's best real intent if it is a guess at all (never nlu_fallback)
    outcome: str = FAULT
    topic: Optional[str] = None
    entity: Optional[str] = None
    unknown_name: Optional[str] = None
    offered: Tuple[Tuple[str, str], ...] = ()  # (title, payload) of every button shown
    clicked: Optional[Tuple[str, str]] = None  # the previous turn's button this message pressed
    choice: Optional[str] = None  # after "Did you mean": the payload chosen, typed or left
    actions: List[str] = field(default_factory=list)
    rating: Optional[Dict[str, str]] = None  # {"rating": "helpful" | "not_helpful", "topic": id}

    @property
    def is_payload(self) -> bool:
        """A button press (or a typed "/intent"), not words a reader wrote."""
        return self.text.startswith("/")


class Classifier:
    """Classifies turns with the marker texts of one content store."""

    def __init__(self, store: ContentStore) -> None:
        self._not_covered = _template_pattern(store.message("entity_not_covered", name="\0", scope="\1"))
        self._no_topic_yet = store.message("no_topic_yet")

    def turns(self, conversation: Conversation) -> List[Turn]:
        """The conversation's turns, classified, with button clicks and choices linked."""
        turns: List[Turn] = []
        bots: List[Dict[str, Any]] = []
        last_action: Optional[str] = None
        for event in conversation.events:
            kind = event.get("event")
            if kind == "action":
                last_action = event.get("name")
            if turns and kind == "slot" and event.get("name") == RATING_SLOT and last_action == RATING_ACTION:
                # Only the action's own event: a new session's carried-over copy follows
                # action_session_start, so it is never counted twice.
                turns[-1].rating = _rating(event.get("value"))
            if kind == "user":
                if turns:
                    self._finish(turns[-1], bots)
                turns.append(_new_turn(conversation.sender_id, event))
                bots = []
            elif turns and kind == "action" and event.get("name") not in _SKIPPED_ACTIONS:
                turns[-1].actions.append(str(event.get("name")))
            elif turns and kind == "bot":
                bots.append(event)
        if turns:
            self._finish(turns[-1], bots)
        _link(turns)
        return turns

    def _finish(self, turn: Turn, bots: List[Dict[str, Any]]) -> None:
        texts = [str(b.get("text")) for b in bots if b.get("text")]
        customs = [(b.get("data") or {}).get("custom") for b in bots]
        attribution = next((c for c in customs if isinstance(c, dict) and c.get("type") == "attribution"), None)
        turn.offered = tuple(
            (str(button.get("title")), str(button.get("payload")))
            for b in bots for button in ((b.get("data") or {}).get("buttons") or []) if isinstance(button, dict)
        )
        if attribution is not None:
            turn.topic = attribution.get("topic")
            turn.entity = attribution.get("entity")
        turn.outcome = self._outcome(turn, texts, attribution is not None)

    def _outcome(self, turn: Turn, texts: List[str], attributed: bool) -> str:
        actions = set(turn.actions)
        if not texts and not turn.offered:
            return FAULT
        if "utter_refuse" in actions:
            return REFUSED
        if RATING_ACTION in actions:
            return RATED
        if "action_tell_more" in actions:
            return NOT_UNDERSTOOD if any(t == self._no_topic_yet for t in texts) else FOLLOW_UP
        if "action_answer" in actions:
            if attributed:
                return ANSWERED
            for text in texts:
                found = self._not_covered.match(text)
                if found:
                    turn.unknown_name = found.group(1)
                    return NOT_MENTIONED
            return NOT_UNDERSTOOD
        if "action_ask_affirmation" in actions:
            return DID_YOU_MEAN if any(p == SOMETHING_ELSE for _, p in turn.offered) else NOT_UNDERSTOOD
        if "action_out_of_scope" in actions:
            return OUT_OF_SCOPE
        if "action_after_date" in actions:
            return AFTER_DATE
        if "action_fallback" in actions:
            return NOT_UNDERSTOOD
        return META


def classify(store: ContentStore, conversations: Iterable[Conversation]) -> List[Turn]:
    """Every turn of every conversation, classified, in conversation order."""
    classifier = Classifier(store)
    return [turn for conversation in conversations for turn in classifier.turns(conversation)]


def _new_turn(sender_id: str, event: Dict[str, Any]) -> Turn:
    parse = event.get("parse_data") or {}
    intent = parse.get("intent") or {}
    ranking = parse.get("intent_ranking") or []
    guess = next((c.get("name") for c in ranking if isinstance(c, dict) and c.get("name") != "nlu_fallback"
                  and float(c.get("confidence") or 0.0) >= MIN_GUESS_CONFIDENCE), None)
    return Turn(
        sender_id=sender_id,
        timestamp=float(event.get("timestamp") or 0.0),
        text=str(event.get("text") or ""),
        intent=intent.get("name"),
        confidence=float(intent.get("confidence") or 0.0),
        guess=guess,
    )


def _rating(value: Any) -> Optional[Dict[str, str]]:
    """A stored rating slot value, if it has the shape the action writes."""
    if isinstance(value, dict) and isinstance(value.get("rating"), str) and isinstance(value.get("topic"), str):
        return {"rating": value["rating"], "topic": value["topic"]}
    return None


def _link(turns: List[Turn]) -> None:
    """Mark which offered button each message pressed, and what followed each "Did you mean"."""
    for before, after in zip(turns, turns[1:]):
        pressed = next((b for b in before.offered if b[1] == after.text), None)
        after.clicked = pressed
        if before.outcome == DID_YOU_MEAN:
            before.choice = pressed[1] if pressed else CHOICE_TYPED
    if turns and turns[-1].outcome == DID_YOU_MEAN:
        turns[-1].choice = CHOICE_LEFT


def _template_pattern(filled: str) -> "re.Pattern[str]":
    """A regex for a store message whose ``{name}`` was filled with \\0 and ``{scope}`` with \\1."""
    name, _, rest = filled.partition("\0")
    middle, _, tail = rest.partition("\1")
    return re.compile(f"^{re.escape(name)}(.+?){re.escape(middle)}.*{re.escape(tail)}$", re.DOTALL)
