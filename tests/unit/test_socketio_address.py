"""The socket.io channel's client address: the socket's peer, X-Forwarded-For only from a trusted proxy.

python-engineio's Sanic driver writes 127.0.0.1 into every environ's REMOTE_ADDR, so the channel
must read the peer from the Sanic request it also puts there; these cases use that shape.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Dict, FrozenSet, Optional

import pytest

from channels.limits import Limiter
from channels.settings import load_channel_settings
from channels.socketio import HardenedSocketIOInput
from channels.widget_session import SessionSigner


def channel(trusted: FrozenSet[str]) -> HardenedSocketIOInput:
    result = HardenedSocketIOInput(session_persistence=True)
    result.configure(
        load_channel_settings(), signer=SessionSigner(b"k" * 32), limiter=Limiter(enabled=True, trusted_proxies=trusted)
    )
    return result


def environ(peer: str, forwarded: Optional[str] = None) -> Dict[str, Any]:
    result: Dict[str, Any] = {"REMOTE_ADDR": "127.0.0.1", "sanic.request": SimpleNamespace(ip=peer)}
    if forwarded is not None:
        result["HTTP_X_FORWARDED_FOR"] = forwarded
    return result


@pytest.mark.parametrize(
    "peer, forwarded, trusted, expected",
    [
        ("203.0.113.7", None, frozenset(), "203.0.113.7"),
        ("203.0.113.7", "198.51.100.1", frozenset(), "203.0.113.7"),  # an untrusted peer's header is ignored
        ("127.0.0.1", "198.51.100.1", frozenset(), "127.0.0.1"),
        ("127.0.0.1", "198.51.100.1", frozenset({"127.0.0.1"}), "198.51.100.1"),
        ("127.0.0.1", "6.6.6.6, 198.51.100.1", frozenset({"127.0.0.1"}), "198.51.100.1"),  # client-written hop skipped
        ("127.0.0.1", "not-an-ip", frozenset({"127.0.0.1"}), "127.0.0.1"),
    ],
    ids=["peer", "untrusted-peer-header", "loopback-untrusted", "trusted-proxy", "spoofed-left-hop", "garbage-hop"],
)
def test_client_address(peer: str, forwarded: Optional[str], trusted: FrozenSet[str], expected: str) -> None:
    assert channel(trusted)._address(environ(peer, forwarded)) == expected

