"""The shared lock store against real Redis: atomic tickets, mutual exclusion, short waits.

Two processes stand for two Rasa replicas: each has its own store and Redis connection.
"""

from __future__ import annotations

import asyncio
import collections
import statistics
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from typing import Iterator, List

import pytest
import redis
from redis.connection import parse_url
from rasa.core.lock_store import InMemoryLockStore, LockError, LockStore, RedisLockStore
from rasa.core.utils import AvailableEndpoints
from rasa.shared.exceptions import ConnectionException
from rasa.utils.endpoints import EndpointConfig

from stores.lock_store import LINGER_SECONDS, AtomicRedisLockStore
from stores.memory_lock_store import ShortWaitInMemoryLockStore
from tests.cluster.conftest import LOCK_STORE, REDIS_URL, profile_env
from tests.support.metrics import record
from tests.support.servers import ROOT, free_port

REDIS_DB = int(parse_url(REDIS_URL).get("db", 0))


def make_store(kind: str) -> LockStore:
    """A fresh store of ``kind`` ('stock' or 'atomic'): what one replica would hold."""
    if kind == "stock":
        return RedisLockStore(**{k: v for k, v in parse_url(REDIS_URL).items() if k in ("host", "port", "db", "password")})
    return AtomicRedisLockStore(host=REDIS_URL)


def issue_many(kind: str, conversation_id: str, count: int) -> List[int]:
    """Issue ``count`` tickets as fast as one replica can (runs in a worker process)."""
    store = make_store(kind)
    return [store.issue_ticket(conversation_id, 60) for _ in range(count)]


def locked_increments(conversation_id: str, tasks: int, rounds: int) -> int:
    """Increment a counter with a racy GET/SET under the lock; return the most holders seen."""
    store = AtomicRedisLockStore(host=REDIS_URL)
    client = redis.StrictRedis.from_url(REDIS_URL)
    most = 0

    async def one_task() -> None:
        nonlocal most
        for _ in range(rounds):
            async with store.lock(conversation_id, lock_lifetime=10):
                most = max(most, client.incr(f"{conversation_id}:inside"))
                value = int(client.get(f"{conversation_id}:counter") or 0)
                await asyncio.sleep(0.001)  # the work a turn does, letting others run
                client.set(f"{conversation_id}:counter", value + 1)
                client.decr(f"{conversation_id}:inside")

    async def all_tasks() -> None:
        await asyncio.gather(*(one_task() for _ in range(tasks)))

    asyncio.run(all_tasks())
    return most


def live_tickets(store: LockStore, conversation_id: str) -> List[int]:
    """Numbers of the conversation's unexpired tickets, as Rasa's TicketLock sees them."""
    lock = store.get_lock(conversation_id)
    if lock is None:
        return []
    lock.remove_expired_tickets()
    return [t.number for t in lock.tickets]


@pytest.fixture
def conversation(sender_prefix: str) -> Iterator[str]:
    """A conversation id of its own; its keys are removed afterwards."""
    conversation_id = f"{sender_prefix}-lock-{uuid.uuid4().hex[:8]}"
    yield conversation_id
    client = redis.StrictRedis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"*{conversation_id}*"):
        client.delete(key)


@pytest.fixture
def store(services: None) -> AtomicRedisLockStore:
    return AtomicRedisLockStore(host=REDIS_URL)


def issue_from_two_processes(kind: str, conversation_id: str, each: int) -> List[int]:
    with ProcessPoolExecutor(2) as pool:
        results = list(pool.map(issue_many, [kind, kind], [conversation_id] * 2, [each, each]))
    return results[0] + results[1]


def test_stock_store_gives_two_replicas_the_same_ticket(services: None, conversation: str) -> None:
    """Rasa 3.6.21's RedisLockStore races (issue #9213). If this fails, Rasa fixed it upstream."""
    tickets = issue_from_two_processes("stock", conversation, 200)
    duplicates = sum(n - 1 for n in collections.Counter(tickets).values() if n > 1)
    kept = len(make_store("stock").get_lock(conversation).tickets)
    record("stock RedisLockStore, 2x200 concurrent ticket issues", f"{duplicates} duplicate tickets, {kept} of 400 kept")
    assert duplicates > 0 and kept < 400


def test_atomic_store_gives_every_ticket_once(services: None, conversation: str) -> None:
    tickets = issue_from_two_processes("atomic", conversation, 300)
    assert sorted(tickets) == list(range(600))
    stored = make_store("stock").get_lock(conversation)
    assert [t.number for t in stored.tickets] == list(range(600))


def test_lock_lets_one_holder_in_at_a_time_across_processes(services: None, conversation: str) -> None:
    with ProcessPoolExecutor(2) as pool:
        most = list(pool.map(locked_increments, [conversation] * 2, [4, 4], [10, 10]))
    client = redis.StrictRedis.from_url(REDIS_URL)
    assert int(client.get(f"{conversation}:counter")) == 2 * 4 * 10
    assert max(most) == 1
    assert make_store("stock").get_lock(conversation).tickets == collections.deque()  # all released


