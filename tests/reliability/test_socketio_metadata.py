"""Widget messages' metadata: only the project's keys, capped, reach the tracker store."""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any, AsyncIterator, Dict, List

import pytest

from rasa.shared.constants import ASSISTANT_ID_KEY
from rasa.shared.nlu.constants import METADATA_MODEL_ID

from channels.guard import METADATA_MAX_CHARS
from tests.reliability.conftest import WIDGET_ORIGIN, Stack
from tests.support.socketio_chat import SocketChat

SIZE_ANSWER = "3,000"
# What Rasa itself adds to every stored message.
RASAS_OWN = {ASSISTANT_ID_KEY, METADATA_MODEL_ID}


def stored_metadata(stack: Stack, sender_id: str) -> List[Dict[str, Any]]:
    """The metadata of each user message Rasa stored for one conversation."""
    with sqlite3.connect(stack.tracker_env["TRACKER_DB"]) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id", (sender_id,)
        ).fetchall()
    return [json.loads(data).get("metadata") or {} for (data,) in rows]


def wait_for_rows(stack: Stack, sender_id: str, count: int, timeout: float = 10) -> List[Dict[str, Any]]:
    """Rasa saves a turn just after its replies are sent: poll until ``count`` rows are there."""
    deadline = time.monotonic() + timeout
    while len(rows := stored_metadata(stack, sender_id)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(rows)} of {count} user messages stored")
        time.sleep(0.1)
    return rows


@pytest.fixture
async def chat(healthy: Stack) -> AsyncIterator[SocketChat]:
    conversation = SocketChat(healthy.url, WIDGET_ORIGIN)
    await conversation.connect()
    try:
        yield conversation
    finally:
        await conversation.close()


@pytest.mark.parametrize(
    "metadata, kept",
    [
        ({"bench_turn": 3, "junk": "x" * 30_000, "nested": {"a": [1, 2]}}, {"bench_turn": 3}),
        ({"bench_turn": "y" * 10_000}, {}),
        ({"anything": "else"}, {}),
        ('{"bench_turn": 1}', {}),
        (["not", "a", "dict"], {}),
    ],
    ids=["known-key-kept-rest-dropped", "oversized-value", "unknown-key", "json-string", "list"],
)
async def test_only_the_projects_metadata_keys_are_stored(
    healthy: Stack, chat: SocketChat, metadata: Any, kept: Dict[str, Any]
) -> None:
    await chat.send_raw({"message": "how big is IS-K?", "session_id": chat.session_id, "metadata": metadata})
    await chat.wait_until(lambda: any(SIZE_ANSWER in (m.get("text") or "") for m in chat.messages))
    sender_id = "web:" + chat.session_id.split(".")[0]
    (stored,) = wait_for_rows(healthy, sender_id, 1)
    from_client = {k: v for k, v in stored.items() if k not in RASAS_OWN}
    assert from_client == kept
    assert len(json.dumps(from_client)) <= METADATA_MAX_CHARS
