"""Conversations live in the SQL tracker store: they survive a restart and long chats."""

from __future__ import annotations

import sqlite3
import uuid

from tests.reliability.conftest import Stack
from tests.support.rest import RestChat

SIZE_ANSWER = "3,000"
SIZE_SECTION = "How many members does IS-K have?"
MAX_TURNS = 10  # ISK_SESSION_MAX_TURNS default (channels/settings.py)


def sessions_started(stack: Stack, sender: str) -> int:
    with sqlite3.connect(stack.tracker_env["TRACKER_DB"]) as db:
        (count,) = db.execute(
            "SELECT COUNT(*) FROM events WHERE sender_id = ? AND type_name = 'session_started'", (sender,)
        ).fetchone()
    return count


def test_follow_up_resolves_after_a_rasa_restart(healthy: Stack) -> None:
    chat = RestChat(healthy.url, f"restart-{uuid.uuid4().hex}")
    assert SIZE_ANSWER in chat.ask("how big is IS-K?")
    healthy.rasa.stop()
    healthy.start_rasa()
    assert SIZE_SECTION in chat.ask("tell me more"), "the topic must come back from the tracker store"


def test_long_conversation_starts_new_sessions_and_keeps_the_topic(healthy: Stack) -> None:
    """Every MAX_TURNS user turns a new session starts (so each turn's tracker stays short);
    the topic slot carries over, so a follow-up after the boundary still resolves."""
    sender = f"long-{uuid.uuid4().hex}"
    chat = RestChat(healthy.url, sender)
    assert SIZE_ANSWER in chat.ask("how big is IS-K?")
    for _ in range(MAX_TURNS):
        assert chat.ask("thanks")
    assert sessions_started(healthy, sender) == 2
    assert SIZE_SECTION in chat.ask("tell me more")
