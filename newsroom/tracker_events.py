"""Read conversations from the tracker store that `make run` / `make cluster` wrote.

The store is Rasa's SQL tracker store, configured by the same TRACKER_* variables as
endpoints.yml (SQLite file by default, PostgreSQL by environment). Events are read
read-only through SQLAlchemy from Rasa's ``events`` table, without importing Rasa (which
would load TensorFlow for a report); tests/unit/test_newsroom_tracker.py fails if Rasa's
table or URL rules change under this module.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional
from urllib.parse import urlsplit

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE = ROOT / "models" / "tracker.db"

# Rasa 3.6's SQLTrackerStore.SQLEvent: table and the columns read here.
EVENTS_TABLE = "events"
EVENT_COLUMNS = ("id", "sender_id", "type_name", "timestamp", "data")


class TrackerStoreError(RuntimeError):
    """The tracker store cannot be opened or read; the message says which and why."""


@dataclass(frozen=True)
class StoreSettings:
    """Where the conversations are: the TRACKER_* variables of endpoints.yml."""

    dialect: str = "sqlite"
    host: str = ""
    db: str = str(DEFAULT_SQLITE)
    username: str = ""
    password: str = ""

    @classmethod
    def from_environment(cls, env: Optional[Mapping[str, str]] = None) -> "StoreSettings":
        env = os.environ if env is None else env
        return cls(
            dialect=env.get("TRACKER_DIALECT") or "sqlite",
            host=env.get("TRACKER_HOST") or "",
            db=env.get("TRACKER_DB") or str(DEFAULT_SQLITE),
            username=env.get("TRACKER_USER") or "",
            password=env.get("TRACKER_PASSWORD") or "",
        )

    def url(self) -> "sa.engine.URL | str":
        """The SQLAlchemy URL, built by the same rules as Rasa's ``SQLTrackerStore.get_db_url``."""
        if self.host and "://" in self.host:
            return self.host
        host: Optional[str] = None
        port: Optional[int] = None
        if self.host:
            parsed = urlsplit(f"scheme://{self.host}")
            host, port = parsed.hostname or self.host, parsed.port
        return sa.engine.URL.create(
            self.dialect, self.username or None, self.password or None, host, port, database=self.db
        )

    def describe(self) -> str:
        """The store's URL without its password, for the report's header."""
        url = self.url()
        if isinstance(url, str):
            return sa.engine.make_url(url).render_as_string(hide_password=True)
        return url.render_as_string(hide_password=True)


@dataclass(frozen=True)
class Conversation:
    """One sender's events, in the order the store wrote them."""

    sender_id: str
    events: List[Dict[str, Any]]


def read_conversations(settings: StoreSettings, since: Optional[float] = None) -> List[Conversation]:
    """Every conversation with events at or after ``since`` (a Unix time), oldest event first.

    A missing SQLite file means no conversations yet (the assistant has not run), not an error.
    """
    if settings.dialect == "sqlite" and not settings.host and not Path(settings.db).exists():
        return []
    try:
        engine = sa.create_engine(settings.url())
    except Exception as error:  # noqa: BLE001 - bad dialect, missing driver: one clear error
        raise TrackerStoreError(f"cannot open the tracker store {settings.describe()}: {error}") from None
    try:
        return list(_conversations(engine, since))
    except sa.exc.SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise TrackerStoreError(f"cannot read the tracker store {settings.describe()}: {reason}") from None
    finally:
        engine.dispose()


def _conversations(engine: sa.engine.Engine, since: Optional[float]) -> Iterator[Conversation]:
    if not sa.inspect(engine).has_table(EVENTS_TABLE):
        return
    table = sa.Table(EVENTS_TABLE, sa.MetaData(), autoload_with=engine)
    query = sa.select(*(table.c[name] for name in EVENT_COLUMNS)).order_by(table.c.sender_id, table.c.id)
    if since is not None:
        query = query.where(table.c.timestamp >= since)
    current: Optional[str] = None
    events: List[Dict[str, Any]] = []
    with engine.connect() as connection:
        for row in connection.execute(query):
            if row.sender_id != current:
                if current is not None:
                    yield Conversation(current, events)
                current, events = row.sender_id, []
            event = _parse(row.data)
            if event is not None:
                event.setdefault("event", row.type_name)
                event.setdefault("timestamp", row.timestamp)
                events.append(event)
    if current is not None:
        yield Conversation(current, events)


def _parse(data: Optional[str]) -> Optional[Dict[str, Any]]:
    """An event's JSON, or None for a row that is not a JSON object (skipped, not fatal)."""
    try:
        event = json.loads(data or "")
    except ValueError:
        return None
    return event if isinstance(event, dict) else None
