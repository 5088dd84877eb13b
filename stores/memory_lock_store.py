"""Rasa's in-memory lock store (one process), waiting milliseconds instead of a second.

The default of ``make run`` and of every single-server profile. Select it in endpoints.yml::

    lock_store:
      type: stores.memory_lock_store.ShortWaitInMemoryLockStore
      poll_interval: 0.02                # optional: longest pause between checks (s)
"""

from __future__ import annotations

from typing import Any, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore
from rasa.utils.endpoints import EndpointConfig

from stores.lock_wait import DEFAULT_POLL_INTERVAL, check_poll_interval, wait_for_turn


class ShortWaitInMemoryLockStore(InMemoryLockStore):
    """``InMemoryLockStore`` whose waiting messages look again after a few milliseconds."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None,
                 poll_interval: float = DEFAULT_POLL_INTERVAL, **_: Any) -> None:
        """Built by Rasa from the ``lock_store`` section (``poll_interval`` optional)."""
        if endpoint_config is not None and endpoint_config.kwargs.get("poll_interval") not in (None, ""):
            poll_interval = float(endpoint_config.kwargs["poll_interval"])
        super().__init__()
        self.poll_interval = check_poll_interval(poll_interval)

    async def _acquire_lock(
        self, conversation_id: Text, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        """Our turn, within milliseconds of the previous holder's release."""
        return await wait_for_turn(self, conversation_id, ticket, self.poll_interval, wait_time_in_seconds)
