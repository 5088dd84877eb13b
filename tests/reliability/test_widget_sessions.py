"""Widget sessions belong to their socket, and the socket.io channel's rate limits hold.

Against a real Rasa server of this module's own (explicit limits, its own session secret and
SQLite tracker store, read directly to see what Rasa stored). Each client gets its own
address through X-Forwarded-For from the trusted loopback proxy, so one test's traffic never
counts against another's.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import sqlite3
import time
from pathlib import Path
from typing import AsyncIterator, Callable, Dict, Iterator, List, Optional

import engineio.payload
import pytest
import socketio

from channels.replies import REPLIES
from tests.support.metrics import record
from tests.support.servers import LOG_DIR, Server, serving, start_rasa_server
from tests.support.socketio_chat import SocketChat

ORIGIN = "http://localhost:18081"
SIZE_ANSWER = "3,000"
BASE_ANSWER = "Nangarhar"
UNREADABLE = REPLIES["unreadable"]
SLOW_DOWN = REPLIES["slow_down"]
TOKEN = re.compile(r"^[0-9a-f]{32}\.[A-Za-z0-9_-]{43}$")
MAX_SOCKETS = 6
NEW_SESSIONS = 5  # a minute, per address
_ADDRESSES = (f"198.51.100.{n}" for n in itertools.count(1))


class Reader(SocketChat):
    """A widget-like client seen by the server as coming from its own address (via the proxy)."""

    def __init__(self, url: str, session_id: Optional[str] = None, address: Optional[str] = None) -> None:
        super().__init__(url, ORIGIN, session_id)
        self.address = address or next(_ADDRESSES)

    async def connect(self, transports: Optional[List[str]] = None, confirm: bool = True) -> None:
        await self.client.connect(
            self.url, headers={"Origin": self.origin, "X-Forwarded-For": self.address},
            transports=transports or ["polling"], wait_timeout=10,
        )
        if confirm:
            await self.client.emit("session_request", {"session_id": self.session_id})
            await self.wait_until(lambda: self.confirmed is not None)

    def texts(self, start: int = 0) -> List[str]:
        return [m.get("text") or "" for m in self.messages[start:]]


def sender_of(token: str) -> str:
    return "web:" + token.split(".")[0]


@pytest.fixture(scope="module")
def tracker_db() -> Path:
    path = LOG_DIR / "widget-sessions-tracker.db"
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    return path


@pytest.fixture(scope="module")
def server(action_server: Server, tracker_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    secret = tmp_path_factory.mktemp("widget-secret") / "session_secret"
    env: Dict[str, str] = dict(
        ISK_CORS_ORIGINS=ORIGIN, ISK_SESSION_SECRET_FILE=str(secret), ISK_RATE_LIMITS="on",
        ISK_TRUSTED_PROXIES="127.0.0.1", ISK_RATE_LIMIT_STORAGE="memory://",
        ISK_RATE_LIMIT_CONVERSATION="11/second;20/10 seconds;70/minute",
        ISK_RATE_LIMIT_ADDRESS="60/minute", ISK_RATE_LIMIT_NEW_CONVERSATIONS=f"{NEW_SESSIONS}/minute",
        ISK_RATE_LIMIT_SOCKETS=str(MAX_SOCKETS),
        TRACKER_DIALECT="sqlite", TRACKER_HOST="", TRACKER_DB=str(tracker_db), TRACKER_USER="", TRACKER_PASSWORD="",
    )
    with serving(start_rasa_server(action_port=action_server.port, name="widget-sessions", **env)) as rasa:
        yield rasa


def user_texts(db: Path, sender_id: str) -> List[str]:
    """The user messages Rasa stored for one conversation, in order."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id", (sender_id,)
        ).fetchall()
    return [json.loads(data).get("text") for (data,) in rows]


async def stored(db: Path, sender_id: str, expected: List[str]) -> None:
    """Rasa saves a turn just after its replies are sent: wait for ``expected``, then insist
    on exactly it (a message that should not have reached Rasa would show up here)."""
    await eventually(lambda: len(user_texts(db, sender_id)) >= len(expected), 10, lambda: repr(user_texts(db, sender_id)))
    assert user_texts(db, sender_id) == expected


@pytest.fixture
async def readers(server: Server) -> AsyncIterator[List[Reader]]:
    """Readers a test opens; all closed at the end."""
    opened: List[Reader] = []
    try:
        yield opened
    finally:
        for reader in opened:
            await reader.close()


async def open_reader(readers: List[Reader], server: Server, **kwargs: str) -> Reader:
    reader = Reader(server.url, **kwargs)
    readers.append(reader)
    await reader.connect()
    return reader


