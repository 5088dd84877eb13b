"""CachedSQLTrackerStore returns what Rasa's SQLTrackerStore returns, and stores the same rows.

Random conversations (hypothesis) are played on the stock store and, turn for turn, on two
cached stores sharing one database (two replicas, each turn answered by either), on SQLite
and on PostgreSQL (a scratch database of this session). Before every turn the tracker each
side hands out must be the same in every detail; afterwards the stored rows must be equal.
"""

from __future__ import annotations

import asyncio
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Callable, Iterator, List, Sequence

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted

from channels.session import latest_slot_values
from stores.tracker_store import NEWEST_ID_INDEX, CachedSQLTrackerStore, cache_size_from_env
from tests.cluster import tracker_db
from tests.cluster.conftest import POSTGRES_ADMIN_URL
from tests.unit.tracker_conversations import Turn, apply, conversations, state, turn_events

ROOT = Path(__file__).resolve().parents[2]
StoreFactory = Callable[[type], SQLTrackerStore]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def databases(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[List[str]]:
    """Two empty databases: one for the stock store, one shared by the cached replicas."""
    if request.param == "sqlite":
        folder = tmp_path_factory.mktemp("trackers")
        yield [f"sqlite:///{folder / 'stock.db'}", f"sqlite:///{folder / 'cached.db'}"]
        return
    with ExitStack() as stack:
        yield [stack.enter_context(tracker_db.scratch_database(POSTGRES_ADMIN_URL)) for _ in range(2)]


@pytest.fixture(scope="module")
def stores(databases: List[str], domain: Domain) -> Iterator[List[SQLTrackerStore]]:
    """The stock store, then two cached replicas of one database."""
    made = [
        SQLTrackerStore(domain=domain, host=databases[0]),
        CachedSQLTrackerStore(domain=domain, host=databases[1], cache_size=100),
        CachedSQLTrackerStore(domain=domain, host=databases[1], cache_size=100),
    ]
    yield made
    for store in made:
        store.engine.dispose()


async def play(
    conversation: Sequence[Turn], stock: SQLTrackerStore, replicas: Sequence[SQLTrackerStore], check_end: bool = True
) -> str:
    """Play ``conversation`` on both sides, checking before every turn; return its id."""
    sender = f"c-{uuid.uuid4().hex}"
    for number, turn in enumerate(conversation):
        expected = await stock.get_or_create_tracker(sender, append_action_listen=False)
        got = await replicas[turn.replica].get_or_create_tracker(sender, append_action_listen=False)
        assert state(got) == state(expected), f"before turn {number} of {conversation}"
        start = not expected.applied_events() or turn.new_session
        events = turn_events(turn, number, start, latest_slot_values(expected) if start else [])
        for tracker in (expected, got):
            tracker.model_id = "model-1"  # what MessageProcessor.get_tracker sets
            apply(tracker, events)
        if turn.fails:
            continue
        await stock.save(expected)
        await replicas[turn.replica].save(got)
        if turn.touched_after_save:
            for tracker in (expected, got):
                tracker.update(ActionExecuted("action_listen"))
    for replica in replicas if check_end else []:
        assert state(await replica.retrieve(sender)) == state(await stock.retrieve(sender))
    return sender


def stored_rows(store: SQLTrackerStore, sender: str) -> List[tuple]:
    with store.engine.connect() as connection:
        return list(connection.execute(
            sa.text("SELECT type_name, timestamp, intent_name, action_name, data FROM events "
                    "WHERE sender_id = :s ORDER BY id"), {"s": sender},
        ))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(conversation=conversations)
def test_random_conversations_match_the_stock_store(stores: List[SQLTrackerStore], conversation: List[Turn]) -> None:
    stock, *replicas = stores
    sender = asyncio.run(play(conversation, stock, replicas))
    assert stored_rows(replicas[0], sender) == stored_rows(stock, sender)


def _count_statements(store: SQLTrackerStore) -> List[str]:
    seen: List[str] = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda c, cur, statement, *a: seen.append(statement))
    return seen


