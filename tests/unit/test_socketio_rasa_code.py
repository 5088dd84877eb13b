"""The socket.io channel replaces Rasa's handlers: fail loudly when Rasa's code under them changes.

``channels/socketio.py`` wraps Rasa's JWT ``connect`` check and replaces its ``disconnect``,
``session_request`` and message handlers and two ``SocketIOOutput`` methods. A Rasa upgrade that
changes any of them (a new event, a different room policy) must be read before it ships.
"""

from __future__ import annotations

import hashlib
import inspect
from typing import Any, Callable

import pytest
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput

from channels.limits import Limiter
from channels.settings import load_channel_settings
from channels.socketio import HardenedSocketIOInput
from channels.widget_session import SessionSigner

# sha256 of the source of the Rasa 3.6.21 functions the channel replaces (first 16 hex digits).
REVIEWED = {
    "SocketIOInput.blueprint": "1246d69fa05c3b1f",
    "SocketIOOutput._send_message": "7e650a5b43f28180",
    "SocketIOOutput.send_custom_json": "d777390bb194448a",
}


def _digest(function: Callable[..., Any]) -> str:
    return hashlib.sha256(inspect.getsource(function).encode("utf-8")).hexdigest()[:16]


@pytest.mark.parametrize(
    "function", [SocketIOInput.blueprint, SocketIOOutput._send_message, SocketIOOutput.send_custom_json],
    ids=list(REVIEWED),
)
def test_rasas_replaced_code_is_the_reviewed_version(function: Callable[..., Any]) -> None:
    assert _digest(function) == REVIEWED[function.__qualname__], (
        f"Rasa's {function.__qualname__} changed: review channels/socketio.py against it, then update REVIEWED"
    )


async def _nothing(_: Any) -> None:
    return None


def test_every_client_event_is_handled_by_the_hardened_channel() -> None:
    """Rasa registers these events; each must end up with the channel's own handler."""
    channel = HardenedSocketIOInput(session_persistence=True)
    channel.configure(load_channel_settings(), signer=SessionSigner(b"k" * 32), limiter=Limiter(enabled=False))
    channel.blueprint(_nothing)
    assert channel.sio is not None
    handlers = channel.sio.handlers["/"]
    assert set(handlers) == {"connect", "disconnect", "session_request", "user_uttered"}
    for event, handler in handlers.items():
        assert handler.__qualname__.startswith("HardenedSocketIOInput.blueprint"), (event, handler.__qualname__)
