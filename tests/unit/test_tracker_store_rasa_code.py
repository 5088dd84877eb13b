"""CachedSQLTrackerStore re-implements parts of Rasa's SQL store: fail when Rasa's code changes.

``stores/tracker_store.py`` writes the rows ``SQLTrackerStore.save`` writes, reproduces the
session rule of ``_event_query`` when it folds in new rows, and replaces ``retrieve``,
``_additional_events``' count and ``stream_events``. The equivalence tests compare against the
installed Rasa; these digests make an upgrade stop and be read, even where those tests pass.
"""

from __future__ import annotations

import hashlib
import inspect
from typing import Any, Callable

import pytest
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore

# sha256 of the Rasa 3.6.21 source (first 16 hex digits) that the store was checked against.
REVIEWED = {
    "SQLTrackerStore.save": "57165e46eab3de08",
    "SQLTrackerStore._retrieve": "c8adbf6f4b61ddd1",
    "SQLTrackerStore._event_query": "cd44f7901b860bfd",
    "SQLTrackerStore._additional_events": "d22f99eb863acb07",
    "SQLTrackerStore.retrieve": "0d99846daced97d3",
    "TrackerStore.stream_events": "efd3615f5340218a",
}
FUNCTIONS = [
    SQLTrackerStore.save, SQLTrackerStore._retrieve, SQLTrackerStore._event_query,
    SQLTrackerStore._additional_events, SQLTrackerStore.retrieve, TrackerStore.stream_events,
]


@pytest.mark.parametrize("function", FUNCTIONS, ids=list(REVIEWED))
def test_rasas_sql_store_is_the_reviewed_version(function: Callable[..., Any]) -> None:
    digest = hashlib.sha256(inspect.getsource(function).encode("utf-8")).hexdigest()[:16]
    assert digest == REVIEWED[function.__qualname__], (
        f"Rasa's {function.__qualname__} changed: review stores/tracker_store.py and "
        "stores/session_cache.py against it, then update REVIEWED"
    )


def test_the_events_table_has_the_columns_the_store_reads() -> None:
    assert {c.name for c in SQLTrackerStore.SQLEvent.__table__.columns} == {
        "id", "sender_id", "type_name", "timestamp", "intent_name", "action_name", "data",
    }
