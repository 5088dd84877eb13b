"""Session policy: a conversation starts a new Rasa session every N user turns.

Each turn's cost in Rasa 3.6 grows with the number of events in the current session: the
whole tracker is serialised to the action server and walked by the policies (stock: 8 ms at
turn 1, 229 ms at turn 600). Sessions in domain.yml expire only after minutes of silence,
which a busy reader never reaches. Capping a session at ``ISK_SESSION_MAX_TURNS`` user
messages keeps the tracker short: the SQL tracker store loads only the latest session, and
``carry_over_slots_to_new_session`` keeps the topic, so follow-ups still resolve.

Rasa decides on a new session in ``MessageProcessor._has_session_expired``; it has no
setting for a turn count, so this module extends that one method.
"""

from __future__ import annotations

import logging
from typing import Dict, List

from rasa.core.actions.action import ActionSessionStart
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

_MARK = "_isk_max_turns"


def user_turns_in_session(tracker: DialogueStateTracker) -> int:
    """User messages since the latest session start (all of them if none)."""
    turns = 0
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted):
            break
        if isinstance(event, UserUttered):
            turns += 1
    return turns


def latest_slot_values(tracker: DialogueStateTracker) -> List[SlotSet]:
    """One SlotSet per slot with its latest value: what a new session carries over.

    Rasa's ``ActionSessionStart`` copies every SlotSet of the ending session, and that session
    began with the copies from the one before: with a session every few turns, the copies
    pile up (400 turns: 11,211 events instead of 3,327) and each turn costs more again.
    """
    latest: Dict[str, SlotSet] = {}
    for event in tracker.applied_events():
        if isinstance(event, SlotSet):
            latest[event.key] = SlotSet(key=event.key, value=event.value, metadata=event.metadata)
    return list(latest.values())


def install_turn_limit(max_turns: int) -> None:
    """From now on a session also expires after ``max_turns`` user messages (0: never)."""
    ActionSessionStart._slot_set_events_from_tracker = staticmethod(latest_slot_values)  # type: ignore[assignment]
    current = getattr(MessageProcessor, _MARK, None)
    if current is not None:
        setattr(MessageProcessor, _MARK, max_turns)
        return
    time_based = MessageProcessor._has_session_expired

    def _has_session_expired(self: MessageProcessor, tracker: DialogueStateTracker) -> bool:
        if time_based(self, tracker):
            return True
        limit = getattr(MessageProcessor, _MARK, 0)
        if not limit or not self.domain.session_config.are_sessions_enabled():
            return False
        if user_turns_in_session(tracker) >= limit:
            logger.debug("session.turn_limit sender=%s limit=%s", tracker.sender_id, limit)
            return True
        return False

    MessageProcessor._has_session_expired = _has_session_expired  # type: ignore[assignment]
    setattr(MessageProcessor, _MARK, max_turns)