async def test_the_server_issues_a_signed_session_whatever_was_asked(server: Server, readers: List[Reader]) -> None:
    reader = await open_reader(readers, server, session_id="my-own-choice")
    assert reader.confirmed != "my-own-choice" and TOKEN.match(reader.confirmed), reader.confirmed
    assert SIZE_ANSWER in await reader.ask("how big is IS-K?", expect=SIZE_ANSWER)


async def test_reload_continues_the_same_conversation(server: Server, readers: List[Reader], tracker_db: Path) -> None:
    first = await open_reader(readers, server)
    await first.ask("how big is IS-K?", expect=SIZE_ANSWER)
    token = first.session_id
    await first.close()
    again = await open_reader(readers, server, session_id=token, address=first.address)
    assert again.confirmed == token
    more = await again.ask("tell me more", expect="How many members does IS-K have?")
    assert "Tell you more about what" not in more, "the server lost the conversation's topic"
    await stored(tracker_db, sender_of(token), ["how big is IS-K?", "tell me more"])


def _forgeries(token: str) -> Dict[str, str]:
    random_part, signature = token.split(".")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    return {
        "flipped-signature": f"{random_part}.{flipped}",
        "other-random-same-signature": f"{'0' * 32}.{signature}",
        "bare-random": random_part,
        "sender-id": sender_of(token),
        "sender-id-with-signature": f"web:{random_part}.{signature}",
        "truncated": token[:-1],
    }


@pytest.mark.parametrize("kind", list(_forgeries("0" * 32 + "." + "a" * 43)))
async def test_a_forged_or_malformed_token_gets_a_fresh_session(
    server: Server, readers: List[Reader], tracker_db: Path, kind: str
) -> None:
    reader = await open_reader(readers, server)
    await reader.ask("how big is IS-K?", expect=SIZE_ANSWER)
    claim = _forgeries(reader.session_id)[kind]
    intruder = await open_reader(readers, server, session_id=claim)
    assert intruder.confirmed not in (claim, reader.session_id) and TOKEN.match(intruder.confirmed)
    assert sender_of(intruder.confirmed) != sender_of(reader.session_id)
    await intruder.ask("where are IS-K based?", expect=BASE_ANSWER)
    await stored(tracker_db, sender_of(reader.session_id), ["how big is IS-K?"])


async def test_a_second_client_claiming_the_readers_id_hears_nothing_and_changes_nothing(
    server: Server, readers: List[Reader], tracker_db: Path
) -> None:
    reader = await open_reader(readers, server)
    await reader.ask("how big is IS-K?", expect=SIZE_ANSWER)
    intruder = await open_reader(readers, server)
    # The intruder names the reader's token, its bare sender id, or its random part in messages.
    for claim in (reader.session_id, sender_of(reader.session_id), reader.session_id.split(".")[0]):
        start = len(intruder.messages)
        await intruder.send_raw({"message": "/restart", "session_id": claim})
        await intruder.send_raw({"message": "where are IS-K based?", "session_id": claim})
        await intruder.wait_until(lambda: sum(UNREADABLE in t for t in intruder.texts(start)) == 2)
    # The reader's conversation goes on, untouched: its topic is still the size.
    before = len(intruder.messages)
    more = await reader.ask("tell me more", expect="How many members does IS-K have?")
    assert "Tell you more about what" not in more
    await intruder.ask("hello")  # a round trip: anything meant for the intruder has arrived
    heard = " ".join(intruder.texts(before))
    assert SIZE_ANSWER not in heard and "members" not in heard, heard
    await stored(tracker_db, sender_of(reader.session_id), ["how big is IS-K?", "tell me more"])
    assert BASE_ANSWER not in " ".join(reader.texts())


async def test_replies_go_to_the_asking_socket_only(server: Server, readers: List[Reader]) -> None:
    """Two sockets of one session (two tabs of one reader): each hears only its own answers."""
    one = await open_reader(readers, server)
    two = await open_reader(readers, server, session_id=one.session_id, address=one.address)
    assert two.confirmed == one.session_id
    third = await open_reader(readers, server)
    size, base = await asyncio.gather(
        one.ask("how big is IS-K?", expect=SIZE_ANSWER), two.ask("where are IS-K based?", expect=BASE_ANSWER)
    )
    await asyncio.gather(one.ask("hello"), two.ask("hello"), third.ask("hello"))  # round trips
    assert BASE_ANSWER not in " ".join(one.texts()) and SIZE_ANSWER not in " ".join(two.texts())
    third_heard = " ".join(third.texts())
    assert BASE_ANSWER not in third_heard and SIZE_ANSWER not in third_heard


