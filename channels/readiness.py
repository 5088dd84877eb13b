"""Readiness: can this server answer a message right now?

``GET /`` stays 200 while the lock store is down and every message is answered with
``[]``. Readiness instead probes what a turn needs (model loaded, tracker store, lock store,
action server), each with a short timeout, and says which one failed, without details that
could leak credentials or hosts.

The result is cached for ``ISK_READY_CACHE_SECONDS`` (1 s): a load balancer, a monitor and a
curious visitor probing at once would otherwise multiply into three back-end calls each, and a
public ``/ready`` would be a cheap way to load the tracker store. Concurrent probes share one
check in flight, so a burst costs one probe of each back end.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any, Awaitable, Callable, Dict, Optional
from urllib.parse import urlsplit, urlunsplit

import aiohttp

logger = logging.getLogger(__name__)

PROBE_SENDER = "__isk_readiness_probe__"


def _unwrap_tracker_store(store: Any) -> Any:
    """The real store inside Rasa's FailSafe/Awaitable wrappers (FailSafe hides errors)."""
    seen = 0
    while hasattr(store, "_tracker_store") and seen < 5:
        store = store._tracker_store
        seen += 1
    return store


async def _probe_tracker_store(agent: Any, timeout: float) -> None:
    store = _unwrap_tracker_store(agent.tracker_store)
    engine = getattr(store, "engine", None)
    if engine is not None:  # SQL: blocking driver, so probe in a thread the timeout can abandon

        def select_one() -> None:
            with engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")

        await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, select_one), timeout)
    else:
        await asyncio.wait_for(store.retrieve(PROBE_SENDER), timeout)


async def _probe_lock_store(agent: Any, timeout: float) -> None:
    store = agent.lock_store

    def read_lock() -> None:
        store.get_lock(PROBE_SENDER)

    await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, read_lock), timeout)


def action_health_url(webhook_url: str) -> str:
    """``http://host:port/webhook`` -> ``http://host:port/health`` (rasa_sdk's health route)."""
    parts = urlsplit(webhook_url)
    path = parts.path.rsplit("/", 1)[0] + "/health"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


async def _probe_action_server(agent: Any, timeout: float) -> None:
    endpoint = agent.action_endpoint
    if endpoint is None or not endpoint.url:
        raise RuntimeError("no action endpoint configured")
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession(timeout=client_timeout) as session:
        async with session.get(action_health_url(endpoint.url)) as response:
            if response.status != 200:
                raise RuntimeError(f"health answered {response.status}")


Probe = Callable[[Any, float], Awaitable[None]]
PROBES: Dict[str, Probe] = {
    "tracker_store": _probe_tracker_store,
    "lock_store": _probe_lock_store,
    "action_server": _probe_action_server,
}


async def probe_readiness(agent: Optional[Any], timeout: float) -> Dict[str, Any]:
    """Run every probe concurrently; ``ready`` only when the model and all probes pass."""
    if agent is None or not agent.is_ready():
        checks = {"model": "not loaded", **{name: "unknown" for name in PROBES}}
        return {"ready": False, "checks": checks}

    async def run(name: str, probe: Probe) -> str:
        try:
            await probe(agent, timeout)
            return "ok"
        except asyncio.TimeoutError:
            logger.warning("readiness.%s timed out after %ss", name, timeout)
            return "timeout"
        except Exception as error:  # any failure means "not ready", named by its type only
            logger.warning("readiness.%s failed: %s", name, type(error).__name__)
            return "unreachable"

    results = await asyncio.gather(*(run(name, probe) for name, probe in PROBES.items()))
    checks = {"model": "ok", **dict(zip(PROBES, results))}
    return {"ready": all(v == "ok" for v in checks.values()), "checks": checks}


def cache_seconds_from_env() -> float:
    """``ISK_READY_CACHE_SECONDS`` (default 1; 0 turns the cache off), or a clear ValueError."""
    raw = os.environ.get("ISK_READY_CACHE_SECONDS", "1").strip()
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:  # also refuses nan
        raise ValueError(f"ISK_READY_CACHE_SECONDS must be a number of seconds >= 0, got {raw!r}")
    return seconds


class ReadinessCache:
    """The last readiness result for ``ttl`` seconds, and one shared check while it runs.

    Failures are cached too: a struggling back end is exactly the one a probe storm hurts.
    A server without a model is answered at once and never cached (nothing is probed).
    """

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._key: Optional[tuple] = None
        self._result: Optional[Dict[str, Any]] = None
        self._expires = 0.0
        self._pending: Optional[asyncio.Future] = None
        self._pending_key: Optional[tuple] = None

    def clear(self) -> None:
        """Forget the cached result (a check in flight still completes for its callers)."""
        self._key = self._result = None
        self._expires = 0.0

    async def get(self, agent: Optional[Any], timeout: float) -> Dict[str, Any]:
        """The cached result when fresh, else the running check's, else a new check."""
        if self.ttl <= 0 or agent is None or not agent.is_ready():
            return await probe_readiness(agent, timeout)
        loop = asyncio.get_running_loop()
        # A future belongs to one event loop; the key keeps results of one agent and loop apart.
        key = (id(agent), id(loop), timeout)
        if self._key == key and self._result is not None and time.monotonic() < self._expires:
            return self._result
        if self._pending is not None and self._pending_key == key and not self._pending.done():
            return await asyncio.shield(self._pending)
        future: asyncio.Future = loop.create_future()
        self._pending, self._pending_key = future, key
        try:
            result = await probe_readiness(agent, timeout)
        except BaseException as error:  # cancelled or broken: the waiting callers learn it too
            if not future.done():
                future.set_exception(error)
                future.exception()  # mark retrieved: no "never retrieved" warning without waiters
            raise
        finally:
            if self._pending is future:
                self._pending = self._pending_key = None
        self._key, self._result, self._expires = key, result, time.monotonic() + self.ttl
        future.set_result(result)
        return result


_CACHE = ReadinessCache(cache_seconds_from_env())


async def check_readiness(agent: Optional[Any], timeout: float) -> Dict[str, Any]:
    """Readiness as ``GET /webhooks/rest/ready`` reports it: probed at most once per cache period."""
    return await _CACHE.get(agent, timeout)
