"""Waiting for a conversation's ticket lock in milliseconds, not Rasa's one-second steps.

Rasa 3.6.21's ``LockStore._acquire_lock`` sleeps the ``wait_time_in_seconds`` it is given (1 s
from ``LockStore.lock``) between looks at a busy lock. A reader who sends a message while
their previous turn is still being saved therefore waits a whole second for a lock that frees
a few milliseconds later. Both project lock stores wait with this loop instead.
"""

from __future__ import annotations

import asyncio
from typing import Optional, Protocol, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockError

DEFAULT_POLL_INTERVAL = 0.02
FIRST_POLL_INTERVAL = 0.002


class LockReader(Protocol):
    """What the loop needs of a lock store."""

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]: ...


def check_poll_interval(poll_interval: float) -> float:
    """The interval if it is usable (0 < s <= 5), else a clear error at start-up."""
    if not 0 < poll_interval <= 5:
        raise ValueError(f"poll_interval must be between 0 and 5 seconds, got {poll_interval!r}")
    return poll_interval


async def wait_for_turn(
    store: LockReader, conversation_id: Text, ticket: int, poll_interval: float, wait_time_in_seconds: float
) -> TicketLock:
    """Wait for ``ticket``'s turn, looking again after 2 ms, doubling up to ``poll_interval``.

    Rasa's ``wait_time_in_seconds`` only caps the interval. A ticket that expires while it
    waits raises ``LockError`` (stock Rasa would go on waiting, or fail only after its sleep).
    """
    interval = min(FIRST_POLL_INTERVAL, poll_interval)
    longest = min(poll_interval, wait_time_in_seconds or poll_interval)
    while True:
        lock = store.get_lock(conversation_id)
        if lock is None or lock._ticket_for_ticket_number(ticket) is None:
            raise LockError(
                f"Could not acquire lock for conversation_id '{conversation_id}': "
                f"ticket {ticket} expired while waiting."
            )
        if not lock.is_locked(ticket):
            return lock
        await asyncio.sleep(interval)
        interval = min(interval * 2, longest)
