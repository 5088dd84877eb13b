"""An SQL tracker store that keeps each conversation's current session in process.

Stock ``SQLTrackerStore`` (Rasa 3.6.21) reads the whole current session every turn (a query,
``json.loads`` and an ``Event`` per row, a replay of them all), then counts the session's rows
again to find which events are new. Here each replica remembers the session's stored rows
and the tracker Rasa saved last (``stores/session_cache.py``), and before using them asks
the database one indexed question: the newest event id of the conversation. The same id:
the cache is current. A newer one (another replica answered a turn): only the rows after
the one it holds are read, and folded in by Rasa's own session rule. Writes add only the
new events, in one transaction, in the rows stock Rasa writes, so stock and cached replicas
can share a database.

The database work (and the cache, which only it touches) runs in one thread of the store's
own, in call order, not on Rasa's event loop: a commit waits for the disk (SQLite) or the
server (PostgreSQL), and the loop meanwhile runs other conversations' NLU and policies. Rasa
runs it all on the loop: the same statements in the same order, only the waiting overlaps.

Correct when writes to one conversation are serialised, which the lock store does for
every turn. Rows deleted behind the store's back are noticed only when the whole
conversation goes (``make prune``); a new conversation under the same id starts a session,
which hides the old rows exactly as Rasa's query does.

Select it in endpoints.yml (same keys as ``type: SQL``)::

    tracker_store:
      type: stores.tracker_store.CachedSQLTrackerStore
      dialect: postgresql
      ...

``ISK_TRACKER_CACHE_SIZE`` (default 2000; 0 turns the cache off) bounds the conversations
held, least recently used out first.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Iterable, List, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from stores.session_cache import CachedSession, SessionCache, StoredRow

logger = logging.getLogger(__name__)

DEFAULT_CACHE_SIZE = 2000
# Rasa's table has an index on sender_id alone: max(id) would visit every row of the
# conversation. With (sender_id, id) the newest id is one index lookup.
NEWEST_ID_INDEX = "ix_events_sender_id_id"


def cache_size_from_env() -> int:
    """``ISK_TRACKER_CACHE_SIZE``, or a clear error naming the variable."""
    raw = os.environ.get("ISK_TRACKER_CACHE_SIZE", "").strip() or str(DEFAULT_CACHE_SIZE)
    try:
        size = int(raw)
    except ValueError:
        raise ValueError(f"ISK_TRACKER_CACHE_SIZE must be a whole number, not {raw!r}") from None
    if size < 0:
        raise ValueError(f"ISK_TRACKER_CACHE_SIZE must be 0 or more, not {size}")
    return size


class CachedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` that revalidates a cached session instead of re-reading it."""

    def __init__(self, cache_size: Optional[int] = None, **kwargs: Any) -> None:
        """Connect like ``SQLTrackerStore``; ``cache_size`` overrides ISK_TRACKER_CACHE_SIZE."""
        size = cache_size_from_env() if cache_size is None else int(cache_size)
        super().__init__(**kwargs)
        self._keep_sqlite_connections()
        self.cache = SessionCache(size)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tracker-store")
        self._ensure_newest_id_index()
        table = self.SQLEvent.__table__
        self._newest_id_query = sa.select(sa.func.max(table.c.id)).where(
            table.c.sender_id == sa.bindparam("sender_id")
        )
        self._rows_after_query = (
            sa.select(table.c.id, table.c.timestamp, table.c.type_name, table.c.data)
            .where(table.c.sender_id == sa.bindparam("sender_id"), table.c.id > sa.bindparam("after"))
            .order_by(table.c.id)
        )

    def _keep_sqlite_connections(self) -> None:
        """Reuse SQLite connections instead of opening the file for every session.

        SQLAlchemy 1.4 gives file databases a NullPool: each of a turn's two sessions opens the
        file and reads the schema again. A QueuePool (SQLAlchemy 2.0's choice for files) lends
        each connection to one thread at a time, so sqlite3's same-thread check can be off.
        """
        if self.engine.dialect.name != "sqlite" or not isinstance(self.engine.pool, sa.pool.NullPool):
            return
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(
            url, poolclass=sa.pool.QueuePool, connect_args={"check_same_thread": False}
        )
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def _ensure_newest_id_index(self) -> None:
        """Create the (sender_id, id) index if missing; replicas starting together may race."""
        metadata = sa.MetaData()
        events = sa.Table(
            self.SQLEvent.__tablename__, metadata,
            sa.Column("id", sa.Integer), sa.Column("sender_id", sa.String(255)),
        )
        index = sa.Index(NEWEST_ID_INDEX, events.c.sender_id, events.c.id)
        try:
            index.create(self.engine, checkfirst=True)
        except sa.exc.DBAPIError as error:  # e.g. another replica created it at the same moment
            logger.info("tracker_store.index_not_created index=%s error=%s", NEWEST_ID_INDEX, error)

    # -- reading -------------------------------------------------------------------------

    async def _in_worker(self, function: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._worker, function, *args)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The current session's tracker, as Rasa's SQL store returns it."""
        return await self._in_worker(self._retrieve_session, sender_id, True)

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        """Rasa's event streaming, comparing with the stored session without lending it."""
        if self.event_broker is None:
            return None
        old_tracker = await self._in_worker(self._retrieve_session, tracker.sender_id, False)
        from rasa.shared.core.trackers import TrackerEventDiffEngine

        new_events = TrackerEventDiffEngine.event_difference(old_tracker, tracker)
        await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)

    def _retrieve_session(self, sender_id: Text, lend: bool) -> Optional[DialogueStateTracker]:
        with self.session_scope() as session:
            entry = self._current_entry(session, sender_id)
        if entry is None or not entry.rows:
            return None
        tracker = entry.lend() if lend else None
        if tracker is None:
            tracker = DialogueStateTracker.from_dict(
                sender_id, [json.loads(row.data) for row in entry.rows], self.domain.slots
            )
            if lend:
                entry.mark_lent(tracker)
        # What a fresh tracker has: Rasa's processor sets both again after retrieve.
        tracker.model_id = None
        tracker.assistant_id = None
        return tracker

    def _current_entry(self, session: Any, sender_id: Text) -> Optional[CachedSession]:
        """The conversation's session, brought up to date with the fewest rows read."""
        newest = session.execute(self._newest_id_query, {"sender_id": sender_id}).scalar()
        entry = self.cache.get(sender_id)
        if newest is None:
            self.cache.drop(sender_id)
            return None
        if entry is not None and entry.newest_id == newest:
            return entry
        if entry is not None and entry.newest_id is not None and entry.newest_id < newest:
            result = session.execute(self._rows_after_query, {"sender_id": sender_id, "after": entry.newest_id})
            new_rows = [StoredRow(*row) for row in result]
            ready = entry.tracker
            if entry.extend(new_rows) and ready is not None:
                self._apply_rows(ready, new_rows)
            else:
                entry.tracker = None
            return entry
        return self._load_entry(session, sender_id, newest)

    def _load_entry(self, session: Any, sender_id: Text, newest: int) -> CachedSession:
        """Rasa's own session query, on a miss or when the cache cannot be extended."""
        query = self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
        rows = [StoredRow(e.id, e.timestamp, e.type_name, e.data) for e in query.filter(self.SQLEvent.id <= newest)]
        entry = CachedSession.from_session_rows(rows, newest)
        self.cache.put(sender_id, entry)
        return entry

    @staticmethod
    def _apply_rows(tracker: DialogueStateTracker, rows: Iterable[StoredRow]) -> None:
        """Replay rows another replica stored onto a tracker of the rows before them."""
        from rasa.shared.core.events import deserialise_events

        tracker.model_id = None  # as from_dict replays: event metadata left as stored
        tracker.assistant_id = None
        for event in deserialise_events([json.loads(row.data) for row in rows]):
            tracker.update(event)

    # -- writing -------------------------------------------------------------------------

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events after the stored session's rows, in one transaction."""
        await self.stream_events(tracker)
        await self._in_worker(self._save, tracker)

    def _save(self, tracker: DialogueStateTracker) -> None:
        sender_id = tracker.sender_id
        with self.session_scope() as session:
            entry = self._current_entry(session, sender_id)
            stored = len(entry.rows) if entry is not None else 0
            owned = stored == 0 or (entry is not None and (entry.is_lent(tracker) or entry.tracker is tracker))
            values = [
                self._row_values(sender_id, event)
                for event in itertools.islice(tracker.events, stored, len(tracker.events))
            ]
            new_rows = self._insert(session, values)
            session.commit()
        if entry is None:
            entry = CachedSession()
        clean = entry.extend(new_rows)
        entry.tracker = tracker if owned and clean and len(tracker.events) == len(entry.rows) else None
        self.cache.put(sender_id, entry)
        logger.debug(f"Tracker with sender_id '{sender_id}' stored to database")

    @staticmethod
    def _row_values(sender_id: Text, event: Any) -> Dict[str, Any]:
        """The row stock ``SQLTrackerStore.save`` writes for ``event``."""
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }

    def _insert(self, session: Any, values: List[Dict[str, Any]]) -> List[StoredRow]:
        """Insert the rows in order and return them with their ids.

        PostgreSQL: one multi-row INSERT ... RETURNING (the ids follow the VALUES order), where
        Rasa's ORM sends one INSERT per event. Elsewhere one Core INSERT per row, as Rasa does.
        """
        if not values:
            return []
        table = self.SQLEvent.__table__
        if self.engine.dialect.name == "postgresql":
            result = session.execute(sa.insert(table).values(values).returning(table.c.id, table.c.data))
            returned = sorted(result, key=lambda row: row[0])
            if [row[1] for row in returned] != [v["data"] for v in values]:
                raise RuntimeError("tracker store: PostgreSQL returned the inserted rows out of order")
            ids = [row[0] for row in returned]
        else:
            ids = [session.execute(sa.insert(table).values(**row)).inserted_primary_key[0] for row in values]
        return [StoredRow(i, v["timestamp"], v["type_name"], v["data"]) for i, v in zip(ids, values)]

    def forget(self, sender_id: Optional[Text] = None) -> None:
        """Drop one cached session, or all: e.g. after editing the table by hand."""
        drop = self.cache.clear if sender_id is None else lambda: self.cache.drop(sender_id)
        self._worker.submit(drop).result()
