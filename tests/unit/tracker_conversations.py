"""Random conversations played the way Rasa's processor plays them, on any tracker store.

Each turn fetches the tracker (``get_or_create_tracker``, as ``MessageProcessor.get_tracker``
does), starts a session when the tracker is empty or the turn says so (the events
``ActionSessionStart`` logs), appends a user message, an action, slots and a reply, then
saves. A turn may also fail before it saves, or change the tracker after saving: neither
may leak into what the store returns next. Timestamps are drawn, clock skew between
replicas included, because Rasa's session query filters by timestamp.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

from hypothesis import strategies as st
from rasa.shared.core.events import (
    ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

TOPICS = ["base", "size", "attacks", None]
INTENTS = ["ask_base", "ask_size", "ask_attacks", "tell_more"]


@dataclass(frozen=True)
class Turn:
    """One user turn: which replica answers it and what happens in it."""

    replica: int
    new_session: bool
    session_skew: float  # SessionStarted's timestamp against the turn's clock
    intent: str
    topic: Any
    slots: int  # how many SlotSet events the action returns
    fails: bool  # the turn stops before the tracker is saved
    touched_after_save: bool  # an event appended after saving, never saved


turns = st.builds(
    Turn,
    replica=st.integers(0, 1),
    new_session=st.booleans(),
    session_skew=st.sampled_from([0.0, 0.0005, -0.5, -30.0, 2.0]),
    intent=st.sampled_from(INTENTS),
    topic=st.sampled_from(TOPICS),
    slots=st.integers(0, 3),
    fails=st.sampled_from([False, False, False, True]),
    touched_after_save=st.sampled_from([False, False, False, True]),
)
conversations = st.lists(turns, min_size=1, max_size=14)


def turn_events(turn: Turn, number: int, start_session: bool, carried: Sequence[SlotSet]) -> List[Dict[str, Any]]:
    """The events of one turn as dicts, so that every store gets its own copies."""
    clock = 1_700_000_000.0 + number * 10.0
    events: List[Event] = []
    if start_session:
        events.append(ActionExecuted("action_session_start", timestamp=clock))
        events.append(SessionStarted(timestamp=clock + turn.session_skew))
        events.extend(SlotSet(s.key, s.value, timestamp=clock + 0.001) for s in carried)
        events.append(ActionExecuted("action_listen", timestamp=clock + 0.002))
    parse = {"intent": {"name": turn.intent, "confidence": 0.9}, "entities": [], "text": f"q{number}"}
    events.append(UserUttered(f"q{number}", parse["intent"], [], parse, timestamp=clock + 1))
    events.append(ActionExecuted(f"action_answer_{turn.intent}", timestamp=clock + 1.1))
    events.extend(SlotSet("topic", turn.topic, timestamp=clock + 1.2 + i / 100) for i in range(turn.slots))
    events.append(SlotSet("detail_index", float(number), timestamp=clock + 1.3))
    events.append(BotUttered(f"answer {number}", {"buttons": []}, timestamp=clock + 1.4))
    events.append(ActionExecuted("action_listen", timestamp=clock + 1.5))
    return [event.as_dict() for event in events]


def apply(tracker: DialogueStateTracker, event_dicts: List[Dict[str, Any]]) -> None:
    for data in event_dicts:
        tracker.update(Event.from_parameters(dict(data)))


def state(tracker: Optional[DialogueStateTracker]) -> Optional[Dict[str, Any]]:
    """Everything Rasa reads from a tracker: events, slots, latest message and action, ..."""
    if tracker is None:
        return None
    return {
        "current": tracker.current_state(EventVerbosity.ALL),
        "events": [event.as_dict() for event in tracker.events],
        "model_id": tracker.model_id,
        "assistant_id": tracker.assistant_id,
    }
