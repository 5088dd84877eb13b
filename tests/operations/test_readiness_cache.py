"""Readiness is cached: a burst of probes costs one probe of each real back end.

The back ends are real: an SQLite tracker store (Rasa's ``SQLTrackerStore``), a Redis lock
store on a private redis-server, and the session's action server. Only the agent is a
stand-in, because loading a model adds nothing to what is probed. Each back end's own
counters (SQL statements on the engine, Redis's command statistics) show how often it was hit.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest
import redis
import sqlalchemy
from rasa.core.lock_store import RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore
from rasa.utils.endpoints import EndpointConfig

from channels import readiness
from channels.readiness import ReadinessCache, cache_seconds_from_env, check_readiness
from tests.support.private_services import PrivateServer, start_redis
from tests.support.servers import Server


@dataclass
class Backends:
    """What readiness probes, with a way to count each back end's work."""

    tracker_store: SQLTrackerStore
    lock_store: RedisLockStore
    action_endpoint: EndpointConfig
    redis_server: PrivateServer
    sql_statements: list

    def is_ready(self) -> bool:  # Agent.is_ready: the model is loaded
        return True

    def redis_gets(self) -> int:
        """GET commands the private Redis has run (the lock store's probe is one GET)."""
        stats = redis.Redis(port=self.redis_server.port).info("commandstats")
        return int(stats.get("cmdstat_get", {}).get("calls", 0))

    def sql_probes(self) -> int:
        return sum(1 for statement in self.sql_statements if statement.strip() == "SELECT 1")


@pytest.fixture
def backends(tmp_path: Path, action_server: Server) -> Iterator[Backends]:
    server = start_redis()
    store = SQLTrackerStore(dialect="sqlite", db=str(tmp_path / "tracker.db"))
    statements: list = []
    sqlalchemy.event.listen(
        store.engine, "before_cursor_execute", lambda conn, cursor, statement, *rest: statements.append(statement)
    )
    try:
        yield Backends(
            tracker_store=store,
            lock_store=RedisLockStore(host="127.0.0.1", port=server.port, db=0),
            action_endpoint=EndpointConfig(url=f"{action_server.url}/webhook"),
            redis_server=server,
            sql_statements=statements,
        )
    finally:
        store.engine.dispose()
        server.remove()


@pytest.fixture
def probe_calls(monkeypatch: pytest.MonkeyPatch) -> Dict[str, int]:
    """How often each real probe ran (the probes themselves are unchanged)."""
    calls = {name: 0 for name in readiness.PROBES}
    for name, probe in list(readiness.PROBES.items()):

        async def counted(agent: Any, timeout: float, name: str = name, probe: Any = probe) -> None:
            calls[name] += 1
            await probe(agent, timeout)

        monkeypatch.setitem(readiness.PROBES, name, counted)
    return calls


async def test_a_burst_of_probes_costs_one_probe_of_each_back_end(backends: Backends, probe_calls: Dict[str, int]) -> None:
    cache = ReadinessCache(ttl=5.0)
    gets_before, sql_before = backends.redis_gets(), backends.sql_probes()
    results = await asyncio.gather(*(cache.get(backends, 2.0) for _ in range(50)))
    assert results[0] == {"ready": True, "checks": {"model": "ok", "tracker_store": "ok", "lock_store": "ok", "action_server": "ok"}}
    assert all(result == results[0] for result in results)
    # Later probes inside the period are answered from the cache too.
    for _ in range(20):
        assert await cache.get(backends, 2.0) == results[0]
    assert probe_calls == {"tracker_store": 1, "lock_store": 1, "action_server": 1}
    assert backends.redis_gets() - gets_before == 1, "Redis saw one lock-store probe"
    assert backends.sql_probes() - sql_before == 1, "the tracker store saw one SELECT 1"


async def test_the_result_is_probed_again_once_the_period_is_over(backends: Backends, probe_calls: Dict[str, int]) -> None:
    cache = ReadinessCache(ttl=0.3)
    started = time.monotonic()
    await cache.get(backends, 2.0)
    deadline = started + 10
    while probe_calls["lock_store"] < 2:
        assert time.monotonic() < deadline, "the cache never expired"
        await cache.get(backends, 2.0)
        await asyncio.sleep(0.02)  # pacing the polling loop, not synchronisation
    assert time.monotonic() - started >= 0.3, "probed again before the period was over"
    assert probe_calls == {"tracker_store": 2, "lock_store": 2, "action_server": 2}


async def test_a_failure_is_cached_too_so_a_struggling_back_end_is_not_hammered(
    backends: Backends, probe_calls: Dict[str, int]
) -> None:
    cache = ReadinessCache(ttl=60.0)
    backends.redis_server.stop()
    try:
        results = await asyncio.gather(*(cache.get(backends, 1.0) for _ in range(20)))
        assert results[0]["ready"] is False and results[0]["checks"]["lock_store"] == "unreachable"
        assert probe_calls["lock_store"] == 1
    finally:
        backends.redis_server.start()
    assert (await cache.get(backends, 1.0))["ready"] is False, "still the cached answer"
    cache.clear()
    assert (await cache.get(backends, 1.0))["ready"] is True


async def test_a_zero_period_turns_the_cache_off(backends: Backends, probe_calls: Dict[str, int]) -> None:
    cache = ReadinessCache(ttl=0)
    for _ in range(3):
        await cache.get(backends, 2.0)
    assert probe_calls["lock_store"] == 3


async def test_a_server_without_a_model_probes_nothing(backends: Backends, probe_calls: Dict[str, int]) -> None:
    backends.is_ready = lambda: False  # type: ignore[method-assign]
    result = await check_readiness(backends, 2.0)
    assert result["ready"] is False and result["checks"]["model"] == "not loaded"
    assert sum(probe_calls.values()) == 0


async def test_the_route_uses_the_cache(backends: Backends, probe_calls: Dict[str, int]) -> None:
    """``check_readiness`` (what ``GET /webhooks/rest/ready`` calls) goes through the process's cache."""
    readiness._CACHE.clear()
    await asyncio.gather(*(check_readiness(backends, 2.0) for _ in range(10)))
    assert probe_calls["action_server"] == 1


@pytest.mark.parametrize(
    "raw, expected", [(None, 1.0), ("2.5", 2.5), ("0", 0.0), (" 1 ", 1.0)], ids=["default", "float", "off", "spaces"]
)
def test_the_period_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, raw: Any, expected: float) -> None:
    if raw is None:
        monkeypatch.delenv("ISK_READY_CACHE_SECONDS", raising=False)
    else:
        monkeypatch.setenv("ISK_READY_CACHE_SECONDS", raw)
    assert cache_seconds_from_env() == expected


@pytest.mark.parametrize("raw", ["soon", "-1", "nan", ""], ids=["word", "negative", "nan", "empty"])
def test_a_bad_period_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("ISK_READY_CACHE_SECONDS", raw)
    with pytest.raises(ValueError, match="ISK_READY_CACHE_SECONDS must be a number of seconds >= 0"):
        cache_seconds_from_env()
