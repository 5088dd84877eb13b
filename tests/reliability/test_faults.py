"""Faults of the action server: killed or frozen mid-conversation, and slower than the lock.

Rasa waits ``ISK_ACTION_TIMEOUT`` (2 s here) for an action, inside a 6 s conversation lock
(``TICKET_LOCK_LIFETIME``), and the channel turns a silent turn into a "trouble" reply.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import List

import requests

from tests.reliability.conftest import Stack
from tests.support.rest import RestChat, texts

TROUBLE = "having trouble answering"
SIZE_ANSWER = "3,000"
SIZE_SECTION = "How many members does IS-K have?"


def wait_for_readiness(stack: Stack, ready: bool, timeout: float = 30.0) -> dict:
    """Poll /ready until it reports ``ready``; return its body."""
    deadline = time.monotonic() + timeout
    body: dict = {}
    while time.monotonic() < deadline:
        response = requests.get(stack.ready_url, timeout=10)
        body = response.json()
        if body["ready"] is ready:
            assert response.status_code == (200 if ready else 503)
            return body
        time.sleep(0.2)
    raise AssertionError(f"readiness never became {ready}: {body}")


def user_texts(stack: Stack, sender: str) -> List[str]:
    """The user messages stored for ``sender`` in the stack's SQLite tracker store."""
    with sqlite3.connect(stack.tracker_env["TRACKER_DB"]) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id", (sender,)
        ).fetchall()
    return [json.loads(data)["text"] for (data,) in rows]


def test_frozen_action_server_gets_a_trouble_reply_then_recovers(healthy: Stack) -> None:
    chat = RestChat(healthy.url)
    assert SIZE_ANSWER in chat.ask("how big is IS-K?")
    healthy.actions.pause()
    try:
        started = time.monotonic()
        assert TROUBLE in chat.ask("tell me more")
        assert time.monotonic() - started < 10, "the reply must come after the action timeout, not Rasa's 300 s"
        assert wait_for_readiness(healthy, ready=False)["checks"]["action_server"] == "timeout"
    finally:
        healthy.actions.resume()
    wait_for_readiness(healthy, ready=True)
    assert SIZE_SECTION in chat.ask("tell me more"), "the same conversation goes on where it was"


def test_killed_action_server_gets_a_trouble_reply_then_recovers(healthy: Stack) -> None:
    chat = RestChat(healthy.url)
    assert SIZE_ANSWER in chat.ask("how big is IS-K?")
    healthy.actions.stop()
    assert TROUBLE in chat.ask("tell me more")
    assert wait_for_readiness(healthy, ready=False)["checks"]["action_server"] == "unreachable"
    healthy.start_actions()
    wait_for_readiness(healthy, ready=True)
    assert SIZE_SECTION in chat.ask("tell me more")


def test_no_message_is_dropped_while_an_action_hangs(healthy: Stack) -> None:
    """The frozen action server never answers (slower than the 6 s lock): each queued message
    still gets a reply and is stored, because Rasa gives up after 2 s, inside the lock."""
    sender = f"queue-{uuid.uuid4().hex}"
    sent = ["how big is IS-K?", "tell me more"]
    healthy.actions.pause()
    try:
        with ThreadPoolExecutor(max_workers=len(sent)) as pool:
            futures = [pool.submit(RestChat(healthy.url, sender).send, text) for text in sent]
            replies = [f.result(timeout=30) for f in futures]
    finally:
        healthy.actions.resume()
    assert all(TROUBLE in texts(r) for r in replies), replies
    assert sorted(user_texts(healthy, sender)) == sorted(sent)
    wait_for_readiness(healthy, ready=True)
    assert SIZE_ANSWER in RestChat(healthy.url, sender).ask("how big is IS-K?")


def test_readiness_is_ready_when_everything_runs(healthy: Stack) -> None:
    body = wait_for_readiness(healthy, ready=True)
    assert body["checks"] == {"model": "ok", "tracker_store": "ok", "lock_store": "ok", "action_server": "ok"}