async def five_quick_messages(stores: List[LockStore], conversation_id: str, work_s: float = 0.2) -> float:
    """Wall time for five messages of one conversation, each holding the lock ``work_s``."""

    async def message(store: LockStore) -> None:
        async with store.lock(conversation_id, lock_lifetime=30):
            await asyncio.sleep(work_s)

    started = time.perf_counter()
    await asyncio.gather(*(message(stores[i % len(stores)]) for i in range(5)))
    return time.perf_counter() - started


async def test_queued_messages_wait_milliseconds_not_seconds(store: AtomicRedisLockStore, conversation: str) -> None:
    """Stock Rasa takes ~4.2 s here (a 1 s poll); serial work alone is 1.0 s."""
    other = AtomicRedisLockStore(host=REDIS_URL)
    runs = [await five_quick_messages([store, other], f"{conversation}-{i}") for i in range(3)]
    record("5 quick messages x 0.2 s, one conversation, 2 stores",
           f"median {statistics.median(runs):.3f} s (serial floor 1.000 s)")
    assert all(run >= 1.0 for run in runs)  # serialised: never two at once
    assert statistics.median(runs) < 1.25


async def test_lock_left_by_a_dead_replica_frees_when_its_ticket_expires(
    store: AtomicRedisLockStore, conversation: str
) -> None:
    store.issue_ticket(conversation, lock_lifetime=0.5)  # its holder never releases it
    started = time.perf_counter()
    async with store.lock(conversation, lock_lifetime=5):
        waited = time.perf_counter() - started
    assert 0.4 <= waited < 2.0


async def test_waiter_whose_ticket_expires_gets_an_error_not_a_hang(
    store: AtomicRedisLockStore, conversation: str
) -> None:
    store.issue_ticket(conversation, lock_lifetime=5)
    with pytest.raises(LockError, match="expired while waiting"):
        await asyncio.wait_for(store.lock(conversation, lock_lifetime=0.3).__aenter__(), timeout=3)


async def test_late_release_of_an_expired_ticket_leaves_the_new_holder_alone(
    store: AtomicRedisLockStore, conversation: str
) -> None:
    """A slow holder outlives its ticket; stock Rasa would reissue its number to the next one."""
    slow = store.issue_ticket(conversation, lock_lifetime=0.2)
    deadline = time.monotonic() + 5
    while live_tickets(store, conversation) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    newer = store.issue_ticket(conversation, lock_lifetime=30)
    store.cleanup(conversation, slow)
    assert newer != slow
    assert live_tickets(store, conversation) == [newer]


def test_abandoned_lock_expires_in_redis_on_its_own(store: AtomicRedisLockStore, conversation: str) -> None:
    """A replica killed mid-message never releases; Redis drops the key a while after its ticket."""
    store.issue_ticket(conversation, lock_lifetime=5)
    ttl_ms = redis.StrictRedis.from_url(REDIS_URL).pttl(f"lock:{conversation}")
    assert (5 + LINGER_SECONDS) * 1000 - 1000 < ttl_ms <= (5 + LINGER_SECONDS) * 1000


def test_stock_and_atomic_stores_read_each_others_locks(store: AtomicRedisLockStore, conversation: str) -> None:
    """Same format as Rasa's, so a rolling upgrade from the stock store keeps its locks."""
    stock = make_store("stock")
    issued = [store.issue_ticket(conversation), stock.issue_ticket(conversation), store.issue_ticket(conversation)]
    assert issued == [0, 1, 2]
    assert [t.number for t in stock.get_lock(conversation).tickets] == [0, 1, 2]
    for ticket in (1, 0, 2):
        store.cleanup(conversation, ticket)
    assert not stock.is_someone_waiting(conversation)
    assert store.issue_ticket(conversation) == 3  # numbers are never reused while the key lives


@pytest.mark.parametrize(
    "lock_type, expected",
    [("stores.memory_lock_store.ShortWaitInMemoryLockStore", ShortWaitInMemoryLockStore), ("in_memory", InMemoryLockStore), (LOCK_STORE, AtomicRedisLockStore)],
    ids=["default", "stock", "cluster"],
)
def test_endpoints_yml_selects_the_store_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, services: None, lock_type: str, expected: type
) -> None:
    env = {**profile_env("postgresql://postgres@127.0.0.1:5432/unused"), "LOCK_STORE_TYPE": lock_type,
           "ACTION_HOST": "localhost", "ACTION_PORT": "1"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    lock_store = LockStore.create(AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.yml")).lock_store)
    assert type(lock_store) is expected
    if expected is AtomicRedisLockStore:
        assert lock_store.red.connection_pool.connection_kwargs["db"] == REDIS_DB


def test_unreachable_redis_stops_start_up_with_a_clear_error() -> None:
    config = EndpointConfig(url=f"redis://127.0.0.1:{free_port()}/0", type=LOCK_STORE)
    with pytest.raises(ConnectionException, match="Cannot connect to lock store"):
        LockStore.create(config)


def test_nonsense_poll_interval_is_refused(services: None) -> None:
    with pytest.raises(ValueError, match="poll_interval"):
        AtomicRedisLockStore(EndpointConfig(url=REDIS_URL, type=LOCK_STORE, poll_interval="0"))
