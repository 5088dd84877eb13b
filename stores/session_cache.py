"""What one replica remembers of each conversation's current session (for tracker_store.py).

Rasa's ``SQLTrackerStore.retrieve`` returns the rows of a conversation whose ``timestamp`` is
at least the newest ``SessionStarted`` timestamp (all rows if there is none), in id order.
:class:`CachedSession` keeps exactly those rows, as stored, plus the newest id of the whole
conversation, so that rows another replica added can be folded in by the same rule without
re-reading the session. It may also hold a tracker ready to hand out: the one Rasa saved
last, when it holds exactly the stored rows.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Iterable, List, NamedTuple, Optional

from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker


class StoredRow(NamedTuple):
    """One row of Rasa's ``events`` table, as written."""

    id: int
    timestamp: Optional[float]
    type_name: str
    data: str


def in_session(timestamp: Optional[float], session_start: Optional[float]) -> bool:
    """Rasa's SQL filter ``timestamp >= session_start OR session_start IS NULL``."""
    if session_start is None:
        return True
    return timestamp is not None and timestamp >= session_start


@dataclass
class CachedSession:
    """The stored rows of a conversation's current session and its newest event id."""

    rows: List[StoredRow] = field(default_factory=list)
    newest_id: Optional[int] = None  # of any row of the conversation, in the session or not
    session_start: Optional[float] = None  # newest SessionStarted timestamp
    tracker: Optional[DialogueStateTracker] = None  # equal to the rows, ready to hand out
    _lent: Optional["weakref.ref[DialogueStateTracker]"] = None

    @classmethod
    def from_session_rows(cls, rows: Iterable[StoredRow], newest_id: Optional[int]) -> "CachedSession":
        """Rows that Rasa's own session query returned."""
        rows = list(rows)
        starts = [r.timestamp for r in rows if r.type_name == SessionStarted.type_name and r.timestamp is not None]
        return cls(rows=rows, newest_id=newest_id, session_start=max(starts) if starts else None)

    def extend(self, new_rows: Iterable[StoredRow]) -> bool:
        """Fold in rows stored after ``newest_id`` (in id order), as Rasa's query would.

        Returns True when the session is now exactly the old rows followed by all new ones:
        a tracker of the old rows plus the new events is then still the session's tracker.
        """
        new_rows = list(new_rows)
        if not new_rows:
            return True
        self.newest_id = new_rows[-1].id
        start = self.session_start
        for row in new_rows:
            if row.type_name == SessionStarted.type_name and row.timestamp is not None:
                start = row.timestamp if start is None else max(start, row.timestamp)
        combined = self.rows + new_rows
        if start != self.session_start:
            self.session_start = start
            kept = [r for r in combined if in_session(r.timestamp, start)]
        else:
            kept = self.rows + [r for r in new_rows if in_session(r.timestamp, start)]
        self.rows = kept
        return len(kept) == len(combined)

    def lend(self) -> Optional[DialogueStateTracker]:
        """The ready tracker, handed out once: Rasa changes it in place during the turn.

        A tracker changed after it was saved (events appended but not stored) is not handed out.
        """
        tracker, self.tracker = self.tracker, None
        if tracker is None or len(tracker.events) != len(self.rows):
            return None
        self.mark_lent(tracker)
        return tracker

    def mark_lent(self, tracker: DialogueStateTracker) -> None:
        """Remember the tracker handed out last: its events start with the stored rows."""
        self._lent = weakref.ref(tracker)

    def is_lent(self, tracker: DialogueStateTracker) -> bool:
        return self._lent is not None and self._lent() is tracker


class SessionCache:
    """Least recently used conversations first out, at most ``size`` of them (0: none)."""

    def __init__(self, size: int) -> None:
        if size < 0:
            raise ValueError(f"tracker cache size must be 0 or more, not {size}")
        self.size = size
        self._entries: "OrderedDict[str, CachedSession]" = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, sender_id: str) -> Optional[CachedSession]:
        entry = self._entries.get(sender_id)
        if entry is not None:
            self._entries.move_to_end(sender_id)
        return entry

    def put(self, sender_id: str, entry: CachedSession) -> None:
        if not self.size:
            return
        self._entries[sender_id] = entry
        self._entries.move_to_end(sender_id)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def drop(self, sender_id: str) -> None:
        self._entries.pop(sender_id, None)

    def clear(self) -> None:
        self._entries.clear()
