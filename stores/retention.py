"""Retention: delete conversations whose newest event is older than a number of days.

Readers type things into a chat about a terrorist group that they would not want kept: their
fears, where they or their family live, what they searched for. Rasa's SQL tracker store keeps
every conversation forever. What is not kept cannot leak, be subpoenaed or be misused, and the
project needs no old conversations: the bot answers from the content store. So conversations
idle for ``ISK_RETENTION_DAYS`` (30) are deleted whole, every event of them.

A conversation is judged by its newest event: one still going on keeps its old turns (the
bot's follow-ups read them). The tracker store is the one ``endpoints.yml`` names, found with
the same ``TRACKER_*`` variables Rasa reads, through Rasa's own URL builder.
"""

from __future__ import annotations

import importlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Union

import sqlalchemy as sa
import yaml
from rasa.core.tracker_store import SQLTrackerStore
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.engine import URL, Engine

DEFAULT_RETENTION_DAYS = 30.0
EVENTS = SQLTrackerStore.SQLEvent.__table__


@dataclass(frozen=True)
class PruneResult:
    """What a prune removed (or, on a dry run, would remove)."""

    conversations: int
    events: int


def retention_days_from_env() -> float:
    """``ISK_RETENTION_DAYS`` (default 30), a positive number of days, or a clear ValueError."""
    raw = os.environ.get("ISK_RETENTION_DAYS", str(DEFAULT_RETENTION_DAYS)).strip()
    return check_days(raw)


def check_days(raw: Union[str, float]) -> float:
    """A positive, finite number of days; 0 would delete every conversation, so it is refused."""
    try:
        days = float(raw)
    except ValueError:
        days = float("nan")
    if not 0 < days < float("inf"):
        raise ValueError(f"the retention must be a positive number of days (ISK_RETENTION_DAYS), got {raw!r}")
    return days


def _is_sql_store(store_type: str) -> bool:
    """``SQL``, or a custom store (``module.Class``) built on Rasa's SQLTrackerStore."""
    if store_type.lower() == "sql":
        return True
    module_name, _, class_name = store_type.rpartition(".")
    if not module_name:
        return False
    try:
        store_class = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError):
        return False
    return isinstance(store_class, type) and issubclass(store_class, SQLTrackerStore)


def _expand(value: Any) -> Any:
    """``${VAR}`` replaced from the environment, as Rasa reads endpoints.yml; unset is an error."""
    if isinstance(value, dict):
        return {key: _expand(item) for key, item in value.items()}
    if not isinstance(value, str):
        return value
    missing = [name for name in re.findall(r"\$\{(\w+)\}", value) if name not in os.environ]
    if missing:
        raise ValueError(f"endpoints.yml's tracker_store needs {', '.join(missing)} in the environment")
    return re.sub(r"\$\{(\w+)\}", lambda match: os.environ[match.group(1)], value)


def read_tracker_store_config(endpoints: Path) -> EndpointConfig:
    """``endpoints``' tracker_store section, with only that section's variables required."""
    try:
        content = yaml.safe_load(endpoints.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ValueError(f"cannot read {endpoints}: {error}") from error
    section = content.get("tracker_store") if isinstance(content, dict) else None
    if not isinstance(section, dict):
        raise ValueError(f"{endpoints} names no tracker_store")
    return EndpointConfig.from_dict(_expand(section))


def tracker_store_url(endpoints: Path) -> Union[str, URL]:
    """The database URL of ``endpoints``' tracker store, built as Rasa builds it."""
    config = read_tracker_store_config(endpoints)
    store_type = str(config.type or "")
    if not _is_sql_store(store_type):
        raise ValueError(f"{endpoints}: tracker_store type {store_type!r} is not an SQL store; nothing to prune here")
    kwargs = config.kwargs
    return SQLTrackerStore.get_db_url(
        dialect=kwargs.get("dialect") or "sqlite",
        host=config.url or None,
        port=kwargs.get("port") or None,
        db=kwargs.get("db") or "rasa.db",
        username=kwargs.get("username") or None,
        password=kwargs.get("password") or None,
        query=kwargs.get("query"),
    )


def missing_sqlite_file(url: Union[str, URL]) -> Optional[str]:
    """The path of an SQLite database that does not exist (connecting would create it)."""
    parsed = sa.engine.make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return None if Path(parsed.database).exists() else parsed.database


def prune_conversations(engine: Engine, older_than_days: float, now: Optional[float] = None, dry_run: bool = False) -> PruneResult:
    """Delete (or count) every event of each conversation whose newest event is older than the cut-off."""
    cutoff = (time.time() if now is None else now) - check_days(older_than_days) * 86400
    stale = (
        sa.select(EVENTS.c.sender_id)
        .group_by(EVENTS.c.sender_id)
        .having(sa.func.max(EVENTS.c.timestamp) < cutoff)
    )
    if engine.dialect.name == "postgresql":  # the count and the delete see one snapshot
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    with engine.begin() as connection:
        if not sa.inspect(connection).has_table(EVENTS.name):
            return PruneResult(0, 0)
        conversations = connection.execute(sa.select(sa.func.count()).select_from(stale.subquery())).scalar_one()
        doomed = EVENTS.c.sender_id.in_(stale)
        if dry_run:
            events = connection.execute(sa.select(sa.func.count()).select_from(EVENTS).where(doomed)).scalar_one()
        else:
            events = connection.execute(sa.delete(EVENTS).where(doomed)).rowcount
    return PruneResult(int(conversations), int(events))
