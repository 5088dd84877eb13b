"""Rate limits for both channels, on the ``limits`` library: one client cannot crowd out the rest.

Messages are counted per conversation and per client address, new conversations per address
(each is a row set in the tracker store, kept until pruned), open sockets per address. Counts
live in ``limits``' storage: in process memory by default, in Redis when
``ISK_RATE_LIMIT_STORAGE`` is a ``redis://`` URL, so several replicas share them (memory:
:mod:`channels.memory_windows`).

A conversation's default (``11/second;20/10 seconds;70/minute``) is a token bucket's envelope
written as moving windows: a bucket of 10 refilled at one a second lets through at most
``10 + t`` messages in any ``t`` seconds. ``limits`` 2.4 (the release rasa 3.6's pins allow) has
no token bucket of its own.

A check whose storage does not answer lets the message through and logs a warning: rate
limits protect the service, they must not take it down with Redis.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import math
import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable, FrozenSet, List, Optional, Sequence, Tuple, TypeVar

from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from channels.memory_windows import SweptMemoryStorage

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_STORAGE = "memory://"
DEFAULT_CONVERSATION = "11/second;20/10 seconds;70/minute"
DEFAULT_ADDRESS = "120/minute;2000/hour"
DEFAULT_NEW_CONVERSATIONS = "20/minute;200/hour"
DEFAULT_SOCKETS = 20
# A socket count nobody touched for this long is dropped (a replica that died kept its
# sockets' counts): the count is a guard, not a ledger.
DEFAULT_SOCKET_COUNT_TTL = 3600
# A conversation id not seen for this long counts as new again (one key per conversation).
DEFAULT_SEEN_TTL = 86400
_PREFIX = "isk"
# Redis calls give up quickly: a slow limiter must not slow every reader.
_REDIS_TIMEOUT = 0.5


def _off(value: str) -> bool:
    return value.strip().lower() in {"off", "0", "false", "no"}


def parse_proxies(raw: str) -> FrozenSet[str]:
    """``ISK_TRUSTED_PROXIES``: comma-separated IP addresses; anything else is a clear error."""
    proxies = set()
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            proxies.add(ipaddress.ip_address(part).compressed)
        except ValueError:
            raise ValueError(f"ISK_TRUSTED_PROXIES: {part!r} is not an IP address") from None
    return frozenset(proxies)


def _normal(address: str) -> Optional[str]:
    try:
        return ipaddress.ip_address(address.strip()).compressed
    except ValueError:
        return None


def client_address(peer_ip: str, forwarded_for: Optional[str], trusted_proxies: FrozenSet[str]) -> str:
    """The client's address: the right-most X-Forwarded-For hop not in trusted_proxies, used only when peer_ip is trusted.

    Each proxy appends the address it was reached from, so hops to the left of the last
    trusted one were written by the client and prove nothing. A hop that is not an IP address
    (a misconfigured proxy) gives the last trusted hop instead: never client-chosen text.
    """
    peer = _normal(peer_ip) or peer_ip
    if peer not in trusted_proxies or not forwarded_for:
        return peer
    current = peer
    for hop in reversed(forwarded_for.split(",")):
        address = _normal(hop)
        if address is None:
            return current
        current = address
        if address not in trusted_proxies:
            return address
    return current


def _limits(name: str, default: str) -> List[RateLimitItem]:
    raw = os.environ.get(name, "").strip() or default
    try:
        return list(parse_many(raw))
    except ValueError:
        raise ValueError(f"{name}: {raw!r} is not a rate limit like '10/second;100/hour'") from None


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip() or str(default)
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name}: {raw!r} must be a positive whole number")
    return int(raw)


def _storage(uri: str) -> Storage:
    if uri.startswith(("redis://", "rediss://", "redis+unix://")):
        return storage_from_string(uri, socket_timeout=_REDIS_TIMEOUT, socket_connect_timeout=_REDIS_TIMEOUT)
    if uri.startswith("memory://"):
        return SweptMemoryStorage()
    raise ValueError(f"ISK_RATE_LIMIT_STORAGE: {uri!r} must be memory:// or a redis:// URL")


@dataclass
class Limiter:
    """Every rate limit of the channels, with one switch (``ISK_RATE_LIMITS=off``)."""

    enabled: bool = True
    trusted_proxies: FrozenSet[str] = frozenset()
    storage_uri: str = DEFAULT_STORAGE
    per_conversation: Sequence[RateLimitItem] = field(default_factory=lambda: parse_many(DEFAULT_CONVERSATION))
    per_address: Sequence[RateLimitItem] = field(default_factory=lambda: parse_many(DEFAULT_ADDRESS))
    new_conversations: Sequence[RateLimitItem] = field(default_factory=lambda: parse_many(DEFAULT_NEW_CONVERSATIONS))
    max_sockets: int = DEFAULT_SOCKETS
    socket_count_ttl: int = DEFAULT_SOCKET_COUNT_TTL
    seen_ttl: int = DEFAULT_SEEN_TTL

    def __post_init__(self) -> None:
        self._storage = _storage(self.storage_uri)
        self._windows = MovingWindowRateLimiter(self._storage)
        # Memory storage answers at once; Redis is network I/O and goes to a thread.
        self._remote = not self.storage_uri.startswith("memory://")

    @classmethod
    def from_environment(cls) -> "Limiter":
        """ISK_RATE_LIMITS (on/off, default on), ISK_TRUSTED_PROXIES, ISK_RATE_LIMIT_STORAGE and the limits."""
        return cls(
            enabled=not _off(os.environ.get("ISK_RATE_LIMITS", "on")),
            trusted_proxies=parse_proxies(os.environ.get("ISK_TRUSTED_PROXIES", "")),
            storage_uri=os.environ.get("ISK_RATE_LIMIT_STORAGE", "").strip() or DEFAULT_STORAGE,
            per_conversation=_limits("ISK_RATE_LIMIT_CONVERSATION", DEFAULT_CONVERSATION),
            per_address=_limits("ISK_RATE_LIMIT_ADDRESS", DEFAULT_ADDRESS),
            new_conversations=_limits("ISK_RATE_LIMIT_NEW_CONVERSATIONS", DEFAULT_NEW_CONVERSATIONS),
            max_sockets=_positive_int("ISK_RATE_LIMIT_SOCKETS", DEFAULT_SOCKETS),
        )

    async def _call(self, function: Callable[..., T], *args: Any, default: T) -> T:
        """Run one storage operation; ``default`` (allow) when the storage fails."""
        try:
            if self._remote:
                return await asyncio.to_thread(function, *args)
            return function(*args)
        except Exception as error:  # any storage failure: a redis error, a timeout, ...
            logger.warning("rate limit storage unavailable (%s): allowing", type(error).__name__)
            return default

    def _take(self, checks: Sequence[Tuple[RateLimitItem, str, str]]) -> Optional[float]:
        """Test every window first, then count the message in all of them: refused ones cost nothing."""
        waits = []
        for item, kind, key in checks:
            if not self._windows.test(item, _PREFIX, kind, key):
                reset, _remaining = self._windows.get_window_stats(item, _PREFIX, kind, key)
                # reset is when the window's newest entry leaves it: an upper bound on the wait.
                waits.append(min(max(reset - time.time(), 1.0), float(item.get_expiry())))
        if waits:
            return max(waits)
        for item, kind, key in checks:
            self._windows.hit(item, _PREFIX, kind, key)
        return None

    async def check_message(self, conversation_id: str, address: str) -> Optional[float]:
        """None when the message may go on; else the seconds to wait (Retry-After). Counts per conversation (burst 10 then 1/s) and per address."""
        if not self.enabled:
            return None
        checks = [(item, "conversation", conversation_id) for item in self.per_conversation]
        checks += [(item, "address", address) for item in self.per_address]
        return await self._call(self._take, checks, default=None)

    async def check_new_conversation(self, address: str) -> Optional[float]:
        """Called when a conversation id is seen for the first time; None or seconds to wait."""
        if not self.enabled:
            return None
        checks = [(item, "new", address) for item in self.new_conversations]
        return await self._call(self._take, checks, default=None)

    def _seen_key(self, conversation_id: str) -> str:
        return f"{_PREFIX}/seen/{conversation_id}"

    async def is_known_conversation(self, conversation_id: str) -> bool:
        """True when this conversation id was admitted within ``seen_ttl`` seconds (REST has no session step)."""
        if not self.enabled:
            return True
        return await self._call(lambda: self._storage.get(self._seen_key(conversation_id)) > 0, default=True)

    async def remember_conversation(self, conversation_id: str) -> None:
        """Note an admitted conversation id, so its next messages are not "new" again."""
        if self.enabled:
            key = self._seen_key(conversation_id)
            await self._call(lambda: self._storage.incr(key, self.seen_ttl, True), default=0)

    def _socket_key(self, address: str) -> str:
        return f"{_PREFIX}/sockets/{address}"

    def _open(self, address: str) -> bool:
        key = self._socket_key(address)
        if self._storage.incr(key, self.socket_count_ttl, True) <= self.max_sockets:
            return True
        self._storage.incr(key, self.socket_count_ttl, True, -1)
        return False

    def _close(self, address: str) -> None:
        key = self._socket_key(address)
        if self._storage.incr(key, self.socket_count_ttl, True, -1) < 0:
            self._storage.clear(key)  # its count had expired while the socket was open

    async def open_socket(self, address: str) -> bool:
        """False: too many open sockets from this address (call close_socket only after True)."""
        if not self.enabled:
            return True
        return await self._call(self._open, address, default=True)

    async def close_socket(self, address: str) -> None:
        """A socket opened with open_socket closed."""
        if self.enabled:
            await self._call(self._close, address, default=None)


@functools.lru_cache(maxsize=None)
def process_limiter() -> Limiter:
    """The one Limiter of this process, so both channels count into the same memory windows."""
    return Limiter.from_environment()


def retry_after_header(seconds: float) -> str:
    """``Retry-After`` wants whole seconds; round up so a client that obeys it is admitted."""
    return str(max(1, math.ceil(seconds)))
