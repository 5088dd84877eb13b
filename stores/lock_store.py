"""A Redis lock store that several Rasa replicas can share without racing.

Stock ``RedisLockStore`` (Rasa 3.6.21) changes a conversation's lock with GET, edit in
Python, SET. Two replicas doing that at once overwrite each other: both get the same ticket
and process the same conversation together, or a release deletes a ticket just issued
elsewhere, whose message then fails with ``LockError`` (rasa issue #9213). Here every change
is one Lua script (ticket_lock.lua), which Redis runs alone. Waiting messages look again
after a few milliseconds instead of a second. The stored value keeps Rasa's format, so
``get_lock`` is inherited and stock and atomic stores can read each other's locks.

Select it in endpoints.yml::

    lock_store:
      type: stores.lock_store.AtomicRedisLockStore
      url: redis://127.0.0.1:6379/1      # or a bare host with port/db/password keys
      poll_interval: 0.02                # optional: longest pause between checks (s)
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Optional, Text

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.connection import parse_url

from stores.lock_wait import DEFAULT_POLL_INTERVAL, check_poll_interval, wait_for_turn

logger = logging.getLogger(__name__)

SCRIPT_PATH = Path(__file__).resolve().with_name("ticket_lock.lua")
# How long a lock key outlives its last ticket. Keeping it keeps ticket numbers unique, so a
# late release of an expired ticket cannot remove a newer holder's ticket (stock Rasa deletes
# the key and starts again at 0); then Redis drops it by itself.
LINGER_SECONDS = 60


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose ticket issue and release are atomic, with a short wait."""

    def __init__(
        self,
        endpoint_config: Optional[EndpointConfig] = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        **kwargs: Any,
    ) -> None:
        """Connect from Rasa's endpoint config (how Rasa builds custom lock stores) or kwargs.

        Args:
            endpoint_config: ``lock_store`` section of endpoints.yml; ``url`` is a
                ``redis://`` URL or a host, other keys are ``RedisLockStore`` arguments.
            poll_interval: longest pause, in seconds, between two looks at a busy lock.
            **kwargs: ``RedisLockStore`` arguments (host, port, db, password, ...).
        """
        if endpoint_config is not None:
            kwargs = {**_non_empty(endpoint_config.kwargs), **kwargs}
            kwargs.setdefault("host", endpoint_config.url or "localhost")
            poll_interval = float(kwargs.pop("poll_interval", poll_interval))
        super().__init__(**_connection_from_url(kwargs))
        self.poll_interval = check_poll_interval(poll_interval)
        self._script = self.red.register_script(SCRIPT_PATH.read_text(encoding="utf-8"))
        try:
            self.red.ping()
        except redis.RedisError as error:
            # A builtin ConnectionError, which Rasa reports as "Cannot connect to lock store."
            raise ConnectionError(f"lock store Redis unreachable: {error}") from error

    def _run(self, operation: Text, conversation_id: Text, argument: float) -> int:
        """Run one atomic operation of ticket_lock.lua on the conversation's lock."""
        args = [operation, conversation_id, repr(time.time()), repr(argument), LINGER_SECONDS * 1000]
        return int(self._script(keys=[self.key_prefix + conversation_id], args=args))

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Append a ticket and return its number, in one step no other replica can split."""
        try:
            return self._run("issue", conversation_id, float(lock_lifetime))
        except redis.RedisError as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Drop the ticket atomically (stock's delete-when-idle could erase a new ticket).

        The turn is done and stored by now: if Redis fails here, the ticket just expires.
        """
        try:
            self._run("release", conversation_id, ticket_number)
        except redis.RedisError as error:
            logger.warning(
                "could not release ticket %s of conversation %s (%s); it expires by itself",
                ticket_number, conversation_id, type(error).__name__,
            )

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        """Drop the ticket (the stock version could erase a ticket issued meanwhile)."""
        self._run("release", conversation_id, ticket_number)

    def update_lock(self, conversation_id: Text) -> None:
        """Forget expired tickets without overwriting tickets issued meanwhile."""
        self._run("prune", conversation_id, 0)

    async def _acquire_lock(
        self, conversation_id: Text, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        """Our turn, within milliseconds of the previous holder's release (stores/lock_wait.py)."""
        return await wait_for_turn(self, conversation_id, ticket, self.poll_interval, wait_time_in_seconds)


def _non_empty(options: dict) -> dict:
    """Endpoint options minus empty strings, which unset ``${VAR}`` defaults leave behind."""
    return {key: value for key, value in options.items() if value not in ("", None)}


def _connection_from_url(options: dict) -> dict:
    """Spread a ``redis://[user:password@]host[:port][/db]`` host into separate arguments.

    Explicit port/db/password keys win over the URL's, as they would in Rasa's own config.
    """
    host = str(options.get("host") or "")
    if "://" not in host:
        return options
    parsed = parse_url(host)
    use_ssl = parsed.pop("connection_class", None) is not None
    return {**options, **parsed, "use_ssl": use_ssl or bool(options.get("use_ssl")),
            **{key: options[key] for key in ("port", "db", "password") if key in options}}
