"""The session cache is bounded, least recently used out first, and folds rows by Rasa's rule."""

from __future__ import annotations

import pytest

from stores.session_cache import CachedSession, SessionCache, StoredRow


def test_least_recently_used_conversation_leaves_first() -> None:
    cache = SessionCache(2)
    for sender in ("a", "b"):
        cache.put(sender, CachedSession())
    assert cache.get("a") is not None  # "b" is now the least recently used
    cache.put("c", CachedSession())
    assert len(cache) == 2 and cache.get("b") is None and cache.get("a") is not None


def test_size_zero_keeps_nothing_and_negative_is_refused() -> None:
    cache = SessionCache(0)
    cache.put("a", CachedSession())
    assert cache.get("a") is None
    with pytest.raises(ValueError, match="0 or more"):
        SessionCache(-1)


def test_a_newer_session_start_drops_older_rows_by_timestamp() -> None:
    entry = CachedSession.from_session_rows([StoredRow(1, 10.0, "user", "{}")], newest_id=1)
    assert entry.extend([StoredRow(2, 20.0, "action", "{}")])  # plain append
    # a session start stamped between the two rows keeps the later one, as Rasa's query does
    assert not entry.extend([StoredRow(3, 15.0, "session_started", "{}"), StoredRow(4, 12.0, "slot", "{}")])
    assert [r.id for r in entry.rows] == [2, 3] and entry.newest_id == 4 and entry.session_start == 15.0