async def test_a_message_before_any_session_is_refused(server: Server, readers: List[Reader]) -> None:
    reader = Reader(server.url)
    readers.append(reader)
    await reader.connect(confirm=False)
    await reader.send_raw({"message": "how big is IS-K?", "session_id": "anything"})
    await reader.wait_until(lambda: any(UNREADABLE in t for t in reader.texts()))


async def test_sockets_over_the_limit_are_refused_and_freed_on_close(server: Server, readers: List[Reader]) -> None:
    address = next(_ADDRESSES)

    async def open_socket() -> Reader:
        reader = Reader(server.url, address=address)
        readers.append(reader)
        await reader.connect(confirm=False)  # a socket, no session: only the socket limit applies
        return reader

    first = await open_socket()
    for _ in range(MAX_SOCKETS - 1):
        await open_socket()
    with pytest.raises(socketio.exceptions.ConnectionError):
        await open_socket()
    # Another address is not affected.
    await open_reader(readers, server)
    # Once one socket closes, its place is free again (the server notices the close soon).
    await first.close()
    deadline = time.monotonic() + 10
    while True:
        try:
            await open_socket()
            break
        except socketio.exceptions.ConnectionError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)  # polling a condition with a deadline, not a synchronisation sleep


async def test_asking_again_without_a_token_keeps_the_sockets_session(server: Server, readers: List[Reader]) -> None:
    """The widget may send a second session_request before the first is confirmed."""
    reader = await open_reader(readers, server)
    first = reader.session_id
    reader.confirmed = None
    await reader.client.emit("session_request", {"session_id": None})
    await reader.wait_until(lambda: reader.confirmed is not None)
    assert reader.confirmed == first
    assert SIZE_ANSWER in await reader.ask("how big is IS-K?", expect=SIZE_ANSWER)


async def test_new_sessions_per_address_are_limited(server: Server, readers: List[Reader]) -> None:
    address = next(_ADDRESSES)
    for _ in range(NEW_SESSIONS):
        kept = (await open_reader(readers, server, address=address)).session_id
    late = Reader(server.url, address=address)
    readers.append(late)
    await late.connect(confirm=False)
    await late.client.emit("session_request", {"session_id": None})
    await late.wait_until(lambda: any(SLOW_DOWN in t for t in late.texts()))
    assert late.confirmed is None
    # A returning widget's valid token is no new conversation: it still continues.
    await late.client.emit("session_request", {"session_id": kept})
    await late.wait_until(lambda: late.confirmed is not None)
    assert late.confirmed == kept


async def test_sixty_quick_messages_are_throttled_while_another_reader_is_answered(
    server: Server, readers: List[Reader], tracker_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The test client's own cap on packets per long-polling response (16) would drop the
    # bursts of replies; the server is unchanged.
    monkeypatch.setattr(engineio.payload.Payload, "max_decode_packets", 10_000)
    flooder = await open_reader(readers, server)
    other = await open_reader(readers, server)
    await other.ask("how big is IS-K?", expect=SIZE_ANSWER)  # warm: the session has started
    # python-engineio's server takes at most 16 packets per long-polling POST (a browser's
    # websocket sends each message alone): batches of 8, each sent before the next is queued.
    for batch in range(0, 60, 8):
        for _ in range(min(8, 60 - batch)):
            await flooder.send_raw({"message": "how big is IS-K?", "session_id": flooder.session_id})
        await asyncio.wait_for(flooder.client.eio.queue.join(), 10)
    started = time.monotonic()
    await other.ask("where are IS-K based?", expect=BASE_ANSWER, timeout=10)
    other_seconds = time.monotonic() - started
    sender = sender_of(flooder.session_id)

    def refused() -> int:
        return sum(SLOW_DOWN in t for t in flooder.texts())

    # Every message is either refused at once or stored by Rasa once its turn is done.
    await eventually(
        lambda: refused() + len(user_texts(tracker_db, sender)) == 60, timeout=60,
        state=lambda: f"refused {refused()}, stored {len(user_texts(tracker_db, sender))}, heard {flooder.texts()}",
    )
    admitted = len(user_texts(tracker_db, sender))
    assert 10 <= admitted <= 20, f"{admitted} stored: a burst of 10, then about 1 a second (20 in 10 s at most)"
    assert refused() >= 40
    record("socket.io flood: messages admitted of 60 / other reader's answer (s)", f"{admitted} / {other_seconds:.2f}")
    assert other_seconds < 1.0, f"the other reader waited {other_seconds:.2f}s"


async def eventually(condition: Callable[[], bool], timeout: float, state: Callable[[], str] = str) -> None:
    """Poll ``condition`` until it holds; fail after ``timeout`` seconds, showing ``state()``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: {state()}")
        await asyncio.sleep(0.1)