def test_a_current_cache_costs_one_query_and_hands_back_the_saved_tracker(stores: List[SQLTrackerStore]) -> None:
    stock, replica, other = stores
    turns = [Turn(0, False, 0.0, "ask_base", "base", 1, False, False)] * 3
    sender = asyncio.run(play(turns, stock, [replica, replica]))

    async def one_turn() -> None:
        tracker = await replica.retrieve(sender)
        await replica.save(tracker)
        statements = _count_statements(replica)
        held = await replica.retrieve(sender)
        assert held is tracker, "the tracker saved last was not handed back"
        assert len(statements) == 1 and "max(events.id)" in statements[0].lower(), statements
        again = await replica.retrieve(sender)  # lent once: a second caller gets its own copy
        assert again is not held and state(again) == state(held)
        held.update(ActionExecuted("action_listen"))  # changed after saving, never stored
        await replica.save(again)
        assert state(await replica.retrieve(sender)) == state(await stock.retrieve(sender))

    asyncio.run(one_turn())


def test_a_replica_reads_only_the_rows_after_the_ones_it_holds(stores: List[SQLTrackerStore]) -> None:
    stock, first, second = stores
    turn = Turn(0, False, 0.0, "ask_size", "size", 1, False, False)
    other = Turn(1, False, 0.0, "ask_base", "base", 0, False, False)
    sender = asyncio.run(play([turn, other, turn, turn], stock, [first, second], check_end=False))
    statements = _count_statements(second)
    tracker = asyncio.run(second.retrieve(sender))
    assert len(statements) == 2, statements
    assert "events.id >" in statements[1] and "session_started" not in statements[1].lower()
    assert state(tracker) == state(asyncio.run(stock.retrieve(sender)))


def test_the_newest_id_query_uses_the_index_on_postgresql(domain: Domain) -> None:
    """On PostgreSQL only (SQLite plans differ and are not the production profile)."""
    with tracker_db.scratch_database(POSTGRES_ADMIN_URL) as url:
        store = CachedSQLTrackerStore(domain=domain, host=url, cache_size=10)
        try:
            plan = _newest_id_plan(store)
        finally:
            store.engine.dispose()
    assert NEWEST_ID_INDEX in plan and "Seq Scan" not in plan, plan


def _newest_id_plan(store: SQLTrackerStore) -> str:
    with store.engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO events (sender_id, type_name, timestamp, data) "
            "SELECT 'plan-' || (n % 200), 'action', n, '{}' FROM generate_series(1, 20000) AS n"
        ))
        connection.execute(sa.text("ANALYZE events"))
        return "\n".join(row[0] for row in connection.execute(
            sa.text("EXPLAIN SELECT max(id) FROM events WHERE sender_id = 'plan-7'")
        ))


def test_cache_size_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISK_TRACKER_CACHE_SIZE", "12")
    assert cache_size_from_env() == 12
    monkeypatch.setenv("ISK_TRACKER_CACHE_SIZE", "lots")
    with pytest.raises(ValueError, match="ISK_TRACKER_CACHE_SIZE"):
        cache_size_from_env()
    monkeypatch.delenv("ISK_TRACKER_CACHE_SIZE")
    assert cache_size_from_env() > 0


def test_statements_run_in_the_store_thread_not_on_the_event_loop(stores: List[SQLTrackerStore]) -> None:
    import threading

    replica = stores[1]
    threads: List[str] = []
    sa.event.listen(replica.engine, "before_cursor_execute", lambda *a: threads.append(threading.current_thread().name))
    asyncio.run(play([Turn(0, False, 0.0, "ask_size", "size", 1, False, False)] * 2, stores[0], [replica, replica]))
    assert threads and all(name.startswith("tracker-store") for name in threads), set(threads)


def test_a_save_sends_the_newest_id_query_and_the_inserts(stores: List[SQLTrackerStore]) -> None:
    stock, replica, _ = stores
    sender = asyncio.run(play([Turn(0, False, 0.0, "ask_base", "base", 2, False, False)], stock, [replica, replica]))

    async def one_save() -> int:
        tracker = await replica.retrieve(sender)
        before = len(tracker.events)
        apply(tracker, turn_events(Turn(0, False, 0.0, "ask_size", "size", 0, False, False), 1, False, []))
        statements.clear()
        await replica.save(tracker)
        return len(tracker.events) - before

    statements = _count_statements(replica)
    added = asyncio.run(one_save())
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    assert "max(events.id)" in statements[0].lower() and len(statements) == 1 + len(inserts)
    # PostgreSQL: one multi-row INSERT ... RETURNING; SQLite: one per event, as Rasa sends
    assert len(inserts) == (1 if replica.engine.dialect.name == "postgresql" else added), statements
