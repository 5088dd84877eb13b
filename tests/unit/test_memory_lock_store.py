"""The default lock store: Rasa's in-memory store, waiting milliseconds instead of a second.

A reader's second message, sent while the first turn is still being saved, waited a whole
second in Rasa's InMemoryLockStore (its 1 s poll); the widget-sessions flood test caught it.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import statistics
import time
from typing import Any, Callable

import pytest
from rasa.core.lock_store import InMemoryLockStore, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from stores.memory_lock_store import ShortWaitInMemoryLockStore
from tests.cluster.test_lock_store import five_quick_messages

TYPE = "stores.memory_lock_store.ShortWaitInMemoryLockStore"
# sha256 (first 16 hex digits) of the Rasa 3.6.21 code the store relies on: ``lock`` issues the
# ticket and calls ``_acquire_lock`` with its 1 s wait, which the store replaces.
REVIEWED = {
    "LockStore.lock": "8b9b716c031a3444",
    "LockStore._acquire_lock": "ead2fff373291c24",
    "InMemoryLockStore.__init__": "6cab6e7a4eb39ca1",
}


@pytest.mark.parametrize("function", [LockStore.lock, LockStore._acquire_lock, InMemoryLockStore.__init__],
                         ids=list(REVIEWED))
def test_rasas_lock_code_is_the_reviewed_version(function: Callable[..., Any]) -> None:
    digest = hashlib.sha256(inspect.getsource(function).encode("utf-8")).hexdigest()[:16]
    assert digest == REVIEWED[function.__qualname__], (
        f"Rasa's {function.__qualname__} changed: review stores/lock_wait.py against it, then update REVIEWED")


async def test_queued_messages_wait_milliseconds_not_seconds() -> None:
    """Stock InMemoryLockStore takes ~4.2 s here (a 1 s poll); serial work alone is 1.0 s."""
    store = ShortWaitInMemoryLockStore()
    runs = [await five_quick_messages([store], f"c-{i}") for i in range(3)]
    assert all(run >= 1.0 for run in runs)  # serialised: never two at once
    assert statistics.median(runs) < 1.25


async def test_messages_keep_their_order() -> None:
    store, served = ShortWaitInMemoryLockStore(), []

    async def message(number: int) -> None:
        async with store.lock("ordered", lock_lifetime=30):
            served.append(number)
            await asyncio.sleep(0.01)

    await asyncio.gather(*(message(n) for n in range(8)))
    assert served == list(range(8))
    assert not store.is_someone_waiting("ordered")


async def test_waiter_whose_ticket_expires_gets_an_error_not_a_hang() -> None:
    store = ShortWaitInMemoryLockStore()
    store.issue_ticket("stuck", lock_lifetime=5)  # its holder never releases it
    started = time.monotonic()
    with pytest.raises(LockError, match="expired while waiting"):
        await asyncio.wait_for(store.lock("stuck", lock_lifetime=0.3).__aenter__(), timeout=3)
    assert time.monotonic() - started < 1.0


def test_rasa_builds_it_from_the_endpoint_config() -> None:
    store = LockStore.create(EndpointConfig(type=TYPE, poll_interval=0.05))
    assert type(store) is ShortWaitInMemoryLockStore and store.poll_interval == 0.05
    assert LockStore.create(EndpointConfig(type=TYPE, url="")).poll_interval == 0.02  # ${LOCK_STORE_URL} unset


@pytest.mark.parametrize("value", ["0", "-1", "10"])
def test_nonsense_poll_interval_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="poll_interval"):
        ShortWaitInMemoryLockStore(EndpointConfig(type=TYPE, poll_interval=value))
