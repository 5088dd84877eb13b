"""Readiness: can this server answer a message right now?

``GET /`` stays 200 while the lock store is down and every message is answered with
``[]``. Readiness instead probes what a turn needs (model loaded, tracker store, lock store,
action server), each with a short timeout, and says which one failed, without details that
could leak credentials or hosts.
"""

from __future__ import annotations

import asyncio
import logging
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


async def check_readiness(agent: Optional[Any], timeout: float) -> Dict[str, Any]:
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
