"""channels/limits.py without a Rasa server: addresses, windows, sockets, the switch, Redis.

Redis tests use the machine's Redis on a database of their own (``ISK_TEST_LIMITS_REDIS_URL``,
default DB 12), emptied before and after.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import os
import time
from typing import Iterator

import pytest
import redis
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from channels.limits import Limiter, client_address, parse_proxies, retry_after_header
from channels.memory_windows import SweptMemoryStorage

REDIS_URL = os.environ.get("ISK_TEST_LIMITS_REDIS_URL", "redis://127.0.0.1:6379/12")
PROXY = frozenset({"10.0.0.1", "10.0.0.2"})


@pytest.mark.parametrize(
    "peer, forwarded, expected",
    [
        ("203.0.113.5", None, "203.0.113.5"),
        ("203.0.113.5", "198.51.100.7", "203.0.113.5"),  # untrusted peer: its header is ignored
        ("10.0.0.1", None, "10.0.0.1"),
        ("10.0.0.1", "198.51.100.7", "198.51.100.7"),
        ("10.0.0.1", "1.2.3.4, 198.51.100.7", "198.51.100.7"),  # client-written hop on the left
        ("10.0.0.1", "198.51.100.7, 10.0.0.2", "198.51.100.7"),  # two proxies
        ("10.0.0.1", "10.0.0.2", "10.0.0.2"),  # every hop trusted: the farthest
        ("10.0.0.1", "not-an-ip", "10.0.0.1"),
        ("10.0.0.1", "evil\n, 10.0.0.2", "10.0.0.2"),
        ("10.0.0.1", "2001:DB8::0001", "2001:db8::1"),
    ],
    ids=["direct", "spoofed", "proxy-no-header", "proxy", "prepended", "two-proxies", "all-trusted",
         "garbage", "garbage-left", "ipv6-normalised"],
)
def test_client_address(peer: str, forwarded: str, expected: str) -> None:
    assert client_address(peer, forwarded, PROXY) == expected


def test_trusted_proxies_parse_and_refuse_garbage() -> None:
    assert parse_proxies(" 10.0.0.1, ::1 ,") == frozenset({"10.0.0.1", "::1"})
    with pytest.raises(ValueError, match="ISK_TRUSTED_PROXIES"):
        parse_proxies("10.0.0.1, proxy.internal")


def test_bad_settings_are_clear_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISK_RATE_LIMIT_CONVERSATION", "lots")
    with pytest.raises(ValueError, match="ISK_RATE_LIMIT_CONVERSATION"):
        Limiter.from_environment()
    monkeypatch.delenv("ISK_RATE_LIMIT_CONVERSATION")
    monkeypatch.setenv("ISK_RATE_LIMIT_STORAGE", "mongodb://x")
    with pytest.raises(ValueError, match="ISK_RATE_LIMIT_STORAGE"):
        Limiter.from_environment()


def test_environment_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ISK_RATE_LIMITS", "ISK_TRUSTED_PROXIES", "ISK_RATE_LIMIT_STORAGE"):
        monkeypatch.delenv(name, raising=False)
    limiter = Limiter.from_environment()
    assert limiter.enabled and limiter.trusted_proxies == frozenset()
    monkeypatch.setenv("ISK_RATE_LIMITS", "off")
    assert not Limiter.from_environment().enabled


async def test_conversation_burst_then_refused_with_a_wait() -> None:
    limiter = Limiter()
    results = [await limiter.check_message("reader-a", "192.0.2.1") for _ in range(15)]
    assert results[:11] == [None] * 11  # a burst of 10 (and the first second's refill)
    assert all(wait is not None and 1.0 <= wait <= 60.0 for wait in results[11:])
    # Another conversation from another address is not slowed.
    assert await limiter.check_message("reader-b", "192.0.2.2") is None


async def test_address_limit_spans_conversations() -> None:
    limiter = Limiter(per_address=parse_many("5/minute"))
    assert [await limiter.check_message(f"c{i}", "192.0.2.9") for i in range(5)] == [None] * 5
    assert await limiter.check_message("c-new", "192.0.2.9") is not None
    assert await limiter.check_message("c-new", "192.0.2.10") is None


async def test_refused_messages_do_not_count() -> None:
    """Refusals are free: waiting out the window is enough, however often one was refused."""
    limiter = Limiter(per_conversation=parse_many("2/second"), per_address=parse_many("3/minute"))
    assert await limiter.check_message("c", "192.0.2.3") is None
    assert await limiter.check_message("c", "192.0.2.3") is None
    for _ in range(5):
        assert await limiter.check_message("c", "192.0.2.3") is not None
    # The address window counted only the two admitted messages.
    assert await limiter.check_message("other", "192.0.2.3") is None


async def test_new_conversations_and_known_ids() -> None:
    limiter = Limiter(new_conversations=parse_many("2/hour"))
    assert not await limiter.is_known_conversation("x")
    assert await limiter.check_new_conversation("192.0.2.4") is None
    await limiter.remember_conversation("x")
    assert await limiter.is_known_conversation("x")
    assert await limiter.check_new_conversation("192.0.2.4") is None
    wait = await limiter.check_new_conversation("192.0.2.4")
    assert wait is not None and wait <= 3600


async def test_open_sockets_are_capped_and_released() -> None:
    limiter = Limiter(max_sockets=2)
    assert await limiter.open_socket("192.0.2.5")
    assert await limiter.open_socket("192.0.2.5")
    assert not await limiter.open_socket("192.0.2.5")
    assert await limiter.open_socket("192.0.2.6")
    await limiter.close_socket("192.0.2.5")
    assert await limiter.open_socket("192.0.2.5")


async def test_switched_off_allows_everything() -> None:
    limiter = Limiter(enabled=False, per_conversation=parse_many("1/hour"), max_sockets=1)
    assert [await limiter.check_message("c", "a") for _ in range(20)] == [None] * 20
    assert await limiter.check_new_conversation("a") is None
    assert all([await limiter.open_socket("a") for _ in range(5)])


def test_retry_after_is_whole_seconds_rounded_up() -> None:
    assert retry_after_header(0.2) == "1"
    assert retry_after_header(1.0) == "1"
    assert retry_after_header(9.01) == "10"


@pytest.fixture()
def redis_db() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis at {REDIS_URL} is not reachable: {error}")
    client.flushdb()
    yield REDIS_URL
    client.flushdb()


async def test_redis_storage_is_shared_by_replicas(redis_db: str) -> None:
    """Two limiters on one Redis (two replicas) share every count."""
    first = Limiter(storage_uri=redis_db, per_conversation=parse_many("3/minute"), max_sockets=1)
    second = Limiter(storage_uri=redis_db, per_conversation=parse_many("3/minute"), max_sockets=1)
    assert await first.check_message("c", "192.0.2.7") is None
    assert await second.check_message("c", "192.0.2.7") is None
    assert await first.check_message("c", "192.0.2.7") is None
    assert await second.check_message("c", "192.0.2.7") is not None
    assert await first.open_socket("192.0.2.7")
    assert not await second.open_socket("192.0.2.7")
    await second.close_socket("192.0.2.7")
    assert await first.open_socket("192.0.2.7")
    await first.remember_conversation("c")
    assert await second.is_known_conversation("c")


async def test_unreachable_redis_allows_quickly() -> None:
    """A dead limiter store must not take the service down: allow, and answer fast."""
    limiter = Limiter(storage_uri="redis://127.0.0.1:1/0")
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await limiter.check_message("c", "192.0.2.8") is None
    assert await limiter.open_socket("192.0.2.8")
    assert loop.time() - started < 5.0


# The source of the limits==2.4.0 code that SweptMemoryStorage replaces or relies on: a new
# limits release must be read again before these hashes are updated.
LIMITS_SOURCE = {
    "_MemoryStorage__schedule_expiry": "a51863d88ef4b924",
    "_MemoryStorage__expire_events": "2fdc06f0dde72701",
    "acquire_entry": "937d560d68864434",
}


@pytest.mark.parametrize("name", sorted(LIMITS_SOURCE))
def test_replaced_limits_code_is_unchanged(name: str) -> None:
    source = inspect.getsource(getattr(MemoryStorage, name))
    assert hashlib.sha256(source.encode()).hexdigest()[:16] == LIMITS_SOURCE[name], (
        f"limits' MemoryStorage.{name} changed: re-read channels/memory_windows.py against it"
    )


def test_sweep_forgets_emptied_windows_and_keeps_counting() -> None:
    storage = SweptMemoryStorage()
    windows = MovingWindowRateLimiter(storage)
    item = parse_many("2/second")[0]
    for index in range(1000):
        assert windows.hit(item, f"k{index}")
    assert windows.hit(item, "a") and windows.hit(item, "a") and not windows.hit(item, "a")
    deadline = time.monotonic() + 10
    while not windows.test(item, "a"):  # the 1 s window passing: every entry above is older
        assert time.monotonic() < deadline, "the window never moved on"
        time.sleep(0.05)
    storage.sweep()
    assert storage.events == {}
    assert windows.hit(item, "a") and windows.hit(item, "a") and not windows.hit(item, "a")
    assert storage.timer.daemon, "a pending sweep must not hold the process open at exit"
