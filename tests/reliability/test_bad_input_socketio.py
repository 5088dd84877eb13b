"""The widget's socket.io channel: the same barrage as the webhook, answered, never crashing."""

from __future__ import annotations

import asyncio
import base64
import os
import uuid
from typing import AsyncIterator

import pytest
import requests
import socketio

from tests.reliability.conftest import WIDGET_ORIGIN, Stack
from tests.support.socketio_chat import SocketChat

SIZE_ANSWER = "3,000"
UNREADABLE = "couldn't read that message"


@pytest.fixture
async def chat(stack: Stack) -> AsyncIterator[SocketChat]:
    conversation = SocketChat(stack.url, WIDGET_ORIGIN)
    await conversation.connect()
    try:
        yield conversation
    finally:
        await conversation.close()


async def test_a_normal_question_is_answered(chat: SocketChat) -> None:
    assert SIZE_ANSWER in await chat.ask("how big is IS-K?", expect=SIZE_ANSWER)


@pytest.mark.parametrize(
    "data",
    ["just a string", ["a", "list"], 42, None, {"message": 5}, {"message": ["x"]}],
    ids=["string", "list", "number", "none", "int-message", "list-message"],
)
async def test_unreadable_payloads_get_a_reply(chat: SocketChat, data: object) -> None:
    start = len(chat.messages)
    await chat.send_raw(data if not isinstance(data, dict) else {**data, "session_id": chat.session_id})
    await chat.wait_until(lambda: any(UNREADABLE in (m.get("text") or "") for m in chat.messages[start:]))


@pytest.mark.parametrize("session_id", [None, "", 17, "s" * 10_000], ids=["missing", "empty", "int", "10kb"])
async def test_bad_session_ids_get_a_reply(chat: SocketChat, session_id: object) -> None:
    """Stock Rasa drops a message without a session_id with nothing but a server warning."""
    start = len(chat.messages)
    payload = {"message": "how big is IS-K?"}
    if session_id is not None:
        payload["session_id"] = session_id
    await chat.send_raw(payload)
    await chat.wait_until(lambda: any(UNREADABLE in (m.get("text") or "") for m in chat.messages[start:]))


async def test_string_metadata_that_is_not_json_is_ignored(chat: SocketChat) -> None:
    start = len(chat.messages)
    await chat.send_raw({"message": "how big is IS-K?", "session_id": chat.session_id, "metadata": "{not json"})
    await chat.wait_until(lambda: any(SIZE_ANSWER in (m.get("text") or "") for m in chat.messages[start:]))


@pytest.mark.parametrize(
    "text, expect",
    [("", "Please ask a question"), ("  \t ", "Please ask a question"), ("word " * 1000, "too long"),
     ("\u0000\ud800", "Please ask a question")],
    ids=["empty", "blank", "too-long", "only-controls"],
)
async def test_empty_and_long_text(chat: SocketChat, text: str, expect: str) -> None:
    assert expect in await chat.ask(text, expect=expect)


async def test_barrage_then_the_same_conversation_still_answers(chat: SocketChat) -> None:
    await chat.ask("how big is IS-K?", expect=SIZE_ANSWER)
    for data in ["x", 1, {"message": 2, "session_id": chat.session_id}]:
        await chat.send_raw(data)
    # "سلام وروره" (Pashto, right to left) is a greeting: the note and the menu, no new topic.
    for text in ["/restart", "/session_start", '/ask_size{"x":1}', "🤔", "سلام وروره", "\u202e", "x" * 5000]:
        await chat.ask(text)
    more = await chat.ask("tell me more", expect="How many members does IS-K have?")
    assert "Tell you more about what" not in more, "a typed /restart must not reset the conversation"
    assert SIZE_ANSWER in await chat.ask("how big is IS-K?", expect=SIZE_ANSWER)


async def test_oversized_frame_does_not_take_the_server_down(stack: Stack) -> None:
    """A frame above the channel's body cap is refused (or answered "too long"); others go on."""
    big = SocketChat(stack.url, WIDGET_ORIGIN)
    await big.connect()
    try:
        await big.send_raw({"message": "a" * 300_000, "session_id": big.session_id})
        try:
            await big.wait_until(lambda: any("too long" in (m.get("text") or "") for m in big.messages), timeout=5)
        except asyncio.TimeoutError:
            assert not big.client.connected, "an oversized frame is either answered or the socket closed"
    finally:
        await big.close()
    other = SocketChat(stack.url, WIDGET_ORIGIN)
    await other.connect()
    try:
        assert SIZE_ANSWER in await other.ask("how big is IS-K?", expect=SIZE_ANSWER)
    finally:
        await other.close()


async def test_foreign_origin_cannot_connect_by_polling(stack: Stack) -> None:
    intruder = SocketChat(stack.url, "http://evil.example", session_id=uuid.uuid4().hex)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await intruder.connect(transports=["polling"])
    await intruder.close()


@pytest.mark.parametrize("origin, allowed", [("http://evil.example", False), (WIDGET_ORIGIN, True)])
def test_websocket_handshake_checks_the_origin(stack: Stack, origin: str, allowed: bool) -> None:
    """The websocket upgrade request itself: refused for a foreign page, accepted for the widget."""
    headers = {
        "Origin": origin, "Connection": "Upgrade", "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
    }
    response = requests.get(f"{stack.url}/socket.io/?EIO=4&transport=websocket", headers=headers, timeout=10, stream=True)
    try:
        assert (response.status_code == 101) is allowed, response.status_code
    finally:
        response.close()


async def test_widget_origin_can_connect_and_chat(stack: Stack) -> None:
    chat = SocketChat(stack.url, WIDGET_ORIGIN)
    await chat.connect()
    try:
        assert SIZE_ANSWER in await chat.ask("how big is IS-K?", expect=SIZE_ANSWER)
    finally:
        await chat.close()
